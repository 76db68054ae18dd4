"""`POST /slack/interactions`: signed clicks and modal submissions decide approvals exactly once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from console.app import create_app
from tests.console.conftest import AppClient
from tests.console.slack_requests import ANN, BOB, EVE, SECRET, click, signed, submission
from tests.integrations.slack_stand_in import CHANNEL, TOKEN, SlackStandIn
from tests.keys import EVENT_KEY, SECRETS
from tests.stand_in import StandIn
from workflows.approvals.view import load_action_view
from workflows.config import Settings
from workflows.events import ACTION_DECIDED
from workflows.integrations.registry import seed_demo_app
from workflows.integrations.slack import SlackCards
from workflows.store import upgrade_database
from workflows.store.models import Action, App, Conversation

ACTION_ID = "act_slack_test"
EVENT_PATH = f"/e/{EVENT_KEY}"


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    """The real app with Slack and the engine's event API played by local servers."""

    http: httpx.AsyncClient
    slack: SlackStandIn
    events: StandIn
    sessions: async_sessionmaker[AsyncSession]
    clock: MovableClock
    ts: str

    async def send(self, payload: dict[str, Any], **signing: Any) -> httpx.Response:
        body, headers = signed(payload, **signing)
        return await self.http.post("/slack/interactions", content=body, headers=headers)

    def click(self, action: str, user: dict[str, str], name: str = "click") -> dict[str, Any]:
        url = self.slack.response_url(name)
        return click(action, ACTION_ID, user=user, channel=CHANNEL, ts=self.ts, response_url=url)

    async def action(self) -> Action:
        async with self.sessions() as session:
            action = await session.get(Action, ACTION_ID)
        assert action is not None
        return action

    def decided_events(self) -> list[dict[str, Any]]:
        sent = [e for r in self.events.received("POST", EVENT_PATH) for e in r.json()]
        return [e for e in sent if e["name"] == ACTION_DECIDED]

    def card(self) -> str:
        """The card as Slack shows it now, as one string."""
        return json.dumps(self.slack.messages[(CHANNEL, self.ts)].blocks)

    async def updated(self) -> None:
        await self.slack.wait_for(lambda: len(self.slack.calls("chat.update")) >= 1)

    async def told(self, name: str = "click") -> dict[str, Any]:
        """The one message the clicker alone was shown through their response_url."""
        await self.slack.wait_for(lambda: bool(self.slack.responses[name]))
        [reply] = self.slack.responses[name]
        assert (reply["response_type"], reply["replace_original"]) == ("ephemeral", False)
        return reply


async def _seed(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    async with sessions.begin() as session:
        await seed_demo_app(session=session)
        session.add(
            Conversation(
                id="cnv_slack",
                app_id="demo",
                inbox_id="inb_demo",
                customer_email="katherine@example.com",
                local=True,
            )
        )
        session.add(
            Action(
                id=ACTION_ID,
                app_id="demo",
                conversation_id="cnv_slack",
                run_id="run_1",
                tool="refund_purchase",
                params={"purchase_id": "pur_katherine_team", "amount_cents": 49900, "reason": "r"},
                rationale="The customer asked for a refund of the team licence.",
                verdict="needs_approval",
                policy_reason="refunds above 20.00 need approval",
                status="pending",
                request_line="I would like a refund for my team licence please.",
                expires_at=now + timedelta(hours=24),
                created_at=now,
            )
        )


@pytest.fixture
async def desk(database_url: str, tmp_path: Path) -> AsyncIterator[Desk]:
    await upgrade_database(database_url)
    async with SlackStandIn() as slack, StandIn() as events:
        events.reply("POST", EVENT_PATH, body={"ids": ["evt_1"]})
        settings = Settings(
            _env_file=None,
            database_url=database_url,
            knowledge_dir=str(tmp_path),
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
            slack_approver_ids="U0ANN, U0BOB",
            engine_port=int(events.url.rsplit(":", 1)[1]),
            **SECRETS,
        )
        clock = MovableClock()
        app = create_app(settings, clock=clock)
        sessions = app.state.sessions
        await _seed(sessions, clock())
        view = await load_action_view(app.state.services, ACTION_ID)
        assert view is not None
        ts = await SlackCards(token=TOKEN, base_url=slack.api_url).post_card(
            CHANNEL, view, now=clock()
        )
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        ):
            yield Desk(http, slack, events, sessions, clock, ts)


