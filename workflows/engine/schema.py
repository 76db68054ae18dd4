"""The engine's own tables. Every state change of a run is a committed row here."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

functions = Table(
    "engine_functions",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("app_name", String(255), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("config", JSON, nullable=False),
    Column("updated_at", Float, nullable=False),
)

events = Table(
    "engine_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("received_at", Float, nullable=False),
    # Numbers are never reused: a wait matches only events numbered above the newest one when
    # it began, and an event id accepted again after a day replaces the old row.
    sqlite_autoincrement=True,
)

runs = Table(
    "engine_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("function_id", String(255), nullable=False, index=True),
    Column("event_id", String(64), nullable=False, index=True),
    Column("event", JSON, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("output", JSON, nullable=True),
    Column("error", JSON, nullable=True),
    Column("concurrency", JSON, nullable=False),
    Column("throttle_key", String(255), nullable=True),
    Column("parent_run_id", String(64), nullable=True),
    Column("parent_step_id", String(64), nullable=True),
    Column("planned", JSON, nullable=True),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float, nullable=True),
)

steps = Table(
    "engine_steps",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=True),
    Column("op", String(32), nullable=False),
    Column("memo", JSON, nullable=True),
    Column("at", Float, nullable=False),
)

jobs = Table(
    "engine_jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("run_id", String(64), nullable=True, index=True),
    Column("target", String(64), nullable=False, default="step"),
    Column("attempt", Integer, nullable=False, default=0),
    Column("immediate", Boolean, nullable=False, default=True),
    Column("payload", JSON, nullable=True),
    Column("available_at", Float, nullable=False),
    Index("engine_jobs_due", "available_at"),
    # ids are never reused, so a finished job's id can never name a new one
    sqlite_autoincrement=True,
)

pauses = Table(
    "engine_pauses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False, index=True),
    Column("step_id", String(64), nullable=False),
    Column("event_name", String(255), nullable=False, index=True),
    Column("expression", Text, nullable=True),
    Column("after_seq", BigInteger, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# The events of a batched run, in order (its first is also the run's `event_id`): what its calls
# and `GET /v0/runs/{id}/batch` send, and how each event's runs are found.
run_events = Table(
    "engine_run_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("run_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
)

idempotency_keys = Table(
    "engine_idempotency_keys",
    metadata,
    Column("function_id", String(255), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("created_at", Float, nullable=False),
)

# Flow control's state per function, kind and key: a rate limit's or throttle's next free time
# (`at`), a debounce's pending event, a batch being collected, a batched run's events. A table of
# its own, so a database from before it gains it by `create_all` alone.
flow_state = Table(
    "engine_flow_state",
    metadata,
    Column("function_id", String(255), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("at", Float, nullable=True),
    Column("run_id", String(64), nullable=True),
    Column("payload", JSON, nullable=True),
)
