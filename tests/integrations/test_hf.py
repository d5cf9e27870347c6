"""compute_metrics and GenerationMetricsCallback inside real transformers Trainers (CPU, tiny models)."""

from __future__ import annotations

import random

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the HF integration needs torch (lexmetrics[train])")
transformers = pytest.importorskip("transformers", reason="the HF integration needs transformers")

from lexmetrics._sentences import sentences_to_lines  # noqa: E402
from lexmetrics.accumulators import Accumulators  # noqa: E402
from lexmetrics.integrations.hf import (  # noqa: E402
    GenerationMetricsCallback,
    decode_token_ids,
    make_compute_metrics,
)

from ._tiny import WORDS, tiny_gpt2, tiny_t5, tiny_tokenizer  # noqa: E402

torch.set_num_threads(1)

CONTENT = [w for w in WORDS if w not in (":", ".")]


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


class LogSpy(transformers.TrainerCallback):
    def __init__(self):
        self.logs = []

    def on_log(self, args, state, control, logs=None, **kw):
        self.logs.append(dict(logs))


def reference_scores(preds, refs, metrics, use_stemmer=True):
    """What the HF example computes, with exact means and percent scale, via the accumulators."""
    rouge = [m for m in metrics if m.startswith("rouge")]
    out = {}
    if rouge:
        acc = Accumulators(rouge, use_stemmer=use_stemmer)
        acc.update([sentences_to_lines(p) for p in preds], [sentences_to_lines(r) for r in refs])
        out.update({k: v * 100 for k, v in acc.compute().items()})
    other = [m for m in metrics if not m.startswith("rouge")]
    if other:
        out.update(Accumulators(other).update(preds, refs).compute())
    return out


def test_decode_replaces_minus_100(tok):
    ids = np.array([[3, 4, 5, -100, -100], [6, 1, 0, 0, -100]])
    assert decode_token_ids(tok, ids) == ["the cat sat", "on"]
    with pytest.raises(OverflowError):  # what the plain decode does (transformers#22634)
        tok.batch_decode(ids, skip_special_tokens=True)
    assert decode_token_ids(tok, torch.tensor(ids)) == ["the cat sat", "on"]
    with pytest.raises(ValueError, match="logits"):
        decode_token_ids(tok, np.zeros((2, 3, 7)))
    with pytest.raises(TypeError, match="integers"):
        decode_token_ids(tok, np.zeros((2, 3)))


def test_compute_metrics_direct_and_batched_calls(tok):
    rng = random.Random(0)
    refs = [
        " ".join(rng.choices(CONTENT, k=rng.randint(3, 9)))
        + " . "
        + " ".join(rng.choices(CONTENT, k=4))
        + " ."
        for _ in range(12)
    ]
    preds = [" ".join(rng.choices(CONTENT, k=rng.randint(1, 9))) for _ in range(12)]
    enc_p = tok(preds, padding=True, return_tensors="np")["input_ids"]
    enc_r = tok(refs, padding=True, return_tensors="np")["input_ids"]
    labels = np.where(enc_r == tok.pad_token_id, -100, enc_r)
    metrics = ("rouge1", "rouge2", "rougeL", "rougeLsum", "bleu", "chrf")
    f = make_compute_metrics(tok, metrics)
    got = f(transformers.EvalPrediction(predictions=enc_p, label_ids=labels))
    want = reference_scores(preds, refs, metrics)
    gen_len = np.count_nonzero(enc_p != tok.pad_token_id) / len(preds)
    assert got == {**want, "gen_len": gen_len}
    assert all(type(v) is float for v in got.values())
    # per-batch calls with torch tensors, as batch_eval_metrics makes them
    outs = []
    for a, b in [(0, 5), (5, 6), (6, 12)]:
        ep = transformers.EvalPrediction(
            predictions=torch.tensor(enc_p[a:b]), label_ids=torch.tensor(labels[a:b])
        )
        outs.append(f(ep, compute_result=b == 12))
    assert outs[:2] == [{}, {}] and outs[2] == got
    # 0-1 scale
    g01 = make_compute_metrics(tok, metrics, percent=False, gen_len=False)(
        transformers.EvalPrediction(predictions=enc_p, label_ids=labels)
    )
    assert g01["rouge1"] == want["rouge1"] / 100 or g01["rouge1"] * 100 == want["rouge1"]
    assert g01["bleu"] == want["bleu"] * 0.01


KEYS = {
    "one": "the red car ran far away",
    "two": "a big dog sat on the mat",
    "three": "small green tree",
}


def seq2seq_data(tok, n, seed):
    # Learnable without copying (a random T5 learns copying too slowly): fixed targets per key word.
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        k = rng.choice(list(KEYS))
        src = f"{k} {' '.join(rng.choices(CONTENT, k=rng.randint(1, 6)))}"
        tgt = KEYS[k] if rng.random() < 0.8 else " ".join(rng.choices(CONTENT, k=rng.randint(1, 6)))
        enc = tok(src)
        rows.append(
            {
                "input_ids": enc["input_ids"],
                "attention_mask": enc["attention_mask"],
                "labels": tok(tgt)["input_ids"] + [tok.eos_token_id],
            }
        )
    return rows


