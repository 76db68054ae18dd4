"""Dismissing an alert once somebody has looked into it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.web.rendering import flash
from console.web.security import SignedIn, safe_next, services_of, signed_in
from workflows.alerts import dismiss_alert


@signed_in("approver")
async def dismiss(request: Request, user: SignedIn) -> Response:
    raw = request.path_params["alert_id"]
    done = raw.isdigit() and await dismiss_alert(services_of(request), int(raw), by=user.email)
    flash(request, "Alert dismissed." if done else "That alert was already dismissed.")
    target = (await request.form()).get("next")
    return RedirectResponse(safe_next(target if isinstance(target, str) else None), 303)


routes = [Route("/alerts/{alert_id}/dismiss", dismiss, methods=["POST"])]
