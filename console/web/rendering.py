"""Jinja2 templates with autoescaping always on, and the filters the pages share."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from agent.describe import param_value
from agent.money import format_money
from console.web.escalations_status import attention_of
from console.web.proposal_facts import PARAM_LABELS
from console.web.security import SignedIn, csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SESSION_FLASH = "flash"

TOOL_LABELS = {
    "refund_purchase": "Refund",
    "transfer_license": "Transfer licence",
    "send_magic_link": "Login link",
    "update_email": "Change email",
    "escalate_to_human": "Escalate",
}


def money(cents: object, currency: str = "USD") -> str:
    """ "$12.50" as drafts and cards write it, or the raw value when it is not whole cents."""
    if not isinstance(cents, int) or isinstance(cents, bool):
        return str(cents)
    return format_money(cents, currency)


def when(moment: datetime | float | None) -> str:
    """A UTC timestamp to the second; engine times arrive as epoch seconds."""
    if moment is None:
        return "-"
    if isinstance(moment, int | float):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(delta: timedelta) -> str:
    """A short human duration: 23h 59m, 4m 10s."""
    seconds = int(delta.total_seconds())
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def time_left(expires_at: datetime | None, now: datetime) -> str:
    if expires_at is None:
        return "no expiry"
    if expires_at <= now:
        return "expired"
    return f"{duration(expires_at - now)} left"


def param_words(params: object, currency: str = "USD") -> str:
    """Params as words: "Refund $100.00, New owner bo@example.com"."""
    if not isinstance(params, dict):
        return str(params)
    return ", ".join(
        f"{PARAM_LABELS.get(name, name.replace('_', ' '))} {param_value(name, value, currency)}"
        for name, value in sorted(params.items())
    )


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        # Customer text reaches almost every page: every value is escaped unless marked safe,
        # and nothing that comes from a customer is ever marked safe.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        money=money,
        when=when,
        time_left=time_left,
        pretty_json=pretty_json,
        param_words=param_words,
        tool_label=lambda tool: TOOL_LABELS.get(tool, tool),
    )
    return environment


templates = Jinja2Templates(env=_environment())


def flash(request: Request, message: str, kind: str = "info") -> None:
    """A message shown once, on the next page this session sees."""
    request.session[SESSION_FLASH] = {"message": message, "kind": kind}


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    user: SignedIn | None,
    status_code: int = 200,
) -> Response:
    """A page with what every page needs: the user, the CSRF token, the clock and any flash."""
    clock = request.app.state.clock
    base = {
        "user": user,
        "csrf_token": csrf_token(request),
        "now": clock(),
        "flash": request.session.pop(SESSION_FLASH, None),
        "nav": request.url.path,
        "attention": attention_of(request),
    }
    return templates.TemplateResponse(
        request, template, {**base, **(context or {})}, status_code=status_code
    )


def render_fragment(template: str, context: dict[str, Any]) -> str:
    """A piece of a page, for the live updates that replace part of it."""
    return templates.get_template(template).render(context)
