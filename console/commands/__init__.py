"""Sub-commands of `support-agent` that live outside the core of `console/cli.py`."""
