"""The `eval` and `replay` commands' arguments; `console.commands.evals` does the work."""

from __future__ import annotations

import argparse
from typing import Any

from console.cli.lazy import Lazy

_COMMANDS = "console.commands.evals"
DEFAULT_SCENARIOS = "evals"


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `eval` and `replay` commands to the CLI."""
    evaluate = commands.add_parser(
        "eval",
        help="run scenario files through the agent and print a scorecard",
        description="Run each scenario (YAML) through the real agent loop, the policy and the "
        "draft, against an in-memory copy of the scenario's customer, with the configured model "
        "(Anthropic with ANTHROPIC_API_KEY, else the offline model). Prints pass rate per "
        "category, tokens, cost and latency. Exits 1 when a scenario could not run.",
    )
    evaluate.add_argument(
        "path",
        nargs="?",
        default=DEFAULT_SCENARIOS,
        help=f"a scenario file or a directory of them (default: {DEFAULT_SCENARIOS})",
    )
    modes = evaluate.add_mutually_exclusive_group()
    modes.add_argument(
        "--record",
        action="store_true",
        help="store the model's responses, by request, in the recordings directory",
    )
    modes.add_argument(
        "--replay",
        action="store_true",
        help="answer from the recordings instead of a model; no key or network needed. A "
        "request the recording does not hold fails its scenario",
    )
    modes.add_argument(
        "--from-sent",
        metavar="OUT",
        help="run nothing: write the conversations whose sent reply was rewritten most (the "
        "learning loop) to OUT as scenarios, for a person to add what a good reply says",
    )
    evaluate.add_argument(
        "--min-edit",
        type=float,
        default=0.3,
        help="with --from-sent: the least edit ratio (0 unedited, 1 rewritten; default 0.3)",
    )
    evaluate.add_argument(
        "--limit", type=int, default=20, help="with --from-sent: at most this many (default 20)"
    )
    evaluate.add_argument(
        "--model",
        help="model id (default: ANTHROPIC_MODEL, or the recorded one with --replay)",
    )
    evaluate.add_argument(
        "--recordings",
        metavar="DIR",
        help="where recordings are kept (default: PATH/recordings, or beside a file)",
    )
    evaluate.add_argument("--json", metavar="OUT", help="also write the scorecard as JSON to OUT")
    evaluate.set_defaults(command=Lazy(_COMMANDS, "evaluate"))

    replay = commands.add_parser(
        "replay",
        help="re-run a stored agent run with today's prompt and model and show what changed",
        description="Take the context of the conversation's latest agent run from the database, "
        "run it again through today's prompt, tools, policy and model (nothing is executed or "
        "sent), and print the differences in class, tools, verdicts and draft.",
    )
    replay.add_argument(
        "--conversation", required=True, metavar="CONVERSATION_ID", help="the conversation (cnv_…)"
    )
    replay.add_argument("--model", help="model id (default: ANTHROPIC_MODEL)")
    replay.set_defaults(command=Lazy(_COMMANDS, "replay"))
