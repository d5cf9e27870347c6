"""Parity of lexmetrics.compat.rouge_score's modules with rouge-score 0.1.2, in the same process:
tokenize, tokenizers, rouge_scorer's helpers, io's CSV files (byte for byte) and the `rouge`
command line (same output files from the same flags)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lexmetrics.compat import rouge_score as compat
from lexmetrics.compat.rouge_score import io as cio
from lexmetrics.compat.rouge_score import rouge_scorer as crs
from lexmetrics.compat.rouge_score import scoring as cscoring
from lexmetrics.compat.rouge_score import tokenize as ctok
from lexmetrics.compat.rouge_score import tokenizers as ctokenizers
from nltk.stem import lancaster, porter, snowball
from rouge_score import io as rio
from rouge_score import rouge_scorer as rrs
from rouge_score import scoring as rscoring
from rouge_score import tokenize as rtok
from rouge_score import tokenizers as rtokenizers

_TEXT = st.lists(
    st.sampled_from(
        list("abcXYZ019 \t\n.,-'\"!?")
        + ["ing", "ed", "tion", "é", "İ", "\u212a", "ß", "東", "😀", "\u2028"]
    ),
    max_size=60,
).map("".join)
_WORDS = (
    "the a running runs ran connected connection generalization happiness caring cares "
    "relational university universe 1990s mp3s covid19 don't e-mail Paris IBM café İstanbul "
    "\u212aelvin 東京 x86 3.50 1,000 -- ... ; !"
).split()


class _Upper:
    """A stemmer object that is not nltk's Porter: called from Python, as rouge-score calls it."""

    def __init__(self):
        self.calls = []

    def stem(self, word):
        self.calls.append(word)
        return word[:-1] if len(word) % 2 else word.upper()


_STEMMERS = {
    "none": lambda: None,
    "porter": porter.PorterStemmer,
    "porter-original": lambda: porter.PorterStemmer(porter.PorterStemmer.ORIGINAL_ALGORITHM),
    "snowball": lambda: snowball.SnowballStemmer("english"),
    "lancaster": lancaster.LancasterStemmer,
}


def _text(rng: random.Random, lo: int = 0, hi: int = 40, lines: int = 1) -> str:
    out = []
    for _ in range(lines):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(lo, hi))]
        out.append(" ".join(w.capitalize() if rng.random() < 0.2 else w for w in words))
    return "\n".join(out)


# --- tokenize ----------------------------------------------------------------------------------


def test_tokenize_module_names_match():
    for name in (
        "NON_ALPHANUM_PATTERN",
        "SPACES_PATTERN",
        "VALID_TOKEN_PATTERN",
    ):
        assert getattr(ctok, name) == getattr(rtok, name)
    for name in ("NON_ALPHANUM_RE", "SPACES_RE", "VALID_TOKEN_RE"):
        assert getattr(ctok, name).pattern == getattr(rtok, name).pattern


@pytest.mark.parametrize("which", sorted(_STEMMERS))
@given(text=_TEXT)
def test_tokenize_equals_rouge_score(which, text):
    stemmer = _STEMMERS[which]()
    assert ctok.tokenize(text, stemmer) == rtok.tokenize(text, stemmer)


def test_tokenize_generated_texts_and_bytes():
    rng = random.Random(11)
    porter_stemmer = porter.PorterStemmer()
    for _ in range(300):
        text = _text(rng, 0, 90)
        for stemmer in (None, porter_stemmer):
            assert ctok.tokenize(text, stemmer) == rtok.tokenize(text, stemmer)
        data = text.encode("utf-8")
        assert ctok.tokenize(data, porter_stemmer) == rtok.tokenize(data, porter_stemmer)


def test_tokenize_calls_a_custom_stemmer_like_rouge_score():
    text = "The connected runners ran 1990s races; caring is universal. Élan X"
    mine, theirs = _Upper(), _Upper()
    assert ctok.tokenize(text, mine) == rtok.tokenize(text, theirs)
    assert mine.calls == theirs.calls and mine.calls  # same words, same order


def test_tokenize_rejects_non_text_like_rouge_score():
    for bad in (None, 3):
        with pytest.raises(AttributeError):
            rtok.tokenize(bad, None)
        # AttributeError as in rouge-score, and TypeError as everywhere in lexmetrics.
        with pytest.raises(AttributeError, match="text must be str or bytes"):
            ctok.tokenize(bad, None)
        with pytest.raises(TypeError):
            ctokenizers.DefaultTokenizer().tokenize(bad)


