"""``python -m lexmetrics`` is the ``lexmetrics`` command."""

import sys

from .cli import main

sys.exit(main())
