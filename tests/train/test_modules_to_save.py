"""modules_to_save: counts, forwards, saves, loads and merges equal to peft's, both ways."""

from __future__ import annotations

import json
import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="interop tests load adapters with peft")

from _train_models import tiny_bert_classifier, tiny_net  # noqa: E402
from lexmetrics.train import (  # noqa: E402
    ModulesToSaveWrapper,
    count_parameters,
    inject_lora,
    load_lora_adapter,
    save_lora_adapter,
    unload_lora,
)
from safetensors.torch import load_file  # noqa: E402

IDS = {"input_ids": torch.randint(0, 64, (3, 7), generator=torch.Generator().manual_seed(5))}


def peft_model(model, **config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft.get_peft_model(model, peft.LoraConfig(**config))


def peft_load(model, path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft.PeftModel.from_pretrained(model, str(path), **kw)


def perturb_trainables(model, seed=1):
    """Stands in for training: moves every trainable tensor (LoRA and the head copies)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            if p.requires_grad:
                p.add_(torch.randn(p.shape, generator=g) * 0.1)


def test_seq_cls_counts_and_trainables_equal_peft():
    ours = tiny_bert_classifier()
    inject_lora(ours, ["query", "value"], r=4, lora_alpha=8, task_type="SEQ_CLS")
    theirs = peft_model(
        tiny_bert_classifier(),
        r=4,
        lora_alpha=8,
        target_modules=["query", "value"],
        task_type="SEQ_CLS",
    )
    assert count_parameters(ours) == theirs.get_nb_trainable_parameters()
    assert isinstance(ours.classifier, ModulesToSaveWrapper)
    ours_trainable = {n for n, p in ours.named_parameters() if p.requires_grad}
    theirs_trainable = {
        n.removeprefix("base_model.model.") for n, p in theirs.named_parameters() if p.requires_grad
    }
    assert ours_trainable == theirs_trainable
    assert "classifier.modules_to_save.default.weight" in ours_trainable


def test_seq_cls_ours_to_peft_and_back(tmp_path):
    model = tiny_bert_classifier()
    inject_lora(model, ["query", "value"], r=4, lora_alpha=8, task_type="SEQ_CLS")
    perturb_trainables(model)
    ours = model(**IDS).logits
    assert (ours - tiny_bert_classifier()(**IDS).logits).abs().max() > 1e-3
    save_lora_adapter(model, tmp_path)
    config = json.loads((tmp_path / "adapter_config.json").read_text())
    assert config["task_type"] == "SEQ_CLS" and "classifier" in config["modules_to_save"]
    tensors = load_file(str(tmp_path / "adapter_model.safetensors"))
    assert torch.equal(
        tensors["base_model.model.classifier.weight"],
        model.classifier.modules_to_save["default"].weight,
    )
    loaded = peft_load(tiny_bert_classifier(), tmp_path).eval()
    assert torch.equal(loaded(**IDS).logits, ours)
    again = load_lora_adapter(tiny_bert_classifier(), tmp_path)
    assert torch.equal(again(**IDS).logits, ours)


def test_seq_cls_peft_to_ours_with_merge(tmp_path):
    ref = peft_model(
        tiny_bert_classifier(),
        r=4,
        lora_alpha=8,
        target_modules=["query", "value"],
        task_type="SEQ_CLS",
    )
    perturb_trainables(ref)
    ref.eval()
    expected = ref(**IDS).logits
    ref.save_pretrained(str(tmp_path))
    model = load_lora_adapter(tiny_bert_classifier(), tmp_path, is_trainable=True)
    assert torch.equal(model(**IDS).logits, expected)
    assert count_parameters(model) == ref.get_nb_trainable_parameters()
    merged_ref = ref.merge_and_unload()
    merged = unload_lora(model)
    assert not any(isinstance(m, ModulesToSaveWrapper) for m in merged.modules())
    assert torch.equal(merged(**IDS).logits, merged_ref(**IDS).logits)
    assert sorted(merged.state_dict()) == sorted(merged_ref.state_dict())


def test_plain_module_to_save_round_trip(tmp_path):
    x = torch.randn(4, 32, generator=torch.Generator().manual_seed(2))
    net = tiny_net()
    inject_lora(net, ["q", "v"], r=4, modules_to_save=["head"])
    ref = peft_model(tiny_net(), r=4, target_modules=["q", "v"], modules_to_save=["head"])
    assert count_parameters(net) == ref.get_nb_trainable_parameters()
    perturb_trainables(net)
    save_lora_adapter(net, tmp_path)
    assert torch.equal(peft_load(tiny_net(), tmp_path)(x), net(x))
    with torch.no_grad():
        assert torch.equal(net.head.original_module.weight, tiny_net().head.weight)


def test_lora_never_goes_inside_a_module_to_save():
    net = tiny_net()
    names = inject_lora(net, "blocks\\.0\\..*|head", r=4, modules_to_save=["head"])
    assert "head" not in names and isinstance(net.head, ModulesToSaveWrapper)
