"""``python -m kamplan.cli``."""

import sys

from kamplan.cli import main

sys.exit(main())
