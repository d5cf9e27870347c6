"""peft's ``modules_to_save``: a fully trained copy of a small module (a classification head, ...).

The original stays frozen beside the copy, as in peft's ``ModulesToSaveWrapper``, so parameter
counts match peft's and the adapter holds the copy's weights under the module's own path
(``base_model.model.classifier.weight``).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Iterator, Optional, Sequence

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
    """``original_module`` (frozen) and ``modules_to_save["default"]`` (a trainable deep copy, used in
    the forward); other attributes are read from the copy, as peft does."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.original_module = module
        self.modules_to_save = nn.ModuleDict({ADAPTER_NAME: copy.deepcopy(module)})
        self.original_module.requires_grad_(False)
        self.modules_to_save[ADAPTER_NAME].requires_grad_(True)
        self.train(module.training)

    @property
    def trained_module(self) -> nn.Module:
        return self.modules_to_save[ADAPTER_NAME]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.trained_module(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            modules = self.__dict__["_modules"]
            if "modules_to_save" not in modules:
                raise
            return getattr(modules["modules_to_save"][ADAPTER_NAME], name)


def modules_to_save_layers(model: nn.Module) -> Iterator[tuple[str, ModulesToSaveWrapper]]:
    for name, module in model.named_modules():
        if isinstance(module, ModulesToSaveWrapper):
            yield name, module


def is_inside(name: str, modules_to_save: Optional[Sequence[str]]) -> bool:
    """peft never puts LoRA on a module to save or below it (``_check_target_module_exists``)."""
    return bool(modules_to_save) and any(
        re.match(rf"(^|.*\.){m}($|\..*)", name) for m in modules_to_save or ()
    )


def wrap_modules_to_save(model: nn.Module, names: Sequence[str]) -> list[str]:
    """Wraps every module whose path ends with one of ``names`` (peft's ``_set_trainable`` matching is
    a plain ``str.endswith``); returns the wrapped paths."""
    wrapped: list[str] = []
    for key, module in list(model.named_modules()):
        if not key or not any(key.endswith(n) for n in names):
            continue
        if any(key.startswith(w + ".") for w in wrapped) or isinstance(
            module, ModulesToSaveWrapper
        ):
            continue
        parent_name, _, child = key.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, ModulesToSaveWrapper(module))
        wrapped.append(key)
    return wrapped
