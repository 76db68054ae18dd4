"""The item page and its three decisions: approve, reject with a reason, edit then approve."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agent.actions import EDITABLE_PARAMS
from agent.money import format_money
from console.web.edits import BadEdit, cents_to_amount, read_edits
from console.web.item_details import load_item
from console.web.live import event_stream
from console.web.neighbours import neighbours
from console.web.rendering import flash, render
from console.web.security import SignedIn, forbidden, services_of, signed_in
from workflows.approvals.decisions import Approver, Decision, decide
from workflows.store.models import Action, App


@signed_in()
async def item_page(request: Request, user: SignedIn) -> Response:
    details = await load_item(services_of(request), request.path_params["action_id"])
    if details is None:
        return render(request, "missing.html", {"what": "action"}, user=user, status_code=404)
    now = request.app.state.clock()
    view = details.view
    decidable = view.status == "pending" and (view.expires_at is None or view.expires_at > now)
    context = {
        "item": details,
        "view": view,
        "decidable": decidable,
        "amount": cents_to_amount(view.params.get("amount_cents")),
        "around": await neighbours(services_of(request), view.action_id, now=now),
        "confirm_above": format_money(details.confirm_above_cents, view.currency),
    }
    return render(request, "item.html", context, user=user)


@signed_in("approver")
async def approve(request: Request, user: SignedIn) -> Response:
    async with services_of(request).sessions() as session:
        action = await session.get(Action, request.path_params["action_id"])
    if action is not None and await _unconfirmed(request, action, action.params):
        return _back(request)
    return await _decide(request, user, "approved")


@signed_in("approver")
async def reject(request: Request, user: SignedIn) -> Response:
    reason = str((await request.form()).get("reason", "")).strip()
    if not reason:
        flash(request, "Say why you reject it: the reason goes back to the agent.", "error")
        return _back(request)
    return await _decide(request, user, "rejected", reason=reason)


@signed_in("approver")
async def edit_then_approve(request: Request, user: SignedIn) -> Response:
    action_id = request.path_params["action_id"]
    async with services_of(request).sessions() as session:
        action = await session.get(Action, action_id)
    if action is None:
        return _back(request)
    try:
        edits = read_edits(await request.form(), EDITABLE_PARAMS.get(action.tool, frozenset()))
    except BadEdit as error:
        flash(request, f"Not approved: {error}.", "error")
        return _back(request)
    changed = {name: value for name, value in edits.items() if action.params.get(name) != value}
    if await _unconfirmed(request, action, {**action.params, **changed}):
        return _back(request)
    return await _decide(request, user, "approved", edits=changed or None)


async def _unconfirmed(request: Request, action: Action, params: dict[str, Any]) -> bool:
    """True, with a flash saying why, for a sum above the app's limit sent unconfirmed."""
    async with services_of(request).sessions() as session:
        app = await session.get(App, action.app_id)
    limit = app.confirm_above_cents if app is not None else 0
    amount = params.get("amount_cents")
    if not (isinstance(amount, int) and limit > 0 and amount > limit):
        return False
    if (await request.form()).get("confirmed") == "on":
        return False
    flash(request, "Not approved: confirm the amount first, it is above this app's limit.", "error")
    return True


async def _decide(
    request: Request,
    user: SignedIn,
    decision: Decision,
    *,
    reason: str = "",
    edits: dict[str, Any] | None = None,
) -> Response:
    action_id = request.path_params["action_id"]
    services = services_of(request)
    around = await neighbours(services, action_id, now=request.app.state.clock())
    result = await decide(
        services,
        request.app.state.inngest,
        action_id=action_id,
        decision=decision,
        approver=Approver(source="console", id=user.email, name=user.email, role=user.role),
        reason=reason,
        edits=edits,
    )
    if result.outcome == "forbidden":
        raise forbidden(result.message)
    # On to the next item waiting, so a reviewer works through the queue without going back.
    following = around.next or around.previous
    if result.outcome == "decided" and following is not None:
        flash(request, f"{result.message} Here is the next item waiting.")
        return RedirectResponse(f"/console/actions/{following}", 303)
    flash(request, result.message, "info" if result.outcome == "decided" else "error")
    return _back(request)


async def _status(request: Request) -> dict[str, Any]:
    async with services_of(request).sessions() as session:
        action = await session.get(Action, request.path_params["action_id"])
    return {"status": action.status if action is not None else None}


@signed_in(page=False)
async def item_stream(request: Request, user: SignedIn) -> Response:
    return event_stream(request, "status", lambda: _status(request))


def _back(request: Request) -> Response:
    return RedirectResponse(f"/console/actions/{request.path_params['action_id']}", 303)


routes = [
    Route("/actions/{action_id}", item_page, methods=["GET"], name="item"),
    Route("/actions/{action_id}/stream", item_stream, methods=["GET"]),
    Route("/actions/{action_id}/approve", approve, methods=["POST"]),
    Route("/actions/{action_id}/reject", reject, methods=["POST"]),
    Route("/actions/{action_id}/edit", edit_then_approve, methods=["POST"]),
]
