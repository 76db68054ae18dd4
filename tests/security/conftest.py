"""One `support-agent serve` per module, started as a new install would be."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.server import Served, ServeProcess


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    process = ServeProcess(tmp_path_factory.mktemp("install"))
    try:
        yield process.start()
    finally:
        process.stop()
