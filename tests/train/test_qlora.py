"""QLoRA (LoRA on bitsandbytes 4-bit / 8-bit layers) against peft's lora.bnb layers, on CPU.

Tiny Llama saved from a config and loaded back through transformers' BitsAndBytesConfig on the CPU
(bitsandbytes' CPU backend): every model of a test is quantized from the same float weights, and
bitsandbytes' (de)quantization is deterministic, so outputs are compared with ``==``.
"""

from __future__ import annotations

import os
import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="interop tests compare against peft")
bnb = pytest.importorskip(
    "bitsandbytes", reason="needs bitsandbytes: pip install 'lexmetrics[qlora]'"
)
transformers = pytest.importorskip("transformers")

from lexmetrics.train import (  # noqa: E402
    count_parameters,
    disable_adapter,
    inject_lora,
    load_lora_adapter,
    lora_layers,
    merge_lora,
    save_lora_adapter,
    set_adapter,
    unload_lora,
    unmerge_lora,
)
from lexmetrics.train.qlora import (  # noqa: E402
    LoraLinear4bit,
    LoraLinear8bitLt,
    dequantize_weight,
    prepare_model_for_kbit_training,
)

# LEXMETRICS_TEST_DEVICE=cuda (scripts/gpu-checks.sh) loads the quantized models on the GPU.
DEVICE = os.environ.get("LEXMETRICS_TEST_DEVICE", "cpu")
IDS = torch.randint(0, 64, (2, 9), generator=torch.Generator().manual_seed(8)).to(DEVICE)
TARGETS = ["q_proj", "v_proj", "down_proj"]

QUANT = {
    "nf4": dict(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.float32),
    "nf4-double-bf16": dict(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    ),
    "fp4": dict(load_in_4bit=True, bnb_4bit_quant_type="fp4", bnb_4bit_compute_dtype=torch.float32),
    "int8": dict(load_in_8bit=True),
}


@pytest.fixture(scope="module")
def saved_llama(tmp_path_factory):
    """A tiny Llama 64 wide: bitsandbytes' CPU kernel for eval needs rows of >= 64 (its blocksize)."""
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(
        vocab_size=64,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
    )
    path = tmp_path_factory.mktemp("llama")
    transformers.LlamaForCausalLM(cfg).save_pretrained(path)
    return path


def quantized(path, quant, dtype=torch.float32):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return transformers.AutoModelForCausalLM.from_pretrained(
            path,
            quantization_config=transformers.BitsAndBytesConfig(**QUANT[quant]),
            device_map=DEVICE,
            dtype=dtype,
        ).eval()


def peft_model(model, **config):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft.get_peft_model(model, peft.LoraConfig(**config))


