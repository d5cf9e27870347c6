"""QLoRA (LoRA on bitsandbytes 4-bit / 8-bit layers) against peft's lora.bnb layers, on CPU.

Tiny Llama saved from a config and loaded back through transformers' BitsAndBytesConfig on the CPU
(bitsandbytes' CPU backend): every model of a test is quantized from the same float weights, and
bitsandbytes' (de)quantization is deterministic, so outputs are compared with ``==``.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch", reason="needs torch: pip install 'lexmetrics[train]'")
peft = pytest.importorskip("peft", reason="interop tests compare against peft")
bnb = pytest.importorskip("bitsandbytes", reason="needs bitsandbytes: pip install 'lexmetrics[qlora]'")
transformers = pytest.importorskip("transformers")

from lexmetrics.train import (  # noqa: E402
    count_parameters,
    inject_lora,
    load_lora_adapter,
    lora_layers,
    merge_lora,
    save_lora_adapter,
    unload_lora,
    unmerge_lora,
)
from lexmetrics.train.qlora import (  # noqa: E402
    LoraLinear4bit,
    LoraLinear8bitLt,
    dequantize_weight,
    prepare_model_for_kbit_training,
)

IDS = torch.randint(0, 64, (2, 9), generator=torch.Generator().manual_seed(8))
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
            device_map="cpu",
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
                p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.1)


def lora_tensors(model):
    return {k: v for k, v in model.state_dict().items() if "lora_" in k}


def pair(path, quant, **config):
    ours = quantized(path, quant)
    inject_lora(ours, TARGETS, **config)
    perturb(ours)
    ref = peft_model(quantized(path, quant), target_modules=TARGETS, **config)
    missing = ref.load_state_dict(
        {"base_model.model." + k: v for k, v in lora_tensors(ours).items()}, strict=False
    )
    assert not missing.unexpected_keys
    return ours, ref


def logits(model, ids=IDS):
    with torch.no_grad():
        return model(input_ids=ids).logits


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
