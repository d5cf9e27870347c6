"""LoRA injection, counts, init, merge/unmerge/unload, checked against peft on tiny models."""

from __future__ import annotations

import math
import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="parity tests compare against peft")

from _train_models import tiny_gpt2, tiny_llama, tiny_net, tiny_t5  # noqa: E402
from lexmetrics.train import (  # noqa: E402
    LoraLinear,
    count_parameters,
    inject_lora,
    lora_layers,
    lora_report,
    mark_only_lora_trainable,
    merge_lora,
    unload_lora,
    unmerge_lora,
)


def peft_model(model, **cfg):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fan_in_fan_out auto-fix warning for Conv1D
        return peft.get_peft_model(model, peft.LoraConfig(**cfg))


def randomize_b(model, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, layer in lora_layers(model):
            w = layer.lora_B["default"].weight
            w.copy_(torch.randn(w.shape, generator=g, dtype=w.dtype) * 0.1)


# ------------------------------------------------------------------------------------ counts


def test_gpt2_counts_equal_formula_and_peft():
    model = tiny_gpt2()
    names = inject_lora(model, ["c_attn", "c_proj"], r=4, lora_alpha=8)
    # list entries match as dotted suffixes: c_proj hits attn.c_proj and mlp.c_proj
    assert len(names) == 6 and sum(n.endswith("mlp.c_proj") for n in names) == 2
    report = lora_report(model)
    formula = sum(4 * (i.d_in + i.d_out) for i in report.layers)
    expected_peft = peft_model(tiny_gpt2(), r=4, lora_alpha=8, target_modules=["c_attn", "c_proj"])
    assert report.trainable == formula == 5632 == expected_peft.get_nb_trainable_parameters()[0]
    assert report.total == expected_peft.get_nb_trainable_parameters()[1] == 118016
    assert count_parameters(model) == (5632, 118016)
    assert report.lora_params == 5632 and report.full_params == 2 * (64 * 192 + 64 * 64 + 256 * 64)
    assert {(i.d_in, i.d_out) for i in report.layers} == {(64, 192), (64, 64), (256, 64)}
    assert str(report).startswith(
        "trainable params: 5,632 || all params: 118,016 || trainable%: 4.7722"
    )


def test_t5_and_llama_counts_equal_peft():
    t5 = tiny_t5()
    inject_lora(t5, ["q", "v"], r=4)
    peft_t5 = peft_model(tiny_t5(), r=4, target_modules=["q", "v"])
    assert count_parameters(t5)[0] == 6144 == peft_t5.get_nb_trainable_parameters()[0]
    llama = tiny_llama()
    inject_lora(llama, "all-linear", r=2)
    peft_llama = peft_model(tiny_llama(), r=2, target_modules="all-linear")
    assert count_parameters(llama) == peft_llama.get_nb_trainable_parameters()
    assert not isinstance(llama.lm_head, LoraLinear)  # all-linear skips the output layer, as peft


def test_plain_module_regex_and_bias_modes():
    for bias, expected in (("none", 2048), ("lora_only", 2176), ("all", 2499)):
        net = tiny_net()
        inject_lora(net, r".*\.(q|v)$", r=8, bias=bias)
        ref = peft_model(tiny_net(), r=8, target_modules=r".*\.(q|v)$", bias=bias)
        assert count_parameters(net)[0] == expected == ref.get_nb_trainable_parameters()[0], bias


def test_exclude_modules_and_errors():
    model = tiny_gpt2()
    names = inject_lora(model, ["c_proj"], exclude_modules=["mlp.c_proj"], r=2)
    assert names == ["transformer.h.0.attn.c_proj", "transformer.h.1.attn.c_proj"]
    with pytest.raises(ValueError, match="already has a LoRA adapter"):
        inject_lora(model, ["c_attn"])
    with pytest.raises(ValueError, match="matched no"):
        inject_lora(tiny_gpt2(), ["nope"])
    with pytest.raises(ValueError, match="matched no"):
        inject_lora(tiny_gpt2(), "attn")  # a str is a full match, not a search
    with pytest.raises(ValueError, match="only nn.Linear"):
        inject_lora(tiny_gpt2(), ["ln_f"])
    with pytest.raises(ValueError, match="regex"):
        inject_lora(tiny_gpt2(), "c_(attn")
    with pytest.raises(ValueError, match="positive int"):
        inject_lora(tiny_gpt2(), ["c_attn"], r=0)
    with pytest.raises(ValueError, match="no LoRA layers"):
        merge_lora(tiny_gpt2())
    with pytest.raises(ValueError, match="bias"):
        mark_only_lora_trainable(tiny_gpt2(), bias="some")  # type: ignore[arg-type]


def test_scaling_conv1d_detection_and_dropout():
    model = tiny_gpt2()
    inject_lora(model, ["c_attn", "c_fc"], r=16, lora_alpha=16, use_rslora=True, lora_dropout=0.1)
    layer = model.transformer.h[0].attn.c_attn
    assert layer.scaling["default"] == 4.0 == 16 / math.sqrt(16)  # rsLoRA: alpha / sqrt(r)
    assert layer.fan_in_fan_out and layer.in_features == 64 and layer.out_features == 192
    assert (
        isinstance(layer.lora_dropout["default"], torch.nn.Dropout)
        and layer.lora_dropout["default"].p == 0.1
    )
    net = tiny_net()
    inject_lora(net, ["q"], r=4, lora_alpha=8)
    q = net.blocks[0]["q"]
    assert (
        q.scaling["default"] == 2.0
        and not q.fan_in_fan_out
        and isinstance(q.lora_dropout["default"], torch.nn.Identity)
    )
    # only the LoRA matrices train; the base is frozen
    assert all(("lora_" in n) == p.requires_grad for n, p in net.named_parameters())


def test_dropout_only_on_lora_branch():
    net = tiny_net()
    inject_lora(net, ["q"], r=4, lora_dropout=0.5)
    net.train()
    x = torch.randn(3, 32)
    q = net.blocks[0]["q"]
    # B = 0: the branch is zero, so dropout cannot change the output in training mode either
    assert torch.equal(q(x), q.base_layer(x))


# ------------------------------------------------------------------------------------- init


def test_default_init_is_a_noop_and_matches_peft_kaiming():
    x = torch.randint(0, 128, (2, 9))
    base = tiny_gpt2()(x).logits
    model = tiny_gpt2()
    torch.manual_seed(123)
    inject_lora(model, ["c_attn", "c_proj", "c_fc"], r=4)
    assert torch.equal(model(x).logits, base)
    assert all(
        torch.count_nonzero(layer.lora_B["default"].weight) == 0 for _, layer in lora_layers(model)
    )
    # A is kaiming-uniform(a=sqrt 5): bound 1/sqrt(d_in), as nn.Linear's default and peft
    for _, layer in lora_layers(model):
        bound = 1 / math.sqrt(layer.in_features)
        a = layer.lora_A["default"].weight
        assert a.abs().max() <= bound and a.std() > bound / 3


def test_gaussian_init():
    torch.manual_seed(0)
    net = tiny_net()
    inject_lora(net, ["ff"], r=8, init_lora_weights="gaussian")
    a = net.blocks[0]["ff"].lora_A["default"].weight
    assert abs(float(a.detach().std()) - 1 / 8) < 0.03
    assert torch.count_nonzero(net.blocks[0]["ff"].lora_B["default"].weight) == 0
    with pytest.raises(ValueError, match="init_lora_weights"):
        inject_lora(tiny_net(), ["ff"], init_lora_weights="pissa_niter_4")  # type: ignore[arg-type]


def test_forward_equals_peft_with_random_adapters():
    x = torch.randint(0, 128, (2, 9))
    ours = tiny_gpt2()
    inject_lora(ours, ["c_attn", "c_proj"], r=4, lora_alpha=8)
    randomize_b(ours)
    ref = peft_model(tiny_gpt2(), r=4, lora_alpha=8, target_modules=["c_attn", "c_proj"])
    ref.load_state_dict(
        {k: v for k, v in _prefixed(ours).items()},
        strict=False,
    )
    assert torch.equal(ours(x).logits, ref(x).logits)
    assert not torch.equal(ours(x).logits, tiny_gpt2()(x).logits)


def _prefixed(model):
    return {"base_model.model." + k: v for k, v in model.state_dict().items() if "lora_" in k}


# ----------------------------------------------------------------------------- merge / unload


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_merge_unmerge_unload(dtype, tol):
    x = torch.randint(0, 128, (2, 9))
    model = tiny_gpt2(dtype=dtype)
    original = {k: v.clone() for k, v in model.state_dict().items()}
    inject_lora(model, ["c_attn", "c_proj"], r=4, lora_alpha=8, init_lora_weights=False)
    unmerged = model(x).logits
    assert (unmerged - tiny_gpt2(dtype=dtype)(x).logits).abs().max() > 1e-3  # adapters are active
    layer = model.transformer.h[0].attn.c_attn
    delta = (layer.lora_B["default"].weight @ layer.lora_A["default"].weight).T * 2.0
    assert torch.allclose(layer.delta_weight(), delta, atol=tol, rtol=0)
    merge_lora(model)
    merge_lora(model)  # idempotent
    assert layer.merged
    assert (model(x).logits - unmerged).abs().max() <= tol
    unmerge_lora(model)
    for k, v in original.items():
        key = k.replace("c_attn.", "c_attn.base_layer.").replace("c_proj.", "c_proj.base_layer.")
        assert (model.state_dict()[key] - v).abs().max() <= tol, k
    assert (model(x).logits - unmerged).abs().max() <= tol
    unload_lora(model)  # merge=True
    assert type(model.transformer.h[0].attn.c_attn).__name__ == "Conv1D"
    assert not any(True for _ in lora_layers(model))
    assert (model(x).logits - unmerged).abs().max() <= tol


def test_unload_without_merge_restores_base():
    x = torch.randn(4, 32)
    base = tiny_net()(x)
    net = tiny_net()
    inject_lora(net, ["q", "v"], r=4, init_lora_weights=False)
    merge_lora(net)
    unload_lora(net, merge=False)
    assert type(net.blocks[0]["q"]) is torch.nn.Linear
    assert torch.allclose(net(x), base, atol=1e-6, rtol=0)


def test_merged_equals_peft_merge_and_unload():
    ours = tiny_gpt2(dtype=torch.float64)
    inject_lora(ours, ["c_attn"], r=4, lora_alpha=8)
    randomize_b(ours)
    ref = peft_model(tiny_gpt2(dtype=torch.float64), r=4, lora_alpha=8, target_modules=["c_attn"])
    ref.load_state_dict(
        {k: v for k, v in _prefixed(ours).items()},
        strict=False,
    )
    merged_ref = ref.merge_and_unload()
    unload_lora(ours)
    for (k, a), (_, b) in zip(ours.state_dict().items(), merged_ref.state_dict().items()):
        assert torch.equal(a, b), k


# ---------------------------------------------------------------------------------- training


def test_only_lora_gets_gradients(device):
    model = tiny_llama().to(device)
    inject_lora(model, ["q_proj", "v_proj"], r=4)
    x = torch.randint(0, 64, (2, 8), device=device)
    model.train()
    model(input_ids=x, labels=x).loss.backward()
    for name, p in model.named_parameters():
        if "lora_" in name:
            assert p.requires_grad
            if "lora_A" in name:  # B = 0 at init, so A's gradient is zero; B's is not
                continue
            assert p.grad is not None and p.grad.abs().sum() > 0, name
        else:
            assert not p.requires_grad and p.grad is None, name


# --------------------------------------------------------------------------------- half / GPU


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float16, 2e-2), (torch.bfloat16, 1e-1)])
def test_half_precision_forward_and_merge_equal_peft(device, dtype, tol):
    """fp16/bf16 base with float32 adapters (peft's autocast_adapter_dtype), on the CPU (torch runs
    half-precision matmuls there) or LEXMETRICS_TEST_DEVICE=cuda: forwards, merged and unmerged
    forwards equal peft's; merging rounds W + dW to the half dtype, so merged and unmerged logits
    agree only to half precision."""
    x = torch.randint(0, 128, (2, 9), device=device)
    model = tiny_gpt2(dtype=dtype).to(device)
    inject_lora(model, ["c_attn", "c_proj"], r=4, lora_alpha=8, init_lora_weights=False)
    layer = model.transformer.h[0].attn.c_attn
    assert (
        layer.lora_A["default"].weight.dtype == torch.float32
        and layer.base_layer.weight.dtype == dtype
    )
    ref = peft_model(
        tiny_gpt2(dtype=dtype).to(device), r=4, lora_alpha=8, target_modules=["c_attn", "c_proj"]
    )
    assert (
        ref.base_model.model.transformer.h[0].attn.c_attn.lora_A["default"].weight.dtype
        == torch.float32
    )
    lora = {k: v for k, v in model.state_dict().items() if "lora_" in k}
    assert not ref.load_state_dict(
        {"base_model.model." + k: v for k, v in lora.items()}, strict=False
    ).unexpected_keys
    with torch.no_grad():
        unmerged = model(x).logits
        assert unmerged.dtype == dtype and torch.equal(unmerged, ref(x).logits)
        merge_lora(model)
        ref.merge_adapter()
        merged = model(x).logits
        assert torch.equal(merged, ref(x).logits)
        assert not torch.equal(merged, unmerged)
        assert (merged.float() - unmerged.float()).abs().max() <= tol
        unmerge_lora(model)
        ref.unmerge_adapter()
        back = model(x).logits
        assert torch.equal(back, ref(x).logits)
        assert (back.float() - unmerged.float()).abs().max() <= tol
