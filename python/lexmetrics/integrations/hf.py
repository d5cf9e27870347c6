"""Hugging Face transformers helpers: ``compute_metrics`` for the Trainer and a generation callback.

- :func:`make_compute_metrics` builds the ``compute_metrics`` of a ``Seq2SeqTrainer`` with
  ``predict_with_generate=True`` (or any Trainer whose predictions are token ids): -100 becomes the pad
  id before decoding, special tokens are skipped, texts are stripped, and for ``rougeLsum`` each text
  gets one sentence per line from the built-in splitter (no nltk data). It supports
  ``batch_eval_metrics=True``: per-batch calls fold into exact accumulators, so the result equals the
  non-batched one bit for bit, with memory that does not grow with the evaluation set.
- ``GenerationMetricsCallback`` generates greedily from prompts on every evaluation (decoder-only or
  encoder-decoder models), scores the completions, and adds the scores both to the evaluation metrics
  (so ``metric_for_best_model`` can use them) and to the logs (``log_history``, reporting integrations).

Scale: with ``percent=True`` (the default, as in the HF examples) every score is in [0, 100]: ROUGE is
multiplied by 100 (the only rounding), BLEU and chrF are sacrebleu's numbers unchanged. With
``percent=False`` everything is in [0, 1] (BLEU and chrF divided by 100).

transformers and torch are imported only when needed (``GenerationMetricsCallback`` is created on first
access), so this module imports with numpy alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._dependencies import require
from .._errors import InputTypeError, InputValueError
from .._metric_specs import ROUGE_TYPES
from .._sentences import sentences_to_lines
from ..accumulators import Accumulators

__all__ = [
    "make_compute_metrics",
    "ComputeMetrics",
    "GenerationMetricsCallback",  # noqa: F822 (built lazily by __getattr__)
    "TextMetrics",
    "decode_token_ids",
]

DEFAULT_METRICS = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def _to_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # torch tensors reach batch_eval_metrics undetached, maybe on the GPU
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _pad_id(tokenizer: Any, pad_token_id: int | None) -> int:
    if pad_token_id is not None:
        return int(pad_token_id)
    for attr in ("pad_token_id", "eos_token_id"):
        v = getattr(tokenizer, attr, None)
        if v is not None:
            return int(v)
    raise InputValueError("the tokenizer has neither a pad nor an eos token: pass pad_token_id=")


def decode_token_ids(tokenizer: Any, ids: Any, *, pad_token_id: int | None = None) -> list[str]:
    """Decodes a (batch, length) array of token ids to stripped texts.

    Negative ids (the -100 that the Trainer and data collators use for padding) become the pad id, so
    decoding cannot overflow; special tokens are skipped.
    """
    if isinstance(ids, tuple):
        raise InputTypeError("expected one array of token ids, got a tuple")
    arr = _to_numpy(ids)
    if arr.ndim == 3:
        raise InputValueError(
            "got logits (batch, length, vocab), not token ids: use predict_with_generate=True or a "
            "preprocess_logits_for_metrics that returns logits.argmax(-1)"
        )
    if arr.ndim != 2:
        raise InputValueError(f"expected a 2-D array of token ids, got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise InputTypeError(f"token ids must be integers, got dtype {arr.dtype}")
    arr = np.where(arr < 0, _pad_id(tokenizer, pad_token_id), arr).astype(np.int64)
    texts = tokenizer.batch_decode(arr.tolist(), skip_special_tokens=True)
    return [t.strip() for t in texts]


class TextMetrics:
    """Accumulators for decoded texts, shared by the compute_metrics and the callback.

    ROUGE types see the texts with one sentence per line when ``rougeLsum`` is asked for and
    ``split_sentences`` is on (newlines are whitespace to rouge1/2/L, so they are unaffected); BLEU and
    chrF always see the plain texts (sacrebleu's 13a tokenizer drops ``-\\n``).
    """

    def __init__(
        self,
        metrics: Iterable[str] = DEFAULT_METRICS,
        *,
        use_stemmer: bool = True,
        split_sentences: bool = True,
        percent: bool = True,
        workers: int | None = None,
        **options: Any,
    ) -> None:
        if isinstance(metrics, str):
            metrics = (metrics,)
        names = tuple(metrics)
        rouge = tuple(m for m in names if m.strip() in ROUGE_TYPES)
        other = tuple(m for m in names if m.strip() not in ROUGE_TYPES)
        if not names:
            raise InputValueError("no metric selected")
        self.rouge = (
            Accumulators(rouge, use_stemmer=use_stemmer, workers=workers, **options)
            if rouge
            else None
        )
        self.other = Accumulators(other, workers=workers, **options) if other else None
        self.lsum_lines = split_sentences and "rougeLsum" in rouge
        self.percent = percent

    @property
    def accumulators(self) -> list[Accumulators]:
        return [a for a in (self.rouge, self.other) if a is not None]

    def update(self, predictions: Sequence[str], references: Sequence[Any]) -> None:
        if self.rouge is not None:
            if self.lsum_lines:
                p = [sentences_to_lines(x) for x in predictions]
                r = [
                    sentences_to_lines(x)
                    if isinstance(x, str)
                    else [sentences_to_lines(y) for y in x]
                    for x in references
                ]
            else:
                p, r = list(predictions), list(references)
            self.rouge.update(p, r)
        if self.other is not None:
            self.other.update(predictions, references)

    def sync(self, process_group: Any = None) -> None:
        for a in self.accumulators:
            a.sync(process_group)

    def reset(self) -> None:
        for a in self.accumulators:
            a.reset()

    def compute(self) -> dict[str, float]:
        out: dict[str, float] = {}
        if self.rouge is not None:
            scale = 100.0 if self.percent else 1.0
            out.update({k: v * scale for k, v in self.rouge.compute().items()})
        if self.other is not None:
            scale = 1.0 if self.percent else 0.01
            out.update({k: v * scale for k, v in self.other.compute().items()})
        return out


class ComputeMetrics:
    """A ``compute_metrics`` for the HF Trainer; see :func:`make_compute_metrics`.

    Called as ``f(eval_pred)`` it scores the whole evaluation set. Called with ``compute_result=``
    (``batch_eval_metrics=True``) it accumulates each batch and returns the scores at the last one.
    """

    def __init__(
        self,
        tokenizer: Any,
        metrics: Iterable[str] = DEFAULT_METRICS,
        *,
        use_stemmer: bool = True,
        split_sentences: bool = True,
        percent: bool = True,
        gen_len: bool = True,
        pad_token_id: int | None = None,
        workers: int | None = None,
        **options: Any,
    ) -> None:
        self.tokenizer = tokenizer
        self.pad_token_id = _pad_id(tokenizer, pad_token_id)
        self.gen_len = gen_len
        self.text_metrics = TextMetrics(
            metrics,
            use_stemmer=use_stemmer,
            split_sentences=split_sentences,
            percent=percent,
            workers=workers,
            **options,
        )
        self._gen_tokens = 0
        self._n = 0

    def reset(self) -> None:
        self.text_metrics.reset()
        self._gen_tokens = 0
        self._n = 0

    def update(self, eval_pred: Any) -> None:
        preds, labels = eval_pred.predictions, eval_pred.label_ids
        if isinstance(preds, (tuple, list)) and not isinstance(preds, np.ndarray):
            preds = preds[0]  # models that return (generated ids, extras...)
        pred_ids = _to_numpy(preds)
        pred_texts = decode_token_ids(self.tokenizer, pred_ids, pad_token_id=self.pad_token_id)
        ref_texts = decode_token_ids(self.tokenizer, labels, pad_token_id=self.pad_token_id)
        self.text_metrics.update(pred_texts, ref_texts)
        if self.gen_len:
            # run_summarization.py's gen_len: non-pad tokens per prediction (-100 counts as padding).
            self._gen_tokens += int(
                np.count_nonzero((pred_ids >= 0) & (pred_ids != self.pad_token_id))
            )
        self._n += len(pred_texts)

    def compute(self) -> dict[str, float]:
        out = self.text_metrics.compute()
        if self.gen_len:
            out["gen_len"] = self._gen_tokens / self._n if self._n else 0.0
        return out

    def __call__(self, eval_pred: Any, compute_result: bool | None = None) -> dict[str, float]:
        if compute_result is None:  # the whole evaluation set at once
            self.reset()
            try:
                self.update(eval_pred)
                return self.compute()
            finally:
                self.reset()
        self.update(eval_pred)
        if not compute_result:
            return {}
        try:
            return self.compute()
        finally:
            self.reset()


def make_compute_metrics(
    tokenizer: Any,
    metrics: Iterable[str] = DEFAULT_METRICS,
    *,
    use_stemmer: bool = True,
    split_sentences: bool = True,
    percent: bool = True,
    gen_len: bool = True,
    pad_token_id: int | None = None,
    workers: int | None = None,
    **options: Any,
) -> ComputeMetrics:
    """A ``compute_metrics`` for ``Seq2SeqTrainer(predict_with_generate=True)`` scoring token ids.

    ``metrics``: any of ``rouge1``..``rouge9``, ``rougeL``, ``rougeLsum``, ``bleu``, ``chrf``, ``chrf++``.
    Returns plain floats keyed by metric name (the Trainer prefixes ``eval_``), plus ``gen_len`` (mean
    non-pad tokens per prediction) when ``gen_len``. ``percent``: scores in [0, 100] (else [0, 1]).
    ``options`` go to the BLEU/chrF statistics (``tokenize=``, ``smooth_method=``, ``lowercase=``,
    ``chrf_word_order=``, ...). Works unchanged with ``batch_eval_metrics=True``.
    """
    return ComputeMetrics(
        tokenizer,
        metrics,
        use_stemmer=use_stemmer,
        split_sentences=split_sentences,
        percent=percent,
        gen_len=gen_len,
        pad_token_id=pad_token_id,
        workers=workers,
        **options,
    )


class _GenerationMetrics:
    """Generates greedily from ``prompts`` on every evaluation and scores the completions.

    ``GenerationMetricsCallback(trainer, prompts, references, *, max_new_tokens=32, batch_size=8,
    metrics=("rouge1", "rouge2", "rougeL"), prefix="eval_gen_", ...)``; add it with
    ``trainer.add_callback(cb)``. On ``on_evaluate`` it:

    1. sets ``padding_side`` to left (decoder-only) or right (encoder-decoder), tokenizes the prompts in
       batches of ``batch_size`` and calls ``model.generate(do_sample=False, num_beams=1,
       max_new_tokens=...)``; decoder-only outputs lose their prompt (``out[:, prompt_len:]``);
    2. decodes (special tokens skipped, stripped) and scores against ``references``;
    3. puts the scores into the ``metrics`` dict that ``evaluate()`` returns, which the Trainer then
       uses for ``metric_for_best_model`` (e.g. ``"eval_gen_rougeL"``), and logs them through
       ``trainer.log`` so they reach ``log_history`` and the reporting integrations (the Trainer logs
       its own eval metrics *before* ``on_evaluate`` runs, so updating ``metrics`` alone would not);
    4. restores ``padding_side``, the pad token and train/eval mode, even on error.

    Under torch.distributed each rank generates a strided share of the prompts and the accumulators
    are summed exactly, so every rank gets the single-process scores. With several eval datasets the
    generation runs once per ``evaluate()`` call and the scores are added to each dataset's metrics.
    ``generations`` holds the last completions (this rank's share).
    """

    def __init__(
        self,
        trainer: Any,
        prompts: Sequence[str],
        references: Sequence[Any],
        *,
        max_new_tokens: int = 32,
        batch_size: int = 8,
        metrics: Iterable[str] = ("rouge1", "rouge2", "rougeL"),
        prefix: str = "eval_gen_",
        percent: bool = True,
        use_stemmer: bool = True,
        split_sentences: bool = True,
        tokenizer: Any = None,
        max_samples: int | None = None,
        generate_kwargs: dict[str, Any] | None = None,
        log: bool = True,
        workers: int | None = None,
        **options: Any,
    ) -> None:
        if isinstance(prompts, str) or isinstance(references, str):
            raise InputTypeError(
                "prompts and references must be sequences of str, not a single str"
            )
        prompts, references = list(prompts), list(references)
        if len(prompts) != len(references):
            raise InputValueError(
                f"prompts and references differ in length: {len(prompts)} != {len(references)}"
            )
        if max_samples is not None:
            prompts, references = prompts[:max_samples], references[:max_samples]
        if not prompts:
            raise InputValueError("no prompts to generate from")
        for i, p in enumerate(prompts):
            if not isinstance(p, str):
                raise InputTypeError(f"prompts[{i}] must be str, got {type(p).__name__}")
        if batch_size < 1 or max_new_tokens < 1:
            raise InputValueError("batch_size and max_new_tokens must be at least 1")
        self.trainer = trainer
        self.prompts = prompts
        self.references = references
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.prefix = prefix
        self.tokenizer = tokenizer
        self.generate_kwargs = dict(generate_kwargs or {})
        self.log = log
        self.text_metrics = TextMetrics(
            metrics,
            use_stemmer=use_stemmer,
            split_sentences=split_sentences,
            percent=percent,
            workers=workers,
            **options,
        )
        self.generations: list[str] = []
        self.last_scores: dict[str, float] = {}
        self._last_step: int | None = None
        self._datasets_seen: set[str | None] = set()

    def _tokenizer(self) -> Any:
        tok = self.tokenizer
        if tok is None:
            tok = getattr(self.trainer, "processing_class", None) or getattr(
                self.trainer, "tokenizer", None
            )
        if tok is None:
            raise InputValueError(
                "no tokenizer: pass tokenizer= or give the Trainer a processing_class"
            )
        if not hasattr(tok, "padding_side") and hasattr(tok, "tokenizer"):
            tok = tok.tokenizer  # a processor wraps its tokenizer
        return tok

    def generate(self, model: Any = None) -> list[str]:
        """Greedy completions of this rank's share of the prompts (restores the model and tokenizer)."""
        torch = require("torch", "GenerationMetricsCallback")
        from .torch_dist import is_distributed

        model = model if model is not None else self.trainer.model
        tok = self._tokenizer()
        rank, world = 0, 1
        if is_distributed():
            rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
        prompts = self.prompts[rank::world]
        enc_dec = bool(getattr(getattr(model, "config", None), "is_encoder_decoder", False))
        was_training = model.training
        old_side, old_pad = tok.padding_side, tok.pad_token
        out_texts: list[str] = []
        try:
            # Decoder-only: left padding, so every completion continues right after its prompt.
            tok.padding_side = "right" if enc_dec else "left"
            if tok.pad_token is None:
                tok.pad_token = tok.eos_token
            model.eval()
            device = next(model.parameters()).device
            kwargs = {"do_sample": False, "num_beams": 1, "pad_token_id": tok.pad_token_id}
            kwargs.update(self.generate_kwargs)
            kwargs["max_new_tokens"] = self.max_new_tokens
            with torch.no_grad():
                for start in range(0, len(prompts), self.batch_size):
                    enc = tok(
                        prompts[start : start + self.batch_size], return_tensors="pt", padding=True
                    )
                    enc = {
                        k: v.to(device)
                        for k, v in enc.items()
                        if k in ("input_ids", "attention_mask")
                    }
                    out = model.generate(**enc, **kwargs)
                    if not enc_dec:
                        out = out[:, enc["input_ids"].shape[1] :]
                    out_texts += [
                        t.strip() for t in tok.batch_decode(out, skip_special_tokens=True)
                    ]
        finally:
            tok.padding_side = old_side
            if old_pad is None:
                tok.pad_token = None
            model.train(was_training)
        return out_texts

    def score(self, model: Any = None) -> dict[str, float]:
        """Generates, scores (summed exactly over ranks) and returns ``{prefix + name: score}``."""
        from .torch_dist import is_distributed

        t0 = time.perf_counter()
        self.generations = self.generate(model)
        seconds = time.perf_counter() - t0
        rank, world = 0, 1
        if is_distributed():
            import torch.distributed as dist

            rank, world = dist.get_rank(), dist.get_world_size()
        self.text_metrics.reset()
        self.text_metrics.update(self.generations, self.references[rank::world])
        self.text_metrics.sync()
        scores = {self.prefix + k: v for k, v in self.text_metrics.compute().items()}
        scores[self.prefix + "seconds"] = seconds
        self.text_metrics.reset()
        return scores

    def on_evaluate(
        self, args: Any, state: Any, control: Any, model: Any = None, metrics: Any = None, **kw: Any
    ):
        # evaluate() over a dict of datasets calls on_evaluate once per dataset at the same step: generate
        # once for them all. The dataset is told apart by its "<prefix>_runtime" speed metric; seeing a
        # prefix again at the same step means a new evaluate() call (e.g. after load_best_model_at_end).
        ds = next((k[: -len("_runtime")] for k in (metrics or {}) if k.endswith("_runtime")), None)
        fresh = (
            self._last_step != state.global_step
            or not self.last_scores
            or ds is None
            or ds in self._datasets_seen
        )
        if fresh:
            self.last_scores = self.score(model)
            self._last_step = state.global_step
            self._datasets_seen = set()
            if self.log:
                self.trainer.log(dict(self.last_scores))  # log() adds "epoch" to the dict it gets
        self._datasets_seen.add(ds)
        if metrics is not None:
            metrics.update(self.last_scores)
        return control


def _make_callback_class() -> type:
    transformers = require("transformers", "GenerationMetricsCallback")
    cls = type(
        "GenerationMetricsCallback",
        (_GenerationMetrics, transformers.TrainerCallback),
        {"__doc__": _GenerationMetrics.__doc__, "__module__": __name__},
    )
    return cls


_CALLBACK_CLASS: type | None = None


def __getattr__(name: str) -> Any:
    # GenerationMetricsCallback subclasses transformers.TrainerCallback: built on first access so that
    # importing this module does not import transformers.
    global _CALLBACK_CLASS
    if name == "GenerationMetricsCallback":
        if _CALLBACK_CLASS is None:
            _CALLBACK_CLASS = _make_callback_class()
        return _CALLBACK_CLASS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
