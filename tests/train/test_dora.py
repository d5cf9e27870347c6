"""DoRA (use_dora=True): counts, forwards, gradients, merges and files equal to peft's."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="interop tests load adapters with peft")

from _train_models import tiny_gpt2, tiny_net  # noqa: E402
from lexmetrics.train import (  # noqa: E402
    count_parameters,
    inject_lora,
    load_lora_adapter,
    merge_lora,
    save_lora_adapter,
    unload_lora,
    unmerge_lora,
)
from safetensors.torch import load_file  # noqa: E402

X = torch.randn(6, 32, generator=torch.Generator().manual_seed(7))
IDS = torch.randint(0, 128, (2, 9), generator=torch.Generator().manual_seed(8))


def peft_model(model, **config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft.get_peft_model(model, peft.LoraConfig(use_dora=True, **config))


def perturb(model, seed=1):
    """Moves A, B and the magnitudes, so DoRA is far from its no-op init."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if "lora_" in name:
                p.add_(torch.randn(p.shape, generator=g) * 0.1)


def pair(build, targets, **config):
    ours = build()
    inject_lora(ours, targets, use_dora=True, **config)
    perturb(ours)
    ref = peft_model(build(), target_modules=targets, **config)
    ref.load_state_dict({"base_model.model." + k: v for k, v in ours.state_dict().items()})
    return ours, ref


def test_counts_and_layout_equal_peft():
    ours = tiny_net()
    inject_lora(ours, ["q", "ff"], r=4, use_dora=True)
    ref = peft_model(tiny_net(), r=4, target_modules=["q", "ff"])
    assert count_parameters(ours) == ref.get_nb_trainable_parameters()
    assert set(ours.state_dict()) == {k.removeprefix("base_model.model.") for k in ref.state_dict()}
    # Fresh DoRA leaves the model unchanged (m = ||W||), as in peft.
    torch.testing.assert_close(ours(X), tiny_net()(X), rtol=0, atol=1e-6)
    layer, ref_layer = ours.blocks[0]["q"], ref.base_model.model.blocks[0]["q"]
    assert torch.equal(
        layer.lora_magnitude_vector["default"].weight,
        ref_layer.lora_magnitude_vector["default"].weight,
    )


@pytest.mark.parametrize("train", [False, True])
def test_forward_and_gradients_equal_peft(train):
    ours, ref = pair(tiny_net, ["q", "v", "ff"], r=4, lora_alpha=8, lora_dropout=0.2)
    ours.train(train)
    ref.train(train)
    torch.manual_seed(3)
    out = ours(X)
    torch.manual_seed(3)
    ref_out = ref(X)
    assert torch.equal(out, ref_out)
    (out**2).sum().backward()
    (ref_out**2).sum().backward()
    ref_grads = {
        k.removeprefix("base_model.model."): p.grad
        for k, p in ref.named_parameters()
        if p.requires_grad
    }
    grads = {k: p.grad for k, p in ours.named_parameters() if p.requires_grad}
    assert set(grads) == set(ref_grads)
    assert any(".lora_magnitude_vector." in k for k in grads)
    for k, g in grads.items():
        assert torch.equal(g, ref_grads[k]), k


def test_conv1d_forward_and_merge_equal_peft():
    ours, ref = pair(tiny_gpt2, ["c_attn", "c_proj"], r=4, lora_alpha=8)
    ref.eval()
    assert torch.equal(ours(IDS).logits, ref(IDS).logits)
    unmerged = ours(IDS).logits
    merge_lora(ours)
    torch.testing.assert_close(ours(IDS).logits, unmerged, rtol=0, atol=1e-4)
    unmerge_lora(ours)
    torch.testing.assert_close(ours(IDS).logits, unmerged, rtol=0, atol=1e-4)
    ours, ref = pair(tiny_gpt2, ["c_attn", "c_proj"], r=4, lora_alpha=8)  # unmerge rounds
    merged_ref = ref.merge_and_unload()
    unload_lora(ours)
    for (k, a), (_, b) in zip(ours.state_dict().items(), merged_ref.state_dict().items()):
        assert torch.equal(a, b), k


def test_files_round_trip_both_ways(tmp_path):
    ours, ref = pair(tiny_net, ["q", "ff"], r=4, lora_alpha=8)
    ref.eval()
    save_lora_adapter(ours, tmp_path / "ours")
    tensors = load_file(str(tmp_path / "ours" / "adapter_model.safetensors"))
    assert "base_model.model.blocks.0.q.lora_magnitude_vector" in tensors
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = peft.PeftModel.from_pretrained(tiny_net(), str(tmp_path / "ours")).eval()
    assert torch.equal(loaded(X), ours(X))
    ref.save_pretrained(str(tmp_path / "peft"))
    back = load_lora_adapter(tiny_net(), tmp_path / "peft")
    assert torch.equal(back(X), ref(X))
    assert (back(X) - tiny_net()(X)).abs().max() > 1e-3


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_base_matches_peft(dtype):
    """float32 adapters over a half-precision base (autocast_adapter_dtype), forward and merge."""
    x = X.to(dtype)
    ours = tiny_net().to(dtype)
    inject_lora(ours, ["q", "ff"], r=4, lora_alpha=8, use_dora=True)
    perturb(ours)
    ref = peft_model(tiny_net().to(dtype), r=4, lora_alpha=8, target_modules=["q", "ff"])
    ref.load_state_dict({"base_model.model." + k: v for k, v in ours.state_dict().items()})
    ref.eval()
    assert ours.blocks[0]["q"].lora_magnitude_vector["default"].weight.dtype == torch.float32
    assert torch.equal(ours(x), ref(x))
    merged_ref = ref.merge_and_unload()
    unload_lora(ours)
    for k, v in ours.state_dict().items():
        assert torch.equal(v, merged_ref.state_dict()[k]), k
