"""Several named adapters: add, set active, delete, disable; peft's layout on disk, both ways."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="interop tests load adapters with peft")

from _train_models import tiny_net  # noqa: E402
from lexmetrics.train import (  # noqa: E402
    active_adapters,
    add_weighted_adapter,
    count_parameters,
    delete_adapter,
    disable_adapter,
    inject_lora,
    load_lora_adapter,
    lora_adapters,
    lora_layers,
    merge_lora,
    save_lora_adapter,
    set_adapter,
    unload_lora,
)

X = torch.randn(6, 32, generator=torch.Generator().manual_seed(7))


def perturb_lora(model, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            if "lora_" in _ or ".modules_to_save." in _:
                p.add_(torch.randn(p.shape, generator=g) * 0.1)


def ours_two():
    net = tiny_net()
    inject_lora(net, ["q", "v"], r=4, lora_alpha=8, modules_to_save=["head"])
    inject_lora(net, ["q", "ff"], r=2, lora_alpha=4, adapter_name="other", modules_to_save=["head"])
    perturb_lora(net)
    return net


def peft_two():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = peft.get_peft_model(
            tiny_net(),
            peft.LoraConfig(r=4, lora_alpha=8, target_modules=["q", "v"], modules_to_save=["head"]),
        )
        ref.add_adapter(
            "other",
            peft.LoraConfig(
                r=2, lora_alpha=4, target_modules=["q", "ff"], modules_to_save=["head"]
            ),
        )
    return ref


def own_keys(peft_model):
    return {k.removeprefix("base_model.model."): v for k, v in peft_model.state_dict().items()}


def test_two_adapters_same_layout_counts_and_forwards_as_peft():
    net, ref = ours_two(), peft_two()
    assert lora_adapters(net) == ["default", "other"] and active_adapters(net) == ["default"]
    assert set(net.state_dict()) == set(own_keys(ref))
    assert count_parameters(net) == ref.get_nb_trainable_parameters()
    ref.load_state_dict({"base_model.model." + k: v for k, v in net.state_dict().items()})
    ref.eval()
    assert torch.equal(net(X), ref(X))
    set_adapter(net, "other")
    ref.set_adapter("other")
    assert count_parameters(net) == ref.get_nb_trainable_parameters()
    trainable = {n for n, p in net.named_parameters() if p.requires_grad}
    assert trainable == {
        n.removeprefix("base_model.model.") for n, p in ref.named_parameters() if p.requires_grad
    }
    assert torch.equal(net(X), ref(X))
    with disable_adapter(net), ref.disable_adapter():
        assert torch.equal(net(X), tiny_net()(X)) and torch.equal(ref(X), net(X))
    assert torch.equal(net(X), ref(X)) and not torch.equal(net(X), tiny_net()(X))


def test_disable_adapter_on_a_merged_model_gives_the_base():
    net = ours_two()
    adapted = net(X)
    merge_lora(net)
    with disable_adapter(net):
        torch.testing.assert_close(net(X), tiny_net()(X), rtol=0, atol=1e-6)
    torch.testing.assert_close(net(X), adapted, rtol=0, atol=1e-6)


def test_delete_active_adapter_switches_like_peft():
    net, ref = ours_two(), peft_two()
    set_adapter(net, "other")
    ref.set_adapter("other")
    delete_adapter(net, "other")
    ref.delete_adapter("other")
    assert lora_adapters(net) == ["default"] and active_adapters(net) == ["default"]
    assert set(net.state_dict()) == set(own_keys(ref))
    assert count_parameters(net) == ref.get_nb_trainable_parameters()
    with pytest.raises(ValueError, match="only adapter"):
        delete_adapter(net, "default")
    with pytest.raises(ValueError, match="no LoRA adapter 'nope'"):
        set_adapter(net, "nope")


def test_multi_adapter_save_loads_in_peft(tmp_path):
    net = ours_two()
    expected = {}
    for name in ("default", "other"):
        set_adapter(net, name)
        expected[name] = net(X)
    save_lora_adapter(net, tmp_path)
    assert (tmp_path / "adapter_model.safetensors").is_file()
    assert (tmp_path / "other" / "adapter_config.json").is_file()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = peft.PeftModel.from_pretrained(tiny_net(), str(tmp_path)).eval()
        ref.load_adapter(str(tmp_path / "other"), adapter_name="other")
    assert torch.equal(ref(X), expected["default"])
    ref.set_adapter("other")
    assert torch.equal(ref(X), expected["other"])


def test_peft_multi_adapter_save_loads_here(tmp_path):
    ref = peft_two()
    perturb_lora(ref)
    ref.eval()
    expected = {}
    for name in ("default", "other"):
        ref.set_adapter(name)
        expected[name] = ref(X)
    ref.save_pretrained(str(tmp_path))
    model = load_lora_adapter(tiny_net(), tmp_path)
    first = model(X)
    load_lora_adapter(model, tmp_path / "other", adapter_name="other")
    assert active_adapters(model) == ["default"] and torch.equal(model(X), first)
    assert torch.equal(first, expected["default"])
    set_adapter(model, "other")
    assert torch.equal(model(X), expected["other"])
    ref.set_adapter("other")
    merged_ref = ref.merge_and_unload()
    merged = unload_lora(model)
    assert torch.equal(merged(X), merged_ref(X))


def plain_two(r_other):
    """Two adapters without modules_to_save (peft refuses to combine those)."""
    net = tiny_net()
    inject_lora(net, ["q", "v"], r=4, lora_alpha=8)
    inject_lora(net, ["q", "ff"], r=r_other, lora_alpha=4, adapter_name="other")
    perturb_lora(net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = peft.get_peft_model(
            tiny_net(), peft.LoraConfig(r=4, lora_alpha=8, target_modules=["q", "v"])
        )
        ref.add_adapter(
            "other", peft.LoraConfig(r=r_other, lora_alpha=4, target_modules=["q", "ff"])
        )
    ref.load_state_dict({"base_model.model." + k: v for k, v in net.state_dict().items()})
    return net, ref.eval()


@pytest.mark.parametrize(("combination", "r_other"), [("cat", 2), ("linear", 4)])
def test_add_weighted_adapter_equals_peft(tmp_path, combination, r_other):
    net, ref = plain_two(r_other)
    add_weighted_adapter(
        net, ["default", "other"], [0.7, -0.3], "mix", combination_type=combination
    )
    ref.add_weighted_adapter(["default", "other"], [0.7, -0.3], "mix", combination_type=combination)
    assert set(net.state_dict()) == set(own_keys(ref))
    assert count_parameters(net) == ref.get_nb_trainable_parameters()
    for k, v in own_keys(ref).items():
        assert torch.equal(net.state_dict()[k], v), k
    set_adapter(net, "mix")
    ref.set_adapter("mix")
    assert torch.equal(net(X), ref(X))
    if combination == "cat":  # exact: each layer's update is the weighted sum of the two
        for _, layer in lora_layers(net):
            expected = sum(
                w * layer.delta_weight(a)
                for a, w in (("default", 0.7), ("other", -0.3))
                if a in layer.r
            )
            torch.testing.assert_close(layer.delta_weight("mix"), expected, rtol=0, atol=1e-6)
    save_lora_adapter(net, tmp_path, selected_adapters=["mix"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = peft.PeftModel.from_pretrained(tiny_net(), str(tmp_path / "mix"))
    assert torch.equal(loaded.eval()(X), net(X))


def test_add_weighted_adapter_refusals():
    net = ours_two()  # has modules_to_save copies
    with pytest.raises(ValueError, match="modules_to_save"):
        add_weighted_adapter(net, ["default", "other"], [1, 1], "mix", combination_type="cat")
    net, _ = plain_two(2)
    with pytest.raises(ValueError, match="same r"):
        add_weighted_adapter(net, ["default", "other"], [1, 1], "mix", combination_type="linear")
    with pytest.raises(ValueError, match="'cat' or 'linear'"):
        add_weighted_adapter(net, ["default", "other"], [1, 1], "mix", combination_type="svd")
