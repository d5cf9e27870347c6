"""sacrebleu ``dataset``: the test-set registry is not shipped (it downloads from the network).

``DATASETS`` is empty; use your own files as references.
"""

DATASETS: dict = {}
SUBSETS: dict = {}
