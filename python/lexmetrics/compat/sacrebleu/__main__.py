"""``python -m lexmetrics.compat.sacrebleu``: sacrebleu's command line (see ``sacrebleu.py``)."""

from __future__ import annotations

from .sacrebleu import main

if __name__ == "__main__":
    main()
