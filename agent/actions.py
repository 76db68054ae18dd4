"""Proposed actions: what the agent asks a human (or the policy) to let happen, never done by it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MutatingTool = Literal[
    "refund_purchase", "transfer_license", "send_magic_link", "update_email", "escalate_to_human"
]


class ActionParams(BaseModel):
    # Strict and closed: "5000" for an amount, or an unexpected key, is a malformed proposal.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RefundParams(ActionParams):
    """Give back part or all of a purchase's price."""

    purchase_id: str
    amount_cents: int
    reason: str


class TransferParams(ActionParams):
    """Move a purchase's licence to another person."""

    purchase_id: str
    to_email: str


class MagicLinkParams(ActionParams):
    """Email a one-time login link."""

    email: str


class UpdateEmailParams(ActionParams):
    """Change the email address of an account."""

    user_id: str
    new_email: str


class EscalateParams(ActionParams):
    """Hand the conversation to a teammate (tag and comment only)."""

    reason: str = Field(min_length=1)


PARAMS_BY_TOOL: dict[str, type[ActionParams]] = {
    "refund_purchase": RefundParams,
    "transfer_license": TransferParams,
    "send_magic_link": MagicLinkParams,
    "update_email": UpdateEmailParams,
    "escalate_to_human": EscalateParams,
}
MUTATING_TOOLS = frozenset(PARAMS_BY_TOOL)
# What a reviewer may change before approving; everything else stays as the agent proposed.
EDITABLE_PARAMS: dict[str, frozenset[str]] = {
    "refund_purchase": frozenset({"amount_cents"}),
    "transfer_license": frozenset({"to_email"}),
    "update_email": frozenset({"new_email"}),
}


class ProposedAction(BaseModel):
    """A mutating tool call the model asked for, recorded verbatim for the policy and reviewers."""

    model_config = ConfigDict(frozen=True)

    # A plain string on purpose: actions can come back from storage, and an unknown one is refused.
    tool: str
    params: dict[str, Any]
    rationale: str = ""
    tool_use_id: str

    def parsed_params(self) -> ActionParams:
        """The params as their typed model; raises KeyError or pydantic.ValidationError."""
        return PARAMS_BY_TOOL[self.tool].model_validate(self.params)
