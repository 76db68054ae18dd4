"""Block Kit for alerts posted to the approval channel. Pure; every summary is escaped."""

from __future__ import annotations

from typing import Any

from workflows.integrations.slack_blocks import escape_text

TITLES = {
    "action-failed": "An action failed",
    "approval-stuck": "An approved action is stuck",
    "past-deadline": "An approval is past its deadline",
    "approval-not-started": "An approval has no live run",
    "run-failed": "A conversation was handed to the team",
}
# Characters of the summary shown: escaped, at most five times as long, well inside a section.
SHOWN = 500


def alert_title(kind: str) -> str:
    return TITLES.get(kind, "Something needs attention")


def _summary(summary: str) -> str:
    return escape_text(summary if len(summary) <= SHOWN else summary[: SHOWN - 1] + "…")


def alert_fallback_text(kind: str, summary: str) -> str:
    """The notification's text: title and summary, escaped."""
    return f"{escape_text(alert_title(kind))}: {_summary(summary)}"


def build_alert_blocks(kind: str, summary: str, *, link: str) -> list[dict[str, Any]]:
    """A warning line, the escaped summary, and a link to where the console shows it."""
    text = f":warning: *{escape_text(alert_title(kind))}*\n{_summary(summary)}"
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"<{escape_text(link)}|Open in the console>"}],
        },
    ]
