"""Users, for admins: add people, change their role, reset a password, deactivate an account."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.web.passwords import WeakPassword, hash_password
from console.web.rendering import flash, render
from console.web.security import SignedIn, services_of, signed_in
from console.web.throttle import SignInThrottle
from workflows.names import ROLES, Role
from workflows.store.crud import record_audit
from workflows.store.users import create_user, get_user, list_users, update_user

USERS_PATH = "/console/admin/users"


@signed_in("admin")
async def users_page(request: Request, user: SignedIn) -> Response:
    services = services_of(request)
    async with services.sessions() as session:
        users = await list_users(session=session)
    blocked = await SignInThrottle(services.sessions).blocked(now=request.app.state.clock())
    context = {"users": users, "roles": ROLES, "blocked": blocked}
    return render(request, "admin_users.html", context, user=user)


@signed_in("admin")
async def lift_block(request: Request, user: SignedIn) -> Response:
    services = services_of(request)
    async with services.sessions() as session:
        target = await get_user(session=session, id=int(request.path_params["user_id"]))
    if target is None:
        flash(request, "No such user.", "error")
    elif await SignInThrottle(services.sessions).lift(email=target.email):
        async with services.sessions.begin() as session:
            await _audit(session, user, "user.sign_in_block_lifted", target.email, {})
        flash(request, f"{target.email} may sign in again.")
    else:
        flash(request, f"{target.email} was not blocked.")
    return RedirectResponse(USERS_PATH, status_code=303)


@signed_in("admin")
async def add_user(request: Request, user: SignedIn) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip()
    role = _role(form)
    try:
        if "@" not in email or role is None:
            raise ValueError("give an email address and a role")
        password_hash = await _hashed(_new_password(form))
        async with services_of(request).sessions.begin() as session:
            added = await create_user(
                session=session,
                email=email,
                role=role,
                password_hash=password_hash,
                now=request.app.state.clock(),
            )
            await _audit(session, user, "user.added", added.email, {"role": role})
    except IntegrityError:
        flash(request, f"Not added: {email} already has an account.", "error")
    except ValueError as error:
        flash(request, f"Not added: {error}.", "error")
    else:
        flash(request, f"Added {added.email} as {role}.")
    return RedirectResponse(USERS_PATH, status_code=303)


@signed_in("admin")
async def change_user(request: Request, user: SignedIn) -> Response:
    form = await request.form()
    role = _role(form)
    active = form.get("active") == "on"
    try:
        new_hash = await _hashed(_new_password(form)) if form.get("password") else None
    except ValueError as error:
        flash(request, f"Not changed: {error}.", "error")
        return RedirectResponse(USERS_PATH, status_code=303)
    async with services_of(request).sessions.begin() as session:
        target = await get_user(session=session, id=int(request.path_params["user_id"]))
        if target is None or role is None:
            flash(request, "Not changed: no such user or role.", "error")
        elif target.id == user.id and (role != user.role or not active):
            # An admin locking themselves out could leave nobody to undo it.
            flash(request, "You cannot change your own role or deactivate yourself.", "error")
        else:
            await update_user(
                session=session,
                user=target,
                now=request.app.state.clock(),
                role=role,
                active=active,
                password_hash=new_hash,
            )
            detail = {"role": role, "active": active, "password_reset": new_hash is not None}
            await _audit(session, user, "user.changed", target.email, detail)
            flash(request, f"Saved {target.email}.")
    return RedirectResponse(USERS_PATH, status_code=303)


def _role(form: FormData) -> Role | None:
    value = form.get("role")
    return next((role for role in ROLES if role == value), None)


async def _hashed(password: str) -> str:
    # argon2 takes a quarter of a second on purpose: not on the event loop, which serves everyone.
    return await anyio.to_thread.run_sync(hash_password, password)


def _new_password(form: FormData) -> str:
    password = str(form.get("password", ""))
    if password != str(form.get("confirm", "")):
        raise WeakPassword("the two passwords differ")
    return password


async def _audit(
    session: AsyncSession, user: SignedIn, action: str, subject: str, detail: dict[str, Any]
) -> None:
    await record_audit(
        session=session,
        actor=f"console:{user.email}",
        action=action,
        subject=subject,
        detail=detail,
    )


routes = [
    Route("/admin/users", users_page, methods=["GET"], name="admin_users"),
    Route("/admin/users", add_user, methods=["POST"]),
    Route("/admin/users/{user_id:int}", change_user, methods=["POST"]),
    Route("/admin/users/{user_id:int}/unblock", lift_block, methods=["POST"]),
]
