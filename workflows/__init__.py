"""Durable orchestration: the Inngest client, the functions, the store and the integrations."""