def test_tokenize_lone_surrogates_are_separators():
    text = "a\ud800b caf\udce9 running"
    for stemmer in (None, porter.PorterStemmer(), _Upper()):
        assert ctok.tokenize(text, stemmer) == rtok.tokenize(text, stemmer)
    for use_stemmer in (False, True):
        mine = ctokenizers.DefaultTokenizer(use_stemmer).tokenize(text)
        assert mine == rtokenizers.DefaultTokenizer(use_stemmer).tokenize(text)


# --- tokenizers --------------------------------------------------------------------------------


@pytest.mark.parametrize("use_stemmer", [False, True])
def test_default_tokenizer_equals_rouge_score(use_stemmer):
    rng = random.Random(5)
    mine = ctokenizers.DefaultTokenizer(use_stemmer)
    theirs = rtokenizers.DefaultTokenizer(use_stemmer)
    assert isinstance(mine, ctokenizers.Tokenizer)
    for _ in range(200):
        text = _text(rng, 0, 70)
        assert mine.tokenize(text) == theirs.tokenize(text)


def test_tokenizer_is_abstract():
    with pytest.raises(TypeError):
        ctokenizers.Tokenizer()


def test_default_tokenizer_subclass_is_called():
    # A subclass overriding tokenize() must be used, not replaced by the native default tokenizer.
    class Mine(ctokenizers.DefaultTokenizer):
        def tokenize(self, text):
            return text.split()

    class Theirs(rtokenizers.DefaultTokenizer):
        def tokenize(self, text):
            return text.split()

    rng = random.Random(8)
    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    mine = crs.RougeScorer(types, tokenizer=Mine())
    theirs = rrs.RougeScorer(types, tokenizer=Theirs())
    for _ in range(100):
        t, p = _text(rng, 1, 30, lines=2), _text(rng, 1, 30, lines=2)
        assert mine.score(t, p) == theirs.score(t, p)
    assert mine.score("The cat", "the cat")["rouge1"].fmeasure == 0.5  # case kept: split() only


def test_scorer_accepts_rouge_scores_own_tokenizer():
    rng = random.Random(9)
    for use_stemmer in (False, True):
        tok = rtokenizers.DefaultTokenizer(use_stemmer)
        mine = crs.RougeScorer(["rouge1", "rougeL"], tokenizer=tok)
        theirs = rrs.RougeScorer(["rouge1", "rougeL"], tokenizer=tok)
        for _ in range(50):
            t, p = _text(rng, 1, 40), _text(rng, 1, 40)
            assert mine.score(t, p) == theirs.score(t, p)


# --- rouge_scorer helpers ----------------------------------------------------------------------


def _same(a, b):
    assert a == b
    assert [type(x) for x in a] == [type(x) for x in b]  # rougeL zeros are int 0, as upstream


def test_rouge_scorer_public_names():
    public = {n for n in dir(rrs) if not n.startswith("_")}
    modules = {
        "collections",
        "logging",
        "nltk",
        "np",
        "re",
        "six",
        "map",
        "range",
        "scoring",
        "tokenizers",
        "absolute_import",
        "division",
        "print_function",
    }
    assert public - modules <= set(dir(crs)), public - modules - set(dir(crs))


def test_lcs_helpers_equal_rouge_score():
    rng = random.Random(3)
    for trial in range(400):
        alpha = [1, 2, 3, 4, 5] if trial % 2 else ["a", "b", "c", "d"]
        a = [rng.choice(alpha) for _ in range(rng.randint(0, 150))]
        b = [rng.choice(alpha) for _ in range(rng.randint(0, 150))]
        assert crs._lcs_table(a, b) == rrs._lcs_table(a, b)
        t = rrs._lcs_table(a, b)
        assert crs._backtrack_norec(t, a, b) == rrs._backtrack_norec(t, a, b)
        assert crs.lcs_ind(a, b) == rrs.lcs_ind(a, b)
        _same(crs._score_lcs(a, b), rrs._score_lcs(a, b))
        cands = [
            [rng.choice(alpha) for _ in range(rng.randint(0, 12))] for _ in range(rng.randint(0, 4))
        ]
        refs = [
            [rng.choice(alpha) for _ in range(rng.randint(0, 12))] for _ in range(rng.randint(0, 4))
        ]
        assert crs._union_lcs(a, cands) == rrs._union_lcs(a, cands)
        lists = [crs.lcs_ind(a, c) for c in cands]
        assert crs._find_union(lists) == rrs._find_union(lists)
        _same(crs._summary_level_lcs(refs, cands), rrs._summary_level_lcs(refs, cands))
        for n in (1, 2, 3):
            assert crs._create_ngrams(a, n) == rrs._create_ngrams(a, n)
            _same(
                crs._score_ngrams(crs._create_ngrams(a, n), crs._create_ngrams(b, n)),
                rrs._score_ngrams(rrs._create_ngrams(a, n), rrs._create_ngrams(b, n)),
            )
    _same(
        crs._summary_level_lcs([["reference"]], [[]]), rrs._summary_level_lcs([["reference"]], [[]])
    )


