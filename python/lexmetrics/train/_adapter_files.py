"""Adapters on disk in peft's format: ``adapter_config.json`` + ``adapter_model.safetensors``.

Keys are ``base_model.model.<module path>.lora_A.weight`` / ``.lora_B.weight`` (peft strips the
adapter name on save; also ``lora_magnitude_vector``, ``lora_embedding_A/B``, module copies under
their own path and ``token_adapter.trainable_tokens_delta``) and ``prompt_embeddings`` for prompt
tuning; adapter ``"default"`` lives in the directory, any other in ``<dir>/<name>``. Only safetensors is read or
written (never pickle). Unlike peft, which only warns about missing keys and leaves the adapter at
its no-op init, loading here raises on any missing, unexpected or mis-shaped key.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Union

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from .._errors import InputValueError
from .lora import (
    BASE_REWRITING_INITS,
    DEFAULT_ADAPTER,
    BiasMode,
    active_adapters,
    adapter_config,
    inject_lora,
    lora_adapters,
    lora_layers,
    mark_only_lora_trainable,
)
from .modules_to_save import TASK_MODULES_TO_SAVE, modules_to_save_layers
from .trainable_tokens import trainable_tokens_layers

__all__ = [
    "UnsupportedAdapterError",
    "infer_task_type",
    "CONFIG_NAME",
    "WEIGHTS_NAME",
    "lora_state_dict",
    "save_lora_adapter",
    "load_lora_adapter",
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


def infer_task_type(model: nn.Module) -> str | None:
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


def _task_type(model: nn.Module, task_type: str | None) -> str | None:
    return task_type if task_type is not None else infer_task_type(model)


def _name_or_path(model: nn.Module, given: str | None) -> str | None:
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
    model: nn.Module,
    adapter_name: str,
    bias: str | None = None,
    extra_heads: Sequence[str] = (),
) -> dict[str, str]:
    """Saved key -> ``model.state_dict()`` key of every tensor of adapter ``adapter_name``: LoRA
    matrices (peft drops the adapter name on save), biases per ``bias``, its copy of each module to
    save under the module's own path (``classifier.weight``), and the frozen heads ``extra_heads``."""
    layers = dict(lora_layers(model))
    if not layers:
        raise ValueError(f"{type(model).__name__} has no LoRA layers")
    if bias is None:
        bias = adapter_config(model, adapter_name).get("bias", "none")
    lora_bias = {f"{name}.base_layer.bias" for name in layers}
    wrappers = dict(modules_to_save_layers(model))
    marks = tuple(f".{m}.{adapter_name}." for m in ("lora_A", "lora_B"))
    magnitude = f".lora_magnitude_vector.{adapter_name}.weight"
    embedding = tuple(f".{m}.{adapter_name}" for m in ("lora_embedding_A", "lora_embedding_B"))
    keys: dict[str, str] = {}
    for name in model.state_dict():
        dotted = f".{name}"
        if any(name.startswith(w + ".") for w in wrappers):
            continue
        mark = next((m for m in marks if m in dotted), None)
        if dotted.endswith(embedding):
            # peft saves embedding LoRA as "<path>.lora_embedding_A" / "_B"
            keys[_PREFIX + name[: -len(adapter_name) - 1]] = name
        elif dotted.endswith(magnitude):
            # peft saves DoRA's magnitude as "<path>.lora_magnitude_vector"
            keys[_PREFIX + name[: -len(magnitude) + 1] + "lora_magnitude_vector"] = name
        elif mark is not None:
            keys[_PREFIX + dotted.replace(mark, mark[: -len(adapter_name) - 1])[1:]] = name
        elif (bias == "all" and name.rsplit(".", 1)[-1] == "bias") or (
            bias == "lora_only" and name in lora_bias
        ):
            keys[_PREFIX + name] = name
    for path, wrapper in wrappers.items():
        if adapter_name in wrapper.modules_to_save:
            inner = f"{path}.modules_to_save.{adapter_name}."
            for name in wrapper.modules_to_save[adapter_name].state_dict():
                keys[f"{_PREFIX}{path}.{name}"] = inner + name
    for path, tokens in trainable_tokens_layers(model):
        # peft saves the rows once, under the embedding (not the tied output layer)
        if tokens.tied_adapter is None and adapter_name in tokens.trainable_tokens_delta:
            keys[f"{_PREFIX}{path}.trainable_tokens_delta"] = (
                f"{path}.trainable_tokens_delta.{adapter_name}"
            )
    for path in extra_heads:
        own = f"{path}.original_module." if path in wrappers else f"{path}."
        for name in model.get_submodule(path).state_dict():
            if path not in wrappers or name.startswith("original_module."):
                name = name.removeprefix("original_module.")
                keys[f"{_PREFIX}{path}.{name}"] = own + name
    return keys


