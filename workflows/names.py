"""Names the command line checks before anything heavy is imported: app ids, roles, the demo."""

from __future__ import annotations

import re
from typing import Literal, get_args

# App ids name knowledge files; anything else could reach outside the knowledge directory.
APP_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
DEMO_INTEGRATION_URL = "builtin:demo"

Role = Literal["viewer", "approver", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
