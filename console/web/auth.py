"""Sign-in and sign-out: argon2-checked passwords, throttled tries, a fresh session each time."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.web.password_checks import Busy, PasswordCheck, PasswordChecks
from console.web.rendering import render
from console.web.security import (
    LOGIN_PATH,
    SESSION_USER,
    SignedIn,
    csrf_ok,
    current_user,
    forbidden,
    safe_next,
    services_of,
    signed_in,
)
from console.web.throttle import WINDOW, SignInThrottle
from workflows.store.crud import record_audit
from workflows.store.models import ConsoleUser
from workflows.store.users import end_sessions, get_user, get_user_by_email, normalise_email

_WRONG = "Wrong email or password."
_THROTTLED = (
    f"Too many failed sign-ins for this email. Try again in {int(WINDOW.total_seconds() // 60)} "
    "minutes."
)
_BUSY = "Too many sign-ins at once. Try again in a moment."
# Longer than any stored email or client address: such input cannot belong to a user.
_MAX_EMAIL, _MAX_ADDRESS = 320, 64


async def login_page(request: Request) -> Response:
    if await current_user(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    context = {"next": safe_next(request.query_params.get("next")), "email": "", "error": None}
    return render(request, "login.html", context, user=None)


async def login(request: Request) -> Response:
    if not await csrf_ok(request):
        raise forbidden("The sign-in form had expired; reload the page and try again.")
    form = await request.form()
    email = normalise_email(str(form.get("email", "")))
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    address = (request.client.host if request.client else "unknown")[:_MAX_ADDRESS]
    now = request.app.state.clock()
    services = services_of(request)
    checks: PasswordChecks = request.app.state.password_checks
    throttle = SignInThrottle(services.sessions)

    def again(error: str, status_code: int) -> Response:
        context = {"next": target, "email": email, "error": error}
        return render(request, "login.html", context, user=None, status_code=status_code)

    def busy() -> Response:
        response = again(_BUSY, 503)
        response.headers["Retry-After"] = "1"
        return response

    if len(email) > _MAX_EMAIL:
        return again(_WRONG, 401)
    # Asked before a try is counted: a sign-in turned away for load should not cost one of them.
    if not checks.has_room:
        return busy()
    if not await throttle.claim(email=email, address=address, now=now):
        return again(_THROTTLED, 429)
    async with services.sessions() as session:
        found = await get_user_by_email(session=session, email=email) if email else None
    user = found if found is not None and found.active else None
    try:
        # No database connection is held while the password is checked.
        check = await checks.check(user.password_hash if user else None, password)
    except Busy:
        return busy()
    if user is None or user.id is None or not check.matches:
        return again(_WRONG, 401)
    signed = await _record_sign_in(request, user.id, check, address=address)
    if signed is None:
        return again(_WRONG, 401)
    await throttle.succeeded(email=email, address=address)
    # A new session on sign-in: nothing set before it (a planted CSRF token) carries over.
    request.session.clear()
    request.session[SESSION_USER] = {"id": user.id, "generation": signed.session_generation}
    return RedirectResponse(target, status_code=303)


async def _record_sign_in(
    request: Request, user_id: int, check: PasswordCheck, *, address: str
) -> ConsoleUser | None:
    """Note the sign-in on the user and in the audit; None if the account went away meanwhile."""
    async with services_of(request).sessions.begin() as session:
        user = await get_user(session=session, id=user_id)
        if user is None or not user.active:
            return None
        if check.new_hash is not None:
            user.password_hash = check.new_hash
        user.last_sign_in_at = request.app.state.clock()
        session.add(user)
        await record_audit(
            session=session,
            actor=f"console:{user.email}",
            action="console.signed_in",
            subject=user.email,
            detail={"address": address},
        )
        return user


@signed_in()
async def logout(request: Request, user: SignedIn) -> Response:
    # Ended in the database, not only in this browser: a copy of the cookie stops working too.
    async with services_of(request).sessions.begin() as session:
        await end_sessions(session=session, user_id=user.id)
    request.session.clear()
    return RedirectResponse(LOGIN_PATH, status_code=303)


routes = [
    Route("/login", login_page, methods=["GET"], name="login"),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"], name="logout"),
]