def lora_state_dict(
    model: nn.Module, bias: str | None = None, *, adapter_name: str | None = None
) -> dict[str, torch.Tensor]:
    """Adapter ``adapter_name``'s tensors (default: the active one) under peft's saved keys.
    ``bias`` ("none"/"all"/"lora_only", default: the mode given to :func:`inject_lora`) adds biases
    as peft does (``<path>.base_layer.bias``); modules to save are stored under their own path
    (``base_model.model.classifier.weight``)."""
    name = adapter_name or (active_adapters(model) or [DEFAULT_ADAPTER])[0]
    state = model.state_dict()
    return {saved: state[own] for saved, own in _adapter_keys(model, name, bias).items()}


def _unwrapped_heads(model: nn.Module, adapter_name: str, task_type: str | None) -> list[str]:
    """Task heads peft will wrap on load (e.g. ``classifier`` for SEQ_CLS) with no copy for this
    adapter here: peft requires their weights in the file, so the frozen ones are saved as they are."""
    names = TASK_MODULES_TO_SAVE.get(task_type or "", ())
    wrappers = dict(modules_to_save_layers(model))
    copied = [n for n, w in wrappers.items() if adapter_name in w.modules_to_save]
    heads: list[str] = []
    for key, _ in model.named_modules():
        if not key or not any(key.endswith(n) for n in names):
            continue
        if any(
            key == w or key.startswith(w + ".") or w.startswith(key + ".") for w in copied + heads
        ) or any(key.startswith(w + ".") for w in wrappers):
            continue
        heads.append(key)
    return heads


def _lora_config(
    model: nn.Module,
    adapter_name: str,
    task_type: str | None,
    base_model_name_or_path: str | None,
) -> dict[str, Any]:
    """``task_type`` is already resolved."""
    layers = [(n, m) for n, m in lora_layers(model) if adapter_name in m.r]
    first = layers[0][1]

    def hyper(layer: Any) -> tuple:
        return (
            layer.r[adapter_name],
            layer.lora_alpha[adapter_name],
            layer.use_rslora[adapter_name],
            layer.use_dora[adapter_name],
        )

    if any(hyper(layer) != hyper(first) for _, layer in layers):
        raise ValueError(
            "LoRA layers differ in r/lora_alpha/use_rslora/use_dora; peft's format needs one value each"
        )
    saved = adapter_config(model, adapter_name)
    # Exact paths of what is adapted, so peft targets the same modules whatever the original patterns.
    target_modules = saved.get("target_modules") or sorted({name for name, _ in layers})
    drop = first.lora_dropout[adapter_name]
    init = saved.get("init_lora_weights", True)
    return {
        "peft_type": "LORA",
        "task_type": task_type,
        "base_model_name_or_path": _name_or_path(model, base_model_name_or_path),
        "r": first.r[adapter_name],
        "lora_alpha": first.lora_alpha[adapter_name],
        "lora_dropout": drop.p if isinstance(drop, nn.Dropout) else 0.0,
        "target_modules": target_modules,
        "exclude_modules": saved.get("exclude_modules"),
        # peft flips this per layer for Conv1D (with a warning) and back for nn.Linear
        "fan_in_fan_out": all(layer.fan_in_fan_out for _, layer in layers),
        "bias": saved.get("bias", "none"),
        "use_rslora": first.use_rslora[adapter_name],
        "use_dora": bool(first.use_dora[adapter_name]),
        "init_lora_weights": init if isinstance(init, (bool, str)) else True,
        "inference_mode": True,
        "modules_to_save": _saved_module_names(model, adapter_name, task_type),
        "trainable_token_indices": saved.get("trainable_token_indices"),
        "layers_to_transform": None,
        "layers_pattern": None,
        "rank_pattern": {},
        "alpha_pattern": {},
    }


