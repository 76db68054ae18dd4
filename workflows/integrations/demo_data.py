"""The demo app's sample customers and purchases, dated relative to now so it stays current."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SamplePurchase:
    id: str
    product: str
    amount_cents: int
    days_ago: int
    status: str = "paid"
    refunded_cents: int = 0
    currency: str = "USD"


@dataclass(frozen=True)
class SampleCustomer:
    id: str
    email: str
    name: str
    joined_days_ago: int
    purchases: tuple[SamplePurchase, ...] = ()


SAMPLE_CUSTOMERS: tuple[SampleCustomer, ...] = (
    # A small, recent purchase: within the demo policy's automatic refund limits.
    SampleCustomer(
        id="usr_ada",
        email="ada@example.com",
        name="Ada Lovelace",
        joined_days_ago=40,
        purchases=(SamplePurchase("pur_ada_pro", "Pro licence (1 year)", 1900, days_ago=3),),
    ),
    # A large purchase from long ago: a refund needs a human.
    SampleCustomer(
        id="usr_grace",
        email="grace@example.com",
        name="Grace Hopper",
        joined_days_ago=420,
        purchases=(
            SamplePurchase("pur_grace_lifetime", "Pro licence (lifetime)", 24900, days_ago=190),
            SamplePurchase("pur_grace_addon", "Sync add-on (1 year)", 900, days_ago=9),
        ),
    ),
    # Already refunded in full: nothing is left to give back.
    SampleCustomer(
        id="usr_alan",
        email="alan@example.com",
        name="Alan Turing",
        joined_days_ago=75,
        purchases=(
            SamplePurchase(
                "pur_alan_pro",
                "Pro licence (1 year)",
                1900,
                days_ago=30,
                status="refunded",
                refunded_cents=1900,
            ),
        ),
    ),
    # A team licence whose seats can be moved to colleagues.
    SampleCustomer(
        id="usr_katherine",
        email="katherine@example.com",
        name="Katherine Johnson",
        joined_days_ago=200,
        purchases=(SamplePurchase("pur_katherine_team", "Team licence (5 seats)", 49900, 45),),
    ),
    # Partly refunded once already.
    SampleCustomer(
        id="usr_margaret",
        email="margaret@example.com",
        name="Margaret Hamilton",
        joined_days_ago=120,
        purchases=(
            SamplePurchase(
                "pur_margaret_pro",
                "Pro licence (2 years)",
                3400,
                days_ago=20,
                status="partially_refunded",
                refunded_cents=1000,
            ),
        ),
    ),
)

# The customer `support-agent simulate` writes as unless told otherwise.
DEMO_CUSTOMER_EMAIL = SAMPLE_CUSTOMERS[0].email
