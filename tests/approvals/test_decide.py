"""`decide` on a real database: who may decide, what an edit may change, what a late click hears."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import inngest
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.stand_in import StandIn
from workflows.approvals.decisions import Approver, DecisionResult, decide, may_decide
from workflows.client import create_inngest_client
from workflows.config import Settings
from workflows.events import ACTION_DECIDED
from workflows.integrations.registry import seed_demo_app
from workflows.services import Services, build_services
from workflows.store import create_engine, session_factory, upgrade_database
from workflows.store.crud import list_audit_entries
from workflows.store.models import Action, App, Conversation

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EVENTS = "/e/embedded"
ANN = Approver(source="slack", id="U0ANN", name="ann")
EVE = Approver(source="slack", id="U0EVE", name="eve")
ADMIN = Approver(source="console", id="admin@example.com", name="admin@example.com", role="admin")
REFUND = {"purchase_id": "pur_katherine_team", "amount_cents": 4900, "reason": "asked"}


@dataclass
class Desk:
    services: Services
    client: inngest.Inngest
    events: StandIn

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.services.sessions

    async def add(self, action_id: str, **overrides: Any) -> None:
        async with self.sessions.begin() as session:
            values: dict[str, Any] = {
                "id": action_id,
                "app_id": "demo",
                "conversation_id": "cnv_decide",
                "run_id": f"run_{action_id}",
                "tool": "refund_purchase",
                "params": REFUND,
                "rationale": "asked for a refund",
                "verdict": "needs_approval",
                "policy_reason": "refunds need a person",
                "status": "pending",
                "request_line": "refund please",
                "expires_at": NOW + timedelta(hours=1),
                "created_at": NOW,
            }
            session.add(Action(**(values | overrides)))

    async def action(self, action_id: str) -> Action:
        async with self.sessions() as session:
            action = await session.get(Action, action_id)
        assert action is not None
        return action

    async def decide(self, action_id: str, **kwargs: Any) -> DecisionResult:
        arguments: dict[str, Any] = {"decision": "approved", "approver": ANN} | kwargs
        return await decide(self.services, self.client, action_id=action_id, **arguments)

    def announced(self) -> list[dict[str, Any]]:
        sent = [e for r in self.events.received("POST", EVENTS) for e in json.loads(r.body)]
        return [e for e in sent if e["name"] == ACTION_DECIDED]


@pytest.fixture
async def desk(database_url: str, tmp_path: object) -> AsyncIterator[Desk]:
    await upgrade_database(database_url)
    async with StandIn() as events:
        events.reply("POST", EVENTS, body={"ids": ["evt_1"], "status": 200})
        settings = Settings(
            _env_file=None,
            database_url=database_url,
            knowledge_dir=str(tmp_path),
            slack_approver_ids="U0ANN, ,U0BOB",
            engine_port=int(events.url.rsplit(":", 1)[1]),
        )
        db = create_engine(settings)
        services = build_services(settings, session_factory(db), clock=lambda: NOW)
        async with services.sessions.begin() as session:
            await seed_demo_app(session=session)
            session.add(
                Conversation(
                    id="cnv_decide",
                    app_id="demo",
                    inbox_id="inb_demo",
                    customer_email="katherine@example.com",
                    local=True,
                )
            )
        try:
            yield Desk(services, create_inngest_client(settings), events)
        finally:
            await services.aclose()
            await db.dispose()


async def test_a_decision_is_stored_audited_and_announced_once(desk: Desk) -> None:
    await desk.add("act_1")

    result = await desk.decide("act_1", reason="fine")

    assert result == DecisionResult(
        outcome="decided",
        message="Approved by ann.",
        status="approved",
        decided_by="ann",
        decided_at=NOW,
    )
    action = await desk.action("act_1")
    assert (action.status, action.decided_by, action.decision_reason) == ("approved", "ann", "fine")
    assert action.decided_at is not None
    assert action.decided_at.replace(tzinfo=UTC) == NOW
    async with desk.sessions() as session:
        [entry] = await list_audit_entries(session=session, subject="act_1")
    assert (entry.actor, entry.action) == ("slack:U0ANN", "action.approved")
    assert entry.detail == {"by": "ann", "reason": "fine", "edits": {}}
    [event] = desk.announced()
    assert event["id"] == "decided-act_1"
    assert event["data"] == {
        "action_id": "act_1",
        "decision": "approved",
        "decided_by": "ann",
        "reason": "fine",
        "params": REFUND,
    }


async def test_a_rejection_without_a_reason_stores_no_reason(desk: Desk) -> None:
    await desk.add("act_1")

    result = await desk.decide("act_1", decision="rejected")

    assert (result.outcome, result.message) == ("decided", "Rejected by ann.")
    action = await desk.action("act_1")
    assert (action.status, action.decision_reason) == ("rejected", None)


async def test_a_late_click_hears_who_decided_and_when(desk: Desk) -> None:
    await desk.add("act_1")
    await desk.decide("act_1")

    late = await desk.decide("act_1", decision="rejected", approver=ADMIN)

    assert late.outcome == "already_decided"
    assert late.message == "Already approved by ann at 2026-11-23 09:00 UTC."
    assert (late.status, late.decided_by) == ("approved", "ann")
    assert late.decided_at is not None
    assert len(desk.announced()) == 1


async def test_a_row_decided_without_a_name_or_time_still_answers(desk: Desk) -> None:
    await desk.add("act_1", status="rejected")

    late = await desk.decide("act_1")

    assert late.message.startswith("Already rejected by someone")
    assert late.message.endswith("earlier.")


@pytest.mark.parametrize(
    "overrides",
    [{"expires_at": NOW}, {"status": "expired", "expires_at": NOW + timedelta(hours=1)}],
    ids=["pending-past-its-expiry", "marked-expired"],
)
async def test_an_expired_action_is_never_decided(desk: Desk, overrides: dict[str, Any]) -> None:
    await desk.add("act_1", **overrides)

    result = await desk.decide("act_1")

    assert result == DecisionResult(
        outcome="expired",
        message="This action expired before anyone decided; nothing was done.",
        status="expired",
    )
    assert (await desk.action("act_1")).decided_by is None
    assert desk.announced() == []


async def test_an_unknown_action_is_not_found(desk: Desk) -> None:
    result = await desk.decide("act_missing")

    assert result == DecisionResult(outcome="not_found", message="There is no such action.")


async def test_only_listed_slack_users_may_decide(desk: Desk) -> None:
    await desk.add("act_1")

    refused = await desk.decide("act_1", approver=EVE)

    assert refused.outcome == "forbidden"
    assert refused.message == (
        "You can't approve or reject this action: you are not one of its approvers."
    )
    assert (await desk.action("act_1")).status == "pending"
    async with desk.sessions.begin() as session:
        app = await session.get(App, "demo")
        assert app is not None
        app.approver_ids = ["U0EVE"]
    assert (await desk.decide("act_1", approver=EVE)).outcome == "decided"


def test_console_approvers_and_admins_may_decide_viewers_may_not() -> None:
    app = App(
        id="demo",
        name="Demo",
        integration_url="http://demo",
        integration_secret="",
        approver_ids=["U0APP"],
    )
    nobody: frozenset[str] = frozenset()

    def console(role: Any) -> Approver:
        return Approver(source="console", id="x@example.com", name="x", role=role)

    assert may_decide(console("approver"), app, global_slack_approvers=nobody)
    assert may_decide(console("admin"), app, global_slack_approvers=nobody)
    assert not may_decide(console("viewer"), app, global_slack_approvers=nobody)
    assert not may_decide(console(None), app, global_slack_approvers=nobody)
    # A console user is judged by role, never by a Slack id that happens to match.
    assert not may_decide(
        Approver(source="console", id="U0APP", name="x", role="viewer"),
        app,
        global_slack_approvers=frozenset({"U0APP"}),
    )
    assert may_decide(EVE.model_copy(update={"id": "U0APP"}), app, global_slack_approvers=nobody)


async def test_an_approval_may_lower_the_amount_and_the_new_params_are_announced(
    desk: Desk,
) -> None:
    await desk.add("act_1")

    result = await desk.decide("act_1", edits={"amount_cents": 2500})

    assert result.outcome == "decided"
    assert (await desk.action("act_1")).params["amount_cents"] == 2500
    [event] = desk.announced()
    assert event["data"]["params"]["amount_cents"] == 2500
    async with desk.sessions() as session:
        [entry] = await list_audit_entries(session=session, subject="act_1")
    assert entry.detail["edits"] == {"amount_cents": 2500}


@pytest.mark.parametrize(
    ("decision", "edits", "message"),
    [
        ("rejected", {"amount_cents": 100}, "Only an approval can change params."),
        (
            "approved",
            {"purchase_id": "pur_x"},
            "purchase_id cannot be changed for refund_purchase.",
        ),
        (
            "approved",
            {"amount_cents": "lots"},
            "Invalid value: Input should be a valid integer.",
        ),
        (
            "approved",
            {"amount_cents": 50000},
            "The policy refuses the edited action: $500.00 is more than the $499.00 left on the"
            " purchase.",
        ),
    ],
    ids=["edit-on-a-rejection", "not-editable", "not-a-number", "past-the-price"],
)
async def test_an_edit_the_policy_would_not_allow_changes_nothing(
    desk: Desk, decision: Any, edits: dict[str, Any], message: str
) -> None:
    await desk.add("act_1")

    result = await desk.decide("act_1", decision=decision, edits=edits)

    assert (result.outcome, result.message) == ("invalid", message)
    action = await desk.action("act_1")
    assert (action.status, action.params) == ("pending", REFUND)
    assert desk.announced() == []


async def test_a_decision_stands_when_the_engine_cannot_be_told(desk: Desk) -> None:
    await desk.add("act_1")
    desk.events.reply("POST", EVENTS, status=500, body={"error": "down"})

    result = await desk.decide("act_1")

    assert result.outcome == "decided"
    assert (await desk.action("act_1")).status == "approved"


async def test_a_tool_without_editable_params_accepts_no_edit(desk: Desk) -> None:
    await desk.add("act_1", tool="send_magic_link", params={"email": "katherine@example.com"})

    result = await desk.decide("act_1", edits={"email": "eve@evil.test"})

    assert result.message == "email cannot be changed for send_magic_link."


async def test_every_param_that_may_not_change_is_named(desk: Desk) -> None:
    await desk.add("act_1")

    result = await desk.decide("act_1", edits={"reason": "x", "purchase_id": "pur_x"})

    assert result.message == "purchase_id, reason cannot be changed for refund_purchase."
    # The clicker is shown the action as it still is.
    assert (result.outcome, result.status) == ("invalid", "pending")


async def test_an_edit_is_checked_against_the_customer_of_the_conversation(desk: Desk) -> None:
    params = {"user_id": "usr_katherine", "new_email": "kj@example.com"}
    await desk.add("act_1", tool="update_email", params=params)

    result = await desk.decide("act_1", edits={"new_email": "katherine.j@example.com"})

    assert result.outcome == "decided"
    assert (await desk.action("act_1")).params["new_email"] == "katherine.j@example.com"


async def test_an_edit_on_a_conversation_that_is_gone_finds_no_customer(desk: Desk) -> None:
    await desk.add("act_1", conversation_id="cnv_gone")

    result = await desk.decide("act_1", edits={"amount_cents": 100})

    assert (result.outcome, result.message) == (
        "invalid",
        "The policy refuses the edited action: there is no account for the customer any more.",
    )


async def test_a_refused_approver_is_logged_with_who_and_what(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    await desk.add("act_1")

    with caplog.at_level(logging.INFO, logger="workflows.approvals.decisions"):
        await desk.decide("act_1", approver=EVE)

    assert [
        r.getMessage() for r in caplog.records if r.name == "workflows.approvals.decisions"
    ] == ["slack U0EVE may not decide act_1"]


async def test_an_unannounced_decision_is_logged_without_the_error_text(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    await desk.add("act_1")
    desk.events.reply("POST", EVENTS, status=500, body={"error": "secret detail"})

    with caplog.at_level(logging.WARNING, logger="workflows.approvals.decisions"):
        await desk.decide("act_1")

    [message] = [
        r.getMessage() for r in caplog.records if r.name == "workflows.approvals.decisions"
    ]
    assert message.startswith("decision on act_1 stored but not announced: ")
    error_name = message.rpartition(": ")[2]
    # The kind of error, never its text (which could carry a URL or a key).
    assert error_name.isidentifier()
    assert error_name not in ("None", "NoneType")
    assert "secret detail" not in message


async def test_deciding_one_action_leaves_the_others_pending(desk: Desk) -> None:
    await desk.add("act_1")
    await desk.add("act_2")

    await desk.decide("act_1")

    assert (await desk.action("act_1")).status == "approved"
    assert (await desk.action("act_2")).status == "pending"


async def test_a_decision_marks_when_the_row_last_changed(desk: Desk) -> None:
    await desk.add(
        "act_1", created_at=NOW - timedelta(hours=1), updated_at=NOW - timedelta(hours=1)
    )

    await desk.decide("act_1")

    updated_at = (await desk.action("act_1")).updated_at
    assert updated_at is not None
    assert updated_at.replace(tzinfo=UTC) == NOW
