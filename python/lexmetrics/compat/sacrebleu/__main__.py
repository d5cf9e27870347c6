"""``python -m lexmetrics.compat.sacrebleu``: sacrebleu's command line (see ``sacrebleu.py``)."""

from .sacrebleu import main

if __name__ == "__main__":
    main()
