"""The Unicode data the reference implementations see, chosen for the environment that runs us.

sacrebleu's results depend on two sets of Unicode tables that change between releases:

- CPython's own (``str.lower``, ``str.isspace``/``split``, the final-sigma rule), used by every
  sacrebleu metric with ``lowercase=True`` and by ``split()``; they follow the interpreter
  (``unicodedata.unidata_version``: 13.0.0 on Python 3.10, 14.0.0 on 3.11, 15.0.0 on 3.12, ...);
- the ``regex`` module's ``\\p{P}``, ``\\p{S}`` and ``\\p{N}``, used by the ``intl`` tokenizer; they
  follow the installed ``regex`` release (Unicode 17 from regex 2026.11.x).

The Rust core ships tables for the interpreters and the ``regex`` release listed in
``unicode_tables.rs``. At the first call that needs them, :func:`install` picks the bundled tables
that match this process, or computes them from the running interpreter / the installed ``regex``
(once per process: about 1 s for CPython's, 0.1 s for the regex classes) and hands them to the core. So lexmetrics gives what
sacrebleu gives *in the same environment*. Without ``regex`` installed, ``intl`` uses the bundled
``regex`` tables. :func:`unicode_info` says which tables are in use.

Setting ``LEXMETRICS_UNICODE_TABLES=computed`` builds every table from the environment even where a
bundled set matches (the tests use it to check the run-time path).

This module needs only the standard library (``regex`` optionally), so that
``scripts/gen_unicode_tables.py`` can run the same code under every interpreter.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from itertools import compress

MAX_CP = 0x110000
# cp 0 serves as the separator below; it has no case, no lowercase mapping and is not a space.
_CPS = None
_lock = threading.Lock()
_installed = {"python": False, "regex": False}

Ranges = list[tuple[int, int]]


def _code_points() -> list[int]:
    """Every code point but U+0000 and the surrogates (a Rust `str` cannot hold a surrogate)."""
    global _CPS
    if _CPS is None:
        _CPS = [*range(1, 0xD800), *range(0xE000, MAX_CP)]
    return _CPS


def _ranges(cps: list[int]) -> Ranges:
    """Sorted inclusive ranges of sorted `cps` (the surrogate gap is bridged, as it holds nothing)."""
    out: Ranges = []
    for cp in cps:
        if out and (out[-1][1] == cp - 1 or (out[-1][1] == 0xD7FF and cp == 0xE000)):
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


def python_str_tables() -> dict:
    """CPython's case and whitespace tables of this interpreter, as the Rust core takes them.

    Each string method runs once over all code points joined by U+0000 (not cased, not
    case-ignorable, not a space: it isolates every character's context), so the whole build takes
    a few C-speed passes instead of a million Python calls.
    """
    cps = _code_points()
    chars = list(map(chr, cps))
    sigma = "\u03a3"
    lowered = "\x00".join(chars).lower().split("\x00")
    lower = [(cp, [ord(x) for x in low]) for cp, c, low in zip(cps, chars, lowered) if low != c]
    space = [cp for cp, c in zip(cps, chars) if c.isspace()]
    # CPython's final-sigma rule (handle_capital_sigma) looks back past case-ignorable characters
    # for a cased one; neither property is exposed, so probe lower() itself:
    # X "Σ" gives "ς" iff X is cased and not case-ignorable; "A" X "Σ" gives "ς" iff X is
    # case-ignorable (skipped, then "A" is cased) or cased and not case-ignorable.
    final = "\u03c2"
    after_x = (sigma + "\x00").join(chars) + sigma
    after_ax = "A" + (sigma + "\x00A").join(chars) + sigma
    cased = [p[-1] == final for p in after_x.lower().split("\x00")]
    either = [p[-1] == final for p in after_ax.lower().split("\x00")]
    ignorable = [e and not c for e, c in zip(either, cased)]
    return {
        "unidata_version": unicodedata.unidata_version,
        "whitespace": _ranges(space),
        "lower": lower,
        "case_ignorable": _ranges(list(compress(cps, ignorable))),
        "cased": _ranges(list(compress(cps, cased))),
    }


def regex_classes(regex_module) -> dict:
    """`\\p{P}`, `\\p{S}` and `\\p{N}` of the given `regex` module (sacrebleu's intl tokenizer)."""
    cps = _code_points()
    text = "".join(map(chr, cps))
    out = {"regex_version": regex_module.__version__}
    for name in ("P", "S", "N"):
        pat = regex_module.compile(r"\p{" + name + "}")
        out[name] = _ranges([cps[m.start()] for m in pat.finditer(text)])
    return out


def install(need_regex: bool = False) -> None:
    """Hand the core the tables of this process (called by the native layer at first use)."""
    from . import _native

    computed = os.environ.get("LEXMETRICS_UNICODE_TABLES") == "computed"
    with _lock:
        if not _installed["python"]:
            version = unicodedata.unidata_version
            if computed or not _native._use_bundled_python_tables(version):
                t = python_str_tables()
                _native._set_python_tables(
                    version,
                    t["whitespace"],
                    [(cp, *(low + [0] * (3 - len(low)))) for cp, low in t["lower"]],
                    t["case_ignorable"],
                    t["cased"],
                )
            _installed["python"] = True
        if need_regex and not _installed["regex"]:
            try:
                import regex
            except ImportError:
                regex = None
            if regex is None:  # intl then uses the bundled classes
                _native._use_bundled_regex_classes(str(_native._unicode_info()["bundled_regex"]))
            if regex is not None and (
                computed or not _native._use_bundled_regex_classes(regex.__version__)
            ):
                c = regex_classes(regex)
                _native._set_regex_classes(c["regex_version"], c["P"], c["S"], c["N"])
            _installed["regex"] = True


def unicode_info() -> dict:
    """Which Unicode tables the core uses in this process (after first use), and where they came from.

    ``python``: the interpreter's ``unicodedata`` version the case/whitespace tables belong to, and
    ``"bundled"`` or ``"computed"``; ``regex``: the ``regex`` release the intl tokenizer's classes
    were taken from (``"bundled"`` when they are the shipped ones).
    """
    from . import _native

    install(need_regex=True)
    return _native._unicode_info()
