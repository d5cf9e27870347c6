"""LoRA and soft-prompt tuning helpers on torch, reading and writing peft's adapter format.

Needs the ``train`` extra (``pip install 'lexmetrics[train]'``); ``import lexmetrics`` never imports
torch, this subpackage does.
"""

from __future__ import annotations

from .._dependencies import require

require("torch", "lexmetrics.train")
require("safetensors", "lexmetrics.train")

from ._adapter_files import (  # noqa: E402
    UnsupportedAdapterError,
    infer_task_type,
    load_lora_adapter,
    lora_state_dict,
    save_lora_adapter,
)
from .lora import (  # noqa: E402
    LoraConv2d,
    LoraEmbedding,
    LoraLayerInfo,
    LoraLinear,
    LoraReport,
    ModulesToSaveWrapper,
    active_adapters,
    add_weighted_adapter,
    count_parameters,
    delete_adapter,
    disable_adapter,
    inject_lora,
    lora_adapters,
    lora_layers,
    lora_report,
    mark_only_lora_trainable,
    merge_lora,
    set_adapter,
    unload_lora,
    unmerge_lora,
)
from .prompt_tuning import SoftPromptModel, load_prompt_adapter, save_prompt_adapter  # noqa: E402
from .qlora import LoraLinear4bit, LoraLinear8bitLt, prepare_model_for_kbit_training  # noqa: E402
from .trainable_tokens import TrainableTokensLayer, TrainableTokensWrapper  # noqa: E402

__all__ = [
    "UnsupportedAdapterError",
    "infer_task_type",
    "LoraLinear",
    "LoraEmbedding",
    "LoraConv2d",
    "LoraLinear4bit",
    "LoraLinear8bitLt",
    "LoraLayerInfo",
    "LoraReport",
    "ModulesToSaveWrapper",
    "SoftPromptModel",
    "TrainableTokensLayer",
    "TrainableTokensWrapper",
    "active_adapters",
    "add_weighted_adapter",
    "count_parameters",
    "delete_adapter",
    "disable_adapter",
    "lora_adapters",
    "inject_lora",
    "load_lora_adapter",
    "load_prompt_adapter",
    "lora_layers",
    "lora_report",
    "lora_state_dict",
    "mark_only_lora_trainable",
    "merge_lora",
    "prepare_model_for_kbit_training",
    "set_adapter",
    "save_lora_adapter",
    "save_prompt_adapter",
    "unload_lora",
    "unmerge_lora",
]
