"""peft on-disk format both ways: our adapters load in peft and peft's load here, bit for bit."""

from __future__ import annotations

import json
import re
import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="interop tests load adapters with peft")

from _train_models import tiny_gpt2, tiny_net, tiny_t5  # noqa: E402
from lexmetrics.train import (  # noqa: E402
    count_parameters,
    inject_lora,
    load_lora_adapter,
    lora_layers,
    lora_state_dict,
    save_lora_adapter,
)
from safetensors.torch import load_file, save_file  # noqa: E402

KEY = re.compile(r"^base_model\.model\..+\.lora_[AB]\.weight$")


def randomize_b(model, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, layer in lora_layers(model):
            w = layer.lora_B["default"].weight
            w.copy_(torch.randn(w.shape, generator=g, dtype=w.dtype) * 0.1)


def peft_load(model, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft.PeftModel.from_pretrained(model, str(path)).eval()


def test_ours_to_peft_gpt2(tmp_path):
    x = torch.randint(0, 128, (2, 9))
    base = tiny_gpt2()(x).logits
    model = tiny_gpt2()
    inject_lora(model, ["c_attn", "c_proj"], r=4, lora_alpha=8)
    randomize_b(model)  # else a silently empty load would still "match"
    ours = model(x).logits
    save_lora_adapter(model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "adapter_config.json",
        "adapter_model.safetensors",
    ]
    tensors = load_file(str(tmp_path / "adapter_model.safetensors"))
    assert len(tensors) == 12 and all(KEY.match(k) for k in tensors)
    config = json.loads((tmp_path / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["r"] == 4 and config["lora_alpha"] == 8
    assert config["target_modules"] == ["c_attn", "c_proj"] and config["task_type"] == "CAUSAL_LM"
    loaded = peft_load(tiny_gpt2(), tmp_path)
    assert isinstance(loaded.peft_config["default"], peft.LoraConfig)
    out = loaded(x).logits
    assert torch.equal(out, ours)
    assert (out - base).abs().max() > 1e-3


def test_peft_to_ours_gpt2(tmp_path):
    x = torch.randint(0, 128, (2, 9))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = peft.get_peft_model(
            tiny_gpt2(),
            peft.LoraConfig(
                r=4, lora_alpha=8, target_modules=["c_attn", "c_proj"], init_lora_weights=False
            ),
        ).eval()
    ref.save_pretrained(str(tmp_path))
    model = load_lora_adapter(tiny_gpt2(), tmp_path)
    assert torch.equal(model(x).logits, ref(x).logits)
    assert (model(x).logits - tiny_gpt2()(x).logits).abs().max() > 1e-3
    assert count_parameters(model)[0] == 0  # peft's default: inference mode
    trainable = load_lora_adapter(tiny_gpt2(), tmp_path, is_trainable=True)
    assert count_parameters(trainable)[0] == 5632


def test_roundtrip_t5_rslora_and_regex_module(tmp_path):
    src, tgt = torch.randint(0, 30, (2, 7)), torch.randint(0, 30, (2, 3))
    t5 = tiny_t5()
    inject_lora(t5, ["q", "v"], r=4, lora_alpha=16, use_rslora=True)
    randomize_b(t5)
    ours = t5(input_ids=src, labels=tgt).logits
    save_lora_adapter(t5, tmp_path / "t5")
    assert (
        json.loads((tmp_path / "t5" / "adapter_config.json").read_text())["task_type"]
        == "SEQ_2_SEQ_LM"
    )
    assert torch.equal(
        peft_load(tiny_t5(), tmp_path / "t5")(input_ids=src, labels=tgt).logits, ours
    )
    assert torch.equal(
        load_lora_adapter(tiny_t5(), tmp_path / "t5")(input_ids=src, labels=tgt).logits, ours
    )

    x = torch.randn(4, 32)
    net = tiny_net()
    inject_lora(net, r".*\.(q|v)$", r=2, bias="lora_only")
    randomize_b(net)
    with torch.no_grad():
        net.blocks[0]["q"].base_layer.bias.add_(1.0)  # a trained bias travels with the adapter
    save_lora_adapter(net, tmp_path / "net")
    keys = load_file(str(tmp_path / "net" / "adapter_model.safetensors"))
    assert "base_model.model.blocks.0.q.base_layer.bias" in keys
    assert torch.equal(peft_load(tiny_net(), tmp_path / "net")(x), net(x))
    assert torch.equal(load_lora_adapter(tiny_net(), tmp_path / "net")(x), net(x))


def test_adapter_name_in_keys_is_tolerated(tmp_path):
    x = torch.randn(4, 32)
    net = tiny_net()
    inject_lora(net, ["q"], r=2)
    randomize_b(net)
    save_lora_adapter(net, tmp_path)
    path = tmp_path / "adapter_model.safetensors"
    tensors = {k.replace(".weight", ".default.weight"): v for k, v in load_file(str(path)).items()}
    save_file(tensors, str(path))
    assert torch.equal(load_lora_adapter(tiny_net(), tmp_path)(x), net(x))


def test_mismatched_keys_raise_where_peft_only_warns(tmp_path):
    net = tiny_net()
    inject_lora(net, ["q"], r=2)
    randomize_b(net)
    save_lora_adapter(net, tmp_path)
    path = tmp_path / "adapter_model.safetensors"
    tensors = load_file(str(path))
    # Strip the prefix: peft warns "Found missing adapter keys" and keeps B = 0.
    save_file({k.replace("base_model.model.", ""): v for k, v in tensors.items()}, str(path))
    with pytest.raises(ValueError, match="missing"):
        load_lora_adapter(tiny_net(), tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        silent = peft_load(tiny_net(), tmp_path)
    x = torch.randn(4, 32)
    assert torch.equal(silent(x), tiny_net()(x))  # what our check protects against

    save_file(
        {**tensors, "base_model.model.blocks.0.v.lora_A.weight": torch.zeros(2, 32)}, str(path)
    )
    with pytest.raises(ValueError, match="unexpected"):
        load_lora_adapter(tiny_net(), tmp_path)
    bad = dict(tensors)
    key = "base_model.model.blocks.0.q.lora_A.weight"
    bad[key] = torch.zeros(3, 32)
    save_file(bad, str(path))
    with pytest.raises(ValueError, match="shape"):
        load_lora_adapter(tiny_net(), tmp_path)


def test_only_safetensors_and_bad_configs(tmp_path):
    net = tiny_net()
    inject_lora(net, ["q"], r=2)
    save_lora_adapter(net, tmp_path)
    assert set(lora_state_dict(net)) == set(load_file(str(tmp_path / "adapter_model.safetensors")))
    (tmp_path / "adapter_model.safetensors").rename(tmp_path / "adapter_model.bin")
    with pytest.raises(ValueError, match="pickle"):
        load_lora_adapter(tiny_net(), tmp_path)
    (tmp_path / "adapter_model.bin").unlink()
    with pytest.raises(FileNotFoundError):
        load_lora_adapter(tiny_net(), tmp_path)
    with pytest.raises(FileNotFoundError):
        load_lora_adapter(tiny_net(), tmp_path / "missing")
    save_lora_adapter(net, tmp_path)
    cfg = json.loads((tmp_path / "adapter_config.json").read_text())
    for change, match in (
        ({"peft_type": "PROMPT_TUNING"}, "PROMPT_TUNING"),
        ({"use_dora": True}, "missing .*lora_magnitude_vector"),  # DoRA without magnitudes
        ({"layers_to_transform": [0]}, "layers_to_transform"),
    ):
        (tmp_path / "adapter_config.json").write_text(json.dumps({**cfg, **change}))
        with pytest.raises(ValueError, match=match):
            load_lora_adapter(tiny_net(), tmp_path)


def test_minimal_handwritten_config_loads_in_peft(tmp_path):
    """peft-anchors §1.4: a 4-key config is enough for peft; ours writes more but needs no more."""
    x = torch.randn(4, 32)
    net = tiny_net()
    inject_lora(net, ["q", "v"], r=4, lora_alpha=8)
    randomize_b(net)
    save_lora_adapter(net, tmp_path)
    (tmp_path / "adapter_config.json").write_text(
        json.dumps({"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q", "v"]})
    )
    assert torch.equal(load_lora_adapter(tiny_net(), tmp_path)(x), net(x))
    assert torch.equal(peft_load(tiny_net(), tmp_path)(x), net(x))
