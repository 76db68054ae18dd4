"""The durable functions this app serves."""

from __future__ import annotations

import inngest

from workflows.functions.ping import create_ping_function


def create_functions(client: inngest.Inngest) -> list[inngest.Function[object]]:
    """Every function the app serves, bound to one client."""
    return [create_ping_function(client)]
