"""Adapters on disk in peft's format: ``adapter_config.json`` + ``adapter_model.safetensors``.

Keys are ``base_model.model.<module path>.lora_A.weight`` / ``.lora_B.weight`` (peft strips the
adapter name on save) and ``prompt_embeddings`` for prompt tuning. Only safetensors is read or
written (never pickle). Unlike peft, which only warns about missing keys and leaves the adapter at
its no-op init, loading here raises on any missing, unexpected or mis-shaped key.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Optional, Union

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from .lora import inject_lora, lora_layers, mark_only_lora_trainable
from .prompt_tuning import SoftPromptModel

__all__ = [
    "CONFIG_NAME",
    "WEIGHTS_NAME",
    "lora_state_dict",
    "save_lora_adapter",
    "load_lora_adapter",
    "save_prompt_adapter",
    "load_prompt_adapter",
]

CONFIG_NAME = "adapter_config.json"
WEIGHTS_NAME = "adapter_model.safetensors"
_PREFIX = "base_model.model."
PathLike = Union[str, "os.PathLike[str]"]


def _task_type(model: nn.Module, task_type: Optional[str]) -> Optional[str]:
    if task_type is not None:
        return task_type
    config = getattr(model, "config", None)
    if config is None:
        return None
    return "SEQ_2_SEQ_LM" if getattr(config, "is_encoder_decoder", False) else "CAUSAL_LM"


def _name_or_path(model: nn.Module, given: Optional[str]) -> Optional[str]:
    if given is not None:
        return given
    value = getattr(getattr(model, "config", None), "_name_or_path", None)
    return value or None


def _write(path: PathLike, config: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    # safetensors refuses shared/non-contiguous storage; peft saves with metadata {"format": "pt"}
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    save_file(tensors, str(out / WEIGHTS_NAME), metadata={"format": "pt"})
    (out / CONFIG_NAME).write_text(
        json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def _read(path: PathLike, peft_type: str) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    src = Path(path)
    cfg_path, weights = src / CONFIG_NAME, src / WEIGHTS_NAME
    if not cfg_path.is_file():
        raise FileNotFoundError(f"no {CONFIG_NAME} in {src}")
    if not weights.is_file():
        if (src / "adapter_model.bin").is_file():
            raise ValueError(
                f"{src} has only adapter_model.bin (pickle); only safetensors is loaded"
            )
        raise FileNotFoundError(f"no {WEIGHTS_NAME} in {src}")
    config = json.loads(cfg_path.read_text(encoding="utf-8"))
    if config.get("peft_type") != peft_type:
        raise ValueError(
            f"{src} holds a {config.get('peft_type')!r} adapter, expected {peft_type!r}"
        )
    return config, load_file(str(weights))


# --------------------------------------------------------------------------------------------- LoRA


def lora_state_dict(model: nn.Module, bias: Optional[str] = None) -> dict[str, torch.Tensor]:
    """The adapter tensors under peft's saved keys. ``bias`` ("none"/"all"/"lora_only", default: the
    mode given to :func:`inject_lora`) adds biases as peft does (``<path>.base_layer.bias``)."""
    layers = dict(lora_layers(model))
    if not layers:
        raise ValueError(f"{type(model).__name__} has no LoRA layers")
    if bias is None:
        bias = getattr(model, "_lexmetrics_lora_config", {}).get("bias", "none")
    lora_bias = {f"{name}.base_layer.bias" for name in layers}
    out: dict[str, torch.Tensor] = {}
    for name, tensor in model.state_dict().items():
        keep = ".lora_A." in f".{name}" or ".lora_B." in f".{name}"
        keep |= bias == "all" and name.rsplit(".", 1)[-1] == "bias"
        keep |= bias == "lora_only" and name in lora_bias
        if keep:
            out[_PREFIX + name] = tensor
    return out


def _lora_config(
    model: nn.Module, task_type: Optional[str], base_model_name_or_path: Optional[str]
) -> dict[str, Any]:
    layers = list(lora_layers(model))
    first = layers[0][1]
    if any(
        (layer.r, layer.lora_alpha, layer.use_rslora)
        != (first.r, first.lora_alpha, first.use_rslora)
        for _, layer in layers
    ):
        raise ValueError(
            "LoRA layers differ in r/lora_alpha/use_rslora; peft's format needs one value each"
        )
    saved = getattr(model, "_lexmetrics_lora_config", {})
    # Exact paths of what is adapted, so peft targets the same modules whatever the original patterns.
    target_modules = saved.get("target_modules") or sorted({name for name, _ in layers})
    dropout = first.lora_dropout.p if isinstance(first.lora_dropout, nn.Dropout) else 0.0
    init = saved.get("init_lora_weights", True)
    return {
        "peft_type": "LORA",
        "task_type": _task_type(model, task_type),
        "base_model_name_or_path": _name_or_path(model, base_model_name_or_path),
        "r": first.r,
        "lora_alpha": first.lora_alpha,
        "lora_dropout": dropout,
        "target_modules": target_modules,
        "exclude_modules": saved.get("exclude_modules"),
        # peft flips this per layer for Conv1D (with a warning) and back for nn.Linear
        "fan_in_fan_out": all(layer.fan_in_fan_out for _, layer in layers),
        "bias": saved.get("bias", "none"),
        "use_rslora": first.use_rslora,
        "use_dora": False,
        "init_lora_weights": init if isinstance(init, (bool, str)) else True,
        "inference_mode": True,
        "modules_to_save": None,
        "layers_to_transform": None,
        "layers_pattern": None,
        "rank_pattern": {},
        "alpha_pattern": {},
    }


def save_lora_adapter(
    model: nn.Module,
    path: PathLike,
    *,
    task_type: Optional[str] = None,
    base_model_name_or_path: Optional[str] = None,
) -> None:
    """Writes ``model``'s adapters so that ``peft.PeftModel.from_pretrained(base, path)`` loads them.

    ``task_type`` defaults to ``CAUSAL_LM`` / ``SEQ_2_SEQ_LM`` for transformers models, else None.
    """
    tensors = lora_state_dict(model)
    _write(path, _lora_config(model, task_type, base_model_name_or_path), tensors)


_UNSUPPORTED = (
    "use_dora",
    "modules_to_save",
    "layers_to_transform",
    "rank_pattern",
    "alpha_pattern",
    "lora_bias",
    "target_parameters",
)
_ADAPTER_NAME = re.compile(r"\.(lora_[AB])\.[^.]+\.weight$")


def load_lora_adapter(model: nn.Module, path: PathLike, *, is_trainable: bool = False) -> nn.Module:
    """Loads a peft LoRA adapter directory (ours or peft's) into ``model`` in place and returns it.

    Injects the layers named by the config's ``target_modules`` if ``model`` has none yet. Every
    tensor must match a LoRA parameter by key and shape and every LoRA parameter must be present,
    else ``ValueError`` (peft only warns and keeps ``B = 0``). ``is_trainable=False`` (peft's
    default) freezes the whole model.
    """
    config, tensors = _read(path, "LORA")
    for key in _UNSUPPORTED:
        if config.get(key):
            raise ValueError(
                f"adapter uses {key}={config[key]!r}, which this loader does not support"
            )
    target = config.get("target_modules")
    if not target:
        raise ValueError(
            "adapter_config.json has no target_modules (peft's per-architecture default is not resolved here)"
        )
    if not any(True for _ in lora_layers(model)):
        inject_lora(
            model,
            target if isinstance(target, str) else list(target),
            r=int(config["r"]),
            lora_alpha=config.get("lora_alpha", 8),
            lora_dropout=float(config.get("lora_dropout") or 0.0),
            exclude_modules=config.get("exclude_modules"),
            use_rslora=bool(config.get("use_rslora", False)),
            bias=config.get("bias") or "none",
        )
    bias = config.get("bias") or "none"
    expected = lora_state_dict(model, bias=bias)
    # peft tolerates the adapter name in keys (".lora_A.default.weight"); so do we.
    got = {_ADAPTER_NAME.sub(r".\1.weight", k): v for k, v in tensors.items()}
    missing = sorted(set(expected) - set(got))
    unexpected = sorted(set(got) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {missing[0]!r})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]!r})")
        raise ValueError(f"adapter keys do not match the model: {'; '.join(parts)}")
    params = dict(model.state_dict(keep_vars=True))
    for key, tensor in got.items():
        dest = params[key[len(_PREFIX) :]]
        if tuple(dest.shape) != tuple(tensor.shape):
            raise ValueError(
                f"{key}: adapter shape {tuple(tensor.shape)} != model shape {tuple(dest.shape)}"
            )
    with torch.no_grad():
        for _, layer in lora_layers(model):
            if layer.merged:
                raise ValueError("cannot load into merged LoRA layers; unmerge_lora(model) first")
        for key, tensor in got.items():
            dest = params[key[len(_PREFIX) :]]
            dest.copy_(tensor.to(dtype=dest.dtype, device=dest.device))
    if is_trainable:
        mark_only_lora_trainable(model, bias)
    else:
        for p in model.parameters():
            p.requires_grad = False
    return model


# ------------------------------------------------------------------------------------ soft prompts


def save_prompt_adapter(
    prompt_model: SoftPromptModel,
    path: PathLike,
    *,
    base_model_name_or_path: Optional[str] = None,
) -> None:
    """Writes peft's PROMPT_TUNING format: one tensor ``prompt_embeddings`` of shape (N, d) and
    ``num_transformer_submodules=1`` (encoder-only prompt for encoder-decoder models)."""
    base = prompt_model.base_model
    cfg = getattr(base, "config", None)
    n, d = prompt_model.prompt_embeddings.shape
    config = {
        "peft_type": "PROMPT_TUNING",
        "task_type": _task_type(base, None),
        "base_model_name_or_path": _name_or_path(base, base_model_name_or_path),
        "num_virtual_tokens": int(n),
        "token_dim": int(d),
        "num_transformer_submodules": 1,
        "num_attention_heads": _first_attr(cfg, "num_attention_heads", "n_head", "num_heads"),
        "num_layers": _first_attr(cfg, "num_hidden_layers", "n_layer", "num_layers"),
        # The learned rows are in the file; RANDOM keeps peft from re-tokenising an init text on load.
        "prompt_tuning_init": "RANDOM",
        "prompt_tuning_init_text": None,
        "tokenizer_name_or_path": None,
        "inference_mode": True,
    }
    _write(path, config, {"prompt_embeddings": prompt_model.prompt_embeddings})


def _first_attr(cfg: Any, *names: str) -> Optional[int]:
    for name in names:
        value = getattr(cfg, name, None)
        if isinstance(value, int):
            return value
    return None


def load_prompt_adapter(
    model: nn.Module, path: PathLike, *, is_trainable: bool = False
) -> SoftPromptModel:
    """Wraps ``model`` in a :class:`SoftPromptModel` holding the saved prompt (ours or peft's).

    A peft encoder-decoder adapter saved with ``num_transformer_submodules=2`` has 2N rows; peft's
    forward reads only the first N (the encoder prompt), so only those are kept.
    """
    config, tensors = _read(path, "PROMPT_TUNING")
    if set(tensors) != {"prompt_embeddings"}:
        raise ValueError(f"expected one tensor 'prompt_embeddings', found {sorted(tensors)}")
    weight = tensors["prompt_embeddings"]
    n = int(config["num_virtual_tokens"])
    submodules = int(config.get("num_transformer_submodules") or 1)
    if weight.dim() != 2 or weight.shape[0] != n * submodules:
        raise ValueError(
            f"prompt_embeddings has shape {tuple(weight.shape)}, expected ({n * submodules}, d)"
        )
    wrapped = SoftPromptModel(model, n, "random")
    if weight.shape[1] != wrapped.prompt_embeddings.shape[1]:
        raise ValueError(
            f"prompt dim {weight.shape[1]} != model embedding dim {wrapped.prompt_embeddings.shape[1]}"
        )
    with torch.no_grad():
        wrapped.prompt_embeddings.copy_(weight[:n])
    wrapped.prompt_embeddings.requires_grad = is_trainable
    return wrapped
