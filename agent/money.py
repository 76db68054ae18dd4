"""Money as people read it: "$249.00", never cents."""

from __future__ import annotations

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}
# Currencies whose minor unit is the whole unit (ISO 4217 exponent 0).
_NO_MINOR_UNIT = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX"})


def format_money(cents: int, currency: str = "USD") -> str:
    """`24900, "usd"` → "$249.00"; `500000, "eur"` → "€5,000.00"; other codes follow the sum."""
    code = currency.upper()
    sign = "-" if cents < 0 else ""
    units = abs(cents)
    amount = f"{units:,}" if code in _NO_MINOR_UNIT else f"{units // 100:,}.{units % 100:02d}"
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {code}"
