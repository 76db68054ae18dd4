"""`support-agent/ping`: a one-step durable run that proves the engine and the app talk."""

from __future__ import annotations

import inngest

PING_EVENT = "support-agent/ping"


def create_ping_function(client: inngest.Inngest) -> inngest.Function[object]:
    @client.create_function(fn_id="ping", trigger=inngest.TriggerEvent(event=PING_EVENT), retries=0)
    async def ping(ctx: inngest.Context) -> object:
        async def pong() -> dict[str, object]:
            return {"pong": True, "sent_at": ctx.event.data.get("sent_at")}

        return await ctx.step.run("pong", pong)

    return ping
