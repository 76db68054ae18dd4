"""The built-in demo app: sample customers and purchases behind the app integration contract."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from agent.context import Customer, Purchase
from workflows.errors import IntegrationError
from workflows.integrations.demo_data import DEMO_CUSTOMER_EMAIL
from workflows.integrations.demo_state import DemoState
from workflows.names import DEMO_INTEGRATION_URL
from workflows.store.models import DemoOperation

DEMO_APP_ID = "demo"
DEMO_APP_NAME = "Demo app"
DEMO_INBOX_ID = "inb_demo"
MAGIC_LINK_LIFETIME = timedelta(minutes=15)
# Any constant works: it names the one advisory lock every demo change takes on PostgreSQL.
_POSTGRES_LOCK_ID = 7_465_606_157

__all__ = [
    "DEMO_APP_ID",
    "DEMO_APP_NAME",
    "DEMO_CUSTOMER_EMAIL",
    "DEMO_INBOX_ID",
    "DEMO_INTEGRATION_URL",
    "DemoApp",
]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DemoApp:
    """`AppIntegration` in-process; changes are kept in `demo_operations`, once per key."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock or _utcnow

    async def lookup_user(self, email: str) -> Customer | None:
        async with self._sessions() as session:
            user = (await self._state(session)).user_by_email(email)
        return user.customer() if user is not None else None

    async def purchases(self, user_id: str) -> list[Purchase]:
        async with self._sessions() as session:
            return (await self._state(session)).purchases_of(user_id)

    async def refund(
        self, *, purchase_id: str, amount_cents: int, reason: str, idempotency_key: str
    ) -> dict[str, Any]:
        request = {"purchase_id": purchase_id, "amount_cents": amount_cents, "reason": reason}
        return await self._change("refund", request, idempotency_key)

    async def transfer(
        self, *, purchase_id: str, to_email: str, idempotency_key: str
    ) -> dict[str, Any]:
        request = {"purchase_id": purchase_id, "to_email": to_email}
        return await self._change("transfer", request, idempotency_key)

    async def magic_link(self, *, email: str) -> dict[str, Any]:
        if await self.lookup_user(email) is None:
            raise IntegrationError(f"no account for {email}", retryable=False)
        expires_at = self._clock() + MAGIC_LINK_LIFETIME
        token = secrets.token_urlsafe(16)
        return {"url": f"https://demo.invalid/login/{token}", "expires_at": expires_at.isoformat()}

    async def update_email(
        self, *, user_id: str, new_email: str, idempotency_key: str
    ) -> dict[str, Any]:
        request = {"user_id": user_id, "new_email": new_email}
        return await self._change("update-email", request, idempotency_key)

    async def _change(self, method: str, request: dict[str, Any], key: str) -> dict[str, Any]:
        if not key:
            raise IntegrationError(f"{method} needs an idempotency key", retryable=False)
        async with self._sessions() as session:
            await _one_writer_at_a_time(session)
            query = select(DemoOperation).where(DemoOperation.idempotency_key == key)
            done = (await session.exec(query)).first()
            if done is not None:
                if done.method != method:
                    raise IntegrationError(
                        f"idempotency key already used for {done.method}", retryable=False
                    )
                return dict(done.result)
            now = self._clock()
            result = (await self._state(session)).apply(method, request, key=key, at=now)
            session.add(
                DemoOperation(
                    idempotency_key=key,
                    method=method,
                    request=request,
                    result=result,
                    created_at=now,
                )
            )
            await session.commit()
        return result

    async def _state(self, session: AsyncSession) -> DemoState:
        state = DemoState(self._clock())
        operations = await session.exec(select(DemoOperation).order_by(col(DemoOperation.id)))
        for operation in operations:
            try:
                state.apply(
                    operation.method,
                    operation.request,
                    key=operation.idempotency_key,
                    at=operation.created_at,
                )
            except (IntegrationError, KeyError, TypeError):
                # A change that fits no longer (the sample data moved on) is history, not state.
                continue
        return state


async def _one_writer_at_a_time(session: AsyncSession) -> None:
    """Serialise demo changes across processes, so two refunds cannot both pass the same check."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(text(f"SELECT pg_advisory_xact_lock({_POSTGRES_LOCK_ID})"))
    else:
        # A write, even of no rows, takes SQLite's write lock until this transaction ends.
        await connection.execute(text("UPDATE demo_operations SET method = method WHERE 1 = 0"))
