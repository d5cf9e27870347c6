"""Print the first ```python block of a Markdown file that contains a given snippet.

    python scripts/doc_example.py docs/spark.md "lms.corpus_scores" | python -

scripts/check-extras.sh runs the documentation's own examples this way, so a doc edit that breaks
an example fails CI.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: doc_example.py FILE.md SNIPPET")
    path, snippet = Path(sys.argv[1]), sys.argv[2]
    blocks = re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S)
    for block in blocks:
        if snippet in block:
            sys.stdout.write(block)
            return
    sys.exit(f"doc_example: no ```python block in {path} contains {snippet!r}")


if __name__ == "__main__":
    main()
