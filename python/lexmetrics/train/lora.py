"""LoRA adapters for ``nn.Linear``, transformers' ``Conv1D``, ``nn.Embedding`` and ``nn.Conv2d``,
numerically the same as peft's LoRA, with peft's named-adapter layout (``lora_A[name]``, ...).

``h = W x + b + B(A(dropout(x))) * scaling`` with ``scaling = lora_alpha / r`` (or
``lora_alpha / sqrt(r)`` for rsLoRA), ``A`` kaiming-uniform(a=sqrt(5)) and ``B = 0`` so that a fresh
adapter leaves the model unchanged (peft ``tuners/lora/layer.py``, ``reset_lora_parameters``).
DoRA rescales the adapted weight row-wise by a learned magnitude (peft ``tuners/lora/dora.py``).
"""

from __future__ import annotations

import contextlib
import math
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import torch
from torch import nn

from .modules_to_save import (
    TASK_MODULES_TO_SAVE,
    ModulesToSaveWrapper,
    is_inside,
    modules_to_save_layers,
    wrap_modules_to_save,
)
from .trainable_tokens import (
    TokenIndices,
    TrainableTokensLayer,
    TrainableTokensWrapper,
    trainable_tokens_layers,
    wrap_trainable_tokens,
)

__all__ = [
    "LoraLinear",
    "LoraEmbedding",
    "LoraConv2d",
    "ModulesToSaveWrapper",
    "LoraLayerInfo",
    "LoraReport",
    "inject_lora",
    "mark_only_lora_trainable",
    "merge_lora",
    "unmerge_lora",
    "unload_lora",
    "lora_layers",
    "count_parameters",
    "lora_report",
    "lora_adapters",
    "active_adapters",
    "set_adapter",
    "delete_adapter",
    "disable_adapter",
    "add_weighted_adapter",
    "DEFAULT_ADAPTER",
]

TargetModules = str | Sequence[str]
BiasMode = Literal["none", "all", "lora_only"]
InitMode = bool | Literal["gaussian", "pissa", "olora"]
# Inits that rewrite the base weight deterministically (peft re-runs them when it loads the adapter).
BASE_REWRITING_INITS = ("pissa", "olora")


def _weight(module: nn.Module) -> torch.Tensor:
    """``module.weight``, typed: nn.Module's __getattr__ is typed Tensor | Module."""
    weight = module.weight
    assert isinstance(weight, torch.Tensor)
    return weight


def _is_conv1d(module: nn.Module) -> bool:
    """transformers' ``Conv1D`` (GPT-2) stores its weight as (in, out); detected by name, no import."""
    return (
        type(module).__name__ == "Conv1D" and hasattr(module, "nf") and _weight(module).dim() == 2
    )


def _is_adaptable(module: nn.Module) -> bool:
    return isinstance(module, nn.Linear) or _is_conv1d(module)


def _matches(patterns: TargetModules | None, name: str) -> bool:
    """peft's ``check_target_module_exists``: a str is ``re.fullmatch``; a list matches a name
    exactly or as a dotted suffix (``"c_proj"`` hits ``attn.c_proj`` and ``mlp.c_proj``)."""
    if patterns is None:
        return False
    if isinstance(patterns, str):
        return re.fullmatch(patterns, name) is not None
    return any(name == p or name.endswith("." + p) for p in patterns)


DEFAULT_ADAPTER = "default"


