"""Soft prompt tuning against peft's PROMPT_TUNING on tiny GPT-2 and T5 models."""

from __future__ import annotations

import json
import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="parity tests compare against peft")

from _train_models import tiny_gpt2, tiny_t5  # noqa: E402
from lexmetrics.train import SoftPromptModel, count_parameters, load_prompt_adapter  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

N = 5


def peft_prompt(model, task_type, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft.get_peft_model(
            model, peft.PromptTuningConfig(task_type=task_type, num_virtual_tokens=N, **kw)
        ).eval()


def copy_prompt(ref, ours):
    with torch.no_grad():
        ref.prompt_encoder.default.embedding.weight[:N].copy_(ours.prompt_embeddings)


def gpt2_batch():
    g = torch.Generator().manual_seed(3)
    x = torch.randint(2, 128, (2, 9), generator=g)
    mask = torch.ones_like(x)
    mask[0, :3] = 0  # left padding on the first row
    return x, mask


def test_gpt2_logits_loss_equal_peft():
    x, mask = gpt2_batch()
    torch.manual_seed(0)
    ours = SoftPromptModel(tiny_gpt2(), N)
    ref = peft_prompt(tiny_gpt2(), "CAUSAL_LM")
    copy_prompt(ref, ours)
    a = ours(input_ids=x, attention_mask=mask, labels=x)
    b = ref(input_ids=x, attention_mask=mask, labels=x)
    assert a.logits.shape == (2, N + 9, 128)  # N extra leading positions
    assert torch.equal(a.logits, b.logits) and torch.equal(a.loss, b.loss)
    # labels padded with N * -100: after the causal shift the last prompt position predicts x[:, 0]
    logits = a.logits[:, N - 1 : -1].reshape(-1, 128)
    assert torch.allclose(torch.nn.functional.cross_entropy(logits, x.reshape(-1)), a.loss)
    assert ours.trainable_parameters() == count_parameters(ours)[0] == N * 64
    assert count_parameters(ours)[0] == ref.get_nb_trainable_parameters()[0]


@pytest.mark.filterwarnings("ignore:Position ids are not supported")  # peft's own generate path
def test_gpt2_generate_equals_peft():
    x, _ = gpt2_batch()
    torch.manual_seed(0)
    ours = SoftPromptModel(tiny_gpt2(), N)
    ref = peft_prompt(tiny_gpt2(), "CAUSAL_LM")
    copy_prompt(ref, ours)
    kw = {"max_new_tokens": 5, "do_sample": False, "pad_token_id": 0}
    a = ours.generate(x[:1], **kw)
    assert torch.equal(a, ref.generate(input_ids=x[:1], **kw))
    assert a.shape == (1, 9 + 5) and torch.equal(a[:, :9], x[:1])  # input ids + new tokens, as peft


def test_t5_encoder_only_prompt_equals_peft():
    """peft's default for seq2seq (num_transformer_submodules=2) holds 2N rows; forward reads only the
    first N (the encoder prompt), the other N never get a gradient (peft-anchors §2)."""
    g = torch.Generator().manual_seed(4)
    src, tgt = torch.randint(0, 30, (2, 7), generator=g), torch.randint(0, 30, (2, 3), generator=g)
    mask = torch.ones_like(src)
    mask[1, -2:] = 0
    torch.manual_seed(0)
    ours = SoftPromptModel(tiny_t5(), N)
    ref = peft_prompt(tiny_t5(), "SEQ_2_SEQ_LM")
    assert ref.prompt_encoder.default.embedding.weight.shape == (2 * N, 64)
    assert ref.get_nb_trainable_parameters()[0] == 2 * N * 64 == 2 * count_parameters(ours)[0]
    copy_prompt(ref, ours)
    a = ours(input_ids=src, attention_mask=mask, labels=tgt)
    b = ref(input_ids=src, attention_mask=mask, labels=tgt)
    assert a.logits.shape == (2, 3, 30)  # the decoder side is unchanged
    assert a.encoder_last_hidden_state.shape == (2, N + 7, 64)
    assert torch.equal(a.logits, b.logits) and torch.equal(a.loss, b.loss)
    # gradients in eval mode (no dropout) so both runs are deterministic
    ref(input_ids=src, attention_mask=mask, labels=tgt).loss.backward()
    grad = ref.prompt_encoder.default.embedding.weight.grad
    assert grad[:N].abs().sum() > 0 and grad[N:].abs().sum() == 0
    ours(input_ids=src, attention_mask=mask, labels=tgt).loss.backward()
    assert torch.allclose(ours.prompt_embeddings.grad, grad[:N], atol=1e-6, rtol=0)
    one = peft_prompt(tiny_t5(), "SEQ_2_SEQ_LM", num_transformer_submodules=1)
    copy_prompt(one, ours)
    assert torch.equal(one(input_ids=src, attention_mask=mask, labels=tgt).logits, a.logits)


def test_t5_generate_equals_peft():
    src = torch.randint(0, 30, (1, 7), generator=torch.Generator().manual_seed(5))
    torch.manual_seed(0)
    ours = SoftPromptModel(tiny_t5(), N)
    ref = peft_prompt(tiny_t5(), "SEQ_2_SEQ_LM")
    copy_prompt(ref, ours)
    kw = {"max_new_tokens": 4, "do_sample": False}
    assert torch.equal(ours.generate(src, **kw), ref.generate(input_ids=src, **kw))


def test_base_frozen_and_only_prompt_trains():
    x, mask = gpt2_batch()
    ours = SoftPromptModel(tiny_gpt2(), N)
    ours.train()
    ours(input_ids=x, attention_mask=mask, labels=x).loss.backward()
    assert ours.prompt_embeddings.grad.abs().sum() > 0
    assert all(p.grad is None and not p.requires_grad for p in ours.base_model.parameters())


def _word_tokenizer(tmp_path):
    tokenizers = pytest.importorskip("tokenizers")
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(["<pad>", "<unk>", "summarize", "the", "cat", "sat"])}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>")
    fast.save_pretrained(str(tmp_path))
    return fast


