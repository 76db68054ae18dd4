"""The bodies the engine signs are RFC 8785 JSON, byte for byte what `jcs` (and so the SDK,
which canonicalizes before it checks a signature) writes, whichever encoder wrote them."""

from __future__ import annotations

import random
import string
from typing import Any

import jcs
import pytest

from workflows.engine.protocol import canonical_json

TRICKY: list[Any] = [
    {"b": 1, "a": [True, False, None], "c": {"z": "", "y": 'é\u2028\n\t"\\\x00\x1f'}},
    {"amount": 49.5, "ratio": 1e21, "tiny": 5e-324, "whole": 2.0, "negative_zero": -0.0},
    {"big": 2**53, "bigger": -(2**60), "edge": 2**53 - 1, "below": -(2**53) + 1},
    {"\U0001f600": 1, "\ufb01": 2, "a": 3},  # an astral key sorts before U+FB01 in UTF-16
    {"Ä": 1, "Z": 2, "a": 3},
    [1, "two", [3, [4, {}]], ()],
    "just a string with \u2603 and \U0001f680",
    12345,
    None,
]


@pytest.mark.parametrize("value", TRICKY)
def test_tricky_values_are_written_as_jcs_writes_them(value: Any) -> None:
    assert canonical_json(value) == bytes(jcs.canonicalize(value))


def random_json(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["str", "int", "big", "float", "bool", "null"]
    if depth < 4:
        kinds += ["list", "dict", "dict"]
    kind = rng.choice(kinds)
    if kind == "str":
        return random_text(rng)
    if kind == "int":
        return rng.randint(-(10**6), 10**6)
    if kind == "big":
        return rng.choice([1, -1]) * rng.randint(2**52, 2**64)
    if kind == "float":
        return rng.choice([rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randint(-30, 30)])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_text(rng): random_json(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def random_text(rng: random.Random) -> str:
    alphabet = string.printable + "éßÄ\u2028\ufb01\U0001f600\U0001f680\x00\x07\x1f"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))


def test_random_values_are_written_as_jcs_writes_them() -> None:
    rng = random.Random(8785)
    for _ in range(3000):
        value = random_json(rng)
        assert canonical_json(value) == bytes(jcs.canonicalize(value)), value
