"""Who is signed in, what their role lets them do, and the CSRF token every form carries."""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from workflows.names import Role
from workflows.services import Services
from workflows.store.users import get_user

ROLE_RANK: dict[str, int] = {"viewer": 0, "approver": 1, "admin": 2}
SESSION_USER = "user"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOGIN_PATH = "/console/login"


@dataclass(frozen=True)
class SignedIn:
    """The person behind a request, as the database says now (not as the cookie remembers)."""

    id: int
    email: str
    role: Role

    def has(self, role: Role) -> bool:
        """True when this user's role is `role` or above it."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def may_decide(self) -> bool:
        return self.has("approver")

    @property
    def is_admin(self) -> bool:
        return self.has("admin")


UserEndpoint = Callable[[Request, SignedIn], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use; every form sends it back."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


async def csrf_ok(request: Request) -> bool:
    """True when the request carries this session's token, in the form or a header."""
    expected = request.session.get(SESSION_CSRF)
    sent: object = request.headers.get(CSRF_HEADER)
    if sent is None:
        sent = (await request.form()).get(CSRF_FIELD)
    return (
        isinstance(expected, str)
        and isinstance(sent, str)
        and hmac.compare_digest(sent.encode(), expected.encode())
    )


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def current_user(request: Request) -> SignedIn | None:
    """The signed-in user, or None when nobody is, or the session was ended since sign-in.

    Sign-out, a password change and deactivation end sessions in the database, so a copy of the
    cookie taken before stops working too.
    """
    remembered = request.session.get(SESSION_USER)
    if not isinstance(remembered, dict) or not isinstance(remembered.get("id"), int):
        return None
    async with services_of(request).sessions() as session:
        user = await get_user(session=session, id=remembered["id"])
    if (
        user is None
        or user.id is None
        or not user.active
        or remembered.get("generation") != user.session_generation
    ):
        request.session.pop(SESSION_USER, None)
        return None
    role: Role = user.role  # type: ignore[assignment]  # the column holds one of the roles
    return SignedIn(id=user.id, email=user.email, role=role)


def signed_in(minimum: Role = "viewer", *, page: bool = True) -> Callable[[UserEndpoint], Endpoint]:
    """Require a signed-in user with at least `minimum`; POSTs must also carry the CSRF token.

    Without a session, a page redirects to sign-in; anything else (`page=False`, the live
    streams) gets 401, whatever the request accepts.
    """

    def decorate(endpoint: UserEndpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user = await current_user(request)
            if user is None:
                return _unauthenticated(request, page=page)
            if request.method == "POST" and not await csrf_ok(request):
                raise forbidden("The form had expired or did not come from this console.")
            if not user.has(minimum):
                raise forbidden(f"This needs the {minimum} role; you are a {user.role}.")
            return await endpoint(request, user)

        return guarded

    return decorate


def forbidden(message: str) -> HTTPException:
    """A refusal to raise; the console shows it as a page that says why."""
    return HTTPException(status_code=403, detail=message)


def _unauthenticated(request: Request, *, page: bool) -> Response:
    wants_page = (
        page
        and request.method == "GET"
        and "text/event-stream" not in request.headers.get("accept", "")
    )
    if not wants_page:
        return PlainTextResponse("401 Unauthorized: sign in first.", status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='')}", status_code=303)


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a console path only, never another site."""
    if target and target.startswith("/console/") and not target.startswith("/console//"):
        return target
    return "/console/"
