"""peft's ``trainable_token_indices``: train only some rows of the embedding (new chat/special tokens).

The layout is peft's, so state dicts and files match: the embedding becomes a
``TrainableTokensWrapper`` whose ``token_adapter`` holds the base layer and, per adapter, the
trained rows ``trainable_tokens_delta[name]`` (full row values, starting as copies of the
originals). A tied output layer (GPT-2's ``lm_head``) gets a wrapper sharing those rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

__all__ = ["TrainableTokensLayer", "TrainableTokensWrapper", "wrap_trainable_tokens"]

TokenIndices = Sequence[int] | dict[str, Sequence[int]]


class TrainableTokensLayer(nn.Module):
    """peft ``TrainableTokensLayer``: ``base_layer`` (an ``nn.Embedding``, or the ``nn.Linear`` tied
    to it) with the rows ``token_indices[name]`` replaced by ``trainable_tokens_delta[name]``."""

    def __init__(
        self,
        base_layer: nn.Module,
        adapter_name: str,
        token_indices: Sequence[int],
        tied_adapter: TrainableTokensLayer | None = None,
        init_weights: bool = True,
    ) -> None:
        super().__init__()
        self.base_layer = base_layer
        self.active_adapters = [adapter_name]
        self.disable_adapters = False
        self.merged_adapters: list[str] = []
        # a plain list keeps the tied layer out of this module's children (no duplicate keys)
        self._tied = [tied_adapter] if tied_adapter is not None else []
        if tied_adapter is None:
            self.trainable_tokens_delta = nn.ParameterDict()
            self.token_indices: dict[str, list[int]] = {}
            self._originals: dict[str, torch.Tensor] = {}
            self.update_layer(adapter_name, token_indices, init_weights)
        else:
            self.trainable_tokens_delta = tied_adapter.trainable_tokens_delta
            self.token_indices = tied_adapter.token_indices
            self._originals = tied_adapter._originals

    @property
    def _base_weight(self) -> torch.Tensor:
        weight = self.base_layer.weight
        # nn.Module's __getattr__ is typed Tensor | Module; an embedding's weight is a Parameter
        assert isinstance(weight, torch.Tensor)
        return weight

    @property
    def merged(self) -> bool:
        return bool(self.merged_adapters)

    @property
    def tied_adapter(self) -> TrainableTokensLayer | None:
        return self._tied[0] if self._tied else None

    @torch.no_grad()
    def update_layer(
        self, adapter_name: str, token_indices: Sequence[int], init_weights: bool = True
    ) -> None:
        if self.tied_adapter is not None:
            return
        weight = self._base_weight
        indices = [int(i) for i in token_indices]
        if not indices or min(indices) < 0 or max(indices) >= weight.shape[0]:
            raise ValueError(
                f"trainable_token_indices must be non-empty ids in [0, {weight.shape[0]}), "
                f"got {list(token_indices)!r}"
            )
        self.token_indices[adapter_name] = indices
        originals = weight[indices]
        # peft: init_weights keeps the original rows (a no-op at start), else N(0, 1) rows
        values = (
            originals
            if init_weights
            else torch.randn(
                (len(indices), weight.shape[1]), dtype=weight.dtype, device=weight.device
            )
        )
        if values.dtype in (torch.float16, torch.bfloat16):
            # peft's autocast_adapter_dtype: half-precision bases get float32 trainable rows
            values = values.float()
        self.trainable_tokens_delta[adapter_name] = nn.Parameter(values.clone(), requires_grad=True)
        self._originals[adapter_name] = originals.detach().clone()

    def _check_overlap(self, names: Sequence[str]) -> None:
        seen: set[int] = set()
        for name in dict.fromkeys([*self.merged_adapters, *names]):
            rows = set(self.token_indices[name])
            if seen & rows:
                raise ValueError(
                    f"token indices of adapter {name!r} overlap another active adapter's (as in peft)"
                )
            seen |= rows

    def _merged_weight(self, names: Sequence[str]) -> torch.Tensor:
        weight = self._base_weight
        for name in names:
            index = torch.tensor(self.token_indices[name], device=weight.device)
            weight = weight.index_copy(0, index, self.trainable_tokens_delta[name].to(weight))
        return weight

    @torch.no_grad()
    def merge(self, adapter_names: Sequence[str] | None = None) -> None:
        names = [
            n
            for n in (self.active_adapters if adapter_names is None else adapter_names)
            if n in self.token_indices and n not in self.merged_adapters
        ]
        if not names:
            return
        self._check_overlap(names)
        self._base_weight.data = self._merged_weight(names)
        self.merged_adapters.extend(names)

    @torch.no_grad()
    def unmerge(self) -> None:
        weight = self._base_weight
        while self.merged_adapters:
            name = self.merged_adapters.pop()
            index = torch.tensor(self.token_indices[name], device=weight.device)
            weight.data.index_copy_(0, index, self._originals[name].to(weight))

    def set_adapter(self, adapter_names: str | Sequence[str], trainable: bool = True) -> None:
        names = [adapter_names] if isinstance(adapter_names, str) else list(adapter_names)
        if self.tied_adapter is None:
            for key, param in self.trainable_tokens_delta.items():
                param.requires_grad_(trainable and key in names)
        self.active_adapters = names

    def delete_adapter(self, adapter_name: str) -> None:
        if self.tied_adapter is None and adapter_name in self.trainable_tokens_delta:
            del self.trainable_tokens_delta[adapter_name]
            del self.token_indices[adapter_name]
            del self._originals[adapter_name]
        self.active_adapters = [a for a in self.active_adapters if a != adapter_name]

    def forward(self, x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
        names = [n for n in self.active_adapters if n in self.token_indices]
        if self.disable_adapters or not names:
            if self.merged_adapters:
                self.unmerge()
            return self.base_layer(x, *args, **kwargs)
        if self.merged_adapters:
            return self.base_layer(x, *args, **kwargs)
        self._check_overlap(names)
        weight = self._merged_weight(names)
        base = self.base_layer
        if isinstance(base, nn.Embedding):
            result = nn.functional.embedding(
                x,
                weight,
                padding_idx=base.padding_idx,
                max_norm=base.max_norm,
                norm_type=base.norm_type,
                scale_grad_by_freq=base.scale_grad_by_freq,
                sparse=base.sparse,
            )
            scale = getattr(base, "embed_scale", None)
            if scale is not None:
                scale = torch.as_tensor(scale, device=result.device)
                result = result * scale.to(result.dtype)
            return result
        # peft's tied output layer: a plain F.linear with the updated rows (no bias)
        return nn.functional.linear(x, weight)


class TrainableTokensWrapper(nn.Module):
    """peft ``TrainableTokensWrapper``: forwards to ``token_adapter``; other attributes (``weight``,
    ``num_embeddings``, ...) are the base layer's."""

    def __init__(self, token_adapter: TrainableTokensLayer) -> None:
        super().__init__()
        self.token_adapter = token_adapter

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.token_adapter(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            modules = self.__dict__["_modules"]
            if "token_adapter" not in modules:
                raise
            return getattr(modules["token_adapter"].base_layer, name)


def _set(model: nn.Module, name: str, new: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent_name) if parent_name else model, child, new)


