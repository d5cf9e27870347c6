"""The fine-tuning demo: deterministic task, tokenizer, and training that measurably improves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
pytest.importorskip("transformers", reason="the demo builds a tiny GPT-2 from a config")

import lexmetrics  # noqa: E402
from lexmetrics import cli  # noqa: E402
from lexmetrics.train import demo  # noqa: E402

HAVE_METRICS = hasattr(lexmetrics, "rouge") and hasattr(lexmetrics, "corpus_bleu")
NEEDS_METRICS = pytest.mark.skipif(
    not HAVE_METRICS,
    reason="needs lexmetrics.rouge and lexmetrics.corpus_bleu (metrics branches not merged)",
)


def test_task_and_tokenizer_are_deterministic():
    pairs = demo.make_task(50, seed=1)
    assert pairs == demo.make_task(50, seed=1) and pairs != demo.make_task(50, seed=2)
    for prompt, ref in pairs:
        command, *words, sep = prompt.split()
        assert sep == ":" and ref.split() == demo._answer(command, words)
    tok = demo.WordTokenizer(demo.WORDS)
    ids = tok.encode("reverse apple river :")
    assert tok.decode(ids + [tok.eos_token_id, 5]) == "reverse apple river :"
    with pytest.raises(ValueError, match="vocabulary"):
        tok.encode("banana")


def _ref_score(preds, refs):
    """Loss-independent stand-in: fraction of exactly right generations (no metrics needed)."""
    return {"exact": sum(p == r for p, r in zip(preds, refs)) / len(refs)}


def test_training_lowers_loss_and_merge_keeps_generations(device):
    result = demo.train_lora(steps=60, eval_every=60, device=device, scorer=_ref_score)
    (step0, loss0, _), (step1, loss1, _) = result.history
    assert (step0, step1) == (0, 60)
    assert loss1 < 0.75 * loss0
    assert result.merged_generations_equal
    assert result.lora_params == (
        16384,
        119552,
    )  # 2 layers * r=8 * [(64+192) + (64+64) + (64+256) + (256+64)]
    assert result.prompt_params[0] == 8 * 64


DOCS = Path(__file__).resolve().parents[2] / "docs" / "training.md"
SECONDS = re.compile(r" in \d+\.\ds$")


def _documented_demo() -> tuple[list[str], list[str]]:
    """The ``$ lexmetrics finetune-demo ...`` block of docs/training.md: (argv, printed lines)."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"```\n\$ lexmetrics (finetune-demo[^\n]*)\n(.*?)```", text, re.S)
    assert match, "docs/training.md has no '$ lexmetrics finetune-demo' transcript"
    return match.group(1).split(), match.group(2).splitlines()


@NEEDS_METRICS
def test_docs_transcript_is_what_the_command_prints(capsys, monkeypatch):
    """Runs the documented command through the CLI entry point; only the seconds may differ."""
    monkeypatch.delenv("LEXMETRICS_DEVICE", raising=False)  # the documented run is on CPU
    argv, documented = _documented_demo()
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [SECONDS.sub(" in Ns", line) for line in printed] == [
        SECONDS.sub(" in Ns", line) for line in documented
    ]
    steps = [line for line in printed if line.lstrip().startswith("step")]
    first, last = steps[0].split(), steps[-1].split()
    assert float(last[5].split("=")[1]) > float(first[5].split("=")[1]) + 0.1  # rougeL rises
    assert float(last[6].split("=")[1]) > float(first[6].split("=")[1])  # and BLEU


def test_main_rejects_bad_options():
    with pytest.raises(SystemExit):
        demo.main(["--steps", "0"])
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit):
            demo.main(["--device", "cuda"])
