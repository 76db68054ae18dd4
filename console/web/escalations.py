"""Escalations: conversations handed to a person, with reason and age; claim, assign, resolve."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.web.rendering import duration, flash, render
from console.web.security import SignedIn, services_of, signed_in
from workflows.escalations.changes import HOLDER_ROLES, Change, assign, claim, resolve
from workflows.escalations.listing import escalation_rows
from workflows.services import Services
from workflows.store.users import list_users

PAGE_PATH = "/console/escalations"


@signed_in()
async def escalations_page(request: Request, user: SignedIn) -> Response:
    services = services_of(request)
    resolved = request.query_params.get("view") == "resolved"
    async with services.sessions() as session:
        holders = [
            u.email
            for u in await list_users(session=session)
            if u.active and u.role in HOLDER_ROLES
        ]
    rows = await escalation_rows(services, resolved=resolved)
    now = request.app.state.clock()
    context = {
        "rows": rows,
        "ages": {row.id: duration(now - row.escalation.created_at) for row in rows},
        "resolved": resolved,
        "holders": holders,
    }
    return render(request, "escalations.html", context, user=user)


def _change_endpoint(
    change: Callable[[Services, str, SignedIn, dict[str, str]], Awaitable[Change]],
) -> Callable[[Request], Awaitable[Response]]:
    @signed_in("approver")
    async def endpoint(request: Request, user: SignedIn) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        escalation_id = request.path_params["escalation_id"]
        done = await change(services_of(request), escalation_id, user, fields)
        flash(request, done.message, "info" if done.done else "error")
        return RedirectResponse(PAGE_PATH, status_code=303)

    return endpoint


async def _claim(services: Services, id: str, user: SignedIn, form: dict[str, str]) -> Change:
    return await claim(services, id, by=user.email)


async def _assign(services: Services, id: str, user: SignedIn, form: dict[str, str]) -> Change:
    return await assign(services, id, to=form.get("assignee", ""), by=user.email)


async def _resolve(services: Services, id: str, user: SignedIn, form: dict[str, str]) -> Change:
    return await resolve(services, id, by=user.email, note=form.get("note", ""))


routes = [
    Route("/escalations", escalations_page, methods=["GET"], name="escalations"),
    Route("/escalations/{escalation_id}/claim", _change_endpoint(_claim), methods=["POST"]),
    Route("/escalations/{escalation_id}/assign", _change_endpoint(_assign), methods=["POST"]),
    Route("/escalations/{escalation_id}/resolve", _change_endpoint(_resolve), methods=["POST"]),
]