def test_init_from_text_and_vocab_match_peft(tmp_path):
    tok = _word_tokenizer(tmp_path)
    model = tiny_gpt2()
    emb = model.get_input_embeddings().weight
    ours = SoftPromptModel(model, N, "text", init_text="summarize the cat", tokenizer=tok)
    ids = [2, 3, 4, 2, 3]  # repeated to N, as peft
    assert torch.equal(ours.prompt_embeddings, emb[ids])
    ref = peft_prompt(
        tiny_gpt2(),
        "CAUSAL_LM",
        prompt_tuning_init="TEXT",
        prompt_tuning_init_text="summarize the cat",
        tokenizer_name_or_path=str(tmp_path),
    )
    assert torch.equal(ref.prompt_encoder.default.embedding.weight, ours.prompt_embeddings)
    by_ids = SoftPromptModel(tiny_gpt2(), 3, "vocab", init_token_ids=[7, 8, 9])
    assert torch.equal(by_ids.prompt_embeddings, emb[[7, 8, 9]])
    sampled = SoftPromptModel(tiny_gpt2(), 4, "vocab", generator=torch.Generator().manual_seed(0))
    assert all(any(torch.equal(row, e) for e in emb) for row in sampled.prompt_embeddings)
    rnd = SoftPromptModel(tiny_gpt2(), 64, "random", generator=torch.Generator().manual_seed(0))
    assert (
        0.8 < float(rnd.prompt_embeddings.detach().std()) < 1.2
    )  # nn.Embedding's N(0, 1), as peft


def test_bad_arguments():
    with pytest.raises(ValueError, match="positive"):
        SoftPromptModel(tiny_gpt2(), 0)
    with pytest.raises(ValueError, match="init"):
        SoftPromptModel(tiny_gpt2(), 2, "zeros")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="init_text"):
        SoftPromptModel(tiny_gpt2(), 2, "text")
    with pytest.raises(ValueError, match="outside the vocabulary"):
        SoftPromptModel(tiny_gpt2(), 2, "vocab", init_token_ids=[128])
    with pytest.raises(TypeError, match="get_input_embeddings"):
        SoftPromptModel(torch.nn.Linear(2, 2), 2)
    sp = SoftPromptModel(tiny_gpt2(), 2)
    x, _ = gpt2_batch()
    with pytest.raises(ValueError, match="exactly one"):
        sp(input_ids=x, inputs_embeds=sp.get_input_embeddings()(x))
    with pytest.raises(ValueError, match="position_ids"):
        sp(input_ids=x, position_ids=torch.arange(9)[None])


def test_save_load_roundtrip_with_peft(tmp_path):
    x, mask = gpt2_batch()
    torch.manual_seed(0)
    ours = SoftPromptModel(tiny_gpt2(), N)
    out = ours(input_ids=x, attention_mask=mask).logits
    ours.save_adapter(tmp_path / "gpt2")
    tensors = load_file(str(tmp_path / "gpt2" / "adapter_model.safetensors"))
    assert list(tensors) == ["prompt_embeddings"] and tensors["prompt_embeddings"].shape == (N, 64)
    cfg = json.loads((tmp_path / "gpt2" / "adapter_config.json").read_text())
    assert cfg["peft_type"] == "PROMPT_TUNING" and cfg["num_transformer_submodules"] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = peft.PeftModel.from_pretrained(tiny_gpt2(), str(tmp_path / "gpt2")).eval()
    assert torch.equal(ref(input_ids=x, attention_mask=mask).logits, out)
    back = SoftPromptModel.from_pretrained(tiny_gpt2(), tmp_path / "gpt2")
    assert torch.equal(back(input_ids=x, attention_mask=mask).logits, out)
    assert count_parameters(back)[0] == 0
    assert (
        count_parameters(load_prompt_adapter(tiny_gpt2(), tmp_path / "gpt2", is_trainable=True))[0]
        == N * 64
    )
    # peft's T5 adapter holds 2N rows; the first N are the ones its forward uses
    src = torch.randint(0, 30, (2, 7))
    tgt = torch.randint(0, 30, (2, 3))
    ref_t5 = peft_prompt(tiny_t5(), "SEQ_2_SEQ_LM")
    ref_t5.save_pretrained(str(tmp_path / "t5"))
    mine = load_prompt_adapter(tiny_t5(), tmp_path / "t5")
    assert mine.prompt_embeddings.shape == (N, 64)
    assert torch.equal(
        mine(input_ids=src, labels=tgt).logits, ref_t5(input_ids=src, labels=tgt).logits
    )
    with pytest.raises(ValueError, match="LORA"):
        from lexmetrics.train import load_lora_adapter

        load_lora_adapter(tiny_t5(), tmp_path / "t5")


def test_prompt_on_device(device):
    x, mask = gpt2_batch()
    torch.manual_seed(0)
    ours = SoftPromptModel(tiny_gpt2(), N).to(device)
    out = ours(input_ids=x.to(device), attention_mask=mask.to(device), labels=x.to(device))
    assert out.logits.device.type == torch.device(device).type and torch.isfinite(out.loss)
    gen = ours.generate(x[:1].to(device), max_new_tokens=2, do_sample=False, pad_token_id=0)
    assert gen.shape == (1, 11)