def _saved_module_names(
    model: nn.Module, adapter_name: str, task_type: str | None
) -> list[str] | None:
    saved = adapter_config(model, adapter_name).get("modules_to_save") or []
    names = list(dict.fromkeys([*saved, *TASK_MODULES_TO_SAVE.get(task_type or "", ())]))
    return names or None


def save_lora_adapter(
    model: nn.Module,
    path: PathLike,
    *,
    task_type: str | None = None,
    base_model_name_or_path: str | None = None,
    selected_adapters: Sequence[str] | None = None,
) -> None:
    """Writes ``model``'s adapters so that ``peft.PeftModel.from_pretrained(base, path)`` loads them.

    peft's layout: adapter ``"default"`` goes to ``path``, any other one to ``path/<name>``
    (``selected_adapters``: which ones, default all). ``task_type`` defaults to what
    :func:`inject_lora` was given, else :func:`infer_task_type` (``SEQ_CLS`` for a classifier,
    ``None`` for a plain ``nn.Module``).
    """
    names = lora_adapters(model)
    if not names:
        raise ValueError(f"{type(model).__name__} has no LoRA layers")
    chosen = names if selected_adapters is None else list(selected_adapters)
    for adapter in chosen:
        if adapter not in names:
            raise ValueError(f"no LoRA adapter {adapter!r} in the model (adapters: {names})")
    state = model.state_dict()
    for adapter in chosen:
        task = _task_type(
            model,
            task_type if task_type is not None else adapter_config(model, adapter).get("task_type"),
        )
        keys = _adapter_keys(model, adapter, None, _unwrapped_heads(model, adapter, task))
        tensors = {saved: state[own] for saved, own in keys.items()}
        out = Path(path) if adapter == DEFAULT_ADAPTER else Path(path) / adapter
        _write(out, _lora_config(model, adapter, task, base_model_name_or_path), tensors)


_UNSUPPORTED = (
    "layers_to_transform",
    "rank_pattern",
    "alpha_pattern",
    "lora_bias",
    "target_parameters",
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
    model: nn.Module,
    path: PathLike,
    *,
    adapter_name: str = DEFAULT_ADAPTER,
    is_trainable: bool = False,
    overwrite: bool = False,
) -> nn.Module:
    """Loads a peft LoRA adapter directory (ours or peft's) into ``model`` in place and returns it.

    Injects the layers named by the config's ``target_modules``; every module keeps the train/eval
    mode it had. Every tensor must match a LoRA parameter by key and shape and every LoRA parameter
    must be present, else ``ValueError`` (peft only warns and keeps ``B = 0``).
    ``is_trainable=False`` (peft's default) freezes the whole model. PiSSA / OLoRA adapters saved
    unconverted are loaded as peft does: the init is redone, which rewrites the base weights to the
    residual the adapter was trained on. Features that cannot be reproduced raise
    :class:`UnsupportedAdapterError`.

    Into a model that already has adapters, a new ``adapter_name`` is added beside them, inactive
    and frozen until :func:`set_adapter` (peft's ``load_adapter``). An existing ``adapter_name`` is
    refused (its weights would be silently replaced) unless ``overwrite=True``, which copies the
    file into that adapter.
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
    before = lora_adapters(model)
    if adapter_name in before:
        if not overwrite:
            raise ValueError(
                f"model already has LoRA adapter {adapter_name!r}; loading {path} would replace "
                "its weights. Pass adapter_name='<new name>' to add it beside, or overwrite=True "
                "to copy the file into it"
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
            use_dora=bool(config.get("use_dora", False)),
            init_lora_weights=init if init in BASE_REWRITING_INITS else True,
            bias=config.get("bias") or "none",
            modules_to_save=config.get("modules_to_save"),
            task_type=config.get("task_type"),
            trainable_token_indices=config.get("trainable_token_indices"),
            adapter_name=adapter_name,
        )
    bias: BiasMode = config.get("bias") or "none"
    expected = _adapter_keys(model, adapter_name, bias)
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
    if before and adapter_name not in before:
        return model  # an added adapter stays inactive and frozen, as in peft
    if is_trainable:
        mark_only_lora_trainable(model, bias)
    else:
        for p in model.parameters():
            p.requires_grad = False
    return model
