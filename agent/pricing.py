"""Estimated cost of a run from its token usage and a small table of list prices.

Prices are US dollars per million tokens from Anthropic's published list prices for standard
(non-batch) requests. Prompt-cache writes with the default 5-minute lifetime cost 1.25 times the
input price and cache reads 0.1 times. A model missing from the table has no estimate (None), rather
than a wrong one; add a row when adopting a new model.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

_MILLION = 1_000_000
_CACHE_WRITE_FACTOR = 1.25
_CACHE_READ_FACTOR = 0.1


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """List prices in USD per million input and output tokens."""

    input: float
    output: float


PRICES: dict[str, ModelPrice] = {
    "claude-opus-4-6": ModelPrice(input=5.0, output=25.0),
    "claude-opus-4-5": ModelPrice(input=5.0, output=25.0),
    "claude-sonnet-4-6": ModelPrice(input=3.0, output=15.0),
    "claude-sonnet-4-5": ModelPrice(input=3.0, output=15.0),
    "claude-haiku-4-5": ModelPrice(input=1.0, output=5.0),
    "offline": ModelPrice(input=0.0, output=0.0),
}


class TokenUsage(BaseModel):
    """Tokens summed over every model call of a run, as the API's `usage` reports them."""

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens
            + other.cache_creation_input_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
        )


def price_for(model: str) -> ModelPrice | None:
    """The price row for a model id, matching dated ids (`...-20251001`) to their alias."""
    matches = [name for name in PRICES if model == name or model.startswith(name + "-")]
    return PRICES[max(matches, key=len)] if matches else None


def estimate_cost_usd(model: str, usage: TokenUsage) -> float | None:
    """The run's estimated cost in USD, or None when the model has no price row."""
    price = price_for(model)
    if price is None:
        return None
    dollars = (
        usage.input_tokens * price.input
        + usage.cache_creation_input_tokens * price.input * _CACHE_WRITE_FACTOR
        + usage.cache_read_input_tokens * price.input * _CACHE_READ_FACTOR
        + usage.output_tokens * price.output
    ) / _MILLION
    return round(dollars, 6)