S2S_STEPS = 12


def make_s2s_trainer(tok, tmp_path, batch_eval, callbacks=()):
    model = tiny_t5(len(tok), seed=0)
    args = transformers.Seq2SeqTrainingArguments(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=8,
        per_device_eval_batch_size=5,
        predict_with_generate=True,
        generation_max_length=6,
        max_steps=S2S_STEPS,
        eval_strategy="steps",
        eval_steps=S2S_STEPS,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        learning_rate=1e-2,
        batch_eval_metrics=batch_eval,
        seed=0,
    )
    return transformers.Seq2SeqTrainer(
        model=model,
        args=args,
        train_dataset=seq2seq_data(tok, 16, 1),
        eval_dataset=seq2seq_data(tok, 13, 2),
        data_collator=transformers.DataCollatorForSeq2Seq(tok, model=model),
        processing_class=tok,
        compute_metrics=make_compute_metrics(tok, ("rouge1", "rougeL", "rougeLsum", "bleu")),
        callbacks=list(callbacks),
    )


def test_seq2seq_trainer_logs_scores_and_batched_equals_full(tok, tmp_path):
    spy = LogSpy()
    trainer = make_s2s_trainer(tok, tmp_path, batch_eval=False, callbacks=[spy])
    trainer.train()
    evals = [h for h in trainer.state.log_history if "eval_rouge1" in h]
    assert len(evals) == 1 and evals[0]["step"] == S2S_STEPS
    assert {"eval_rouge1", "eval_rougeL", "eval_rougeLsum", "eval_bleu", "eval_gen_len"} <= evals[
        0
    ].keys()
    assert any("eval_rougeLsum" in log for log in spy.logs)
    full = trainer.evaluate()
    # generation padded predictions with -100 across batches of different lengths: decoded fine
    out = trainer.predict(trainer.eval_dataset)
    assert (out.predictions == -100).any() or (out.label_ids == -100).any()
    # independent check of the full result: decode the predictions ourselves
    preds = [
        tok.decode(np.where(p < 0, 0, p), skip_special_tokens=True).strip() for p in out.predictions
    ]
    refs = [
        tok.decode(np.where(r < 0, 0, r), skip_special_tokens=True).strip() for r in out.label_ids
    ]
    want = reference_scores(preds, refs, ("rouge1", "rougeL", "rougeLsum", "bleu"))
    assert {k: full["eval_" + k] for k in want} == want
    assert want["rouge1"] > 0  # not a vacuous comparison

    batched = make_s2s_trainer(tok, tmp_path, batch_eval=True)
    batched.model.load_state_dict(trainer.model.state_dict())
    res = batched.evaluate()
    for k in ("eval_rouge1", "eval_rougeL", "eval_rougeLsum", "eval_bleu", "eval_gen_len"):
        assert res[k] == full[k], k


# ---- decoder-only generation callback -------------------------------------------------------------


def causal_rows(tok, n, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        k = rng.choice(list(KEYS))
        text = f"{k} {' '.join(rng.choices(CONTENT, k=3))} : {KEYS[k]}"
        ids = tok(text)["input_ids"] + [tok.eos_token_id]
        rows.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": list(ids)})
    return rows


def prompts_refs(n, seed, fixed_len=True):
    rng = random.Random(seed)
    prompts, refs = [], []
    for _ in range(n):
        k = rng.choice(list(KEYS))
        m = 3 if fixed_len else rng.randint(1, 5)
        prompts.append(f"{k} {' '.join(rng.choices(CONTENT, k=m))} :")
        refs.append(KEYS[k])
    return prompts, refs


def make_causal_trainer(tok, tmp_path, callbacks=(), max_steps=6):
    model = tiny_gpt2(len(tok), seed=0)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=16,
        per_device_eval_batch_size=16,
        max_steps=max_steps,
        eval_strategy="steps",
        eval_steps=3,
        logging_steps=3,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
        learning_rate=3e-3,
        seed=0,
        metric_for_best_model="eval_gen_rougeL",
    )
    return transformers.Trainer(
        model=model,
        args=args,
        train_dataset=causal_rows(tok, 64, 3),
        eval_dataset=causal_rows(tok, 8, 4),
        data_collator=transformers.DataCollatorForSeq2Seq(tok, model=model),
        processing_class=tok,
        callbacks=list(callbacks),
    )


def greedy_unbatched(model, tok, prompts, max_new_tokens):
    outs = []
    with torch.no_grad():
        for p in prompts:
            ids = torch.tensor([tok(p)["input_ids"]])
            out = model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tok.pad_token_id,
            )
            outs.append(tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True).strip())
    return outs


