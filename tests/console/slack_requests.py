"""Interaction payloads as Slack sends them: form-encoded `payload=<json>`, signed with v0 HMAC."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

SECRET = "slack-signing-secret-for-tests"
ANN = {"id": "U0ANN", "username": "ann", "name": "ann", "team_id": "T0TEAM"}
BOB = {"id": "U0BOB", "username": "bob", "name": "bob", "team_id": "T0TEAM"}
EVE = {"id": "U0EVE", "username": "eve", "name": "eve", "team_id": "T0TEAM"}
_clicks = itertools.count(1)


def signed(
    payload: dict[str, Any], *, secret: str = SECRET, age: float = 0.0
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of an interaction, signed `age` seconds ago with the real time.

    Bolt checks the timestamp against `time.time()`, not an injected clock.
    """
    body = urlencode({"payload": json.dumps(payload)}).encode()
    timestamp = str(int(time.time() - age))
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
    }
    return body, headers


def click(
    action: str,
    action_id: str,
    *,
    user: dict[str, str],
    channel: str,
    ts: str,
    response_url: str,
) -> dict[str, Any]:
    """A `block_actions` payload for one button on the card at `channel`/`ts`."""
    return _envelope("block_actions", user) | {
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel, "name": "approvals"},
        "message": {"type": "message", "ts": ts, "text": "card"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action,
                "block_id": "decision",
                "value": action_id,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def submission(
    modal: dict[str, Any], *, user: dict[str, str], values: dict[str, str]
) -> dict[str, Any]:
    """A `view_submission` of `modal` (as we opened it), its inputs filled with `values`."""
    state = {
        block_id: {block_id: {"type": "plain_text_input", "value": value}}
        for block_id, value in values.items()
    }
    return _envelope("view_submission", user) | {
        "view": {
            "id": "V0MODAL",
            "type": "modal",
            "callback_id": modal["callback_id"],
            "private_metadata": modal["private_metadata"],
            "state": {"values": state},
        },
    }


def _envelope(kind: str, user: dict[str, str]) -> dict[str, Any]:
    """What every interaction payload carries: its type, team, user and a fresh trigger id."""
    return {
        "type": kind,
        "team": {"id": "T0TEAM", "domain": "desk"},
        "user": user,
        "api_app_id": "A0APP",
        "token": "deprecated-verification-token",
        "trigger_id": f"{next(_clicks)}.trigger",
    }
