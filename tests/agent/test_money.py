"""Money as people read it."""

from __future__ import annotations

import pytest

from agent.money import format_money


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [
        (24900, "usd", "$249.00"),
        (500000, "USD", "$5,000.00"),
        (5, "usd", "$0.05"),
        (-1050, "eur", "-€10.50"),
        (1200, "gbp", "£12.00"),
        (1500, "jpy", "¥1,500"),
        (999, "chf", "9.99 CHF"),
    ],
)
def test_amounts_read_with_their_currency(cents: int, currency: str, shown: str) -> None:
    assert format_money(cents, currency) == shown