def test_generation_callback_in_trainer(tok, tmp_path):
    spy = LogSpy()
    prompts, refs = prompts_refs(10, 5)
    trainer = make_causal_trainer(tok, tmp_path, callbacks=[spy])
    cb = GenerationMetricsCallback(
        trainer, prompts, refs, max_new_tokens=8, batch_size=4, metrics=("rouge1", "rougeL", "bleu")
    )
    trainer.add_callback(cb)
    tok.padding_side = "right"
    trainer.train()
    gen_logs = [h for h in trainer.state.log_history if "eval_gen_rougeL" in h]
    assert [h["step"] for h in gen_logs] == [3, 6]
    assert [log["eval_gen_rougeL"] for log in spy.logs if "eval_gen_rougeL" in log] == [
        h["eval_gen_rougeL"] for h in gen_logs
    ]
    # metric_for_best_model saw the scores (the Trainer raises KeyError otherwise)
    assert trainer.state.best_metric == max(h["eval_gen_rougeL"] for h in gen_logs)
    # padding side restored (train/eval mode: see the next test; the Trainer itself is in eval mode here)
    assert tok.padding_side == "right"
    # the scores are those of plain unbatched greedy decoding of the final model
    model = trainer.model.eval()
    preds = greedy_unbatched(model, tok, prompts, 8)
    assert cb.generations == preds
    want = reference_scores(preds, refs, ("rouge1", "rougeL", "bleu"))
    assert {k: gen_logs[-1]["eval_gen_" + k] for k in want} == want
    assert want["rouge1"] > 0
    # evaluate() returns them too; a new evaluate() call at the same step generates and logs again
    n_logs = len(trainer.state.log_history)
    res = trainer.evaluate()
    assert res["eval_gen_rougeL"] == gen_logs[-1]["eval_gen_rougeL"]
    assert len(trainer.state.log_history) == n_logs + 2  # the Trainer's eval log, then ours


def test_generation_callback_once_per_evaluate_with_several_eval_datasets(tok, tmp_path):
    prompts, refs = prompts_refs(6, 8)
    trainer = make_causal_trainer(tok, tmp_path, max_steps=3)
    trainer.eval_dataset = {"a": causal_rows(tok, 4, 9), "b": causal_rows(tok, 4, 10)}
    trainer.args.metric_for_best_model = "eval_gen_rouge1"
    cb = GenerationMetricsCallback(trainer, prompts, refs, max_new_tokens=4, metrics=("rouge1",))
    trainer.add_callback(cb)
    calls = []
    score = cb.score
    cb.score = lambda model=None: calls.append(1) or score(model)
    trainer.train()
    assert len(calls) == 1
    res = trainer.evaluate()
    assert len(calls) == 2
    assert {"eval_a_loss", "eval_b_loss", "eval_gen_rouge1"} <= res.keys()
    assert [h["step"] for h in trainer.state.log_history if "eval_gen_rouge1" in h] == [3, 3]


def test_generation_callback_restores_on_error_and_varied_prompts(tok, tmp_path):
    prompts, refs = prompts_refs(7, 6, fixed_len=False)
    trainer = make_causal_trainer(tok, tmp_path)
    cb = GenerationMetricsCallback(
        trainer,
        prompts,
        refs,
        max_new_tokens=5,
        batch_size=3,
        metrics=("rouge1", "rougeLsum", "chrf"),
        percent=False,
    )
    trainer.model.train()
    tok.padding_side = "right"
    scores = cb.score()
    assert set(scores) == {
        "eval_gen_rouge1",
        "eval_gen_rougeLsum",
        "eval_gen_chrf",
        "eval_gen_seconds",
    }
    assert all(0.0 <= v <= 1.0 for k, v in scores.items() if k != "eval_gen_seconds")
    assert len(cb.generations) == 7 and trainer.model.training and tok.padding_side == "right"
    cb.generate_kwargs = {"bogus_generation_flag": 1}
    with pytest.raises(ValueError):
        cb.score()
    assert trainer.model.training and tok.padding_side == "right"
    with pytest.raises(ValueError, match="differ in length"):
        GenerationMetricsCallback(trainer, prompts, refs[:-1])
    with pytest.raises(TypeError):
        GenerationMetricsCallback(trainer, "a prompt", refs)


def test_t5_generation_callback_encoder_decoder(tok, tmp_path):
    trainer = make_s2s_trainer(tok, tmp_path, batch_eval=False)
    model = trainer.model
    prompts, refs = prompts_refs(5, 7, fixed_len=False)
    cb = GenerationMetricsCallback(
        trainer, prompts, refs, max_new_tokens=4, batch_size=2, tokenizer=tok
    )
    cb.score()
    with torch.no_grad():
        want = []
        for p in prompts:
            ids = torch.tensor([tok(p)["input_ids"]])
            out = model.generate(
                ids, attention_mask=torch.ones_like(ids), max_new_tokens=4, do_sample=False
            )
            want.append(tok.decode(out[0], skip_special_tokens=True).strip())
    assert cb.generations == want
