"""The work inside each durable step: database, inbox, integration and model calls.

Functions in `workflows.functions` only orchestrate; everything here takes the shared `Services`
and plain models, and returns a model a step can memoize.
"""
