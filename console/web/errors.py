"""Refusals and missing pages inside the console, as pages of the console, not bare text."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from console.web.rendering import render
from console.web.security import current_user

TITLES = {403: "Not allowed", 404: "Not found", 405: "Not allowed here"}
DEFAULT_MESSAGES = {
    404: "There is no such page in the console.",
    405: "This address does not take that kind of request.",
}


async def error_page(request: Request, exc: Exception) -> Response:
    """The console's page for an HTTP error, with the reason and a way back."""
    if not isinstance(exc, HTTPException):
        raise exc
    status = exc.status_code
    message = exc.detail if exc.detail and status == 403 else DEFAULT_MESSAGES.get(status, "")
    if "text/event-stream" in request.headers.get("accept", ""):
        return PlainTextResponse(f"{status} {TITLES.get(status, '')}: {message}", status)
    context = {"code": status, "title": TITLES.get(status, "Error"), "message": message}
    user = await current_user(request)
    return render(request, "error.html", context, user=user, status_code=status)


HANDLERS = {403: error_page, 404: error_page, 405: error_page}
