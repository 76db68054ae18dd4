"""A reply is read as greeting, body and sign-off, so status lines go inside the letter."""

from __future__ import annotations

import pytest

from agent.letter import read_letter


def test_a_full_letter_splits_into_its_three_parts() -> None:
    letter = read_letter("Hi Ann,\n\nThanks for writing.\n\nSecond part.\n\nKind regards,\nLee")

    assert (letter.greeting, letter.body, letter.sign_off) == (
        "Hi Ann,",
        "Thanks for writing.\n\nSecond part.",
        "Kind regards,\nLee",
    )
    assert letter.render("Status.") == (
        "Hi Ann,\n\nThanks for writing.\n\nSecond part.\n\nStatus.\n\nKind regards,\nLee"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for your patience while we look into this.",
        "Hi there, the export button is under Settings, then Data.",
        "Best of luck with the launch!\n\nWe are here if you need us.",
    ],
)
def test_text_without_a_greeting_or_sign_off_is_all_body(text: str) -> None:
    letter = read_letter(text)
    assert (letter.greeting, letter.body, letter.sign_off) == ("", text, "")


@pytest.mark.parametrize("closing", ["Thanks,", "Cheers", "Best,", "Sincerely,", "Warm regards,"])
def test_common_closings_are_sign_offs(closing: str) -> None:
    assert read_letter(f"Body.\n\n{closing}\nAnn").sign_off == f"{closing}\nAnn"


def test_a_long_last_paragraph_is_body_even_if_it_starts_with_thanks() -> None:
    last = "Thanks\nfor\nall\nof\nit"
    assert read_letter(f"Body.\n\n{last}").sign_off == ""
