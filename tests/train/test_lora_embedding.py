"""LoRA on nn.Embedding: counts, forwards, merges and files equal to peft's, both ways."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="interop tests load adapters with peft")

from _train_models import tiny_gpt2  # noqa: E402
from lexmetrics.train import (  # noqa: E402
    LoraEmbedding,
    count_parameters,
    inject_lora,
    load_lora_adapter,
    save_lora_adapter,
    unload_lora,
)
from safetensors.torch import load_file  # noqa: E402

IDS = torch.randint(0, 128, (2, 9), generator=torch.Generator().manual_seed(8))
TARGETS = ["wte", "c_attn"]


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


def pair():
    ours = tiny_gpt2()
    inject_lora(ours, TARGETS, r=4, lora_alpha=8)
    perturb(ours)
    ref = peft_model(tiny_gpt2(), r=4, lora_alpha=8, target_modules=TARGETS)
    ref.load_state_dict({"base_model.model." + k: v for k, v in ours.state_dict().items()})
    return ours, ref.eval()


def test_layout_counts_and_init_equal_peft():
    ours = tiny_gpt2()
    inject_lora(ours, TARGETS, r=4, lora_alpha=8)
    ref = peft_model(tiny_gpt2(), r=4, lora_alpha=8, target_modules=TARGETS)
    assert isinstance(ours.transformer.wte, LoraEmbedding)
    assert set(ours.state_dict()) == {k.removeprefix("base_model.model.") for k in ref.state_dict()}
    assert count_parameters(ours) == ref.get_nb_trainable_parameters()
    layer = ours.transformer.wte
    assert torch.count_nonzero(layer.lora_embedding_A["default"]) == 0  # A = 0: a no-op at init
    assert torch.equal(ours(IDS).logits, tiny_gpt2()(IDS).logits)


def test_forward_and_merge_equal_peft():
    ours, ref = pair()
    out = ours(IDS).logits
    assert torch.equal(out, ref(IDS).logits)
    assert (out - tiny_gpt2()(IDS).logits).abs().max() > 1e-3
    merged_ref = ref.merge_and_unload()
    unload_lora(ours)
    assert type(ours.transformer.wte) is torch.nn.Embedding
    for (k, a), (_, b) in zip(ours.state_dict().items(), merged_ref.state_dict().items()):
        assert torch.equal(a, b), k
    # GPT-2 ties lm_head to wte, so merging moves the output layer too, in peft as here.
    assert torch.equal(ours(IDS).logits, merged_ref(IDS).logits)


def test_files_round_trip_both_ways(tmp_path):
    ours, ref = pair()
    save_lora_adapter(ours, tmp_path / "ours")
    tensors = load_file(str(tmp_path / "ours" / "adapter_model.safetensors"))
    assert tensors["base_model.model.transformer.wte.lora_embedding_A"].shape == (4, 128)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = peft.PeftModel.from_pretrained(tiny_gpt2(), str(tmp_path / "ours")).eval()
    assert torch.equal(loaded(IDS).logits, ours(IDS).logits)
    ref.save_pretrained(str(tmp_path / "peft"))
    back = load_lora_adapter(tiny_gpt2(), tmp_path / "peft")
    assert torch.equal(back(IDS).logits, ref(IDS).logits)
