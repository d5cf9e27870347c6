"""Regressions from issue 14: mode on load, task_type, PiSSA/OLoRA, fan_in_fan_out, a second load."""

from __future__ import annotations

import json
import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="interop tests load adapters with peft")

from _train_models import (  # noqa: E402
    tiny_bert,
    tiny_bert_classifier,
    tiny_gpt2,
    tiny_net,
    tiny_t5,
)
from lexmetrics.train import (  # noqa: E402
    UnsupportedAdapterError,
    inject_lora,
    load_lora_adapter,
    lora_layers,
    merge_lora,
    save_lora_adapter,
)


def randomize_lora(model, seed=1, scale=0.1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * scale)


def peft_model(model, **config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft.get_peft_model(model, peft.LoraConfig(**config))


def peft_load(model, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft.PeftModel.from_pretrained(model, str(path)).eval()


# ------------------------------------------------------------------------ mode kept on load


def test_load_keeps_eval_mode_with_dropout(tmp_path):
    x = torch.randint(0, 128, (2, 9))
    ref = peft_model(
        tiny_gpt2(),
        r=4,
        lora_alpha=8,
        lora_dropout=0.1,
        target_modules=["c_attn", "c_proj"],
        init_lora_weights=False,
    )
    ref.save_pretrained(str(tmp_path))
    expected = peft_load(tiny_gpt2(), tmp_path)(x).logits
    model = load_lora_adapter(tiny_gpt2(), tmp_path)
    assert not any(m.training for m in model.modules())
    first, second = model(x).logits, model(x).logits
    assert torch.equal(first, second) and torch.equal(first, expected)


def test_load_keeps_train_mode(tmp_path):
    ref = peft_model(
        tiny_net(), r=4, lora_dropout=0.5, target_modules=["q"], init_lora_weights=False
    )
    ref.save_pretrained(str(tmp_path))
    model = load_lora_adapter(tiny_net().train(), tmp_path, is_trainable=True)
    assert all(m.training for m in model.modules())


# ------------------------------------------------------------------------ task_type


def _bert_inputs():
    g = torch.Generator().manual_seed(3)
    return {"input_ids": torch.randint(0, 64, (2, 7), generator=g)}


CASES = [
    ("SEQ_CLS", tiny_bert_classifier, ["query", "value"], _bert_inputs, "logits"),
    ("FEATURE_EXTRACTION", tiny_bert, ["query", "value"], _bert_inputs, "last_hidden_state"),
    ("CAUSAL_LM", tiny_gpt2, ["c_attn"], lambda: {"input_ids": torch.arange(9)[None]}, "logits"),
    (
        "SEQ_2_SEQ_LM",
        tiny_t5,
        ["q", "v"],
        lambda: {"input_ids": torch.arange(1, 8)[None], "decoder_input_ids": torch.arange(4)[None]},
        "logits",
    ),
]


@pytest.mark.parametrize("task, build, targets, inputs, field", CASES, ids=[c[0] for c in CASES])
def test_saved_task_type_matches_model_and_loads_in_peft(
    tmp_path, task, build, targets, inputs, field
):
    model = build()
    inject_lora(model, targets, r=4, lora_alpha=8)
    randomize_lora(model)
    batch = inputs()
    ours = getattr(model(**batch), field)
    save_lora_adapter(model, tmp_path)
    assert json.loads((tmp_path / "adapter_config.json").read_text())["task_type"] == task
    loaded = peft_load(build(), tmp_path)
    assert type(loaded).__name__ == peft.MODEL_TYPE_TO_PEFT_MODEL_MAPPING[task].__name__
    theirs = getattr(loaded(**batch), field)
    assert torch.equal(theirs, ours)
    assert (theirs - getattr(build()(**batch), field)).abs().max() > 1e-4


def test_plain_module_saves_no_task_type(tmp_path):
    net = tiny_net()
    inject_lora(net, ["q"])
    save_lora_adapter(net, tmp_path)
    assert json.loads((tmp_path / "adapter_config.json").read_text())["task_type"] is None


# ------------------------------------------------------------------------ PiSSA / OLoRA


@pytest.mark.parametrize("init", ["pissa", "olora"])
def test_peft_pissa_olora_adapters_load_as_in_peft(tmp_path, init):
    x = torch.randn(5, 32, generator=torch.Generator().manual_seed(4))
    ref = peft_model(
        tiny_net(),
        r=4,
        lora_alpha=8,
        target_modules=["q", "v", "ff", "out"],
        init_lora_weights=init,
    )
    randomize_lora(ref, scale=0.05)  # "training"
    ref.save_pretrained(str(tmp_path))
    trained = ref.eval()(x)
    model = load_lora_adapter(tiny_net(), tmp_path)
    assert torch.equal(model(x), trained)
    assert torch.equal(model(x), peft_load(tiny_net(), tmp_path)(x))
    assert (tiny_net()(x) - trained).abs().max() > 1e-3


@pytest.mark.parametrize("init", ["pissa", "olora"])
def test_our_pissa_olora_adapters_load_in_peft(tmp_path, init):
    x = torch.randn(5, 32, generator=torch.Generator().manual_seed(4))
    net = tiny_net()
    inject_lora(net, ["q", "ff"], r=4, lora_alpha=8, init_lora_weights=init)
    # At init the residual plus the adapter is the base model again.
    torch.testing.assert_close(net(x), tiny_net()(x), rtol=0, atol=1e-5)
    ref = peft_model(
        tiny_net(), r=4, lora_alpha=8, target_modules=["q", "ff"], init_lora_weights=init
    )
    for (name, layer), (_, peft_layer) in zip(
        lora_layers(net),
        ((n, m) for n, m in ref.named_modules() if isinstance(m, peft.tuners.lora.Linear)),
    ):
        assert torch.equal(layer.base_layer.weight, peft_layer.base_layer.weight), name
        assert torch.equal(layer.lora_A["default"].weight, peft_layer.lora_A["default"].weight), (
            name
        )
    randomize_lora(net, scale=0.05)
    save_lora_adapter(net, tmp_path)
    assert torch.equal(peft_load(tiny_net(), tmp_path)(x), net(x))


def test_unreproducible_inits_are_refused(tmp_path):
    ref = peft_model(tiny_net(), r=4, target_modules=["q"], init_lora_weights="pissa_niter_2")
    ref.save_pretrained(str(tmp_path))
    with pytest.raises(UnsupportedAdapterError, match="pissa_niter_2") as info:
        load_lora_adapter(tiny_net(), tmp_path)
    assert isinstance(info.value, ValueError)


# ------------------------------------------------------------------------ fan_in_fan_out


def test_fan_in_fan_out_on_linear_is_reset_with_peft_warning():
    x = torch.randn(5, 32, generator=torch.Generator().manual_seed(4))
    net = tiny_net()
    with pytest.warns(UserWarning, match="Setting fan_in_fan_out to False"):
        inject_lora(net, ["q", "v", "ff"], r=4, fan_in_fan_out=True)
    assert not any(layer.fan_in_fan_out for _, layer in lora_layers(net))
    randomize_lora(net)
    unmerged = net(x)
    merge_lora(net)
    torch.testing.assert_close(net(x), unmerged, rtol=0, atol=1e-5)


def test_fan_in_fan_out_false_on_conv1d_is_reset_with_peft_warning():
    model = tiny_gpt2()
    with pytest.warns(UserWarning, match="Setting fan_in_fan_out to True"):
        inject_lora(model, ["c_attn"], r=4, fan_in_fan_out=False)
    assert all(layer.fan_in_fan_out for _, layer in lora_layers(model))


# ------------------------------------------------------------------------ a second adapter


def test_second_load_is_refused_not_silently_replaced(tmp_path):
    x = torch.randn(5, 32, generator=torch.Generator().manual_seed(4))
    for i, seed in enumerate((1, 2)):
        net = tiny_net()
        inject_lora(net, ["q"], r=4)
        randomize_lora(net, seed=seed)
        save_lora_adapter(net, tmp_path / str(i))
    model = load_lora_adapter(tiny_net(), tmp_path / "0")
    first = model(x)
    with pytest.raises(ValueError, match="already has LoRA adapter .default."):
        load_lora_adapter(model, tmp_path / "1")
    assert torch.equal(model(x), first)
    load_lora_adapter(model, tmp_path / "1", overwrite=True)
    assert not torch.equal(model(x), first)
