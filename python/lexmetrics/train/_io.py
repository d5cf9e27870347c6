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
from typing import Any, Optional, Sequence, Union

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from .._errors import InputValueError
from .lora import BASE_REWRITING_INITS, inject_lora, lora_layers, mark_only_lora_trainable
from .modules_to_save import ADAPTER_NAME, TASK_MODULES_TO_SAVE, modules_to_save_layers
from .prompt_tuning import SoftPromptModel

__all__ = [
    "UnsupportedAdapterError",
    "infer_task_type",
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


class UnsupportedAdapterError(InputValueError):
    """An adapter uses a peft feature this loader does not reproduce: refused, never loaded wrongly."""


# transformers' auto-class tables, checked in this order: a head decides the task, a bare encoder
# is FEATURE_EXTRACTION, anything else gets no task type (peft's plain PeftModel).
_TASK_TABLES = (
    ("SEQ_CLS", "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES", "ForSequenceClassification"),
    ("TOKEN_CLS", "MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES", "ForTokenClassification"),
    ("QUESTION_ANS", "MODEL_FOR_QUESTION_ANSWERING_MAPPING_NAMES", "ForQuestionAnswering"),
    ("SEQ_2_SEQ_LM", "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES", None),
    ("CAUSAL_LM", "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES", "ForCausalLM"),
    ("FEATURE_EXTRACTION", "MODEL_MAPPING_NAMES", None),
)


def _class_names(table: str) -> set[str]:
    try:
        from transformers.models.auto import modeling_auto
    except ImportError:  # no transformers: only the class-name suffixes below apply
        return set()
    names: set[str] = set()
    for value in getattr(modeling_auto, table, {}).values():
        names.update((value,) if isinstance(value, str) else value)
    return names


def infer_task_type(model: nn.Module) -> Optional[str]:
    """peft's ``task_type`` for ``model``: SEQ_CLS, TOKEN_CLS, QUESTION_ANS, SEQ_2_SEQ_LM, CAUSAL_LM,
    FEATURE_EXTRACTION (a bare transformers encoder/decoder), or None (any other module).

    peft picks its wrapper from this field, and a wrong one breaks loading (a classifier saved as
    CAUSAL_LM fails on ``prepare_inputs_for_generation``)."""
    if getattr(model, "config", None) is None:
        return None
    cls = type(model).__name__
    for task, table, suffix in _TASK_TABLES:
        if cls in _class_names(table) or (suffix is not None and cls.endswith(suffix)):
            return task
    return None


def _task_type(model: nn.Module, task_type: Optional[str]) -> Optional[str]:
    return task_type if task_type is not None else infer_task_type(model)


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


def _adapter_keys(
    model: nn.Module, bias: Optional[str], extra_heads: Sequence[str] = ()
) -> dict[str, str]:
    """Saved key -> ``model.state_dict()`` key of every adapter tensor: LoRA matrices, biases per
    ``bias``, the trained copy of each module to save under the module's own path (peft drops
    ``modules_to_save.default.``), and the frozen heads in ``extra_heads`` (see save_lora_adapter)."""
    layers = dict(lora_layers(model))
    if not layers:
        raise ValueError(f"{type(model).__name__} has no LoRA layers")
    if bias is None:
        bias = getattr(model, "_lexmetrics_lora_config", {}).get("bias", "none")
    lora_bias = {f"{name}.base_layer.bias" for name in layers}
    wrappers = dict(modules_to_save_layers(model))
    keys: dict[str, str] = {}
    for name in model.state_dict():
        dotted = f".{name}"
        if any(name.startswith(w + ".") for w in wrappers):
            continue
        keep = ".lora_A." in dotted or ".lora_B." in dotted
        keep |= bias == "all" and name.rsplit(".", 1)[-1] == "bias"
        keep |= bias == "lora_only" and name in lora_bias
        if keep:
            keys[_PREFIX + name] = name
    for path, wrapper in wrappers.items():
        inner = f"{path}.modules_to_save.{ADAPTER_NAME}."
        for name in wrapper.trained_module.state_dict():
            keys[f"{_PREFIX}{path}.{name}"] = inner + name
    for path in extra_heads:
        for name in model.get_submodule(path).state_dict():
            keys[f"{_PREFIX}{path}.{name}"] = f"{path}.{name}"
    return keys


def lora_state_dict(model: nn.Module, bias: Optional[str] = None) -> dict[str, torch.Tensor]:
    """The adapter tensors under peft's saved keys. ``bias`` ("none"/"all"/"lora_only", default: the
    mode given to :func:`inject_lora`) adds biases as peft does (``<path>.base_layer.bias``);
    modules to save are stored under their own path (``base_model.model.classifier.weight``)."""
    state = model.state_dict()
    return {saved: state[own] for saved, own in _adapter_keys(model, bias).items()}


def _unwrapped_heads(model: nn.Module, task_type: Optional[str]) -> list[str]:
    """Task heads peft will wrap on load (e.g. ``classifier`` for SEQ_CLS) that are not wrapped here:
    peft requires their weights in the file, so the frozen ones are saved as they are."""
    names = TASK_MODULES_TO_SAVE.get(task_type or "", ())
    wrapped = [n for n, _ in modules_to_save_layers(model)]
    heads: list[str] = []
    for key, _ in model.named_modules():
        if not key or not any(key.endswith(n) for n in names):
            continue
        if any(
            key == w or key.startswith(w + ".") or w.startswith(key + ".") for w in wrapped + heads
        ):
            continue
        heads.append(key)
    return heads


def _lora_config(
    model: nn.Module, task_type: Optional[str], base_model_name_or_path: Optional[str]
) -> dict[str, Any]:
    """``task_type`` is already resolved."""
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
        "task_type": task_type,
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
        "modules_to_save": _saved_module_names(model, task_type),
        "layers_to_transform": None,
        "layers_pattern": None,
        "rank_pattern": {},
        "alpha_pattern": {},
    }


