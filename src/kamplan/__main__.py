"""``python -m kamplan``: the same as the ``kamplan`` command."""

import sys

from kamplan.cli import main

sys.exit(main())
