"""Alerts are raised once per key from the database's state and posted once to Slack, escaped."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.escalations.conftest import CONVERSATION, Desk
from tests.integrations.slack_stand_in import CHANNEL
from workflows.alerts import dismiss_alert, open_alerts
from workflows.alerts.detection import DEADLINE_GRACE, LOOK_BACK, STUCK_AFTER, find_alerts
from workflows.alerts.posting import post_alerts
from workflows.errors import IntegrationError
from workflows.escalations import escalate
from workflows.store.attention import Alert

SPOOF = "declined <!channel> see <https://evil.example|your bank> & more"


async def _alerts(desk: Desk) -> list[Alert]:
    async with desk.services.sessions() as session:
        return list(await session.exec(select(Alert)))


async def _pass(desk: Desk) -> tuple[list[str], int]:
    """One pass of the cron function: raise, then post."""
    raised = await find_alerts(desk.services, now=desk.clock())
    return raised, await post_alerts(desk.services, now=desk.clock())


async def test_a_failed_action_is_raised_and_posted_once_with_its_error_escaped(desk: Desk) -> None:
    await desk.add_action("act_failed", status="failed", error=SPOOF)

    assert await _pass(desk) == (["action-failed:act_failed"], 1)
    for _ in range(3):
        desk.clock.advance(timedelta(minutes=1))
        assert await _pass(desk) == ([], 0)

    [message] = desk.slack.messages.values()
    assert message.channel == CHANNEL
    shown = json.dumps(message.blocks) + message.text
    assert "<!channel>" not in shown
    assert "<https://evil" not in shown
    assert "&lt;!channel&gt;" in shown
    assert "<https://desk.example.com/console/actions/act_failed|Open in the console>" in shown
    [alert] = await _alerts(desk)
    assert (alert.slack_channel, alert.slack_ts) == (CHANNEL, message.ts)
    assert [e.detail["key"] for e in await desk.audit("alert.posted")] == [alert.key]


async def test_an_approval_stuck_after_its_decision_is_raised_only_after_the_limit(
    desk: Desk,
) -> None:
    decided = desk.clock()
    await desk.add_action("act_stuck", status="approved", decided_at=decided, decided_by="ann")

    desk.clock.advance(STUCK_AFTER - timedelta(seconds=1))
    assert (await _pass(desk))[0] == []
    desk.clock.advance(timedelta(seconds=1))
    assert (await _pass(desk))[0] == ["approval-stuck:act_stuck"]


async def test_an_action_still_pending_past_its_deadline_is_raised_after_the_grace(
    desk: Desk,
) -> None:
    await desk.add_action("act_late", expires_at=desk.clock() + timedelta(minutes=5))

    desk.clock.advance(timedelta(minutes=5) + DEADLINE_GRACE - timedelta(seconds=1))
    assert (await _pass(desk))[0] == []
    desk.clock.advance(timedelta(seconds=1))
    assert (await _pass(desk))[0] == ["past-deadline:act_late"]


async def test_a_failed_run_escalation_raises_an_alert_and_an_agent_escalation_does_not(
    desk: Desk,
) -> None:
    await escalate(desk.services, conversation_id=CONVERSATION, source="agent", reason="asked")
    assert (await _pass(desk))[0] == []
    await escalate(desk.services, conversation_id="cnv_other", source="failure", reason="boom")

    raised, posted = await _pass(desk)

    assert len(raised) == 1
    assert raised[0].startswith("run-failed:esc_")
    assert posted == 1
    [message] = desk.slack.messages.values()
    assert "/console/escalations|" in json.dumps(message.blocks)


async def test_failures_from_before_the_look_back_raise_nothing(desk: Desk) -> None:
    await desk.add_action("act_old", status="failed", error="long ago")
    desk.clock.advance(LOOK_BACK + timedelta(seconds=1))

    assert await _pass(desk) == ([], 0)


async def test_a_post_slack_refused_for_a_while_is_made_once_on_a_later_pass(desk: Desk) -> None:
    await desk.add_action("act_failed", status="failed", error="no")
    desk.slack.fail_next("chat.postMessage", status=500)

    with pytest.raises(IntegrationError):
        await _pass(desk)
    desk.clock.advance(timedelta(minutes=1))
    assert await _pass(desk) == ([], 1)
    assert await _pass(desk) == ([], 0)

    assert len(desk.slack.messages) == 1


async def test_a_post_slack_refused_for_good_is_not_tried_again(desk: Desk) -> None:
    await desk.add_action("act_failed", status="failed", error="no")
    desk.slack.fail_next("chat.postMessage", status=200, error="channel_not_found")

    assert await _pass(desk) == (["action-failed:act_failed"], 0)
    assert await _pass(desk) == ([], 0)

    assert len(desk.slack.calls("chat.postMessage")) == 1
    [alert] = await _alerts(desk)
    assert alert.slack_ts is None


async def test_a_dismissed_alert_leaves_the_open_list_once(desk: Desk) -> None:
    await desk.add_action("act_failed", status="failed", error="no")
    await _pass(desk)
    [alert] = await _alerts(desk)
    assert alert.id is not None

    assert await dismiss_alert(desk.services, alert.id, by="ann@example.com")
    assert not await dismiss_alert(desk.services, alert.id, by="bob@example.com")

    async with desk.services.sessions() as session:
        assert await open_alerts(session=session) == []
    [entry] = await desk.audit("alert.dismissed")
    assert entry.actor == "ann@example.com"


async def test_a_pending_action_without_its_card_long_after_it_was_proposed_is_raised(
    desk: Desk,
) -> None:
    await desk.add_action("act_orphan")
    await desk.add_action("act_carded", slack_channel=CHANNEL, slack_ts="1700000000.000001")

    desk.clock.advance(STUCK_AFTER - timedelta(seconds=1))
    assert (await _pass(desk))[0] == []
    desk.clock.advance(timedelta(seconds=1))
    assert (await _pass(desk))[0] == ["approval-not-started:act_orphan"]
