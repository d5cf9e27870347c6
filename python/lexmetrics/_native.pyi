# Typed stubs for the private native module. Public API: lexmetrics/__init__.py.

from collections.abc import Sequence

__version__: str
BUILD_PROFILE: str  # "release" or "debug"

def default_workers() -> int: ...

# ======================================================================
# ROUGE (rust/python/src/rouge.rs)
# ======================================================================

# (end ROUGE)

# ======================================================================
# porter (rust/python/src/porter.rs)
# ======================================================================

def porter_stem(words: Sequence[str]) -> list[str]: ...

# (end porter)

# ======================================================================
# BLEU / chrF (rust/python/src/bleu.rs)
# ======================================================================

# (end BLEU / chrF)

# ======================================================================
# Text columns: test hooks (rust/python/src/texts.rs)
# ======================================================================

def _texts_debug(obj: object, *, nulls: str = "error", what: str = "texts") -> list[str]: ...
def _texts_total_bytes(obj: object, *, nulls: str = "error", what: str = "texts") -> int: ...
def _texts_source(obj: object, *, nulls: str = "error") -> str: ...

# (end text columns)