class DoraMagnitude(nn.Module):
    """DoRA's learned magnitude ``m`` (one per output feature) in ``weight``, as peft's
    ``DoraLinearLayer`` stores it (``lora_magnitude_vector[name].weight``)."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight, requires_grad=True)


def _transpose(weight: torch.Tensor, fan_in_fan_out: bool) -> torch.Tensor:
    return weight.T if fan_in_fan_out else weight


class LoraLinear(nn.Module):
    """A frozen ``nn.Linear`` / ``Conv1D`` plus named low-rank updates ``B @ A`` (peft's ``lora.Linear``).

    Attributes mirror peft, keyed by adapter name: ``lora_A[name]`` (``nn.Linear(in, r)``),
    ``lora_B[name]`` (``nn.Linear(r, out)``), ``lora_dropout[name]``, ``r``, ``lora_alpha``,
    ``scaling``, ``use_rslora`` (dicts); plus ``base_layer``, ``active_adapters``,
    ``disable_adapters``, ``merged_adapters`` and ``fan_in_fan_out``.
    """

    def __init__(
        self,
        base_layer: nn.Module,
        r: int,
        lora_alpha: float,
        lora_dropout: float = 0.0,
        *,
        fan_in_fan_out: bool = False,
        use_rslora: bool = False,
        use_dora: bool = False,
        init_lora_weights: InitMode = True,
        adapter_dtype: torch.dtype | None = None,
        adapter_name: str = DEFAULT_ADAPTER,
    ) -> None:
        super().__init__()
        weight = _weight(base_layer)
        if isinstance(base_layer, nn.Conv2d):
            d_in, d_out = base_layer.in_channels, base_layer.out_channels
        elif fan_in_fan_out:
            d_out, d_in = weight.shape[1], weight.shape[0]
        else:
            d_out, d_in = tuple(weight.shape)
        self.base_layer = base_layer
        self.in_features = int(d_in)
        self.out_features = int(d_out)
        self.fan_in_fan_out = fan_in_fan_out
        self.lora_A = nn.ModuleDict()
        self.lora_B = nn.ModuleDict()
        self.lora_dropout = nn.ModuleDict()
        self.lora_magnitude_vector = nn.ModuleDict()
        self._dora_weight_norm: dict[str, torch.Tensor] = {}
        self._first_adapter(
            adapter_name,
            r,
            lora_alpha,
            lora_dropout,
            use_rslora=use_rslora,
            use_dora=use_dora,
            init_lora_weights=init_lora_weights,
            adapter_dtype=adapter_dtype,
        )

    def _first_adapter(
        self, adapter_name: str, r: int, lora_alpha: float, lora_dropout: float, **options: Any
    ) -> None:
        """The per-adapter bookkeeping every LoRA layer kind shares (peft's ``LoraLayer``), then
        the layer's first adapter."""
        self.use_dora: dict[str, bool] = {}
        self.r: dict[str, int] = {}
        self.lora_alpha: dict[str, float] = {}
        self.scaling: dict[str, float] = {}
        self.use_rslora: dict[str, bool] = {}
        self.active_adapters: list[str] = [adapter_name]
        self.disable_adapters = False
        self.merged_adapters: list[str] = []
        self.update_layer(adapter_name, r, lora_alpha, lora_dropout, **options)

    def update_layer(
        self,
        adapter_name: str,
        r: int,
        lora_alpha: float,
        lora_dropout: float = 0.0,
        *,
        use_rslora: bool = False,
        use_dora: bool = False,
        init_lora_weights: InitMode = True,
        adapter_dtype: torch.dtype | None = None,
    ) -> None:
        """Adds adapter ``adapter_name`` (peft ``LoraLayer.update_layer``); the active ones stay active."""
        if not isinstance(r, int) or isinstance(r, bool) or r <= 0:
            raise ValueError(f"r must be a positive int, got {r!r}")
        if not 0.0 <= lora_dropout < 1.0:
            raise ValueError(f"lora_dropout must be in [0, 1), got {lora_dropout!r}")
        if not isinstance(adapter_name, str) or not adapter_name or "." in adapter_name:
            raise ValueError(
                f"adapter_name must be a non-empty str without '.', got {adapter_name!r}"
            )
        weight = _weight(self.base_layer)
        self.r[adapter_name] = r
        self.lora_alpha[adapter_name] = lora_alpha
        self.use_rslora[adapter_name] = use_rslora
        # peft: scaling = alpha / r, or alpha / sqrt(r) with use_rslora (layer.py update_layer)
        self.scaling[adapter_name] = lora_alpha / math.sqrt(r) if use_rslora else lora_alpha / r
        self.lora_dropout[adapter_name] = (
            nn.Dropout(lora_dropout) if lora_dropout > 0 else nn.Identity()
        )
        if adapter_dtype is None:
            # peft's autocast_adapter_dtype=True: half-precision bases get float32 adapters
            adapter_dtype = (
                torch.float32 if weight.dtype in (torch.float16, torch.bfloat16) else weight.dtype
            )
        kw = {"device": weight.device, "dtype": adapter_dtype}
        self.lora_A[adapter_name], self.lora_B[adapter_name] = self._new_lora_pair(r, kw)
        self.reset_lora_parameters(init_lora_weights, adapter_name)
        self.use_dora[adapter_name] = use_dora
        if use_dora:
            self._dora_init(adapter_name)
        for group in self._adapter_groups():
            if adapter_name in group:
                group[adapter_name].train(self.training)

    def lora_weights(self, adapter_name: str) -> tuple[torch.Tensor, torch.Tensor]:
        """The (A, B) parameters of ``adapter_name``."""
        return _weight(self.lora_A[adapter_name]), _weight(self.lora_B[adapter_name])

    def _new_lora_pair(self, r: int, kw: dict[str, Any]) -> tuple[nn.Module, nn.Module]:
        return (
            nn.Linear(self.in_features, r, bias=False, **kw),
            nn.Linear(r, self.out_features, bias=False, **kw),
        )

    def _adapter_groups(self) -> tuple[nn.ModuleDict, ...]:
        return (self.lora_A, self.lora_B, self.lora_dropout, self.lora_magnitude_vector)

    def _weight_norm(
        self, weight: torch.Tensor, lora_weight: torch.Tensor, scaling: float
    ) -> torch.Tensor:
        """peft ``DoraLinearLayer.get_weight_norm``: row-wise L2 norm of ``W + scaling * BA``."""
        weight = _transpose(weight, self.fan_in_fan_out)
        weight = weight + scaling * lora_weight
        return torch.linalg.norm(weight, dim=1).to(weight.dtype)

    @torch.no_grad()
    def _dora_init(self, adapter_name: str) -> None:
        """peft ``DoraLinearLayer.update_layer``: m starts at ``||W + s BA||`` row-wise, so the
        adapted layer equals the base layer at init."""
        lora_a = _weight(self.lora_A[adapter_name])
        lora_b = _weight(self.lora_B[adapter_name])
        weight = self._dense_base_weight()
        norm = self._weight_norm(
            weight.to(lora_a.device), lora_b @ lora_a, self.scaling[adapter_name]
        )
        self.lora_magnitude_vector[adapter_name] = DoraMagnitude(norm)

    def _dora_forward(self, name: str, x: torch.Tensor, result: torch.Tensor) -> torch.Tensor:
        """peft ``DoraLinearVariant.forward``, same operations in the same order. The column norm is
        detached (DoRA paper section 4.3), so it gets no gradient."""
        lora_a, lora_b = self.lora_A[name], self.lora_B[name]
        dropout, scaling = self.lora_dropout[name], self.scaling[name]
        base_result: torch.Tensor | None
        if isinstance(dropout, nn.Identity) or not self.training:
            base_result = result
        else:
            x = dropout(x)
            base_result = None
        eye = torch.eye(
            _weight(lora_a).shape[1], device=_weight(lora_a).device, dtype=_weight(lora_a).dtype
        )
        lora_weight = lora_b(lora_a(eye)).T.to(x.dtype)
        magnitude = _weight(self.lora_magnitude_vector[name])
        weight = self._dense_base_weight().to(x.dtype)
        weight_norm = self._weight_norm(weight, lora_weight.detach(), scaling).detach()
        mag_norm_scale = (magnitude / weight_norm).view(1, -1)
        lora_result = lora_b(lora_a(x))
        if base_result is not None:
            bias = getattr(self.base_layer, "bias", None)
            if bias is not None:
                base_result = base_result - bias
        else:
            base_result = nn.functional.linear(x, _transpose(weight, self.fan_in_fan_out))
        return result + (
            (mag_norm_scale - 1) * base_result + mag_norm_scale * lora_result * scaling
        )

    def _dense_base_weight(self) -> torch.Tensor:
        """The base weight as a float matrix (quantized layers dequantize it, see qlora.py)."""
        return _weight(self.base_layer)

    @property
    def active_adapter(self) -> str:
        return self.active_adapters[0]

    @property
    def merged(self) -> bool:
        return bool(self.merged_adapters)

    @torch.no_grad()
    def reset_lora_parameters(
        self, init_lora_weights: InitMode = True, adapter_name: str = DEFAULT_ADAPTER
    ) -> None:
        """peft's init: True -> A kaiming-uniform(a=sqrt 5), B = 0; "gaussian" -> A ~ N(0, 1/r), B = 0;
        False -> both keep nn.Linear's random init (the adapter is active from the start);
        "pissa" / "olora" -> A, B from the SVD / QR of the base weight, which keeps the residual."""
        lora_a, lora_b = self.lora_A[adapter_name], self.lora_B[adapter_name]
        if init_lora_weights is False:
            return
        if init_lora_weights is True:
            nn.init.kaiming_uniform_(_weight(lora_a), a=math.sqrt(5))
        elif isinstance(init_lora_weights, str) and init_lora_weights.lower() == "gaussian":
            nn.init.normal_(_weight(lora_a), std=1 / self.r[adapter_name])
        elif init_lora_weights == "pissa":
            self._pissa_init(adapter_name)
            return
        elif isinstance(init_lora_weights, str) and init_lora_weights.lower() == "olora":
            self._olora_init(adapter_name)
            return
        else:
            raise ValueError(
                "init_lora_weights must be True, False, 'gaussian', 'pissa' or 'olora', got "
                f"{init_lora_weights!r}"
            )
        nn.init.zeros_(_weight(lora_b))

    def _check_float_base(self, init: str) -> torch.dtype:
        dtype = _weight(self.base_layer).dtype
        if dtype not in (torch.float32, torch.float16, torch.bfloat16):
            raise TypeError(
                f"init_lora_weights={init!r} needs a float32/float16/bfloat16 base weight"
            )
        return dtype

    def _pissa_init(self, adapter_name: str) -> None:
        """peft ``pissa_init`` (exact SVD): A = sqrt(S_r/s) U_r^T, B = V_r sqrt(S_r/s), W -= s B A."""
        dtype = self._check_float_base("pissa")
        r, scaling = self.r[adapter_name], self.scaling[adapter_name]
        weight = _weight(self.base_layer).to(torch.float32)
        weight = weight.T if self.fan_in_fan_out else weight
        v, s, uh = torch.linalg.svd(weight.data, full_matrices=False)
        s_r = s[:r] / scaling
        lora_a = torch.diag(torch.sqrt(s_r)) @ uh[:r]
        lora_b = v[:, :r] @ torch.diag(torch.sqrt(s_r))
        _weight(self.lora_A[adapter_name]).data = lora_a
        _weight(self.lora_B[adapter_name]).data = lora_b
        weight = (weight.data - scaling * lora_b @ lora_a).to(dtype)
        _weight(self.base_layer).data = weight.T if self.fan_in_fan_out else weight

    def _olora_init(self, adapter_name: str) -> None:
        """peft ``olora_init``: Q, R = qr(W); B = Q[:, :r], A = R[:r], W -= s B A."""
        dtype = self._check_float_base("olora")
        if self.fan_in_fan_out:
            # peft takes the QR of the stored (in, out) weight, which only fits square Conv1D layers
            raise ValueError(
                "init_lora_weights='olora' is not supported on Conv1D (fan_in_fan_out) layers"
            )
        r, scaling = self.r[adapter_name], self.scaling[adapter_name]
        lora_a, lora_b = self.lora_A[adapter_name], self.lora_B[adapter_name]
        weight = _weight(self.base_layer).to(torch.float32)
        q, rr = torch.linalg.qr(weight.data)
        _weight(lora_a).data = rr[:r].contiguous()
        _weight(lora_b).data = q[:, :r].contiguous()
        weight.data -= scaling * _weight(lora_b) @ _weight(lora_a)
        _weight(self.base_layer).data = weight.to(dtype)

    def delta_weight(self, adapter_name: str | None = None) -> torch.Tensor:
        """``B @ A * scaling`` in the base weight's layout (transposed for Conv1D), in the adapter dtype
        as peft's ``get_delta_weight``; the in-place add in :meth:`merge` rounds once to the base dtype."""
        name = self.active_adapter if adapter_name is None else adapter_name
        w_a, w_b = _weight(self.lora_A[name]), _weight(self.lora_B[name])
        dtype = w_b.dtype
        # peft casts half-precision CPU merges to float32 (slow half matmuls on CPU)
        if w_b.device.type == "cpu" and dtype in (torch.float16, torch.bfloat16):
            w_a, w_b = w_a.float(), w_b.float()
        delta = w_b @ w_a
        if self.fan_in_fan_out:
            delta = delta.T
        return (delta * self.scaling[name]).to(dtype)

    @torch.no_grad()
    def merge(self, adapter_names: Sequence[str] | None = None) -> None:
        """Adds the active (or the given) adapters into the base weight (peft ``merge``, non-safe
        mode); an adapter already merged is skipped."""
        for name in self.active_adapters if adapter_names is None else adapter_names:
            if name not in self.r or name in self.merged_adapters:
                continue
            weight = _weight(self.base_layer)
            if self.use_dora[name]:
                if self.merged_adapters:
                    # peft replays earlier merges to get the unmerged norm; not reproduced here
                    raise ValueError(
                        f"cannot merge DoRA adapter {name!r} on top of {self.merged_adapters}"
                    )
                delta = self.delta_weight(name)
                # peft merge_unsafe: the norm of the unmerged weight, kept for unmerge
                norm = self._weight_norm(weight, _transpose(delta, self.fan_in_fan_out), 1)
                self._dora_weight_norm[name] = norm.detach()
                factor = _weight(self.lora_magnitude_vector[name]) / self._dora_weight_norm[name]
                factor = _transpose(factor.view(-1, 1), self.fan_in_fan_out)
                weight.data = (factor * (weight.data + delta)).to(weight.dtype)
            else:
                weight.data += self.delta_weight(name)
            self.merged_adapters.append(name)

    @torch.no_grad()
    def unmerge(self) -> None:
        """Subtracts the merged updates again, last merged first (peft ``unmerge``)."""
        while self.merged_adapters:
            name = self.merged_adapters.pop()
            weight = _weight(self.base_layer)
            if self.use_dora[name]:
                norm = self._dora_weight_norm.pop(name)
                factor = _weight(self.lora_magnitude_vector[name]) / norm
                factor = _transpose(factor.view(-1, 1), self.fan_in_fan_out)
                weight.data = (weight.data / factor - self.delta_weight(name)).to(weight.dtype)
            else:
                # peft rounds the update to the base dtype before subtracting (merge adds it unrounded)
                weight.data -= self.delta_weight(name).to(weight.dtype)

    def set_adapter(self, adapter_names: str | Sequence[str], trainable: bool = True) -> None:
        """Makes ``adapter_names`` the active adapters; only their matrices require grad if
        ``trainable`` (peft ``LoraLayer.set_adapter``)."""
        names = [adapter_names] if isinstance(adapter_names, str) else list(adapter_names)
        for group in self._adapter_groups():
            for key, item in group.items():
                item.requires_grad_(trainable and key in names)
        self.active_adapters = names

    def delete_adapter(self, adapter_name: str) -> None:
        """Removes adapter ``adapter_name`` (unmerge first if merged)."""
        if adapter_name in self.merged_adapters:
            raise ValueError(f"adapter {adapter_name!r} is merged; unmerge it before deleting")
        for group in self._adapter_groups():
            if adapter_name in group:
                del group[adapter_name]
        for attr in (self.r, self.lora_alpha, self.scaling, self.use_rslora, self.use_dora):
            del attr[adapter_name]
        self.active_adapters = [a for a in self.active_adapters if a != adapter_name]

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        if self.disable_adapters:
            # peft: a disabled layer computes the base model, unmerging first if needed
            if self.merged:
                self.unmerge()
            return self.base_layer(x, *args, **kwargs)
        result = self.base_layer(x, *args, **kwargs)
        if self.merged:
            return result
        result_dtype = result.dtype
        for name in self.active_adapters:
            if name not in self.r:
                continue
            lora_a = self.lora_A[name]
            x = x.to(_weight(lora_a).dtype)
            # Same operation order as peft's lora.Linear.forward, so outputs match bit for bit.
            if self.use_dora[name]:
                result = self._dora_forward(name, x, result)
            else:
                result = (
                    result
                    + self.lora_B[name](lora_a(self.lora_dropout[name](x))) * self.scaling[name]
                )
        return result.to(result_dtype)

    @property
    def weight(self) -> torch.Tensor:
        """The base weight, so code that reads ``layer.weight`` (e.g. tied heads, dtype probes) works."""
        return _weight(self.base_layer)

    def extra_repr(self) -> str:
        return (
            f"in={self.in_features}, out={self.out_features}, r={self.r}, "
            f"active={self.active_adapters}, fan_in_fan_out={self.fan_in_fan_out}, "
            f"merged={self.merged_adapters}"
        )


class LoraEmbedding(LoraLinear):
    """A frozen ``nn.Embedding`` plus named low-rank updates (peft's ``lora.Embedding``).

    ``lora_embedding_A[name]`` is (r, num_embeddings), ``lora_embedding_B[name]`` is (dim, r); the
    update is ``embedding(x, A.T) @ B.T * scaling``. Default init: A = 0, B ~ N(0, 1). No dropout
    (peft's embedding forward applies none); DoRA and PiSSA/OLoRA are not offered here.
    """

    def __init__(
        self,
        base_layer: nn.Embedding,
        r: int,
        lora_alpha: float,
        lora_dropout: float = 0.0,
        *,
        use_rslora: bool = False,
        use_dora: bool = False,
        init_lora_weights: InitMode = True,
        adapter_dtype: torch.dtype | None = None,
        adapter_name: str = DEFAULT_ADAPTER,
        fan_in_fan_out: bool = False,
    ) -> None:
        nn.Module.__init__(self)
        self.base_layer = base_layer
        self.in_features = int(base_layer.num_embeddings)
        self.out_features = int(base_layer.embedding_dim)
        self.fan_in_fan_out = False
        self.lora_embedding_A = nn.ParameterDict()
        self.lora_embedding_B = nn.ParameterDict()
        self.lora_dropout = nn.ModuleDict()
        self._first_adapter(
            adapter_name,
            r,
            lora_alpha,
            lora_dropout,
            use_rslora=use_rslora,
            use_dora=use_dora,
            init_lora_weights=init_lora_weights,
            adapter_dtype=adapter_dtype,
        )

    def update_layer(
        self,
        adapter_name: str,
        r: int,
        lora_alpha: float,
        lora_dropout: float = 0.0,
        *,
        use_rslora: bool = False,
        use_dora: bool = False,
        init_lora_weights: InitMode = True,
        adapter_dtype: torch.dtype | None = None,
    ) -> None:
        if use_dora:
            raise ValueError("use_dora is not supported on nn.Embedding layers here")
        if init_lora_weights not in (True, False, "gaussian"):
            raise ValueError(
                f"init_lora_weights={init_lora_weights!r} is not supported on nn.Embedding layers"
            )
        if not isinstance(r, int) or isinstance(r, bool) or r <= 0:
            raise ValueError(f"r must be a positive int, got {r!r}")
        if not 0.0 <= lora_dropout < 1.0:
            raise ValueError(f"lora_dropout must be in [0, 1), got {lora_dropout!r}")
        weight = _weight(self.base_layer)
        self.r[adapter_name] = r
        self.lora_alpha[adapter_name] = lora_alpha
        self.use_rslora[adapter_name] = use_rslora
        self.use_dora[adapter_name] = False
        self.scaling[adapter_name] = lora_alpha / math.sqrt(r) if use_rslora else lora_alpha / r
        # Kept for the saved config only: peft's embedding forward never applies it.
        self.lora_dropout[adapter_name] = (
            nn.Dropout(lora_dropout) if lora_dropout > 0 else nn.Identity()
        )
        if adapter_dtype is None:
            adapter_dtype = (
                torch.float32 if weight.dtype in (torch.float16, torch.bfloat16) else weight.dtype
            )
        # peft draws both with torch.randn (on CPU, float32) before moving them to the base layer
        weight_a = torch.randn((r, self.in_features))
        weight_b = torch.randn((self.out_features, r))
        kw: dict[str, Any] = {"device": weight.device, "dtype": adapter_dtype}
        self.lora_embedding_A[adapter_name] = nn.Parameter(weight_a.to(**kw))
        self.lora_embedding_B[adapter_name] = nn.Parameter(weight_b.to(**kw))
        if init_lora_weights is not False:
            with torch.no_grad():
                # peft (after loralib): A = 0, B ~ N(0, 1), for True and "gaussian" alike
                nn.init.zeros_(self.lora_embedding_A[adapter_name])
                nn.init.normal_(self.lora_embedding_B[adapter_name])

    def _adapter_groups(self) -> tuple[Any, ...]:
        return (self.lora_embedding_A, self.lora_embedding_B, self.lora_dropout)

    def lora_weights(self, adapter_name: str) -> tuple[torch.Tensor, torch.Tensor]:
        return self.lora_embedding_A[adapter_name], self.lora_embedding_B[adapter_name]

    def delta_weight(self, adapter_name: str | None = None) -> torch.Tensor:
        """``(B @ A).T * scaling``, shaped like the embedding table (peft ``get_delta_weight``)."""
        name = self.active_adapter if adapter_name is None else adapter_name
        w_a, w_b = self.lora_embedding_A[name], self.lora_embedding_B[name]
        dtype = w_a.dtype
        cast = w_b.device.type == "cpu" and dtype in (torch.float16, torch.bfloat16)
        if cast:
            w_a, w_b = w_a.float(), w_b.float()
        delta = (w_b @ w_a).T * self.scaling[name]
        return delta.to(dtype) if cast else delta

    @torch.no_grad()
    def merge(self, adapter_names: Sequence[str] | None = None) -> None:
        for name in self.active_adapters if adapter_names is None else adapter_names:
            if name in self.r and name not in self.merged_adapters:
                weight = _weight(self.base_layer)
                weight.data += self.delta_weight(name).to(weight.dtype)
                self.merged_adapters.append(name)

    @torch.no_grad()
    def unmerge(self) -> None:
        while self.merged_adapters:
            name = self.merged_adapters.pop()
            weight = _weight(self.base_layer)
            weight.data -= self.delta_weight(name).to(weight.dtype)

    def _embed(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        base = self.base_layer
        assert isinstance(base, nn.Embedding)
        return nn.functional.embedding(
            x,
            weight,
            padding_idx=base.padding_idx,
            max_norm=base.max_norm,
            norm_type=base.norm_type,
            scale_grad_by_freq=base.scale_grad_by_freq,
            sparse=base.sparse,
        )

    def _embed_scale(self) -> torch.Tensor | None:
        """Scaled embeddings (e.g. Gemma's) multiply the update too, as in peft ``_get_embed_scale``."""
        scale = getattr(self.base_layer, "embed_scale", None)
        if scale is None:
            return None
        weight = _weight(self.base_layer)
        if isinstance(scale, (int, float)):
            return torch.tensor(scale, device=weight.device, dtype=weight.dtype)
        if isinstance(scale, torch.Tensor) and scale.numel() == 1:
            return scale
        raise ValueError("embed_scale of an adapted embedding must be a scalar")

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        if self.disable_adapters:
            if self.merged:
                self.unmerge()
            return self.base_layer(x, *args, **kwargs)
        result = self.base_layer(x, *args, **kwargs)
        if self.merged:
            return result
        result_dtype = result.dtype
        embed_scale = self._embed_scale()
        for name in self.active_adapters:
            if name not in self.r:
                continue
            after_a = self._embed(x, self.lora_embedding_A[name].T)
            update = (after_a @ self.lora_embedding_B[name].T) * self.scaling[name]
            if embed_scale is not None:
                update = update * embed_scale.to(update.dtype)
            result = result + update
        return result.to(result_dtype)


class LoraConv2d(LoraLinear):
    """A frozen ``nn.Conv2d`` plus named low-rank updates (peft's ``lora.Conv2d``): ``lora_A`` is a
    conv with the base kernel, stride and padding into ``r`` channels, ``lora_B`` a 1x1 conv back
    (with the base ``groups``). DoRA and PiSSA/OLoRA are not offered here."""

    @property
    def _conv(self) -> nn.Conv2d:
        base = self.base_layer
        assert isinstance(base, nn.Conv2d)
        return base

    def update_layer(
        self,
        adapter_name: str,
        r: int,
        lora_alpha: float,
        lora_dropout: float = 0.0,
        *,
        use_rslora: bool = False,
        use_dora: bool = False,
        init_lora_weights: InitMode = True,
        adapter_dtype: torch.dtype | None = None,
    ) -> None:
        if use_dora:
            raise ValueError("use_dora is not supported on nn.Conv2d layers here")
        if init_lora_weights not in (True, False, "gaussian"):
            raise ValueError(
                f"init_lora_weights={init_lora_weights!r} is not supported on nn.Conv2d layers"
            )
        groups = self._conv.groups
        if isinstance(r, int) and r > 0 and r % groups:
            # peft's limit too
            raise ValueError(f"r={r} must be divisible by the conv's groups={groups}")
        super().update_layer(
            adapter_name,
            r,
            lora_alpha,
            lora_dropout,
            use_rslora=use_rslora,
            init_lora_weights=init_lora_weights,
            adapter_dtype=adapter_dtype,
        )

    def _new_lora_pair(self, r: int, kw: dict[str, Any]) -> tuple[nn.Module, nn.Module]:
        base = self._conv
        # as peft: A copies kernel, stride and padding (not dilation), B is 1x1 with the base groups
        # torch types Conv2d's attributes tuple[int, ...] but its arguments tuple[int, int]
        kernel, stride, padding = cast(Any, base.kernel_size), cast(Any, base.stride), base.padding
        lora_a = nn.Conv2d(
            self.in_features, r, kernel, stride, cast(Any, padding), bias=False, **kw
        )
        lora_b = nn.Conv2d(
            r, self.out_features, (1, 1), (1, 1), groups=base.groups, bias=False, **kw
        )
        return lora_a, lora_b

    def delta_weight(self, adapter_name: str | None = None) -> torch.Tensor:
        """peft ``_ConvNd.get_delta_weight`` for 2-d kernels."""
        name = self.active_adapter if adapter_name is None else adapter_name
        w_a, w_b = _weight(self.lora_A[name]), _weight(self.lora_B[name])
        dtype = w_a.dtype
        cast = w_b.device.type == "cpu" and dtype in (torch.float16, torch.bfloat16)
        if cast:
            w_a, w_b = w_a.float(), w_b.float()
        scaling = self.scaling[name]
        if _weight(self.base_layer).size()[2:4] == (1, 1):
            delta = (w_b.squeeze(3).squeeze(2) @ w_a.squeeze(3).squeeze(2)).unsqueeze(2).unsqueeze(
                3
            ) * scaling
        else:
            delta = nn.functional.conv2d(w_a.transpose(0, 1), w_b)
            if self._conv.groups > 1:
                delta = delta * scaling
            else:
                delta = delta.transpose(0, 1) * scaling
        return delta.to(dtype) if cast else delta

    @torch.no_grad()
    def merge(self, adapter_names: Sequence[str] | None = None) -> None:
        if self._conv.groups > 1:
            raise ValueError(
                "merging is not supported for conv layers with groups > 1 (as in peft)"
            )
        super().merge(adapter_names)


def _output_layer(model: nn.Module) -> nn.Module | None:
    get = getattr(model, "get_output_embeddings", None)
    return get() if callable(get) else None


def lora_layers(model: nn.Module) -> Iterator[tuple[str, LoraLinear]]:
    """Yields ``(module path, layer)`` for every LoRA layer in ``model``."""
    for name, module in model.named_modules():
        if isinstance(module, LoraLinear):
            yield name, module


def _set_submodule(model: nn.Module, name: str, new: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, new)


def _fan_in_fan_out(module: nn.Module, requested: bool | None) -> bool:
    """The layout the layer really has; a wrong explicit value is reset with peft's own warnings."""
    conv1d = _is_conv1d(module)
    if requested is None or requested == conv1d:
        return conv1d
    if conv1d:
        warnings.warn(
            "fan_in_fan_out is set to False but the target module is `Conv1D`. "
            "Setting fan_in_fan_out to True.",
            UserWarning,
            stacklevel=3,
        )
    else:
        warnings.warn(
            "fan_in_fan_out is set to True but the target module is `torch.nn.Linear`. "
            "Setting fan_in_fan_out to False.",
            UserWarning,
            stacklevel=3,
        )
    return conv1d


def lora_adapters(model: nn.Module) -> list[str]:
    """Names of the LoRA adapters in ``model``, in the order they were added."""
    names: dict[str, None] = {}
    for _, layer in lora_layers(model):
        names.update(dict.fromkeys(layer.r))
    return list(names)


def active_adapters(model: nn.Module) -> list[str]:
    """The adapters the forward uses (peft's ``active_adapters``); empty without LoRA."""
    for _, layer in lora_layers(model):
        return list(layer.active_adapters)
    return []


def _saved_configs(model: nn.Module) -> dict[str, dict]:
    return model.__dict__.setdefault("_lexmetrics_lora_config", {})


def adapter_config(model: nn.Module, adapter_name: str) -> dict:
    """What :func:`inject_lora` was given for ``adapter_name`` (used for adapter_config.json)."""
    return _saved_configs(model).get(adapter_name, {})


#: Layer kinds with their own LoRA layer class. qlora.py registers the bitsandbytes layers when
#: ``lexmetrics.train`` (whose __init__ runs before any of its modules) imports it.
_LAYER_CLASSES: list[Callable[[nn.Module], type[LoraLinear] | None]] = []


def register_layer_class(pick: Callable[[nn.Module], type[LoraLinear] | None]) -> None:
    """Adds a rule that picks the LoRA layer class for a base layer (None: not this rule's kind)."""
    _LAYER_CLASSES.append(pick)


def _special_layer_class(module: nn.Module) -> type[LoraLinear] | None:
    for pick in _LAYER_CLASSES:
        cls = pick(module)
        if cls is not None:
            return cls
    return None


def inject_lora(
    model: nn.Module,
    target_modules: TargetModules,
    r: int = 8,
    lora_alpha: float = 8,
    lora_dropout: float = 0.0,
    *,
    exclude_modules: TargetModules | None = None,
    fan_in_fan_out: bool | None = None,
    use_rslora: bool = False,
    use_dora: bool = False,
    init_lora_weights: InitMode = True,
    bias: BiasMode = "none",
    modules_to_save: Sequence[str] | None = None,
    task_type: str | None = None,
    trainable_token_indices: TokenIndices | None = None,
    adapter_name: str = DEFAULT_ADAPTER,
    freeze_base: bool = True,
) -> list[str]:
    """Adds LoRA adapter ``adapter_name`` to every matching ``nn.Linear`` / ``Conv1D``, in place.

    ``target_modules``/``exclude_modules`` follow peft: a list matches a module path exactly or as a
    dotted suffix, a str is a regex that must match the whole path, and ``"all-linear"`` takes every
    linear layer but the output layer. ``use_dora`` adds DoRA's magnitude vector (peft's exact
    formulation, merge included). bitsandbytes ``Linear4bit`` / ``Linear8bitLt`` layers get
    :class:`~lexmetrics.train.qlora.LoraLinear4bit` / ``LoraLinear8bitLt`` (QLoRA). ``fan_in_fan_out=None`` detects
    ``Conv1D`` (weight stored (in, out)) per layer. With ``freeze_base`` every non-LoRA parameter is
    frozen (see :func:`mark_only_lora_trainable` for ``bias``). Returns the adapted paths.

    ``modules_to_save`` (peft's: every module whose path ends with one of the names) get a trainable
    full copy, saved with the adapter; LoRA never goes inside them. ``task_type="SEQ_CLS"`` or
    ``"TOKEN_CLS"`` adds ``classifier`` and ``score``, ``"QUESTION_ANS"`` adds ``qa_outputs``, as
    peft's task models do; the task type is also what :func:`save_lora_adapter` writes.

    ``trainable_token_indices`` (peft's) trains only those rows of the input embedding (a list) or
    of the named embeddings (a dict ``{name: ids}``); a tied output layer shares them.

    The first adapter is active. A further ``adapter_name`` is added beside the others as peft's
    ``add_adapter`` does: inactive and frozen until :func:`set_adapter`.

    Raises ``ValueError`` if nothing matched (peft does the same), a match is not a linear layer, or
    ``adapter_name`` already exists.
    """
    if isinstance(target_modules, str):
        try:
            re.compile(target_modules)
        except re.error as exc:
            raise ValueError(f"target_modules is not a valid regex: {exc}") from exc
    elif not target_modules:
        raise ValueError(
            "target_modules must be a regex string or a non-empty list of module names"
        )
    existing = lora_adapters(model)
    if adapter_name in existing:
        raise ValueError(
            f"model already has a LoRA adapter {adapter_name!r}; pass another adapter_name, or "
            "delete_adapter / unload_lora first"
        )
    if isinstance(modules_to_save, str):
        raise TypeError("modules_to_save must be a list of module names, not a str")
    to_save = list(
        dict.fromkeys([*(modules_to_save or ()), *TASK_MODULES_TO_SAVE.get(task_type or "", ())])
    )
    active = active_adapters(model) or [adapter_name]
    selected: list[tuple[str, nn.Module]] = []
    inner: list[str] = []  # LoRA layers and wrappers: their children are never targets
    output_layer = _output_layer(model) if target_modules == "all-linear" else None
    for name, module in model.named_modules():
        if any(name.startswith(p + ".") for p in inner):
            continue
        if isinstance(module, (LoraLinear, ModulesToSaveWrapper, TrainableTokensWrapper)):
            inner.append(name)
        if isinstance(module, (ModulesToSaveWrapper, TrainableTokensWrapper)):
            continue
        base = module.base_layer if isinstance(module, LoraLinear) else module
        if target_modules == "all-linear":
            # peft: every Linear/Conv1D except the output layer (lm_head)
            if not _is_adaptable(base) or base is output_layer:
                continue
        elif not name or not _matches(target_modules, name):
            continue
        if _matches(exclude_modules, name) or is_inside(name, to_save):
            continue
        if not (_is_adaptable(base) or isinstance(base, (nn.Embedding, nn.Conv2d))):
            # peft raises too ("Target module ... is not supported")
            raise ValueError(
                f"target module {name!r} is {type(module).__name__}; only nn.Linear, "
                "transformers Conv1D, nn.Embedding and nn.Conv2d are supported"
            )
        selected.append((name, module))
    if not selected:
        raise ValueError(
            f"target_modules={target_modules!r} matched no nn.Linear/Conv1D module in "
            f"{type(model).__name__}"
        )
    for name, module in selected:
        if isinstance(module, LoraLinear):
            module.update_layer(
                adapter_name,
                r,
                lora_alpha,
                lora_dropout,
                use_rslora=use_rslora,
                use_dora=use_dora,
                init_lora_weights=init_lora_weights,
            )
            continue
        cls: type[LoraLinear] = _special_layer_class(module) or LoraLinear
        if isinstance(module, nn.Embedding):
            cls = LoraEmbedding
        elif isinstance(module, nn.Conv2d):
            cls = LoraConv2d
        layer = cls(
            module,
            r,
            lora_alpha,
            lora_dropout,
            fan_in_fan_out=_fan_in_fan_out(module, fan_in_fan_out) if cls is LoraLinear else False,
            use_rslora=use_rslora,
            use_dora=use_dora,
            init_lora_weights=init_lora_weights,
            adapter_name=adapter_name,
        )
        # A new module starts in training mode; keep the mode of the layer it replaces (eval stays eval).
        layer.train(module.training)
        _set_submodule(model, name, layer)
    if trainable_token_indices is not None:
        token_targets = trainable_token_indices if isinstance(trainable_token_indices, dict) else {}
        if any(t in to_save for t in token_targets):
            # peft refuses this combination too
            raise ValueError(
                "an embedding cannot be in both modules_to_save and trainable_token_indices"
            )
        wrap_trainable_tokens(model, trainable_token_indices, adapter_name)
    wrap_modules_to_save(model, to_save, adapter_name)
    # Remembered for save_lora_adapter's adapter_config.json.
    _saved_configs(model)[adapter_name] = {
        "r": r,
        "lora_alpha": lora_alpha,
        "lora_dropout": lora_dropout,
        "target_modules": target_modules
        if isinstance(target_modules, str)
        else sorted(set(target_modules)),
        "exclude_modules": exclude_modules
        if exclude_modules is None or isinstance(exclude_modules, str)
        else sorted(set(exclude_modules)),
        "use_rslora": use_rslora,
        "use_dora": use_dora,
        "bias": bias,
        "init_lora_weights": init_lora_weights,
        "modules_to_save": to_save or None,
        "task_type": task_type,
        "trainable_token_indices": trainable_token_indices,
    }
    if existing:
        # peft's add_adapter: the active adapters stay active; the new one is frozen until set
        for _, lora_layer in lora_layers(model):
            lora_layer.active_adapters = list(active)
            for group in lora_layer._adapter_groups():
                if adapter_name in group:
                    group[adapter_name].requires_grad_(False)
        for _, wrapper in modules_to_save_layers(model):
            wrapper.active_adapter = active[0]
            if adapter_name in wrapper.modules_to_save:
                wrapper.modules_to_save[adapter_name].requires_grad_(False)
        for _, tokens in trainable_tokens_layers(model):
            tokens.active_adapters = list(active)
            if adapter_name in tokens.trainable_tokens_delta:
                tokens.trainable_tokens_delta[adapter_name].requires_grad_(False)
    elif freeze_base:
        mark_only_lora_trainable(model, bias)
    return [name for name, _ in selected]


def mark_only_lora_trainable(model: nn.Module, bias: BiasMode = "none") -> None:
    """Freezes everything but the active adapters' LoRA matrices and module copies; ``bias`` as in
    peft/loralib: "none", "all" (every bias in the model) or "lora_only" (the adapted layers')."""
    if bias not in ("none", "all", "lora_only"):
        raise ValueError(f"bias must be 'none', 'all' or 'lora_only', got {bias!r}")
    for name, p in model.named_parameters():
        p.requires_grad = bias == "all" and name.rsplit(".", 1)[-1] == "bias"
        if ".original_module." in f".{name}" or ".modules_to_save." in f".{name}":
            p.requires_grad = False
    for _, layer in lora_layers(model):
        layer.set_adapter(layer.active_adapters, trainable=True)
        b = getattr(layer.base_layer, "bias", None)
        if bias == "lora_only" and b is not None:
            b.requires_grad = True
    for _, wrapper in modules_to_save_layers(model):
        wrapper.set_adapter(wrapper.active_adapter, trainable=True)
    for _, tokens in trainable_tokens_layers(model):
        tokens.set_adapter(tokens.active_adapters, trainable=True)


def _tuner_layers(model: nn.Module) -> list[LoraLinear | TrainableTokensLayer]:
    """Every layer that merges and switches adapters: LoRA layers and trainable-token layers."""
    return [m for _, m in lora_layers(model)] + [m for _, m in trainable_tokens_layers(model)]


def _require_lora(model: nn.Module) -> list[tuple[str, LoraLinear]]:
    layers = list(lora_layers(model))
    if not layers:
        raise ValueError(f"{type(model).__name__} has no LoRA layers")
    return layers


def _require_adapter(model: nn.Module, adapter_name: str) -> None:
    names = lora_adapters(model)
    if adapter_name not in names:
        raise ValueError(f"no LoRA adapter {adapter_name!r} in the model (adapters: {names})")


def set_adapter(model: nn.Module, adapter_name: str, *, inference_mode: bool = False) -> None:
    """Makes ``adapter_name`` the active adapter (peft ``set_adapter``): merged layers are unmerged,
    its matrices and module copies require grad unless ``inference_mode``, the others are frozen."""
    _require_adapter(model, adapter_name)
    for layer in _tuner_layers(model):
        if layer.merged:
            warnings.warn(
                "Adapter cannot be set when the model is merged. Unmerging the model first.",
                UserWarning,
                stacklevel=2,
            )
            layer.unmerge()
        layer.set_adapter(adapter_name, trainable=not inference_mode)
    for _, wrapper in modules_to_save_layers(model):
        wrapper.set_adapter(adapter_name, trainable=not inference_mode)


def delete_adapter(model: nn.Module, adapter_name: str) -> None:
    """Removes ``adapter_name`` everywhere; if it was active, the first remaining adapter becomes
    active, as in peft. The last adapter cannot be deleted (use ``unload_lora(model, merge=False)``)."""
    _require_adapter(model, adapter_name)
    remaining = [a for a in lora_adapters(model) if a != adapter_name]
    if not remaining:
        raise ValueError(
            f"{adapter_name!r} is the only adapter; unload_lora(model, merge=False) removes it"
        )
    was_active = adapter_name in active_adapters(model)
    for _, layer in lora_layers(model):
        if adapter_name in layer.r:
            layer.delete_adapter(adapter_name)
    for _, tokens in trainable_tokens_layers(model):
        tokens.delete_adapter(adapter_name)
    for _, wrapper in modules_to_save_layers(model):
        wrapper.delete_adapter(adapter_name)
    _saved_configs(model).pop(adapter_name, None)
    if was_active:
        set_adapter(model, remaining[0])


@contextlib.contextmanager
def disable_adapter(model: nn.Module) -> Iterator[nn.Module]:
    """``with disable_adapter(model):`` runs the base model (peft's ``disable_adapter``, what TRL's DPO
    uses for the reference model): LoRA layers skip their updates (unmerging first if merged) and
    modules to save use their originals. On exit the adapters are on again; ``requires_grad`` flags
    are left as they were (peft re-enables grads of the active adapter on exit)."""
    layers: list[Any] = [*_tuner_layers(model), *(m for _, m in modules_to_save_layers(model))]
    before = [m.disable_adapters for m in layers]
    try:
        for m in layers:
            m.disable_adapters = True
        yield model
    finally:
        for m, flag in zip(layers, before):
            m.disable_adapters = flag


def add_weighted_adapter(
    model: nn.Module,
    adapters: Sequence[str],
    weights: Sequence[float],
    adapter_name: str,
    *,
    combination_type: Literal["cat", "linear"],
) -> None:
    """peft's ``add_weighted_adapter`` for ``"cat"`` and ``"linear"``: adds ``adapter_name``, frozen
    and inactive, combining ``adapters`` with ``weights``.

    ``"cat"`` stacks the matrices (rank = sum of ranks, A_i scaled by ``weight_i * scaling_i``), so
    its update is exactly the weighted sum of the updates. ``"linear"`` (equal ranks) sums
    ``±sqrt(|w_i s_i|) A_i`` and ``sqrt(|w_i s_i|) B_i``, peft's approximation. The new adapter has
    ``lora_alpha = r``. peft's SVD, TIES and DARE variants are not offered.
    """
    existing = lora_adapters(model)
    for name in adapters:
        _require_adapter(model, name)
    if adapter_name in existing:
        raise ValueError(f"model already has a LoRA adapter {adapter_name!r}")
    if not adapters or len(weights) != len(adapters):
        raise ValueError("adapters and weights must be non-empty and of the same length")
    combination = "linear" if len(adapters) == 1 else combination_type
    if combination not in ("cat", "linear"):
        raise ValueError(f"combination_type must be 'cat' or 'linear', got {combination_type!r}")
    layers = [layer for _, layer in lora_layers(model) if any(a in layer.r for a in adapters)]
    first_cfg = adapter_config(model, adapters[0])
    for name in adapters:
        cfg = adapter_config(model, name)
        if any(layer.use_dora.get(name) for layer in layers) or cfg.get("init_lora_weights") in (
            BASE_REWRITING_INITS
        ):
            raise ValueError(
                f"adapter {name!r} uses DoRA, PiSSA or OLoRA; combining it is not offered"
            )
    extras = [w.modules_to_save for _, w in modules_to_save_layers(model)] + [
        t.trainable_tokens_delta for _, t in trainable_tokens_layers(model)
    ]
    if any(a in group for group in extras for a in adapters):
        raise ValueError(
            "combining adapters with modules_to_save or trainable tokens is not offered"
        )
    ranks = [next(layer.r[a] for layer in layers if a in layer.r) for a in adapters]
    if combination == "linear" and len(set(ranks)) != 1:
        raise ValueError("combination_type='linear' needs adapters of the same r (as in peft)")
    new_rank = sum(ranks) if combination == "cat" else ranks[0]
    active = active_adapters(model)
    with torch.no_grad():
        for layer in layers:
            layer.update_layer(
                adapter_name,
                new_rank,
                new_rank,
                float(first_cfg.get("lora_dropout") or 0.0),
                use_rslora=bool(first_cfg.get("use_rslora", False)),
                init_lora_weights=False,
            )
            target_a, target_b = layer.lora_weights(adapter_name)
            present = [(a, w) for a, w in zip(adapters, weights) if a in layer.r]
            if combination == "cat":
                # peft: zero the new matrices, then write the stacked ones in front
                target_a.data = target_a.data * 0.0
                target_b.data = target_b.data * 0.0
                loras_a = torch.cat(
                    [layer.lora_weights(a)[0].data * w * layer.scaling[a] for a, w in present], 0
                )
                loras_b = torch.cat([layer.lora_weights(a)[1].data for a, _ in present], 1)
                target_a.data[: loras_a.shape[0], :] = loras_a
                target_b.data[:, : loras_b.shape[1]] = loras_b
            else:
                scaled = [w * layer.scaling[a] for a, w in present]
                w_a = [abs(x) ** 0.5 * (1 if x >= 0 else -1) for x in scaled]
                w_b = [abs(x) ** 0.5 for x in scaled]
                for target, factors, index in ((target_a, w_a, 0), (target_b, w_b, 1)):
                    tensors = torch.stack([layer.lora_weights(a)[index].data for a, _ in present])
                    factor = torch.tensor(factors).to(tensors.device)
                    factor = factor.view(factor.shape + (1,) * (tensors.dim() - 1))
                    target.data = (tensors * factor).sum(dim=0).to(tensors.dtype)
            layer.active_adapters = list(active)
            for group in layer._adapter_groups():
                if adapter_name in group:
                    group[adapter_name].requires_grad_(False)
    targets = first_cfg.get("target_modules")
    _saved_configs(model)[adapter_name] = {
        **first_cfg,
        "r": new_rank,
        "lora_alpha": new_rank,
        "target_modules": "|".join(
            f"({adapter_config(model, a).get('target_modules')})" for a in adapters
        )
        if isinstance(targets, str)
        else sorted(
            {t for a in adapters for t in (adapter_config(model, a).get("target_modules") or ())}
        )
        or None,
    }


def merge_lora(model: nn.Module, adapter_names: Sequence[str] | None = None) -> None:
    """Merges the active adapters (or ``adapter_names``) into the base weights (forward then costs
    nothing extra); an adapter already merged is skipped."""
    for name in adapter_names or ():
        _require_adapter(model, name)
    _require_lora(model)
    for layer in _tuner_layers(model):
        layer.merge(adapter_names)


def unmerge_lora(model: nn.Module) -> None:
    """Undoes :func:`merge_lora`."""
    _require_lora(model)
    for layer in _tuner_layers(model):
        layer.unmerge()


def unload_lora(
    model: nn.Module, merge: bool = True, adapter_names: Sequence[str] | None = None
) -> nn.Module:
    """Puts the plain base layers back, with the active adapters (or ``adapter_names``) merged in if
    ``merge``, else the original weights; returns ``model`` (peft ``merge_and_unload`` / ``unload``).
    Each module to save becomes the active adapter's copy. Parameters keep their ``requires_grad``."""
    layers = _require_lora(model)
    for name in adapter_names or ():
        _require_adapter(model, name)
    for name, layer in layers:
        layer.unmerge()
        if merge:
            layer.merge(adapter_names)
            layer.merged_adapters = []
        _set_submodule(model, name, layer.base_layer)
    for name, tokens in list(trainable_tokens_layers(model)):
        tokens.unmerge()
        if merge:
            tokens.merge(adapter_names)
        # the wrapper is the token layer's parent: "<path>.token_adapter"
        _set_submodule(model, name.rpartition(".")[0], tokens.base_layer)
    # peft's merge_and_unload / unload both keep the active copy of each module to save
    for name, wrapper in list(modules_to_save_layers(model)):
        wrapper.disable_adapters = False
        _set_submodule(model, name, wrapper.trained_module)
    model.__dict__.pop("_lexmetrics_lora_config", None)
    return model


def count_parameters(model: nn.Module) -> tuple[int, int]:
    """``(trainable, total)`` parameter counts; shared parameters (tied embeddings) count once, and
    a bitsandbytes 4-bit weight counts its unpacked size (two numbers per byte), as peft counts."""
    trainable = total = 0
    for p in model.parameters():  # parameters() already de-duplicates tied tensors
        n = p.numel()
        if type(p).__name__ == "Params4bit":
            n *= 2 * p.element_size()
        total += n
        if p.requires_grad:
            trainable += n
    return trainable, total


@dataclass(frozen=True)
class LoraLayerInfo:
    """One adapted matrix: LoRA trains ``r * (d_in + d_out)`` numbers instead of ``d_in * d_out``."""

    name: str
    d_in: int
    d_out: int
    r: int

    @property
    def lora_params(self) -> int:
        return self.r * (self.d_in + self.d_out)

    @property
    def full_params(self) -> int:
        return self.d_in * self.d_out


@dataclass(frozen=True)
class LoraReport:
    """Trainable vs total parameters, and per adapted matrix the LoRA paper's count."""

    trainable: int
    total: int
    layers: tuple[LoraLayerInfo, ...] = field(default_factory=tuple)

    @property
    def trainable_fraction(self) -> float:
        return self.trainable / self.total if self.total else 0.0

    @property
    def lora_params(self) -> int:
        return sum(info.lora_params for info in self.layers)

    @property
    def full_params(self) -> int:
        return sum(info.full_params for info in self.layers)

    def __str__(self) -> str:
        # First line formatted like peft's print_trainable_parameters().
        lines = [
            f"trainable params: {self.trainable:,d} || all params: {self.total:,d} || "
            f"trainable%: {100 * self.trainable_fraction:.4f}"
        ]
        for info in self.layers:
            lines.append(
                f"  {info.name}: r={info.r} d_in={info.d_in} d_out={info.d_out} "
                f"lora={info.lora_params:,d} vs full={info.full_params:,d}"
            )
        if self.layers:
            lines.append(
                f"  adapted matrices: {len(self.layers)}  lora={self.lora_params:,d} vs "
                f"full={self.full_params:,d} ({100 * self.lora_params / self.full_params:.2f}%)"
            )
        return "\n".join(lines)


def lora_report(model: nn.Module) -> LoraReport:
    """Builds a :class:`LoraReport` (works on any model; ``layers`` is empty without LoRA)."""
    trainable, total = count_parameters(model)
    infos = tuple(
        LoraLayerInfo(name, layer.in_features, layer.out_features, layer.r[adapter])
        for name, layer in lora_layers(model)
        for adapter in layer.active_adapters
        if adapter in layer.r
    )
    return LoraReport(trainable, total, infos)
