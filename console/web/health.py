"""Health, for admins: what `support-agent doctor` checks, run from the server itself."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.doctor import run_checks
from console.web.rendering import render
from console.web.security import SignedIn, signed_in

# Short enough for a page to wait on; doctor on the command line waits longer.
PING_TIMEOUT_SECONDS = 10.0


@signed_in("admin")
async def health_page(request: Request, user: SignedIn) -> Response:
    checks = await run_checks(
        request.app.state.settings,
        client=request.app.state.inngest,
        ping_timeout=PING_TIMEOUT_SECONDS,
    )
    failing = any(check.status == "failing" for check in checks)
    return render(request, "health.html", {"checks": checks, "failing": failing}, user=user)


routes = [Route("/health", health_page, methods=["GET"], name="health")]
