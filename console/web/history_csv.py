"""The history as a CSV file, for a spreadsheet: money as people read it, formulas defused."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from starlette.responses import Response

from console.web.listing import ActionRow
from console.web.rendering import TOOL_LABELS, money, when

COLUMNS = (
    "action_id",
    "outcome",
    "decided_by",
    "decided_at",
    "asked_at",
    "app",
    "action",
    "amount",
    "target",
    "customer",
    "subject",
    "conversation_id",
)
# A cell starting with one of these is a formula to a spreadsheet; customers write subjects.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _line(row: ActionRow) -> list[str]:
    amount = row.params.get("amount_cents")
    values = (
        row.action_id,
        row.status,
        row.decided_by,
        when(row.decided_at) if row.decided_at else "",
        when(row.created_at),
        row.app_name,
        TOOL_LABELS.get(row.tool, row.tool),
        money(amount) if amount is not None else "",
        row.target,
        row.customer_email,
        row.subject,
        row.conversation_id,
    )
    return [_cell(value) for value in values]


def csv_response(rows: Sequence[ActionRow], filename: str) -> Response:
    """The rows as a downloadable CSV file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(_line(row) for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