def perturb(model, seed=1):
    """Moves every LoRA matrix away from its init (B = 0 would hide most differences)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if "lora_" in name:
                p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype).to(p.device) * 0.1)


def lora_tensors(model):
    return {k: v for k, v in model.state_dict().items() if "lora_" in k}


def pair(path, quant, dtype=torch.float32, **config):
    ours = quantized(path, quant, dtype)
    inject_lora(ours, TARGETS, **config)
    perturb(ours)
    ref = peft_model(quantized(path, quant, dtype), target_modules=TARGETS, **config)
    missing = ref.load_state_dict(
        {"base_model.model." + k: v for k, v in lora_tensors(ours).items()}, strict=False
    )
    assert not missing.unexpected_keys
    return ours, ref


def logits(model, ids=IDS):
    with torch.no_grad():
        return model(input_ids=ids).logits


def logits_unpacked(model, ids=IDS):
    """Logits without dropout in training mode: bnb's CPU backend repacks 4-bit weights (scales
    rounded to bfloat16) at an eval no-grad forward, and peft's merge cannot read repacked weights;
    a GPU never repacks."""
    assert all(not isinstance(m, torch.nn.Dropout) or m.p == 0 for m in model.modules())
    model.train()
    try:
        with torch.no_grad():
            return model(input_ids=ids).logits
    finally:
        model.eval()


@pytest.mark.parametrize("quant", list(QUANT))
def test_layers_counts_and_forward_equal_peft(saved_llama, quant):
    ours, ref = pair(saved_llama, quant, r=4, lora_alpha=8)
    layer = ours.model.layers[0].self_attn.q_proj
    ref_layer = ref.base_model.model.model.layers[0].self_attn.q_proj
    expected = LoraLinear4bit if quant != "int8" else LoraLinear8bitLt
    assert type(layer) is expected
    assert type(ref_layer).__name__ == expected.__name__.removeprefix("Lora")
    assert (layer.in_features, layer.out_features) == (64, 64)
    assert layer.lora_A["default"].weight.dtype == torch.float32
    assert ref_layer.lora_A["default"].weight.dtype == torch.float32
    assert count_parameters(ours) == ref.get_nb_trainable_parameters()
    assert set(lora_tensors(ours)) == {
        k.removeprefix("base_model.model.") for k in lora_tensors(ref)
    }
    out = logits(ours)
    assert torch.equal(out, logits(ref))
    # the adapters change the output (B was perturbed): the comparison is not base vs base
    assert not torch.equal(out, logits(quantized(saved_llama, quant)))


@pytest.mark.parametrize("quant", ["nf4", "int8"])
def test_dora_forward_and_gradients_equal_peft(saved_llama, quant):
    """In training mode: in eval bnb repacks 4-bit CPU weights and peft's DoRA then dequantizes the
    repacked bytes as plain ones (see the packed-weight test below); training never repacks."""
    ours, ref = pair(saved_llama, quant, r=4, lora_alpha=8, use_dora=True)
    losses = []
    for model in (ours, ref):
        model.train()
        loss = model(input_ids=IDS, labels=IDS).loss
        loss.backward()
        losses.append(loss)
    assert torch.equal(losses[0], losses[1])
    grads = {k: p.grad for k, p in ours.named_parameters() if p.requires_grad}
    ref_grads = {
        k.removeprefix("base_model.model."): p.grad
        for k, p in ref.named_parameters()
        if p.requires_grad
    }
    assert grads.keys() == ref_grads.keys() and any("magnitude" in k for k in grads)
    for k, g in grads.items():
        assert g is not None and torch.equal(g, ref_grads[k]), k


@pytest.mark.parametrize("quant", ["nf4-double-bf16", "int8"])
def test_training_gradients_equal_peft(saved_llama, quant):
    ours, ref = pair(saved_llama, quant, r=4, lora_alpha=8, lora_dropout=0.0)
    losses = []
    for model in (ours, ref):
        model.train()
        loss = model(input_ids=IDS, labels=IDS).loss
        loss.backward()
        losses.append(loss)
    assert torch.equal(losses[0], losses[1])
    ref_params = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        assert p.requires_grad == ("lora_" in name), name
        if p.requires_grad:
            assert p.grad.abs().sum() > 0
            assert torch.equal(p.grad, ref_params["base_model.model." + name].grad), name


@pytest.mark.parametrize("quant", ["nf4", "int8"])
def test_adapter_saved_here_loads_in_peft_and_back(saved_llama, quant, tmp_path):
    ours = quantized(saved_llama, quant)
    inject_lora(ours, TARGETS, r=4, lora_alpha=8, lora_dropout=0.1)
    perturb(ours)
    save_lora_adapter(ours, tmp_path / "ours")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = peft.PeftModel.from_pretrained(quantized(saved_llama, quant), tmp_path / "ours")
    ref.eval()
    assert torch.equal(logits(ours), logits(ref))
    # and the reverse: peft's file into a fresh quantized model here and into a fresh one in peft
    # (not the saving model: on CPU, state_dict() after an eval forward rounds bnb's 4-bit scales)
    perturb(ref, seed=2)
    ref.save_pretrained(tmp_path / "peft")
    back = quantized(saved_llama, quant)
    load_lora_adapter(back, tmp_path / "peft")
    assert isinstance(back.model.layers[1].mlp.down_proj, (LoraLinear4bit, LoraLinear8bitLt))
    assert not back.training and all(not m.training for m in back.modules())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = peft.PeftModel.from_pretrained(quantized(saved_llama, quant), tmp_path / "peft")
    out = logits(back)
    assert torch.equal(out, logits(ref.eval()))
    assert not torch.equal(out, logits(ours))


@pytest.mark.parametrize(
    ("quant", "dtype"),
    [
        ("nf4", torch.float32),
        ("fp4", torch.float32),
        ("int8", torch.float32),
        ("nf4-double-bf16", torch.bfloat16),
        ("int8", torch.bfloat16),
    ],
)
@pytest.mark.parametrize("use_dora", [False, True])
def test_merge_unmerge_and_unload_equal_peft(saved_llama, quant, dtype, use_dora):
    """peft merges into a quantized layer by dequantize -> add -> quantize; so do we, bit for bit
    (also from a bfloat16 load, where the dequantized weight is bfloat16)."""
    ours, ref = pair(saved_llama, quant, dtype, r=4, lora_alpha=8, use_dora=use_dora)
    unmerged = logits_unpacked(ours)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        merge_lora(ours)
    bits = "8" if quant == "int8" else "4"
    assert any(f"Merge lora module to {bits}-bit linear" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.merge_adapter()
    merged = logits_unpacked(ours)
    assert torch.equal(merged, logits_unpacked(ref))
    # requantizing W + dW rounds: close to the unmerged output, not equal
    assert not torch.equal(merged, unmerged)
    assert (merged - unmerged).abs().max() < 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unmerge_lora(ours)
        ref.unmerge_adapter()
    assert torch.equal(logits_unpacked(ours), logits_unpacked(ref))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unload_lora(ours)
        ref_unloaded = ref.merge_and_unload()
    assert not list(lora_layers(ours))
    layer = ours.model.layers[0].self_attn.q_proj
    ref_layer = ref_unloaded.model.layers[0].self_attn.q_proj
    assert type(layer) is type(ref_layer) and type(layer).__name__ in ("Linear4bit", "Linear8bitLt")
    assert torch.equal(dequantize_weight(layer), dequantize_weight(ref_layer))
    assert torch.equal(logits_unpacked(ours), logits_unpacked(ref_unloaded))


@pytest.mark.parametrize("use_dora", [False, True])
def test_cpu_repacked_4bit_weight_is_read_without_changing_the_layer(saved_llama, use_dora):
    """bitsandbytes repacks 4-bit CPU weights at the first no-grad eval forward (on CPUs with
    AVX512-BF16, scales rounded to bfloat16). Dequantizing (DoRA's norm, merging) unpacks copies:
    repeated eval forwards stay equal, and a merge after one stays close to the unmerged output
    (peft's merge and DoRA read the repacked bytes as plain ones)."""
    ours = quantized(saved_llama, "nf4")
    inject_lora(ours, TARGETS, r=4, lora_alpha=8, use_dora=use_dora)
    perturb(ours)
    base = ours.model.layers[0].self_attn.q_proj.base_layer
    before = dequantize_weight(base).clone()
    unmerged = logits(ours)  # eval, no grad: bnb may repack here
    assert torch.equal(logits(ours), unmerged) and torch.equal(logits(ours), unmerged)
    after = dequantize_weight(base)
    assert after.shape == before.shape == (64, 64)
    assert (after - before).abs().max() <= 0.01 * before.abs().max()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        merge_lora(ours)
    assert (logits(ours) - unmerged).abs().max() < 0.1


@pytest.mark.parametrize("quant", ["nf4", "int8"])
def test_named_adapters_and_disable_adapter_equal_peft(saved_llama, quant):
    ours = quantized(saved_llama, quant)
    inject_lora(ours, TARGETS, r=4, lora_alpha=8)
    inject_lora(ours, ["q_proj"], r=2, lora_alpha=4, adapter_name="other")
    perturb(ours)
    ref = peft_model(quantized(saved_llama, quant), r=4, lora_alpha=8, target_modules=TARGETS)
    ref.add_adapter("other", peft.LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj"]))
    assert not ref.load_state_dict(
        {"base_model.model." + k: v for k, v in lora_tensors(ours).items()}, strict=False
    ).unexpected_keys
    assert torch.equal(logits(ours), logits(ref))
    set_adapter(ours, "other")
    ref.set_adapter("other")
    other = logits(ours)
    assert torch.equal(other, logits(ref))
    with disable_adapter(ours), ref.disable_adapter():
        off = logits(ours)
        assert torch.equal(off, logits(ref))
    assert torch.equal(off, logits(quantized(saved_llama, quant)))
    assert not torch.equal(off, other)


def test_base_rewriting_inits_are_refused(saved_llama):
    model = quantized(saved_llama, "nf4")
    for init in ("pissa", "olora"):
        with pytest.raises(TypeError, match="not offered on 4-bit layers"):
            inject_lora(model, ["q_proj"], init_lora_weights=init)


def test_prepare_model_for_kbit_training_equals_peft(saved_llama):
    """Frozen base, float32 norms/embeddings/head from a bfloat16 load, input grads and gradient
    checkpointing, as peft's prepare_model_for_kbit_training; then a training step matches peft's."""
    ours = prepare_model_for_kbit_training(quantized(saved_llama, "nf4", dtype=torch.bfloat16))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = peft.prepare_model_for_kbit_training(
            quantized(saved_llama, "nf4", dtype=torch.bfloat16)
        )
    ref_params = dict(ref.named_parameters())
    assert ours.model.norm.weight.dtype == torch.float32
    for name, p in ours.named_parameters():
        assert (p.dtype, p.requires_grad) == (
            ref_params[name].dtype,
            ref_params[name].requires_grad,
        )
        assert not p.requires_grad
    assert ours.is_gradient_checkpointing and ref.is_gradient_checkpointing
    inject_lora(ours, TARGETS, r=4, lora_alpha=8)
    perturb(ours)
    ref = peft_model(ref, r=4, lora_alpha=8, target_modules=TARGETS)
    ref.load_state_dict(
        {"base_model.model." + k: v for k, v in lora_tensors(ours).items()}, strict=False
    )
    losses = []
    for model in (ours, ref):
        model.train()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = model(input_ids=IDS, labels=IDS).loss
            loss.backward()
        losses.append(loss)
    assert torch.equal(losses[0], losses[1])
    ref_params = dict(ref.named_parameters())
    grads = [(n, p.grad) for n, p in ours.named_parameters() if p.requires_grad]
    assert grads and all(g is not None and g.abs().sum() > 0 for _, g in grads)
    for name, g in grads:
        assert torch.equal(g, ref_params["base_model.model." + name].grad), name


def test_prepare_without_quantization_only_freezes_and_upcasts():
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(
        vocab_size=64,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=4,
        num_key_value_heads=2,
    )
    model = transformers.LlamaForCausalLM(cfg).to(torch.bfloat16)
    prepare_model_for_kbit_training(model)
    assert all(p.dtype == torch.float32 and not p.requires_grad for p in model.parameters())
    assert not model.is_gradient_checkpointing  # peft enables it only for k-bit models


def test_docs_example_prints_what_the_docs_say(capsys, monkeypatch, tmp_path):
    """The QLoRA example of docs/training.md runs and prints the line the docs show after it."""
    import re
    import tempfile
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "training.md").read_text("utf-8")
    block, printed = re.search(
        r"```python\n([^`]*prepare_model_for_kbit_training\(model\)[^`]*)```\nprints `([^`]*)`",
        text,
        re.S,
    ).groups()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(block, "docs/training.md", "exec"), {})
    assert capsys.readouterr().out.strip() == printed
