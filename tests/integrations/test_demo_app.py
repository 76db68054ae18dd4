"""The built-in demo app: sample data, persisted changes, and one effect per idempotency key."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.integrations.demo_support import NOW, clock, migrated_sessions
from workflows.errors import IntegrationError
from workflows.integrations.demo_app import DEMO_CUSTOMER_EMAIL, DemoApp
from workflows.store.models import DemoOperation

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    async with migrated_sessions(database_url) as factory:
        yield factory


@pytest.fixture
def demo(sessions: Sessions) -> DemoApp:
    return DemoApp(sessions, clock=clock)


async def _operations(sessions: Sessions) -> list[DemoOperation]:
    async with sessions() as session:
        return list((await session.exec(select(DemoOperation))).all())


async def _purchase(demo: DemoApp, user_id: str, purchase_id: str) -> tuple[int, str]:
    purchase = next(p for p in await demo.purchases(user_id) if p.id == purchase_id)
    return purchase.refunded_cents, purchase.status


async def test_customers_are_found_by_email_whatever_its_case(demo: DemoApp) -> None:
    ada = await demo.lookup_user("  ADA@Example.com ")

    assert ada is not None
    assert (ada.id, ada.email, ada.name) == ("usr_ada", DEMO_CUSTOMER_EMAIL, "Ada Lovelace")
    assert await demo.lookup_user("nobody@example.com") is None


async def test_purchases_are_dated_relative_to_the_clock(demo: DemoApp) -> None:
    purchases = await demo.purchases("usr_grace")

    assert [(p.id, NOW - p.purchased_at) for p in purchases] == [
        ("pur_grace_lifetime", timedelta(days=190)),
        ("pur_grace_addon", timedelta(days=9)),
    ]
    assert await demo.purchases("usr_nobody") == []


async def test_the_same_idempotency_key_twice_returns_the_first_result_and_refunds_once(
    demo: DemoApp, sessions: Sessions
) -> None:
    first = await demo.refund(
        purchase_id="pur_ada_pro", amount_cents=1900, reason="asked", idempotency_key="act_1"
    )
    again = await demo.refund(
        purchase_id="pur_ada_pro", amount_cents=1900, reason="asked", idempotency_key="act_1"
    )

    assert first == again
    assert first["status"] == "succeeded"
    assert first["refund_id"].startswith("re_")
    assert await _purchase(demo, "usr_ada", "pur_ada_pro") == (1900, "refunded")
    assert len(await _operations(sessions)) == 1


async def test_partial_refunds_add_up_to_the_price_and_no_further(demo: DemoApp) -> None:
    await demo.refund(
        purchase_id="pur_margaret_pro", amount_cents=1400, reason="r", idempotency_key="a"
    )
    assert await _purchase(demo, "usr_margaret", "pur_margaret_pro") == (
        2400,
        "partially_refunded",
    )

    with pytest.raises(IntegrationError, match=r"\$10.01 is more than the \$10.00 left") as refused:
        await demo.refund(
            purchase_id="pur_margaret_pro", amount_cents=1001, reason="r", idempotency_key="b"
        )
    await demo.refund(
        purchase_id="pur_margaret_pro", amount_cents=1000, reason="r", idempotency_key="c"
    )

    assert refused.value.retryable is False
    assert await _purchase(demo, "usr_margaret", "pur_margaret_pro") == (3400, "refunded")


@pytest.mark.parametrize(
    ("purchase_id", "amount", "message"),
    [
        ("pur_alan_pro", 100, r"\$1.00 is more than the \$0.00 left"),
        ("pur_missing", 100, "no purchase 'pur_missing'"),
        ("pur_ada_pro", 0, "must be positive"),
        ("pur_ada_pro", 1901, r"\$19.01 is more than the \$19.00 left"),
    ],
)
async def test_bad_refunds_are_refused_for_good_and_change_nothing(
    demo: DemoApp, sessions: Sessions, purchase_id: str, amount: int, message: str
) -> None:
    with pytest.raises(IntegrationError, match=message) as refused:
        await demo.refund(
            purchase_id=purchase_id, amount_cents=amount, reason="r", idempotency_key="k"
        )

    assert refused.value.retryable is False
    assert await _operations(sessions) == []


async def test_changes_survive_a_new_instance_on_the_same_database(database_url: str) -> None:
    async with migrated_sessions(database_url) as sessions:
        await DemoApp(sessions, clock=clock).refund(
            purchase_id="pur_ada_pro", amount_cents=500, reason="r", idempotency_key="act_1"
        )
    async with migrated_sessions(database_url) as sessions:
        reopened = DemoApp(sessions, clock=clock)
        refunded = await _purchase(reopened, "usr_ada", "pur_ada_pro")
        repeat = await reopened.refund(
            purchase_id="pur_ada_pro", amount_cents=500, reason="r", idempotency_key="act_1"
        )

    assert refunded == (500, "partially_refunded")
    assert repeat["amount_cents"] == 500
    assert len(await _operations_at(database_url)) == 1


async def _operations_at(url: str) -> list[DemoOperation]:
    async with migrated_sessions(url) as sessions:
        return await _operations(sessions)


async def test_concurrent_refunds_of_the_whole_price_succeed_once(demo: DemoApp) -> None:
    results = await asyncio.gather(
        *(
            demo.refund(
                purchase_id="pur_ada_pro", amount_cents=1900, reason="r", idempotency_key=key
            )
            for key in ("k1", "k2", "k3")
        ),
        return_exceptions=True,
    )

    assert sum(isinstance(r, dict) for r in results) == 1
    assert sum(isinstance(r, IntegrationError) for r in results) == 2
    assert await _purchase(demo, "usr_ada", "pur_ada_pro") == (1900, "refunded")


async def test_a_key_used_for_another_change_is_refused(demo: DemoApp) -> None:
    await demo.refund(purchase_id="pur_ada_pro", amount_cents=100, reason="r", idempotency_key="k")

    with pytest.raises(IntegrationError, match="already used for refund"):
        await demo.update_email(user_id="usr_ada", new_email="a@example.org", idempotency_key="k")


async def test_a_transfer_moves_the_purchase_to_a_new_account(demo: DemoApp) -> None:
    result = await demo.transfer(
        purchase_id="pur_katherine_team", to_email="dorothy@example.com", idempotency_key="t1"
    )
    dorothy = await demo.lookup_user("dorothy@example.com")

    assert dorothy is not None
    assert dorothy.created_at == NOW
    assert result["transfer_id"].startswith("tr_")
    assert (result["from_user_id"], result["to_user_id"]) == ("usr_katherine", dorothy.id)
    assert await demo.purchases("usr_katherine") == []
    assert [p.id for p in await demo.purchases(dorothy.id)] == ["pur_katherine_team"]


async def test_a_transfer_to_an_existing_customer_or_of_a_refunded_purchase(
    demo: DemoApp,
) -> None:
    await demo.transfer(
        purchase_id="pur_grace_addon", to_email="Ada@example.com", idempotency_key="t1"
    )
    with pytest.raises(IntegrationError, match="refunded; no licence to move"):
        await demo.transfer(
            purchase_id="pur_alan_pro", to_email="ada@example.com", idempotency_key="t2"
        )
    with pytest.raises(IntegrationError, match="already belongs"):
        await demo.transfer(
            purchase_id="pur_ada_pro", to_email="ada@example.com", idempotency_key="t3"
        )

    assert {p.id for p in await demo.purchases("usr_ada")} == {"pur_ada_pro", "pur_grace_addon"}


async def test_an_email_change_moves_the_login_and_refuses_a_taken_address(
    demo: DemoApp,
) -> None:
    result = await demo.update_email(
        user_id="usr_ada", new_email="ada@lovelace.example", idempotency_key="e1"
    )
    with pytest.raises(IntegrationError, match="already used by another account"):
        await demo.update_email(
            user_id="usr_grace", new_email="ADA@lovelace.example", idempotency_key="e2"
        )
    with pytest.raises(IntegrationError, match="not an email address"):
        await demo.update_email(user_id="usr_grace", new_email="grace", idempotency_key="e3")

    assert result == {"ok": True, "user_id": "usr_ada", "email": "ada@lovelace.example"}
    assert await demo.lookup_user("ada@example.com") is None
    moved = await demo.lookup_user("ada@lovelace.example")
    assert moved is not None
    assert moved.id == "usr_ada"


async def test_changes_apply_in_the_order_they_were_made_within_one_instant(
    demo: DemoApp,
) -> None:
    await demo.update_email(
        user_id="usr_alan", new_email="alan@bletchley.example", idempotency_key="e1"
    )
    await demo.transfer(
        purchase_id="pur_grace_addon", to_email="alan@bletchley.example", idempotency_key="t1"
    )

    assert [p.id for p in await demo.purchases("usr_alan")] == ["pur_alan_pro", "pur_grace_addon"]


async def test_login_links_only_for_known_accounts(demo: DemoApp) -> None:
    link = await demo.magic_link(email="grace@example.com")

    assert link["url"].startswith("https://")
    assert link["expires_at"] == (NOW + timedelta(minutes=15)).isoformat()
    with pytest.raises(IntegrationError, match="no account") as refused:
        await demo.magic_link(email="nobody@example.com")
    assert refused.value.retryable is False


async def test_a_change_without_an_idempotency_key_is_refused(demo: DemoApp) -> None:
    with pytest.raises(IntegrationError, match="needs an idempotency key"):
        await demo.refund(purchase_id="pur_ada_pro", amount_cents=1, reason="r", idempotency_key="")
