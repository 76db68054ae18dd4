"""Sample customers, purchases and conversations shared by the agent tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agent.context import ConversationContext, Customer, Message, Purchase

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ANN = Customer(id="usr_ann", email="ann@example.com", name="Ann Lee")

KNOWLEDGE = """\
# Refunds
We refund any purchase within 30 days, no questions asked.

# Logging in
Use the login link on the sign-in page; links expire after 15 minutes.

# Licence transfers
A licence can move to a colleague once; the new owner receives an email.
"""


def purchase(
    purchase_id: str,
    *,
    amount_cents: int = 4900,
    age: timedelta = timedelta(days=2),
    status: str = "paid",
    refunded_cents: int = 0,
    product: str = "Pro plan",
) -> Purchase:
    """A purchase made `age` before NOW."""
    return Purchase(
        id=purchase_id,
        product=product,
        amount_cents=amount_cents,
        currency="usd",
        purchased_at=NOW - age,
        status=status,
        refunded_cents=refunded_cents,
    )


PURCHASES = [
    purchase("pur_old", amount_cents=9900, age=timedelta(days=60), product="Team plan"),
    purchase("pur_new"),
    purchase("pur_edge", amount_cents=6000, age=timedelta(days=14)),
    purchase("pur_late", amount_cents=6000, age=timedelta(days=14, seconds=1)),
    purchase("pur_refunded", status="refunded", refunded_cents=4900),
    purchase("pur_partial", amount_cents=10000, age=timedelta(days=1), refunded_cents=6000),
]


def conversation(
    *texts: str,
    customer: Customer | None = ANN,
    purchases: list[Purchase] | None = None,
    sender_email: str = "ann@example.com",
    knowledge: str = KNOWLEDGE,
) -> ConversationContext:
    """A conversation whose customer wrote `texts`, one message a minute, the last one at NOW."""
    messages = [
        Message(author="customer", text=text, sent_at=NOW - timedelta(minutes=len(texts) - 1 - i))
        for i, text in enumerate(texts)
    ]
    return ConversationContext(
        conversation_id="cnv_1",
        app_id="demo",
        sender_email=sender_email,
        subject="Help",
        messages=messages,
        customer=customer,
        purchases=PURCHASES if purchases is None else purchases,
        knowledge=knowledge,
    )