def _input_embeddings_name(model: nn.Module) -> str:
    get = getattr(model, "get_input_embeddings", None)
    emb = get() if callable(get) else None
    for name, module in model.named_modules():
        if emb is not None and (
            module is emb
            or getattr(module, "token_adapter", None) is not None
            and module.token_adapter.base_layer is emb
        ):
            return name
    raise ValueError(
        "trainable_token_indices given as a list needs a model with get_input_embeddings(); "
        "pass {'<embedding module name>': [ids]} instead"
    )


def _tied_output_name(model: nn.Module, embedding: nn.Module) -> str | None:
    """The output layer sharing the embedding's weight when the config ties them (GPT-2's lm_head)."""
    config = getattr(model, "config", None)
    get = getattr(model, "get_output_embeddings", None)
    if config is None or not getattr(config, "tie_word_embeddings", False) or not callable(get):
        return None
    out = get()
    if out is None or getattr(out, "weight", None) is not embedding.weight:
        return None
    for name, module in model.named_modules():
        if module is out:
            return name
    return None


def wrap_trainable_tokens(
    model: nn.Module, token_indices: TokenIndices, adapter_name: str, init_weights: bool = True
) -> list[str]:
    """Wraps the targeted embeddings (a list: the input embedding; a dict: every module whose path
    ends with a key, peft's matching) and, for a list on a tied model, the tied output layer."""
    if isinstance(token_indices, dict):
        targets = dict(token_indices)
        tie = False
    else:
        targets = {_input_embeddings_name(model): list(token_indices)}
        tie = True
    wrapped: list[str] = []
    for key, indices in targets.items():
        found = False
        for name, module in list(model.named_modules()):
            if not name.endswith(key) or ".token_adapter" in f".{name}":
                continue
            found = True
            if isinstance(module, TrainableTokensWrapper):
                module.token_adapter.update_layer(adapter_name, indices, init_weights)
            elif isinstance(module, nn.Embedding):
                layer = TrainableTokensLayer(
                    module, adapter_name, indices, init_weights=init_weights
                )
                _set(model, name, TrainableTokensWrapper(layer))
                if tie:
                    tied = _tied_output_name(model, module)
                    if tied is not None:
                        out = model.get_submodule(tied)
                        _set(
                            model,
                            tied,
                            TrainableTokensWrapper(
                                TrainableTokensLayer(out, adapter_name, indices, tied_adapter=layer)
                            ),
                        )
                        wrapped.append(tied)
            else:
                raise ValueError(
                    f"trainable_token_indices targets {name!r}, a {type(module).__name__}; "
                    "only nn.Embedding is supported"
                )
            wrapped.append(name)
        if not found:
            # peft: strict_module_check
            raise ValueError(f"trainable_token_indices: no module matches {key!r}")
    return wrapped


def trainable_tokens_layers(model: nn.Module) -> list[tuple[str, TrainableTokensLayer]]:
    return [(n, m) for n, m in model.named_modules() if isinstance(m, TrainableTokensLayer)]