def test_scoring_module_names():
    for name in ("Score", "AggregateScore", "BaseScorer", "BootstrapAggregator", "fmeasure"):
        assert hasattr(cscoring, name)
    assert cscoring.fmeasure(0.5, 0.25) == rscoring.fmeasure(0.5, 0.25)
    assert issubclass(crs.RougeScorer, cscoring.BaseScorer)


def test_package_exposes_rouge_scores_modules():
    for name in ("io", "rouge_scorer", "scoring", "tokenize", "tokenizers"):
        assert getattr(compat, name).__name__ == f"lexmetrics.compat.rouge_score.{name}"


# --- io ----------------------------------------------------------------------------------------


def _write_corpus(folder: Path, n_files: int, n_records: int, seed: int, delimiter="\n", lines=1):
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n_files):
        for kind in ("target", "prediction"):
            recs = [_text(rng, 0, 35, lines=lines) for _ in range(n_records)]
            with open(folder / f"{kind}.{k}.txt", "w") as f:
                f.write("".join(r + delimiter for r in recs))


def _csv_pair(
    tmp_path,
    folder,
    types,
    *,
    aggregate,
    delimiter="\n",
    use_stemmer=False,
    seed=0,
    scorer_pair=None,
):
    out = {}
    for name, io_mod, rs_mod, sc_mod in (("mine", cio, crs, cscoring), ("ref", rio, rrs, rscoring)):
        scorer = (
            scorer_pair[name] if scorer_pair else rs_mod.RougeScorer(types, use_stemmer=use_stemmer)
        )
        aggregator = sc_mod.BootstrapAggregator() if aggregate else None
        path = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}.csv"
        np.random.seed(seed)
        io_mod.compute_scores_and_write_to_csv(
            str(folder / "target.*.txt"),
            str(folder / "prediction.*.txt"),
            str(path),
            scorer,
            aggregator,
            delimiter=delimiter,
        )
        out[name] = path.read_bytes() if path.exists() else None
    return out["mine"], out["ref"]


@pytest.mark.parametrize("aggregate", [False, True])
@pytest.mark.parametrize("use_stemmer", [False, True])
def test_io_csv_byte_identical(tmp_path, aggregate, use_stemmer):
    folder = tmp_path / "data"
    _write_corpus(folder, n_files=3, n_records=40, seed=1 + use_stemmer)
    types = ["rouge1", "rouge2", "rougeL", "rougeLsum", "rouge4"]
    mine, ref = _csv_pair(
        tmp_path, folder, types, aggregate=aggregate, use_stemmer=use_stemmer, seed=7
    )
    assert mine is not None and mine == ref
    assert mine.count(b"\n") == (1 + 3 * 5 if aggregate else 1 + 120)


def test_io_multiline_records_with_a_delimiter(tmp_path):
    folder = tmp_path / "data"
    _write_corpus(folder, n_files=2, n_records=25, seed=4, delimiter="|||", lines=3)
    mine, ref = _csv_pair(
        tmp_path, folder, ["rougeLsum", "rougeL"], aggregate=False, delimiter="|||"
    )
    assert mine is not None and mine == ref
    mine, ref = _csv_pair(tmp_path, folder, ["rougeLsum"], aggregate=True, delimiter="|||", seed=3)
    assert mine == ref


def test_io_file_without_final_delimiter_and_crlf(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "target.0.txt").write_bytes(b"one two three\r\nfour five\r\nsix")
    (folder / "prediction.0.txt").write_bytes(b"one three\nfive four\nsix seven")
    mine, ref = _csv_pair(tmp_path, folder, ["rouge1", "rougeL"], aggregate=False)
    assert mine == ref and mine.count(b"\n") == 4


def test_io_with_a_foreign_scorer(tmp_path):
    # Each io drives the other package's scorer (plain BaseScorer.score calls): same file.
    folder = tmp_path / "data"
    _write_corpus(folder, n_files=1, n_records=30, seed=6)
    scorers = {
        "mine": rrs.RougeScorer(["rouge1", "rougeL"]),
        "ref": crs.RougeScorer(["rouge1", "rougeL"]),
    }
    mine, ref = _csv_pair(tmp_path, folder, None, aggregate=True, scorer_pair=scorers, seed=2)
    assert mine == ref


