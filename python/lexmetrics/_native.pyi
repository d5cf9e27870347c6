# Typed stubs for the private native module. Public API: lexmetrics/__init__.py.

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

# (end porter)

# ======================================================================
# BLEU / chrF (rust/python/src/bleu.rs)
# ======================================================================

# (end BLEU / chrF)