@pytest.mark.parametrize(
    "signing", [{"secret": "not-the-secret"}, {"age": 600}], ids=["forged", "stale"]
)
async def test_a_forged_or_stale_request_is_refused_and_changes_nothing(
    desk: Desk, signing: dict[str, Any]
) -> None:
    response = await desk.send(desk.click("approve", ANN), **signing)

    assert response.status_code == 401
    assert (await desk.action()).status == "pending"
    assert desk.decided_events() == []
    assert desk.slack.calls("chat.update") == []
    assert desk.slack.calls("auth.test") == []


async def test_an_approver_approves_once_and_the_card_is_redrawn_in_place(desk: Desk) -> None:
    response = await desk.send(desk.click("approve", ANN))

    assert response.status_code == 200
    await desk.updated()
    action = await desk.action()
    assert (action.status, action.decided_by) == ("approved", "ann")
    [event] = desk.decided_events()
    assert event["data"]["action_id"] == ACTION_ID
    assert (event["data"]["decision"], event["data"]["decided_by"]) == ("approved", "ann")
    assert "Approved by ann" in desk.card()
    assert '"actions"' not in desk.card()
    assert desk.slack.responses == {}


async def test_an_apps_own_approver_may_approve(desk: Desk) -> None:
    async with desk.sessions.begin() as session:
        app = await session.get(App, "demo")
        assert app is not None
        app.approver_ids = [EVE["id"]]

    await desk.send(desk.click("approve", EVE))

    await desk.updated()
    assert (await desk.action()).decided_by == "eve"


async def test_someone_who_is_not_an_approver_is_told_privately_and_nothing_changes(
    desk: Desk,
) -> None:
    response = await desk.send(desk.click("approve", EVE))

    assert response.status_code == 200
    reply = await desk.told()
    assert "can't approve" in reply["text"]
    assert (await desk.action()).status == "pending"
    assert desk.decided_events() == []
    assert desk.slack.calls("chat.update") == []


async def test_a_click_after_expiry_is_told_expired_and_nothing_is_executed(desk: Desk) -> None:
    desk.clock.now += timedelta(hours=24, seconds=1)

    await desk.send(desk.click("approve", ANN))

    reply = await desk.told()
    assert "expired" in reply["text"]
    action = await desk.action()
    assert (action.status, action.decided_by) == ("pending", None)
    assert desk.decided_events() == []
    assert desk.slack.calls("chat.update") == []


async def test_reject_opens_a_modal_and_its_reason_is_stored_and_shown(desk: Desk) -> None:
    await desk.send(desk.click("reject", BOB))
    await desk.slack.wait_for(lambda: bool(desk.slack.views))
    [modal] = desk.slack.views
    assert modal["callback_id"] == "reject_submit"

    response = await desk.send(
        submission(modal, user=BOB, values={"reason": "Bought on purpose <!channel>"})
    )

    assert (response.status_code, response.content) == (200, b"")
    action = await desk.action()
    assert (action.status, action.decided_by) == ("rejected", "bob")
    assert action.decision_reason == "Bought on purpose <!channel>"
    [event] = desk.decided_events()
    assert event["data"]["reason"] == "Bought on purpose <!channel>"
    await desk.updated()
    assert "Rejected by bob: Bought on purpose &lt;!channel&gt;" in desk.card()


async def test_a_rejection_without_a_reason_goes_back_to_the_modal(desk: Desk) -> None:
    await desk.send(desk.click("reject", ANN))
    await desk.slack.wait_for(lambda: bool(desk.slack.views))

    response = await desk.send(submission(desk.slack.views[0], user=ANN, values={"reason": " "}))

    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"reason"}
    assert (await desk.action()).status == "pending"
    assert desk.decided_events() == []


