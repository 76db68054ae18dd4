"""route-actions against a real database: the automatic refund limit holds across runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from agent.actions import ProposedAction
from agent.context import AppPolicy
from agent.pricing import TokenUsage
from agent.result import AgentResult
from tests.agent.factories import NOW, conversation, purchase
from tests.keys import SECRETS
from workflows.config import Settings
from workflows.services import Services, build_services
from workflows.steps.actions import route_actions
from workflows.store import create_engine, session_factory, upgrade_database
from workflows.store.crud import create_app
from workflows.store.models import Action

ADDON = purchase("pur_addon", amount_cents=900, product="Add-on")


@pytest.fixture
async def services(database_url: str, tmp_path: Path) -> AsyncIterator[Services]:
    await upgrade_database(database_url)
    db = create_engine(database_url)
    sessions = session_factory(db)
    async with sessions.begin() as session:
        await create_app(
            session=session,
            id="app",
            name="App",
            integration_url="http://127.0.0.1:9/",
            integration_secret="s" * 32,
            policy=AppPolicy(auto_refund_max_cents=500, auto_refund_max_age_days=14).model_dump(),
        )
    settings = Settings(_env_file=None, database_url=database_url, **SECRETS)
    services = build_services(settings, sessions, clock=lambda: NOW)
    try:
        yield services
    finally:
        await services.aclose()
        await db.dispose()


def _result(*refunds: tuple[str, int]) -> AgentResult:
    return AgentResult(
        draft="",
        reasoning="",
        proposed_actions=[
            ProposedAction(
                tool="refund_purchase",
                params={"purchase_id": pid, "amount_cents": cents, "reason": "asked"},
                tool_use_id=f"toolu_{n}",
            )
            for n, (pid, cents) in enumerate(refunds)
        ],
        tool_calls=[],
        usage=TokenUsage(),
        cost_usd=None,
        model="offline",
        turns=1,
        outcome="completed",
    )


async def _route(services: Services, run_id: str, cents: int, conversation_id: str) -> str:
    context = conversation("refund please", purchases=[ADDON]).model_copy(
        update={"app_id": "app", "conversation_id": conversation_id}
    )
    routed = await route_actions(
        services,
        run_id=run_id,
        result=_result(("pur_addon", cents)),
        context=context,
        transcript=[],
    )
    [action] = routed.actions
    return action.status


async def test_automatic_refunds_in_separate_runs_share_one_limit(services: Services) -> None:
    first = await _route(services, "run_1", 450, "cnv_1")
    second = await _route(services, "run_2", 450, "cnv_2")

    assert (first, second) == ("auto", "pending")


async def test_a_retried_route_step_does_not_count_its_own_refund(services: Services) -> None:
    first = await _route(services, "run_1", 450, "cnv_1")
    again = await _route(services, "run_1", 450, "cnv_1")

    assert (first, again) == ("auto", "auto")


async def test_a_request_repeated_after_an_approver_edited_it_is_the_same_action(
    services: Services,
) -> None:
    # 800 cents needs a human; the approver refunded 300 instead. The customer's next message
    # makes the model propose the same 800 again: that is the request already dealt with.
    assert await _route(services, "run_1", 800, "cnv_1") == "pending"
    async with services.sessions.begin() as session:
        [edited] = (await session.exec(select(Action))).all()
        edited.params = {**edited.params, "amount_cents": 300}
        edited.status = "executed"

    context = conversation("refund please", purchases=[ADDON]).model_copy(
        update={"app_id": "app", "conversation_id": "cnv_1"}
    )
    routed = await route_actions(
        services, run_id="run_2", result=_result(("pur_addon", 800)), context=context, transcript=[]
    )

    [again] = routed.actions
    assert (again.action_id, again.status, again.repeated) == (edited.id, "executed", True)
    assert again.params["amount_cents"] == 300
    async with services.sessions() as session:
        assert len((await session.exec(select(Action))).all()) == 1
