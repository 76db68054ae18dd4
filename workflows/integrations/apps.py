"""What the workflows need from a product's integration (the contract in the architecture notes)."""

from __future__ import annotations

from typing import Any, Protocol

from agent.context import Customer, Purchase


class AppIntegration(Protocol):
    """One supported product's own systems; mutating calls carry an idempotency key."""

    async def lookup_user(self, email: str) -> Customer | None: ...

    async def purchases(self, user_id: str) -> list[Purchase]: ...

    async def refund(
        self, *, purchase_id: str, amount_cents: int, reason: str, idempotency_key: str
    ) -> dict[str, Any]: ...

    async def transfer(
        self, *, purchase_id: str, to_email: str, idempotency_key: str
    ) -> dict[str, Any]: ...

    async def magic_link(self, *, email: str) -> dict[str, Any]: ...

    async def update_email(
        self, *, user_id: str, new_email: str, idempotency_key: str
    ) -> dict[str, Any]: ...
