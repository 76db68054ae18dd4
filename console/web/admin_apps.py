"""Apps, for admins: who approves, where cards go, and the risk policy's automatic limits.

Registering an app (and its integration secret) stays with `support-agent apps add`, so a
secret never travels through a browser form.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agent.context import AppPolicy
from console.web.edits import BadEdit, amount_to_cents
from console.web.rendering import flash, render
from console.web.security import SignedIn, services_of, signed_in
from workflows.integrations.registry import app_policy
from workflows.store.crud import get_app, list_apps, record_audit

APPS_PATH = "/console/admin/apps"


@signed_in("admin")
async def apps_page(request: Request, user: SignedIn) -> Response:
    async with services_of(request).sessions() as session:
        apps = await list_apps(session=session)
    listed = [(app, app_policy(app), without_credentials(app.integration_url)) for app in apps]
    return render(request, "admin_apps.html", {"apps": listed}, user=user)


@signed_in("admin")
async def change_app(request: Request, user: SignedIn) -> Response:
    form = await request.form()
    try:
        policy = _policy(form)
        confirm_above = _cents(form, "confirm_above")
    except (BadEdit, ValidationError) as error:
        flash(request, f"Not saved: {error}", "error")
        return RedirectResponse(APPS_PATH, status_code=303)
    async with services_of(request).sessions.begin() as session:
        app = await get_app(session=session, id=request.path_params["app_id"])
        if app is None:
            flash(request, "Not saved: no such app.", "error")
            return RedirectResponse(APPS_PATH, status_code=303)
        app.slack_channel = str(form.get("slack_channel", "")).strip() or None
        app.approver_ids = list(
            dict.fromkeys(str(form.get("approvers", "")).replace(",", " ").split())
        )
        app.policy = policy.model_dump()
        app.confirm_above_cents = confirm_above
        session.add(app)
        await record_audit(
            session=session,
            actor=f"console:{user.email}",
            action="app.changed",
            subject=app.id,
            detail={
                "slack_channel": app.slack_channel,
                "approver_ids": app.approver_ids,
                "policy": app.policy,
                "confirm_above_cents": app.confirm_above_cents,
            },
        )
    flash(request, f"Saved {app.name}.")
    return RedirectResponse(APPS_PATH, status_code=303)


def without_credentials(url: str) -> str:
    """The URL without any user:password@ it may carry."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _cents(form: FormData, name: str) -> int:
    """A sum typed as 12.50, in cents; empty or zero is 0."""
    raw = str(form.get(name, "")).strip()
    return 0 if raw in ("", "0", "0.00") else amount_to_cents(raw)


def _policy(form: FormData) -> AppPolicy:
    cents = _cents(form, "auto_refund_max")
    raw_days = str(form.get("auto_refund_max_age_days", "0")).strip() or "0"
    if not raw_days.isdigit():
        raise BadEdit(f"{raw_days!r} is not a number of days")
    return AppPolicy(
        auto_refund_max_cents=cents,
        auto_refund_max_age_days=int(raw_days),
        auto_magic_link=form.get("auto_magic_link") == "on",
    )


routes = [
    Route("/admin/apps", apps_page, methods=["GET"], name="admin_apps"),
    Route("/admin/apps/{app_id}", change_app, methods=["POST"]),
]