async def test_reject_by_someone_who_is_not_an_approver_opens_no_modal(desk: Desk) -> None:
    await desk.send(desk.click("reject", EVE))

    assert "can't approve" in (await desk.told())["text"]
    assert desk.slack.views == []


async def _edit_modal(desk: Desk, user: dict[str, str]) -> dict[str, Any]:
    await desk.send(desk.click("edit", user))
    await desk.slack.wait_for(lambda: bool(desk.slack.views))
    [modal] = desk.slack.views
    assert modal["callback_id"] == "edit_submit"
    return modal


@pytest.mark.parametrize(
    ("amount", "error"),
    [("600.00", "more than"), ("twelve", "like 120.00"), ("1.234", "like 120.00")],
)
async def test_an_edit_the_policy_or_the_parser_refuses_goes_back_to_the_modal(
    desk: Desk, amount: str, error: str
) -> None:
    modal = await _edit_modal(desk, ANN)

    response = await desk.send(submission(modal, user=ANN, values={"amount_cents": amount}))

    answer = response.json()
    assert answer["response_action"] == "errors"
    assert error in answer["errors"]["amount_cents"]
    action = await desk.action()
    assert (action.status, action.params["amount_cents"]) == ("pending", 49900)
    assert desk.decided_events() == []


async def test_an_edited_smaller_refund_is_approved_with_the_new_amount(desk: Desk) -> None:
    modal = await _edit_modal(desk, ANN)

    response = await desk.send(submission(modal, user=ANN, values={"amount_cents": "100.00"}))

    assert (response.status_code, response.content) == (200, b"")
    action = await desk.action()
    assert (action.status, action.params["amount_cents"]) == ("approved", 10000)
    [event] = desk.decided_events()
    assert event["data"]["params"]["amount_cents"] == 10000
    await desk.updated()
    assert "100.00" in desk.card()


async def test_twenty_clicks_at_once_decide_once_and_the_rest_are_told_who_did(
    desk: Desk,
) -> None:
    clicks = [desk.click("approve", ANN if n % 2 else BOB, f"click-{n}") for n in range(20)]

    responses = await asyncio.gather(*(desk.send(c) for c in clicks))

    assert {r.status_code for r in responses} == {200}
    await desk.slack.wait_for(lambda: sum(map(len, desk.slack.responses.values())) == 19)
    await desk.updated()
    action = await desk.action()
    assert action.status == "approved"
    assert len(desk.decided_events()) == 1
    told = [reply["text"] for replies in desk.slack.responses.values() for reply in replies]
    assert all(text.startswith(f"Already approved by {action.decided_by}") for text in told)
    assert len(desk.slack.calls("chat.update")) == 1


async def test_without_slack_the_endpoint_says_so(
    app_client: AppClient, settings: Settings
) -> None:
    async with app_client(settings) as client:
        response = await client.post("/slack/interactions", content=b"payload=%7B%7D")

    assert response.status_code == 503
    assert "SLACK_BOT_TOKEN" in response.text


async def test_a_modal_that_cannot_open_is_explained_to_the_clicker(desk: Desk) -> None:
    desk.slack.fail_next("views.open", status=200, error="expired_trigger_id")

    await desk.send(desk.click("reject", ANN))

    assert "could not be opened" in (await desk.told())["text"]
    assert (await desk.action()).status == "pending"


async def test_no_token_or_secret_is_ever_logged(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    desk.slack.fail_next("views.open", status=500)

    await desk.send(desk.click("approve", EVE), secret="forged")
    await desk.send(desk.click("reject", BOB))
    await desk.told()
    await desk.send(desk.click("approve", ANN, "second"))
    await desk.updated()

    assert (await desk.action()).status == "approved"
    assert "could not open a modal: internal_error" in caplog.text
    assert TOKEN not in caplog.text
    assert SECRET not in caplog.text
