"""LoRA on nn.Conv2d: counts, forwards, merges and files equal to peft's, both ways."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="interop tests load adapters with peft")

from _train_models import tiny_convnet  # noqa: E402
from lexmetrics.train import (  # noqa: E402
    LoraConv2d,
    count_parameters,
    inject_lora,
    load_lora_adapter,
    merge_lora,
    save_lora_adapter,
    unload_lora,
)

X = torch.randn(2, 3, 9, 9, generator=torch.Generator().manual_seed(9))


def peft_model(model, **config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft.get_peft_model(model, peft.LoraConfig(**config))


def perturb(model, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if "lora_" in name:
                p.add_(torch.randn(p.shape, generator=g) * 0.1)


def pair(targets):
    ours = tiny_convnet()
    inject_lora(ours, targets, r=4, lora_alpha=8)
    perturb(ours)
    ref = peft_model(tiny_convnet(), r=4, lora_alpha=8, target_modules=targets)
    ref.load_state_dict({"base_model.model." + k: v for k, v in ours.state_dict().items()})
    return ours, ref.eval()


def test_layout_counts_and_forward_equal_peft():
    ours, ref = pair(["conv1", "pointwise", "grouped"])
    assert isinstance(ours.grouped, LoraConv2d)
    assert set(ours.state_dict()) == {k.removeprefix("base_model.model.") for k in ref.state_dict()}
    assert count_parameters(ours) == ref.get_nb_trainable_parameters()
    assert torch.equal(ours(X), ref(X))
    assert (ours(X) - tiny_convnet()(X)).abs().max() > 1e-3
    fresh = tiny_convnet()
    inject_lora(fresh, ["conv1", "grouped"], r=4)
    assert torch.equal(fresh(X), tiny_convnet()(X))  # B = 0 at init
    with pytest.raises(ValueError, match="groups > 1"):
        merge_lora(ours)
    with pytest.raises(ValueError, match="divisible"):
        inject_lora(tiny_convnet(), ["grouped"], r=3)


def test_merge_equals_peft_merge_and_unload():
    ours, ref = pair(["conv1", "pointwise"])
    out = ours(X)
    merged_ref = ref.merge_and_unload()
    unload_lora(ours)
    assert type(ours.conv1) is torch.nn.Conv2d
    for (k, a), (_, b) in zip(ours.state_dict().items(), merged_ref.state_dict().items()):
        assert torch.equal(a, b), k
    torch.testing.assert_close(ours(X), out, rtol=0, atol=1e-5)


def test_files_round_trip_both_ways(tmp_path):
    ours, ref = pair(["conv1", "pointwise", "grouped"])
    save_lora_adapter(ours, tmp_path / "ours")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = peft.PeftModel.from_pretrained(tiny_convnet(), str(tmp_path / "ours")).eval()
    assert torch.equal(loaded(X), ours(X))
    ref.save_pretrained(str(tmp_path / "peft"))
    back = load_lora_adapter(tiny_convnet(), tmp_path / "peft")
    assert torch.equal(back(X), ref(X))
