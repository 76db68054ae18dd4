"""The items around one in the queue, for j/k and for going on after a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, or_, select

from workflows.services import Services
from workflows.store.models import Action


@dataclass(frozen=True)
class Neighbours:
    previous: str | None
    next: str | None


async def pending_ids(services: Services, *, now: datetime) -> list[str]:
    """Ids of the actions waiting for a decision, in the queue's order: oldest first."""
    query = (
        select(Action.id)
        .where(
            col(Action.status) == "pending",
            or_(col(Action.expires_at).is_(None), col(Action.expires_at) > now),
        )
        .order_by(col(Action.created_at), col(Action.id))
    )
    async with services.sessions() as session:
        return list((await session.exec(query)).all())


async def neighbours(services: Services, action_id: str, *, now: datetime) -> Neighbours:
    """The pending items before and after this one; for a decided item, the queue's ends.

    A decided item has left the queue: its "next" is the oldest item still waiting.
    """
    queue = await pending_ids(services, now=now)
    if action_id not in queue:
        return Neighbours(previous=None, next=queue[0] if queue else None)
    at = queue.index(action_id)
    return Neighbours(
        previous=queue[at - 1] if at > 0 else None,
        next=queue[at + 1] if at + 1 < len(queue) else None,
    )
