"""sacrebleu ``dataset``: the test-set registry is not shipped (it downloads from the network).

``DATASETS`` is empty; use your own files as references.
"""

from __future__ import annotations

DATASETS: dict = {}
SUBSETS: dict = {}
