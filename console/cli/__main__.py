"""`python -m console.cli`, the same as `support-agent`."""

import sys

from console.cli import main

sys.exit(main())
