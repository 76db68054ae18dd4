"""What the agent sees: the customer, their purchases, the conversation, the app's policy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _assume_utc(value: datetime) -> datetime:
    # Apps and inboxes send timestamps with and without offsets; comparing the two kinds would fail.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_assume_utc)]

# Mirrors of the app integration contract ignore fields they do not know, so an app may add some.
_LENIENT = ConfigDict(extra="ignore", frozen=True)


# A purchase in one of these states can be neither refunded nor moved.
CLOSED_STATUSES = frozenset({"refunded", "chargeback", "disputed", "cancelled"})


class Customer(BaseModel):
    """A user record as returned by the app's `lookup-user` method."""

    model_config = _LENIENT

    id: str
    email: str
    name: str | None = None
    created_at: UtcDatetime | None = None


class Purchase(BaseModel):
    """One entry of the app's `purchases` answer."""

    model_config = _LENIENT

    id: str
    product: str
    amount_cents: int
    currency: str
    purchased_at: UtcDatetime
    status: str
    # Part of the price already given back; a refund may never exceed what is left.
    refunded_cents: int = 0

    @property
    def refundable_cents(self) -> int:
        return max(self.amount_cents - self.refunded_cents, 0)

    @property
    def is_open(self) -> bool:
        """Something is left to refund or move: not closed, not refunded in full."""
        return self.status not in CLOSED_STATUSES and self.refundable_cents > 0


class Message(BaseModel):
    """One message of the conversation, as the inbox shows it."""

    model_config = ConfigDict(frozen=True)

    author: Literal["customer", "agent", "teammate"]
    text: str
    sent_at: UtcDatetime


class ConversationContext(BaseModel):
    """Everything gathered before the agent runs; read-only tools answer from this alone."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    app_id: str
    sender_email: str
    subject: str | None = None
    messages: list[Message] = Field(default_factory=list)
    customer: Customer | None = None
    purchases: list[Purchase] = Field(default_factory=list)
    knowledge: str = ""

    def last_customer_message(self) -> Message | None:
        """The newest message written by the customer, if any."""
        from_customer = [m for m in self.messages if m.author == "customer"]
        return max(from_customer, key=lambda m: m.sent_at) if from_customer else None

    def purchase(self, purchase_id: str) -> Purchase | None:
        """This customer's purchase with that id; None when it is not theirs."""
        return next((p for p in self.purchases if p.id == purchase_id), None)


class AppPolicy(BaseModel):
    """An app's risk thresholds; the defaults let nothing risky run without a human."""

    model_config = ConfigDict(frozen=True)

    # A refund runs without approval only when both limits are set and both hold.
    auto_refund_max_cents: int = Field(default=0, ge=0)
    auto_refund_max_age_days: int = Field(default=0, ge=0)
    # A login link to the address already on file gives nobody new access.
    auto_magic_link: bool = True
