"""Slack's side of approvals: the signed interactivity endpoint and its listeners."""

from __future__ import annotations

from console.slack.handler import create_slack_handler, slack_interactions

__all__ = ["create_slack_handler", "slack_interactions"]
