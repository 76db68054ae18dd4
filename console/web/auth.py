"""Sign-in and sign-out: argon2-checked passwords, throttled failures, a fresh session each time."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.web.passwords import hash_password, needs_rehash, verify_password
from console.web.rendering import render
from console.web.security import (
    LOGIN_PATH,
    SESSION_USER,
    SignedIn,
    csrf_ok,
    current_user,
    forbidden,
    password_stamp,
    safe_next,
    services_of,
    signed_in,
)
from console.web.throttle import WINDOW, SignInThrottle
from workflows.store.crud import record_audit
from workflows.store.users import get_user_by_email, normalise_email

_WRONG = "Wrong email or password."
_THROTTLED = (
    f"Too many failed sign-ins for this email. Try again in {int(WINDOW.total_seconds() // 60)} "
    "minutes."
)


async def login_page(request: Request) -> Response:
    if await current_user(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    context = {"next": safe_next(request.query_params.get("next")), "email": "", "error": None}
    return render(request, "login.html", context, user=None)


async def login(request: Request) -> Response:
    if not await csrf_ok(request):
        return forbidden("The sign-in form had expired; reload the page and try again.")
    form = await request.form()
    email = normalise_email(str(form.get("email", "")))
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    address = request.client.host if request.client else "unknown"
    now = request.app.state.clock()
    services = services_of(request)
    throttle = SignInThrottle(services.sessions)

    def again(error: str, status_code: int) -> Response:
        context = {"next": target, "email": email, "error": error}
        return render(request, "login.html", context, user=None, status_code=status_code)

    if await throttle.blocked(email=email, address=address, now=now):
        return again(_THROTTLED, 429)
    async with services.sessions.begin() as session:
        user = await get_user_by_email(session=session, email=email) if email else None
        known = user is not None and user.active
        if not verify_password(user.password_hash if user and known else None, password):
            user = None
        elif user is not None:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.last_sign_in_at = now
            session.add(user)
            await record_audit(
                session=session,
                actor=f"console:{user.email}",
                action="console.signed_in",
                subject=user.email,
                detail={"address": address},
            )
    if user is None or user.id is None:
        await throttle.failed(email=email, address=address, now=now)
        return again(_WRONG, 401)
    await throttle.succeeded(email=email, address=address)
    # A new session on sign-in: nothing set before it (a planted CSRF token) carries over.
    request.session.clear()
    request.session[SESSION_USER] = {"id": user.id, "stamp": password_stamp(user.password_hash)}
    return RedirectResponse(target, status_code=303)


@signed_in()
async def logout(request: Request, user: SignedIn) -> Response:
    request.session.clear()
    return RedirectResponse(LOGIN_PATH, status_code=303)


routes = [
    Route("/login", login_page, methods=["GET"], name="login"),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"], name="logout"),
]