def _saved_module_names(model: nn.Module, task_type: Optional[str]) -> Optional[list[str]]:
    saved = getattr(model, "_lexmetrics_lora_config", {}).get("modules_to_save") or []
    names = list(dict.fromkeys([*saved, *TASK_MODULES_TO_SAVE.get(task_type or "", ())]))
    return names or None


def save_lora_adapter(
    model: nn.Module,
    path: PathLike,
    *,
    task_type: Optional[str] = None,
    base_model_name_or_path: Optional[str] = None,
) -> None:
    """Writes ``model``'s adapters so that ``peft.PeftModel.from_pretrained(base, path)`` loads them.

    ``task_type`` defaults to :func:`infer_task_type` (e.g. ``SEQ_CLS`` for a classifier, ``None``
    for a plain ``nn.Module``).
    """
    if task_type is None:
        task_type = getattr(model, "_lexmetrics_lora_config", {}).get("task_type")
    task_type = _task_type(model, task_type)
    state = model.state_dict()
    keys = _adapter_keys(model, None, _unwrapped_heads(model, task_type))
    tensors = {saved: state[own] for saved, own in keys.items()}
    _write(path, _lora_config(model, task_type, base_model_name_or_path), tensors)


_UNSUPPORTED = (
    "use_dora",
    "layers_to_transform",
    "rank_pattern",
    "alpha_pattern",
    "lora_bias",
    "target_parameters",
    "trainable_token_indices",
    "layer_replication",
    "megatron_config",
    "use_qalora",
    "alora_invocation_tokens",
    "velora_config",
    "monteclora_config",
    "use_bdlora",
    "arrow_config",
    "kasa_config",
)
# Inits whose result is fully in the saved A and B (True, False, "gaussian"), or that rewrite the base
# deterministically, which peft redoes on load and so do we ("pissa", "olora"). Others (LoftQ, CorDA,
# "pissa_niter_K" with its random sketch, ...) cannot be reproduced from the files alone.
_LOADABLE_INITS = (True, False, "gaussian", *BASE_REWRITING_INITS)
_ADAPTER_NAME = re.compile(r"\.(lora_[AB])\.[^.]+\.weight$")


def load_lora_adapter(
    model: nn.Module, path: PathLike, *, is_trainable: bool = False, overwrite: bool = False
) -> nn.Module:
    """Loads a peft LoRA adapter directory (ours or peft's) into ``model`` in place and returns it.

    Injects the layers named by the config's ``target_modules``; every module keeps the train/eval
    mode it had. Every tensor must match a LoRA parameter by key and shape and every LoRA parameter
    must be present, else ``ValueError`` (peft only warns and keeps ``B = 0``).
    ``is_trainable=False`` (peft's default) freezes the whole model. PiSSA / OLoRA adapters saved
    unconverted are loaded as peft does: the init is redone, which rewrites the base weights to the
    residual the adapter was trained on. Features that cannot be reproduced raise
    :class:`UnsupportedAdapterError`.

    A model that already has LoRA layers is refused (its weights would be silently replaced) unless
    ``overwrite=True``, which copies the adapter into those layers.
    """
    config, tensors = _read(path, "LORA")
    for key in _UNSUPPORTED:
        if config.get(key):
            raise UnsupportedAdapterError(
                f"{path}: adapter uses {key}={config[key]!r}, which this loader does not support"
            )
    init = config.get("init_lora_weights", True)
    if init not in _LOADABLE_INITS:
        raise UnsupportedAdapterError(
            f"{path}: adapter was initialised with init_lora_weights={init!r}, which cannot be "
            "reproduced here; convert it in peft first (save_pretrained(..., "
            "path_initial_model_for_weight_conversion=...)) or load it with peft"
        )
    target = config.get("target_modules")
    if not target:
        raise ValueError(
            "adapter_config.json has no target_modules (peft's per-architecture default is not resolved here)"
        )
    if any(True for _ in lora_layers(model)):
        if not overwrite:
            raise ValueError(
                f"model already has LoRA layers; loading {path} would replace their weights. "
                "unload_lora(model) first, or pass overwrite=True to copy the adapter into them"
            )
        if init in BASE_REWRITING_INITS:
            raise UnsupportedAdapterError(
                f"{path}: a {init!r} adapter rewrites the base weights; load it into a model "
                "without LoRA layers"
            )
    else:
        inject_lora(
            model,
            target if isinstance(target, str) else list(target),
            r=int(config["r"]),
            lora_alpha=config.get("lora_alpha", 8),
            lora_dropout=float(config.get("lora_dropout") or 0.0),
            exclude_modules=config.get("exclude_modules"),
            use_rslora=bool(config.get("use_rslora", False)),
            init_lora_weights=init if init in BASE_REWRITING_INITS else True,
            bias=config.get("bias") or "none",
            modules_to_save=config.get("modules_to_save"),
            task_type=config.get("task_type"),
        )
    bias = config.get("bias") or "none"
    expected = _adapter_keys(model, bias)
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
        dest = params[expected[key]]
        if tuple(dest.shape) != tuple(tensor.shape):
            raise ValueError(
                f"{key}: adapter shape {tuple(tensor.shape)} != model shape {tuple(dest.shape)}"
            )
    with torch.no_grad():
        for _, layer in lora_layers(model):
            if layer.merged:
                raise ValueError("cannot load into merged LoRA layers; unmerge_lora(model) first")
        for key, tensor in got.items():
            dest = params[expected[key]]
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
