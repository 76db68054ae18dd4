"""raise-alerts, every minute: find what went wrong since the last pass, then post each new
alert once to the approval channel."""

from __future__ import annotations

from typing import Any

import inngest

from workflows.alerts.detection import find_alerts
from workflows.alerts.posting import post_alerts
from workflows.functions.recovery import EVERY_MINUTE
from workflows.services import Services


def create_alerts_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """Raise alerts from the database's state and post the new ones to Slack."""

    async def find() -> list[str]:
        return await find_alerts(services, now=services.clock())

    async def post() -> int:
        return await post_alerts(services, now=services.clock())

    @client.create_function(
        fn_id="raise-alerts",
        name="Raise alerts and post them to the approval channel",
        trigger=inngest.TriggerCron(cron=EVERY_MINUTE),
        concurrency=[inngest.Concurrency(limit=1)],
        retries=1,
    )
    async def raise_alerts(ctx: inngest.Context) -> dict[str, int]:
        raised = await ctx.step.run("find-alerts", find)
        posted = await ctx.step.run("post-alerts", post)
        return {"raised": len(raised), "posted": posted}

    return raise_alerts
