"""Scenario files: a customer, their purchases, what they wrote, and what a good run does.

A YAML file holds one scenario (a mapping) or several (a list). Times are given relative to the
scenario's `now`, which is fixed, so a scenario sends the same request every time it runs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent.context import (
    AppPolicy,
    ConversationContext,
    Customer,
    Message,
    Purchase,
    UtcDatetime,
)
from agent.policy import Verdict

# Any fixed moment works; a fixed one keeps requests, and so recordings, identical between runs.
EVAL_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EVAL_APP_ID = "demo"
# The demo app's thresholds: small recent refunds run on their own.
EVAL_POLICY = AppPolicy(auto_refund_max_cents=2000, auto_refund_max_age_days=14)

_STRICT = ConfigDict(extra="forbid", frozen=True)


class ScenarioError(Exception):
    """A scenario file that cannot be read, with the file and the problem."""


class ScenarioPurchase(BaseModel):
    model_config = _STRICT

    id: str
    product: str
    amount_cents: int
    currency: str = "USD"
    days_ago: float
    status: str = "paid"
    refunded_cents: int = 0


class ScenarioMessage(BaseModel):
    model_config = _STRICT

    text: str
    author: Literal["customer", "agent", "teammate"] = "customer"
    minutes_ago: float = 5


class ExpectedAction(BaseModel):
    """One proposal a good run makes: its tool, the params that matter, the policy's verdict."""

    model_config = _STRICT

    tool: str
    params: dict[str, Any] = Field(default_factory=dict)
    verdict: Verdict | None = None


class Expectations(BaseModel):
    model_config = _STRICT

    # The triage kind: support, automated, spam, personal, legal or foreign_language.
    class_: str | None = Field(default=None, alias="class")
    # Look-ups the run must make.
    lookups: list[str] = Field(default_factory=list)
    # Exactly these proposals (in any order) unless `other_actions` allows more.
    actions: list[ExpectedAction] | None = None
    other_actions: Literal["forbid", "allow"] = "forbid"
    # Proposals that must not be made, whatever else is allowed.
    never: list[ExpectedAction] = Field(default_factory=list)
    # Case-insensitive; a list item that is itself a list passes when any one of it is present.
    must_contain: list[str | list[str]] = Field(default_factory=list)
    must_not_contain: list[str] = Field(default_factory=list)
    # Checked by the draft checks when present: [] is a clean draft, else the expected kinds.
    draft_checks: list[str] | None = None


class Scenario(BaseModel):
    """One conversation to run and what is expected of it."""

    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: str = ""
    description: str = ""
    now: UtcDatetime = EVAL_NOW
    sender: str | None = None
    subject: str | None = None
    # Headers of the newest message (Auto-Submitted, Precedence…), which triage reads.
    headers: dict[str, str] = Field(default_factory=dict)
    customer: Customer | None = None
    purchases: list[ScenarioPurchase] = Field(default_factory=list)
    messages: list[ScenarioMessage] = Field(min_length=1)
    policy: AppPolicy = EVAL_POLICY
    knowledge: str | None = None
    expect: Expectations

    @model_validator(mode="after")
    def _someone_wrote(self) -> Scenario:
        if self.sender is None and self.customer is None:
            raise ValueError("a scenario without a customer needs a sender")
        return self

    @property
    def sender_email(self) -> str:
        return self.sender or (self.customer.email if self.customer else "")

    def context(self) -> ConversationContext:
        """The context the workflow would gather for this conversation."""
        return ConversationContext(
            conversation_id=f"cnv_eval_{self.id}",
            app_id=EVAL_APP_ID,
            sender_email=self.sender_email,
            subject=self.subject,
            messages=[
                Message(
                    author=m.author,
                    text=m.text,
                    sent_at=self.now - timedelta(minutes=m.minutes_ago),
                )
                for m in self.messages
            ],
            customer=self.customer,
            purchases=[
                Purchase(
                    id=p.id,
                    product=p.product,
                    amount_cents=p.amount_cents,
                    currency=p.currency,
                    purchased_at=self.now - timedelta(days=p.days_ago),
                    status=p.status,
                    refunded_cents=p.refunded_cents,
                )
                for p in self.purchases
            ],
            knowledge=self.knowledge if self.knowledge is not None else demo_knowledge(),
        )


def demo_knowledge() -> str:
    """The demo app's help centre, as packaged (never an operator's override)."""
    packaged = resources.files("workflows.integrations") / "demo_knowledge.md"
    return packaged.read_text(encoding="utf-8")


def scenario_files(path: Path) -> list[Path]:
    """The YAML files at `path`: the file itself, or every one below the directory, sorted."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ScenarioError(f"{path}: no such file or directory")
    return sorted(p for p in path.rglob("*.y*ml") if p.suffix in {".yaml", ".yml"})


def load_file(path: Path) -> list[Scenario]:
    """The scenarios of one file; a file's stem is the category of scenarios that name none."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    items = document if isinstance(document, list) else [document]
    scenarios = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ScenarioError(f"{path}: item {index + 1} is not a mapping")
        try:
            scenario = Scenario.model_validate({"category": path.stem, **item})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise ScenarioError(f"{path}: scenario {index + 1}: {problems}") from exc
        scenarios.append(scenario)
    return scenarios


def load_scenarios(path: Path) -> list[Scenario]:
    """Every scenario at `path`; ids must be unique, as recordings are kept by id."""
    scenarios = [s for file in scenario_files(path) for s in load_file(file)]
    if not scenarios:
        raise ScenarioError(f"{path}: no scenarios found")
    seen: set[str] = set()
    for scenario in scenarios:
        if scenario.id in seen:
            raise ScenarioError(f"{path}: scenario id {scenario.id!r} is used twice")
        seen.add(scenario.id)
    return scenarios
