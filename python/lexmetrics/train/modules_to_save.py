"""peft's ``modules_to_save``: a fully trained copy of a small module (a classification head, ...).

The original stays frozen beside the copy, as in peft's ``ModulesToSaveWrapper``, so parameter
counts match peft's and the adapter holds the copy's weights under the module's own path
(``base_model.model.classifier.weight``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Sequence
from typing import Any

from torch import nn

__all__ = ["ModulesToSaveWrapper", "TASK_MODULES_TO_SAVE", "modules_to_save_layers"]

# peft's task wrappers add these heads to modules_to_save (PeftModelForSequenceClassification, ...).
TASK_MODULES_TO_SAVE = {
    "SEQ_CLS": ("classifier", "score"),
    "TOKEN_CLS": ("classifier", "score"),
    "QUESTION_ANS": ("qa_outputs",),
}
ADAPTER_NAME = "default"


class ModulesToSaveWrapper(nn.Module):
    """``original_module`` (frozen) and ``modules_to_save[adapter]`` (trainable deep copies, one per
    adapter). The forward runs the active adapter's copy, or the original when adapters are disabled
    or the active adapter has no copy here; other attributes are read the same way, as in peft."""

    def __init__(self, module: nn.Module, adapter_name: str = ADAPTER_NAME) -> None:
        super().__init__()
        self.original_module = module
        self.modules_to_save = nn.ModuleDict()
        self.active_adapter = adapter_name
        self.disable_adapters = False
        self.original_module.requires_grad_(False)
        self.update(adapter_name)
        self.train(module.training)

    def update(self, adapter_name: str) -> None:
        """Adds a copy for ``adapter_name`` (trainable only if it is the active adapter)."""
        copy_ = copy.deepcopy(self.original_module)
        copy_.requires_grad_(adapter_name == self.active_adapter)
        self.modules_to_save[adapter_name] = copy_

    def set_adapter(self, adapter_name: str, trainable: bool = True) -> None:
        for key, module in self.modules_to_save.items():
            module.requires_grad_(trainable and key == adapter_name)
        self.active_adapter = adapter_name

    def delete_adapter(self, adapter_name: str) -> None:
        if adapter_name in self.modules_to_save:
            del self.modules_to_save[adapter_name]

    def _active_module(self) -> nn.Module:
        modules = self.__dict__["_modules"]
        copies = modules["modules_to_save"]
        if self.disable_adapters or self.active_adapter not in copies:
            return modules["original_module"]
        return copies[self.active_adapter]

    @property
    def trained_module(self) -> nn.Module:
        """The module the forward uses now (the active copy, or the original)."""
        return self._active_module()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self._active_module()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            if "modules_to_save" not in self.__dict__["_modules"]:
                raise
            return getattr(self._active_module(), name)


def modules_to_save_layers(model: nn.Module) -> Iterator[tuple[str, ModulesToSaveWrapper]]:
    for name, module in model.named_modules():
        if isinstance(module, ModulesToSaveWrapper):
            yield name, module


def is_inside(name: str, modules_to_save: Sequence[str] | None) -> bool:
    """peft never puts LoRA on a module to save or below it (``_check_target_module_exists``)."""
    return bool(modules_to_save) and any(
        re.match(rf"(^|.*\.){m}($|\..*)", name) for m in modules_to_save or ()
    )


def wrap_modules_to_save(
    model: nn.Module, names: Sequence[str], adapter_name: str = ADAPTER_NAME
) -> list[str]:
    """Wraps (or, if already wrapped, adds a copy for ``adapter_name`` to) every module whose path
    ends with one of ``names`` (peft's ``_set_trainable`` matching is a plain ``str.endswith``)."""
    wrapped: list[str] = []
    for key, module in list(model.named_modules()):
        if not key or not any(key.endswith(n) for n in names):
            continue
        if any(key.startswith(w + ".") for w in wrapped):
            continue
        if isinstance(module, ModulesToSaveWrapper):
            if adapter_name not in module.modules_to_save:
                module.update(adapter_name)
        elif ".original_module" in f".{key}" or ".modules_to_save." in f".{key}.":
            continue
        else:
            parent_name, _, child = key.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, ModulesToSaveWrapper(module, adapter_name))
        wrapped.append(key)
    return wrapped
