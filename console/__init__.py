"""The web edge: the Starlette app, webhooks, the approval console and the CLI."""
