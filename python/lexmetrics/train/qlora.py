"""QLoRA: LoRA on bitsandbytes 4-bit (``Linear4bit``) and 8-bit (``Linear8bitLt``) base layers, as
peft's ``lora.bnb.Linear4bit`` / ``lora.bnb.Linear8bitLt``, plus peft's
``prepare_model_for_kbit_training``.

Needs the ``qlora`` extra (``pip install 'lexmetrics[qlora]'``, i.e. bitsandbytes). Quantized layers
are recognised by class name, so nothing here imports bitsandbytes until a quantized layer is
adapted, merged or dequantized. The base weight stays quantized and frozen; the adapters are float32.
Merging follows peft: dequantize, add the update, quantize again (which rounds: merged outputs are
close to, not equal to, the unmerged ones).
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .lora import (
    BASE_REWRITING_INITS,
    DEFAULT_ADAPTER,
    InitMode,
    LoraLinear,
    _transpose,
    _weight,
    register_layer_class,
)

__all__ = [
    "LoraLinear4bit",
    "LoraLinear8bitLt",
    "bnb_layer_kind",
    "dequantize_weight",
    "prepare_model_for_kbit_training",
]

_BNB_LAYERS = ("Linear4bit", "Linear8bitLt")


def bnb_layer_kind(module: nn.Module) -> str | None:
    """``"Linear4bit"`` / ``"Linear8bitLt"`` for bitsandbytes' quantized linear layers (subclasses such
    as ``LinearNF4`` included), else None; by class name, without importing bitsandbytes."""
    for cls in type(module).__mro__:
        if cls.__name__ in _BNB_LAYERS and cls.__module__.startswith("bitsandbytes"):
            return cls.__name__
    return None


def _bnb() -> Any:
    try:
        import bitsandbytes
    except ImportError as exc:  # pragma: no cover - a bnb layer exists, so bnb is importable
        raise ImportError(
            "LoRA on quantized layers needs bitsandbytes: pip install 'lexmetrics[qlora]'"
        ) from exc
    return bitsandbytes


def dequantize_weight(base_layer: Any) -> torch.Tensor:  # a bitsandbytes layer: no type stubs
    """The dense weight of a bitsandbytes layer (peft ``dequantize_bnb_weight``): 4-bit blocks
    through ``dequantize_4bit`` (in the dtype it was quantized from), 8-bit rows times ``SCB / 127``.
    A weight that is not quantized (8-bit ``has_fp16_weights=True``) is returned as is."""
    weight = base_layer.weight
    if weight.dtype.is_floating_point and bnb_layer_kind(base_layer) == "Linear8bitLt":
        return weight
    bnb = _bnb()
    if bnb_layer_kind(base_layer) == "Linear4bit":
        data, state = weight.data, weight.quant_state
        if getattr(state, "packing_format_for_cpu", False):
            # bnb repacks CPU weights for its AVX512-BF16 kernel at the first eval forward, and
            # dequantize_4bit reads only the plain layout: unpack copies (the inverse rewrites the
            # state in place, and the layer must keep computing with what it packed)
            from bitsandbytes.functional import _convert_weight_packed_for_cpu_inverse

            data, state = _convert_weight_packed_for_cpu_inverse(data.clone(), copy.deepcopy(state))
        return bnb.functional.dequantize_4bit(data, state)
    state = getattr(base_layer, "state", None)
    scb = state.SCB if state is not None and state.SCB is not None else weight.SCB
    return bnb.functional.int8_vectorwise_dequant(weight.data, scb.to(weight.data.device))


class _LoraKbit(LoraLinear):
    """Shared by the 4-bit and 8-bit layers: shapes from the layer (the packed weight's shape is not
    the matrix's), float32 adapters, peft's bnb forward order, merge through dequantize/requantize."""

    _bits = 0

    base_layer: Any  # a bitsandbytes Linear4bit / Linear8bitLt: the package ships no type stubs

    def __init__(
        self,
        base_layer: Any,
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
        nn.Module.__init__(self)
        self.base_layer = base_layer
        self.in_features = int(base_layer.in_features)
        self.out_features = int(base_layer.out_features)
        self.fan_in_fan_out = False  # peft: always False for bnb layers
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
        if isinstance(init_lora_weights, str) and init_lora_weights.lower() in BASE_REWRITING_INITS:
            # peft refuses PiSSA on quantized weights too (initialize in float, then quantize)
            raise TypeError(
                f"init_lora_weights={init_lora_weights!r} rewrites the base weight and is not "
                f"offered on {self._bits}-bit layers; initialize in float32/float16/bfloat16, "
                "then quantize the residual model"
            )
        if adapter_dtype is None and not self.base_layer.weight.dtype.is_floating_point:
            # peft keeps adapters in torch's default dtype when the base weight is packed integers
            adapter_dtype = torch.float32
        super().update_layer(
            adapter_name,
            r,
            lora_alpha,
            lora_dropout,
            use_rslora=use_rslora,
            use_dora=use_dora,
            init_lora_weights=init_lora_weights,
            adapter_dtype=adapter_dtype,
        )

    def _dense_base_weight(self) -> torch.Tensor:
        return dequantize_weight(self.base_layer)

    def delta_weight(self, adapter_name: str | None = None) -> torch.Tensor:
        """``B @ A * scaling`` in the adapter dtype (peft's bnb ``get_delta_weight``)."""
        name = self.active_adapter if adapter_name is None else adapter_name
        return (_weight(self.lora_B[name]) @ _weight(self.lora_A[name])) * self.scaling[name]

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        if self.disable_adapters:
            if self.merged:
                self.unmerge()
            return self.base_layer(x, *args, **kwargs)
        result = self.base_layer(x, *args, **kwargs)
        if self.merged:
            return result
        if self._bits == 4:
            # peft clones the 4-bit output (backprop through a view of it can fail)
            result = result.clone()
        for name in self.active_adapters:
            if name not in self.r:
                continue
            lora_a = self.lora_A[name]
            # peft's bnb order: each update is cast to the output dtype before it is added
            convert = not torch.is_autocast_enabled()
            expected = result.dtype
            if convert:
                x = x.to(_weight(lora_a).dtype)
            if self.use_dora[name]:
                result = self._dora_forward(name, x, result)
                if convert:
                    result = result.to(expected)
            else:
                output = self.lora_B[name](lora_a(self.lora_dropout[name](x))) * self.scaling[name]
                if convert:
                    output = output.to(expected)
                result = result + output
        return result

    def _requantize(self, dense: torch.Tensor) -> None:
        raise NotImplementedError

    @torch.no_grad()
    def merge(self, adapter_names: Sequence[str] | None = None) -> None:
        """peft's bnb ``merge``: dequantize, add ``B A s`` (DoRA: rescale row-wise), quantize again."""
        for name in self.active_adapters if adapter_names is None else adapter_names:
            if name not in self.r or name in self.merged_adapters:
                continue
            warnings.warn(
                f"Merge lora module to {self._bits}-bit linear may get different generations due "
                "to rounding errors.",
                UserWarning,
                stacklevel=3,
            )
            dense = self._dense_base_weight()
            delta = self.delta_weight(name)
            if self.use_dora[name]:
                if self.merged_adapters:
                    # peft replays earlier merges to get the unmerged norm; not reproduced here
                    raise ValueError(
                        f"cannot merge DoRA adapter {name!r} on top of {self.merged_adapters}"
                    )
                norm = self._weight_norm(dense, delta, 1).detach()
                self._dora_weight_norm[name] = norm
                factor = (_weight(self.lora_magnitude_vector[name]) / norm).view(-1, 1)
                merged = (factor * (dense + delta)).to(dense.dtype)
            else:
                merged = dense.to(delta.dtype).to(delta.device) + delta
            self._requantize(merged)
            self.merged_adapters.append(name)

    @torch.no_grad()
    def unmerge(self) -> None:
        """peft's bnb ``unmerge``: dequantize, subtract, quantize again (last merged first)."""
        while self.merged_adapters:
            name = self.merged_adapters.pop()
            warnings.warn(
                f"Unmerge lora module to {self._bits}-bit linear may get different generations "
                "due to rounding errors.",
                UserWarning,
                stacklevel=3,
            )
            dense = self._dense_base_weight()
            delta = self.delta_weight(name)
            if self.use_dora[name]:
                norm = self._dora_weight_norm.pop(name)
                factor = _transpose(
                    (_weight(self.lora_magnitude_vector[name]) / norm).view(-1, 1), False
                )
                dense = (dense / factor - delta).to(dense.dtype)
            else:
                dense = dense.to(delta.dtype).to(delta.device) - delta
            self._requantize(dense)


class LoraLinear4bit(_LoraKbit):
    """LoRA on a bitsandbytes ``Linear4bit`` (NF4/FP4, QLoRA), peft's ``lora.bnb.Linear4bit``."""

    _bits = 4

    def _requantize(self, dense: torch.Tensor) -> None:
        bnb = _bnb()
        weight = self.base_layer.weight
        # peft rebuilds Params4bit from the old one's attributes, marked not yet quantized
        kwargs = {k: v for k, v in weight.__dict__.items() if not k.startswith("_") and k != "data"}
        kwargs.update(bnb_quantized=False, requires_grad=False)
        self.base_layer.weight = bnb.nn.Params4bit(dense.to("cpu"), **kwargs).to(weight.device)


class LoraLinear8bitLt(_LoraKbit):
    """LoRA on a bitsandbytes ``Linear8bitLt`` (LLM.int8()), peft's ``lora.bnb.Linear8bitLt``."""

    _bits = 8

    def _dense_base_weight(self) -> torch.Tensor:
        state = self.base_layer.state
        if state.SCB is None:
            state.SCB = self.base_layer.weight.SCB
        return dequantize_weight(self.base_layer)

    def _requantize(self, dense: torch.Tensor) -> None:
        bnb = _bnb()
        weight = self.base_layer.weight
        self.base_layer.weight = bnb.nn.Int8Params(
            dense.to("cpu"), requires_grad=False, has_fp16_weights=weight.has_fp16_weights
        ).to(weight.device)
        # the layer re-reads the new row scales at its next forward
        self.base_layer.state.reset_grads()


def kbit_layer_class(module: nn.Module) -> type[LoraLinear] | None:
    """The LoRA layer class for a bitsandbytes layer, or None (used by :func:`inject_lora`)."""
    kind = bnb_layer_kind(module)
    if kind == "Linear4bit":
        return LoraLinear4bit
    if kind == "Linear8bitLt":
        return LoraLinear8bitLt
    return None


register_layer_class(kbit_layer_class)


def prepare_model_for_kbit_training(
    model: Any,  # a transformers PreTrainedModel (duck-typed: its methods vary by version)
    use_gradient_checkpointing: bool = True,
    gradient_checkpointing_kwargs: dict | None = None,
) -> nn.Module:
    """peft's ``prepare_model_for_kbit_training``, before :func:`inject_lora`: freezes every
    parameter, casts the float16/bfloat16 ones that are not 4-bit packed (norms, embeddings, heads)
    to float32, and for a model loaded in 4/8 bits with ``use_gradient_checkpointing`` makes the
    input embeddings' output require grad (unless ``use_reentrant=False``) and turns on gradient
    checkpointing. Returns ``model``."""
    kwargs = dict(gradient_checkpointing_kwargs or {})
    loaded_in_kbit = bool(
        getattr(model, "is_loaded_in_8bit", False) or getattr(model, "is_loaded_in_4bit", False)
    )
    for param in model.parameters():
        param.requires_grad = False
    for param in model.parameters():
        if param.dtype in (torch.float16, torch.bfloat16) and type(param).__name__ != "Params4bit":
            param.data = param.data.to(torch.float32)
    if loaded_in_kbit and use_gradient_checkpointing:
        if kwargs.get("use_reentrant", True):
            # reentrant checkpointing needs an input that requires grad, or no gradient flows
            if hasattr(model, "enable_input_require_grads"):
                model.enable_input_require_grads()
            else:

                def make_inputs_require_grad(module: nn.Module, inputs: Any, output: Any) -> None:
                    output.requires_grad_(True)

                model.get_input_embeddings().register_forward_hook(make_inputs_require_grad)
        # transformers >= 5.x names it activation checkpointing (the old name warns)
        enable = getattr(model, "activation_checkpointing_enable", None)
        if enable is not None:
            enable(activation_checkpointing_kwargs=kwargs)
        elif (
            "gradient_checkpointing_kwargs"
            in inspect.signature(model.gradient_checkpointing_enable).parameters
        ):
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
        else:
            model.gradient_checkpointing_enable()
    return model
