"""``lexmetrics finetune-demo``: LoRA on a tiny GPT-2 built from a config, scored with ROUGE and BLEU.

Nothing is downloaded: the model is built from a ``GPT2Config`` with a fixed seed, the tokenizer is a
word-level one built here, and the task is generated deterministically: given a command and 3-4
words, answer ``copy`` (the words), ``reverse`` (the words reversed) or ``sort`` (alphabetically).
The base model is random and frozen, so every gain comes from the LoRA matrices.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import torch
from torch import nn

from .lora import count_parameters, inject_lora, lora_report, merge_lora, unmerge_lora
from .prompt_tuning import SoftPromptModel

__all__ = ["WordTokenizer", "make_task", "build_model", "train_lora", "DemoResult", "main"]

WORDS = (
    "apple",
    "river",
    "stone",
    "cloud",
    "tiger",
    "lemon",
    "piano",
    "candle",
    "forest",
    "silver",
)
COMMANDS = ("copy", "reverse", "sort")
# GPT-2's default 0.02 init gives the frozen, tied embeddings such small norms that the logits stay
# near uniform whatever LoRA does (eval loss stalls near ln(vocab)); 0.1 leaves room to learn.
INIT_RANGE = 0.1
PAD, EOS, SEP = "<pad>", "<eos>", ":"


class WordTokenizer:
    """Whitespace word-level tokenizer over a fixed vocabulary (id 0 = ``<pad>``, 1 = ``<eos>``)."""

    def __init__(self, words: Sequence[str]) -> None:
        self.vocab = [PAD, EOS, SEP, *COMMANDS, *words]
        self.ids = {w: i for i, w in enumerate(self.vocab)}
        self.pad_token_id = self.ids[PAD]
        self.eos_token_id = self.ids[EOS]

    def __len__(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        try:
            return [self.ids[w] for w in text.split()]
        except KeyError as exc:
            raise ValueError(f"word {exc.args[0]!r} is not in the demo vocabulary") from None

    def __call__(self, text: str) -> dict[str, list[int]]:
        return {"input_ids": self.encode(text)}

    def decode(self, ids: Sequence[int]) -> str:
        """Stops at ``<eos>``; skips padding."""
        out = []
        for i in ids:
            if i == self.eos_token_id:
                break
            if i != self.pad_token_id and 0 <= i < len(self.vocab):
                out.append(self.vocab[i])
        return " ".join(out)


def _answer(command: str, words: list[str]) -> list[str]:
    if command == "copy":
        return list(words)
    if command == "reverse":
        return words[::-1]
    return sorted(words)


def make_task(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` deterministic (prompt, reference) pairs, e.g. ``("reverse tiger apple river :", "river apple tiger")``."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        command = rng.choice(COMMANDS)
        words = rng.sample(WORDS, rng.choice((3, 4)))
        pairs.append((f"{command} {' '.join(words)} {SEP}", " ".join(_answer(command, words))))
    return pairs


def build_model(vocab_size: int, seed: int, device: str = "cpu") -> nn.Module:
    """A tiny random GPT-2 (about 0.1 M parameters) built from a config; nothing is downloaded."""
    transformers = __import__("transformers")
    torch.manual_seed(seed)
    cfg = transformers.GPT2Config(
        vocab_size=vocab_size,
        n_positions=32,
        n_embd=64,
        n_layer=2,
        n_head=4,
        bos_token_id=1,
        eos_token_id=1,
        pad_token_id=0,
        initializer_range=INIT_RANGE,
    )
    return transformers.GPT2LMHeadModel(cfg).to(device).eval()


def _batch(
    tok: WordTokenizer, pairs: Sequence[tuple[str, str]], device: str
) -> dict[str, torch.Tensor]:
    """Right-padded prompt+answer+<eos>; loss only on the answer and <eos>."""
    seqs, labels = [], []
    for prompt, ref in pairs:
        p, a = tok.encode(prompt), tok.encode(ref) + [tok.eos_token_id]
        seqs.append(p + a)
        labels.append([-100] * len(p) + a)
    width = max(map(len, seqs))
    ids = torch.full((len(seqs), width), tok.pad_token_id, dtype=torch.long)
    lab = torch.full((len(seqs), width), -100, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, (s, lb) in enumerate(zip(seqs, labels)):
        ids[i, : len(s)] = torch.tensor(s)
        lab[i, : len(lb)] = torch.tensor(lb)
        mask[i, : len(s)] = 1
    return {
        "input_ids": ids.to(device),
        "attention_mask": mask.to(device),
        "labels": lab.to(device),
    }


@torch.no_grad()
def generate(
    model: Any,  # a transformers model with .generate (duck-typed: transformers is imported lazily)
    tok: WordTokenizer,
    prompts: Sequence[str],
    device: str,
    max_new_tokens: int = 6,
) -> list[str]:
    """Greedy decoding, returning the decoded continuations. Prompts are batched by length so no
    padding is needed (GPT-2's positions would otherwise shift under left padding)."""
    was_training = model.training
    model.eval()
    try:
        enc = [tok.encode(p) for p in prompts]
        out: list[str] = [""] * len(enc)
        for width in sorted({len(e) for e in enc}):
            rows = [i for i, e in enumerate(enc) if len(e) == width]
            ids = torch.tensor([enc[i] for i in rows], dtype=torch.long, device=device)
            gen = model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tok.pad_token_id,
                eos_token_id=tok.eos_token_id,
            )
            for i, row in zip(rows, gen[:, width:].tolist()):
                out[i] = tok.decode(row)
        return out
    finally:
        model.train(was_training)


