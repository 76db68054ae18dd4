"""The durable functions this app serves."""

from __future__ import annotations

from typing import Any

import inngest

from workflows.functions.alerts import create_alerts_function
from workflows.functions.approval import create_approval_function
from workflows.functions.inbound import create_inbound_function
from workflows.functions.ping import create_ping_function
from workflows.functions.recovery import create_resend_decisions_function, create_sweep_function
from workflows.services import Services


def create_functions(client: inngest.Inngest, services: Services) -> list[inngest.Function[Any]]:
    """Every function the app serves, bound to one client and the shared services."""
    return [
        create_ping_function(client),
        create_inbound_function(client, services),
        create_approval_function(client, services),
        create_resend_decisions_function(client, services),
        create_sweep_function(client, services),
        create_alerts_function(client, services),
    ]
