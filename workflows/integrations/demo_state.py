"""The demo app's users and purchases: the sample data with each recorded change applied."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from agent.context import Customer, Purchase
from agent.money import format_money
from workflows.errors import IntegrationError
from workflows.integrations.demo_data import SAMPLE_CUSTOMERS

# Statuses after which a purchase has nothing left to refund or transfer.
_CLOSED = frozenset({"refunded"})


@dataclass(frozen=True)
class DemoUser:
    id: str
    email: str
    name: str | None
    created_at: datetime

    def customer(self) -> Customer:
        return Customer(id=self.id, email=self.email, name=self.name, created_at=self.created_at)


@dataclass(frozen=True)
class DemoPurchase:
    id: str
    owner_id: str
    product: str
    amount_cents: int
    currency: str
    purchased_at: datetime
    status: str
    refunded_cents: int

    def purchase(self) -> Purchase:
        return Purchase(
            id=self.id,
            product=self.product,
            amount_cents=self.amount_cents,
            currency=self.currency,
            purchased_at=self.purchased_at,
            status=self.status,
            refunded_cents=self.refunded_cents,
        )


class DemoState:
    """Answers look-ups and applies changes; a change that cannot apply raises a permanent error."""

    def __init__(self, now: datetime) -> None:
        self.users: dict[str, DemoUser] = {}
        self.purchases: dict[str, DemoPurchase] = {}
        for sample in SAMPLE_CUSTOMERS:
            joined = now - timedelta(days=sample.joined_days_ago)
            self.users[sample.id] = DemoUser(sample.id, sample.email, sample.name, joined)
            for p in sample.purchases:
                self.purchases[p.id] = DemoPurchase(
                    id=p.id,
                    owner_id=sample.id,
                    product=p.product,
                    amount_cents=p.amount_cents,
                    currency=p.currency,
                    purchased_at=now - timedelta(days=p.days_ago),
                    status=p.status,
                    refunded_cents=p.refunded_cents,
                )

    def user_by_email(self, email: str) -> DemoUser | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def purchases_of(self, user_id: str) -> list[Purchase]:
        owned = [p for p in self.purchases.values() if p.owner_id == user_id]
        return [p.purchase() for p in sorted(owned, key=lambda p: p.purchased_at)]

    def apply(
        self, method: str, request: dict[str, Any], *, key: str, at: datetime
    ) -> dict[str, Any]:
        """Apply one change and return its result; raises IntegrationError(retryable=False)."""
        if method == "refund":
            return self._refund(request, key=key)
        if method == "transfer":
            return self._transfer(request, key=key, at=at)
        if method == "update-email":
            return self._update_email(request)
        raise _refused(f"unknown change {method!r}")

    def _refund(self, request: dict[str, Any], *, key: str) -> dict[str, Any]:
        purchase = self._purchase(request["purchase_id"])
        amount = request["amount_cents"]
        if amount <= 0:
            raise _refused("a refund amount must be positive")
        left = purchase.amount_cents - purchase.refunded_cents
        if purchase.status in _CLOSED or amount > left:
            asked, rest = (
                format_money(amount, purchase.currency),
                format_money(left, purchase.currency),
            )
            raise _refused(f"{asked} is more than the {rest} left to refund")
        refunded = purchase.refunded_cents + amount
        status = "refunded" if refunded == purchase.amount_cents else "partially_refunded"
        self.purchases[purchase.id] = replace(purchase, refunded_cents=refunded, status=status)
        return {
            "refund_id": f"re_{_token(key)}",
            "status": "succeeded",
            "purchase_id": purchase.id,
            "amount_cents": amount,
        }

    def _transfer(self, request: dict[str, Any], *, key: str, at: datetime) -> dict[str, Any]:
        purchase = self._purchase(request["purchase_id"])
        to_email = _email(request["to_email"])
        if purchase.status in _CLOSED:
            raise _refused(f"purchase {purchase.id} is {purchase.status}; no licence to move")
        owner = self.users[purchase.owner_id]
        if owner.email.lower() == to_email.lower():
            raise _refused(f"purchase {purchase.id} already belongs to {to_email}")
        # Somebody new gets an account, as the real product would invite them.
        recipient = self.user_by_email(to_email) or DemoUser(
            f"usr_{_token(to_email.lower())}", to_email, None, at
        )
        self.users[recipient.id] = recipient
        self.purchases[purchase.id] = replace(purchase, owner_id=recipient.id)
        return {
            "transfer_id": f"tr_{_token(key)}",
            "purchase_id": purchase.id,
            "from_user_id": owner.id,
            "to_user_id": recipient.id,
        }

    def _update_email(self, request: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(request["user_id"])
        if user is None:
            raise _refused(f"no user {request['user_id']!r}")
        new_email = _email(request["new_email"])
        holder = self.user_by_email(new_email)
        if holder is not None and holder.id != user.id:
            raise _refused(f"{new_email} is already used by another account")
        self.users[user.id] = replace(user, email=new_email)
        return {"ok": True, "user_id": user.id, "email": new_email}

    def _purchase(self, purchase_id: str) -> DemoPurchase:
        purchase = self.purchases.get(purchase_id)
        if purchase is None:
            raise _refused(f"no purchase {purchase_id!r}")
        return purchase


def _email(value: str) -> str:
    email = value.strip()
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in email):
        raise _refused(f"{value!r} is not an email address")
    return email


def _token(seed: str) -> str:
    # Derived from the idempotency key, so replaying a change gives it the same ids.
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def _refused(message: str) -> IntegrationError:
    return IntegrationError(message, retryable=False)