@torch.no_grad()
def eval_loss(model: nn.Module, batch: dict[str, torch.Tensor]) -> float:
    was_training = model.training
    model.eval()
    try:
        return float(model(**batch).loss)
    finally:
        model.train(was_training)


def _score(preds: list[str], refs: list[str]) -> dict[str, float]:
    """ROUGE-1/ROUGE-L F (corpus mean) and corpus BLEU through the training-loop accumulators.

    The same fixed-size, mergeable state a DDP evaluation loop would ``sync()``; the one place to
    swap scorers.
    """
    from ..accumulators import Accumulators

    acc = Accumulators(("rouge1", "rougeL", "bleu"))
    acc.update(preds, refs)
    return {k: float(v) for k, v in acc.compute().items()}


@dataclass
class DemoResult:
    """What a run produced: per evaluation ``(step, eval_loss, scores)``, and the parameter counts."""

    history: list[tuple[int, float, dict[str, float]]] = field(default_factory=list)
    lora_params: tuple[int, int] = (0, 0)
    prompt_params: tuple[int, int] = (0, 0)
    merged_generations_equal: bool | None = None
    seconds: float = 0.0


def train_lora(
    *,
    steps: int = 400,
    seed: int = 0,
    device: str = "cpu",
    eval_every: int = 50,
    n_train: int = 512,
    n_eval: int = 48,
    batch_size: int = 32,
    lr: float = 1e-2,
    r: int = 8,
    lora_alpha: float = 16,
    scorer: Callable[[list[str], list[str]], dict[str, float]] = _score,
    log: Callable[[str], None] | None = None,
) -> DemoResult:
    """Trains LoRA (r=8 on c_attn, c_proj, c_fc) on the demo task; scores greedy generations of
    the eval prompts with ``scorer`` at step 0 and every ``eval_every`` steps."""
    start = time.perf_counter()
    emit = log or (lambda _msg: None)
    tok = WordTokenizer(WORDS)
    train, held_out = make_task(n_train, seed), make_task(n_eval, seed + 10_000)
    model = build_model(len(tok), seed, device)
    result = DemoResult()

    # The soft-prompt alternative, counted on a throwaway copy of the same frozen base.
    prompt_model = SoftPromptModel(build_model(len(tok), seed, "cpu"), num_virtual_tokens=8)
    result.prompt_params = count_parameters(prompt_model)
    emit(
        f"soft prompt (8 virtual tokens): trainable {result.prompt_params[0]:,d} / "
        f"total {result.prompt_params[1]:,d}"
    )

    # Every random draw (model, LoRA init, data, order) comes from ``seed``: same output every run.
    torch.manual_seed(seed)
    inject_lora(model, ["c_attn", "c_proj", "c_fc"], r=r, lora_alpha=lora_alpha)
    report = lora_report(model)
    result.lora_params = (report.trainable, report.total)
    emit(
        f"LoRA r={r} on c_attn/c_proj/c_fc: trainable {report.trainable:,d} / total "
        f"{report.total:,d} ({100 * report.trainable_fraction:.1f}%); per matrix "
        f"r*(d_in+d_out) = {report.lora_params:,d} vs d_in*d_out = {report.full_params:,d}"
    )

    prompts = [p for p, _ in held_out]
    refs = [r_ for _, r_ in held_out]
    eval_batch = _batch(tok, held_out, device)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    order = random.Random(seed)

    def evaluate(step: int) -> None:
        scores = scorer(generate(model, tok, prompts, device), refs)
        loss = eval_loss(model, eval_batch)
        result.history.append((step, loss, scores))
        shown = "  ".join(f"{k}={v:.3f}" for k, v in scores.items())
        emit(f"  step {step:4d}  eval_loss {loss:.3f}  {shown}")

    model.train()
    evaluate(0)
    idx: list[int] = []
    for step in range(1, steps + 1):
        if len(idx) < batch_size:
            idx = list(range(len(train)))
            order.shuffle(idx)
        chosen, idx = idx[:batch_size], idx[batch_size:]
        loss = model(**_batch(tok, [train[i] for i in chosen], device)).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % eval_every == 0 or step == steps:
            evaluate(step)

    before = generate(model, tok, prompts, device)
    merge_lora(model)
    result.merged_generations_equal = generate(model, tok, prompts, device) == before
    unmerge_lora(model)
    emit(f"generations identical after merge_lora: {result.merged_generations_equal}")
    for prompt, ref, pred in list(zip(prompts, refs, before))[:3]:
        emit(f"  {prompt!r:40} -> {pred!r}  (ref {ref!r})")
    result.seconds = time.perf_counter() - start
    return result


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Entry point of ``lexmetrics finetune-demo``; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="lexmetrics finetune-demo",
        description="LoRA fine-tuning of a tiny from-config GPT-2 on a shipped word task, "
        "scored with lexmetrics ROUGE and BLEU (CPU, under a minute; nothing is downloaded).",
    )
    parser.add_argument("--steps", type=int, default=400, help="optimizer steps (default 400)")
    parser.add_argument(
        "--eval-every", type=int, default=50, help="score every N steps (default 50)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for model, data and order")
    parser.add_argument(
        "--device",
        default=os.environ.get("LEXMETRICS_DEVICE", "cpu"),
        help="torch device, e.g. cpu, cuda, cuda:1 (default: $LEXMETRICS_DEVICE or cpu)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (default 1: fastest on tiny models)",
    )
    args = parser.parse_args(argv)
    out = stdout or sys.stdout
    if args.steps < 1 or args.eval_every < 1:
        parser.error("--steps and --eval-every must be positive")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error(f"--device {args.device}: CUDA is not available")
    torch.set_num_threads(max(1, args.threads))
    result = train_lora(
        steps=args.steps,
        seed=args.seed,
        device=args.device,
        eval_every=args.eval_every,
        log=lambda msg: print(msg, file=out, flush=True),
    )
    first, last = result.history[0][2], result.history[-1][2]
    print(
        "ROUGE-L {:.3f} -> {:.3f}, BLEU {:.2f} -> {:.2f} in {:.1f}s".format(
            first["rougeL"], last["rougeL"], first["bleu"], last["bleu"], result.seconds
        ),
        file=out,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