def test_io_empty_files_write_nothing(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "target.0.txt").write_text("")
    (folder / "prediction.0.txt").write_text("")
    mine, ref = _csv_pair(tmp_path, folder, ["rouge1"], aggregate=False)
    assert mine is None and ref is None


@pytest.mark.parametrize("case", ["no files", "file counts", "line counts", "rouge type"])
def test_io_errors_like_rouge_score(tmp_path, case):
    folder = tmp_path / "data"
    _write_corpus(folder, n_files=2, n_records=5, seed=1)
    targets, preds, types = (
        str(folder / "target.*.txt"),
        str(folder / "prediction.*.txt"),
        ["rouge1"],
    )
    if case == "no files":
        targets = preds = str(folder / "missing*")
    elif case == "file counts":
        preds = str(folder / "prediction.0.txt")
    elif case == "line counts":
        with open(folder / "prediction.1.txt", "a") as f:
            f.write("one more\n")
    else:
        types = ["rougex"]
    messages = []
    for io_mod, rs_mod in ((cio, crs), (rio, rrs)):
        with pytest.raises(ValueError) as err:
            io_mod.compute_scores_and_write_to_csv(
                targets, preds, str(tmp_path / "out.csv"), rs_mod.RougeScorer(types), None
            )
        messages.append(str(err.value))
    if case != "rouge type":  # lexmetrics lists the valid types in its message
        assert messages[0] == messages[1]


# --- the rouge command line --------------------------------------------------------------------


def _run_cli(module: str, args: list[str], seed: int | None, cwd: Path):
    # runpy runs the module as __main__ exactly as `python -m` does, after seeding numpy's global
    # generator (rouge-score's BootstrapAggregator draws from it) for a comparable aggregate.
    code = (
        "import runpy, sys\n"
        + (f"import numpy as np; np.random.seed({seed})\n" if seed is not None else "")
        + f"sys.argv = [{module!r}] + {args!r}\n"
        + f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--use_stemmer", "--rouge_types=rouge1,rouge3,rougeLsum"],
        ["--noaggregate", "--rouge_types", "rougeL,rouge2"],
        [
            "--aggregate=false",
            "--use_stemmer=true",
            "--delimiter=|||",
            "--rouge_types=rougeLsum,rouge1",
        ],
    ],
)
def test_rouge_cli_output_identical(tmp_path, flags):
    folder = tmp_path / "data"
    delimiter = "|||" if "--delimiter=|||" in flags else "\n"
    _write_corpus(
        folder,
        n_files=2,
        n_records=30,
        seed=len(flags),
        delimiter=delimiter,
        lines=2 if delimiter != "\n" else 1,
    )
    outputs = {}
    for module in ("lexmetrics.compat.rouge_score.rouge", "rouge_score.rouge"):
        out = tmp_path / f"{module}.csv"
        args = [
            f"--target_filepattern={folder}/target.*.txt",
            f"--prediction_filepattern={folder}/prediction.*.txt",
            f"--output_filename={out}",
        ] + flags
        proc = _run_cli(module, args, seed=17, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        outputs[module] = (proc.stdout, out.read_bytes())
    mine, ref = outputs.values()
    assert mine == ref
    assert mine[1].startswith(
        b"id,"
        if "--noaggregate" in flags or "--aggregate=false" in flags
        else b"score_type,low,mid,high\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--prediction_filepattern=p", "--output_filename=o"],
        ["--target_filepattern=t", "--prediction_filepattern=p", "--output_filename=o", "extra"],
        ["--target_filepattern=t", "--prediction_filepattern=p", "--output_filename=o", "--bogus"],
    ],
)
def test_rouge_cli_usage_errors_like_rouge_score(tmp_path, args):
    codes = []
    for module in ("lexmetrics.compat.rouge_score.rouge", "rouge_score.rouge"):
        proc = _run_cli(module, args, seed=None, cwd=tmp_path)
        codes.append(proc.returncode)
        assert proc.stdout == ""
    assert codes[0] == codes[1] != 0


def test_rouge_cli_missing_files_fail_like_rouge_score(tmp_path):
    args = [
        "--target_filepattern=nothing*",
        "--prediction_filepattern=nothing*",
        "--output_filename=o",
    ]
    procs = [
        _run_cli(m, args, None, tmp_path)
        for m in ("lexmetrics.compat.rouge_score.rouge", "rouge_score.rouge")
    ]
    assert procs[0].returncode == procs[1].returncode == 1
    for proc in procs:
        assert (
            "ValueError: Must have equal and positive number of target and prediction files"
            in proc.stderr
        )
