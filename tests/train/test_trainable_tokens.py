"""trainable_token_indices: only some embedding rows train, in peft's layout, both ways."""

from __future__ import annotations

import json
import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="interop tests load adapters with peft")

from _train_models import tiny_gpt2, tiny_llama  # noqa: E402
from lexmetrics.train import (  # noqa: E402
    TrainableTokensWrapper,
    count_parameters,
    disable_adapter,
    inject_lora,
    load_lora_adapter,
    save_lora_adapter,
    unload_lora,
)
from safetensors.torch import load_file  # noqa: E402

CASES = {
    # GPT-2 ties lm_head to wte: peft wraps both, sharing the trained rows
    "gpt2-tied-list": (tiny_gpt2, ["c_attn"], [3, 5], 128),
    "llama-dict": (tiny_llama, ["q_proj"], {"embed_tokens": [3, 5, 7]}, 64),
}


def peft_model(model, **config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft.get_peft_model(model, peft.LoraConfig(**config))


def perturb(model, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _name, p in sorted(model.named_parameters()):
            if p.requires_grad:
                p.add_(torch.randn(p.shape, generator=g) * 0.1)


def pair(case):
    build, targets, tokens, _ = CASES[case]
    ours = build()
    inject_lora(ours, targets, r=4, lora_alpha=8, trainable_token_indices=tokens)
    perturb(ours)
    ref = peft_model(
        build(), r=4, lora_alpha=8, target_modules=targets, trainable_token_indices=tokens
    )
    ref.load_state_dict({"base_model.model." + k: v for k, v in ours.state_dict().items()})
    return ours, ref.eval()


def ids(case):
    vocab = CASES[case][3]
    ids = torch.randint(0, vocab, (2, 9), generator=torch.Generator().manual_seed(4))
    ids[:, 0], ids[:, 1] = 3, 5  # make sure trained rows are read
    return ids


@pytest.mark.parametrize("case", CASES)
def test_layout_counts_and_forward_equal_peft(case):
    build, targets, tokens, _ = CASES[case]
    fresh = build()
    inject_lora(fresh, targets, r=4, trainable_token_indices=tokens)
    ref = peft_model(build(), r=4, target_modules=targets, trainable_token_indices=tokens)
    assert set(fresh.state_dict()) == {
        k.removeprefix("base_model.model.") for k in ref.state_dict()
    }
    assert count_parameters(fresh) == ref.get_nb_trainable_parameters()
    assert torch.equal(fresh(ids(case)).logits, build()(ids(case)).logits)  # rows start as copies
    ours, ref = pair(case)
    x = ids(case)
    out = ours(x).logits
    assert torch.equal(out, ref(x).logits)
    assert (out - build()(x).logits).abs().max() > 1e-3
    with disable_adapter(ours), ref.disable_adapter():
        assert torch.equal(ours(x).logits, build()(x).logits)
        assert torch.equal(ref(x).logits, ours(x).logits)


def test_only_the_listed_rows_get_gradients():
    model = tiny_gpt2()
    inject_lora(model, ["c_attn"], r=4, trainable_token_indices=[3, 5])
    assert isinstance(model.transformer.wte, TrainableTokensWrapper)
    assert isinstance(model.lm_head, TrainableTokensWrapper)
    model(ids("gpt2-tied-list")).logits.square().sum().backward()
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    delta = trainable["transformer.wte.token_adapter.trainable_tokens_delta.default"]
    assert delta.shape == (2, 64) and delta.grad.abs().sum() > 0
    assert model.transformer.wte.token_adapter.base_layer.weight.grad is None


@pytest.mark.parametrize("case", CASES)
def test_files_round_trip_and_merge(tmp_path, case):
    build = CASES[case][0]
    ours, ref = pair(case)
    x = ids(case)
    save_lora_adapter(ours, tmp_path / "ours")
    tensors = load_file(str(tmp_path / "ours" / "adapter_model.safetensors"))
    assert [k for k in tensors if "token" in k] == [
        "base_model.model.transformer.wte.token_adapter.trainable_tokens_delta"
        if case.startswith("gpt2")
        else "base_model.model.model.embed_tokens.token_adapter.trainable_tokens_delta"
    ]
    config = json.loads((tmp_path / "ours" / "adapter_config.json").read_text())
    assert config["trainable_token_indices"] == CASES[case][2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = peft.PeftModel.from_pretrained(build(), str(tmp_path / "ours")).eval()
    assert torch.equal(loaded(x).logits, ours(x).logits)
    ref.save_pretrained(str(tmp_path / "peft"))
    back = load_lora_adapter(build(), tmp_path / "peft")
    assert torch.equal(back(x).logits, ref(x).logits)
    merged_ref = ref.merge_and_unload()
    merged = unload_lora(back)
    assert sorted(merged.state_dict()) == sorted(merged_ref.state_dict())
    for k, v in merged.state_dict().items():
        assert torch.equal(v, merged_ref.state_dict()[k]), k
    assert torch.equal(merged(x).logits, merged_ref(x).logits)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_base_matches_peft(dtype):
    """peft keeps the trained rows in float32 over a half-precision base (autocast_adapter_dtype)."""
    x = ids("gpt2-tied-list")
    ours = tiny_gpt2(dtype=dtype)
    inject_lora(ours, ["c_attn"], r=4, trainable_token_indices=[3, 5])
    perturb(ours)
    ref = peft_model(
        tiny_gpt2(dtype=dtype), r=4, target_modules=["c_attn"], trainable_token_indices=[3, 5]
    )
    theirs = {k.removeprefix("base_model.model."): v for k, v in ref.state_dict().items()}
    assert {k: v.dtype for k, v in ours.state_dict().items()} == {
        k: v.dtype for k, v in theirs.items()
    }
    ref.load_state_dict({"base_model.model." + k: v for k, v in ours.state_dict().items()})
    assert torch.equal(ours(x).logits, ref.eval()(x).logits)
