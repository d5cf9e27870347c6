"""Soft prompt tuning (Lester et al. 2021): N trainable virtual-token embeddings in front of the input.

Same forward as peft's ``PROMPT_TUNING`` (``PeftModelForCausalLM`` / ``PeftModelForSeq2SeqLM``): the
prompt is concatenated before the word embeddings, the attention mask gets N ones in front, and for
decoder-only models the labels get N ``-100`` in front. For encoder-decoder models the prompt goes
to the encoder only; unlike peft's default (``num_transformer_submodules=2``) no second, unused
decoder prompt is allocated, so the trainable count is exactly ``N * d``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch
from torch import nn

from ._adapter_files import PathLike, _name_or_path, _read, _task_type, _write

__all__ = ["SoftPromptModel", "save_prompt_adapter", "load_prompt_adapter"]

PromptInit = Literal["random", "vocab", "text"]


class SoftPromptModel(nn.Module):
    """Wraps a transformers causal-LM or seq2seq-LM with a trainable soft prompt; the base is frozen.

    ``init``: ``"random"`` (N(0, 1), ``nn.Embedding``'s default, as peft's RANDOM), ``"vocab"``
    (rows of the input embedding: ``init_token_ids`` or ids drawn uniformly from the vocabulary, as
    peft's SAMPLE_VOCAB) or ``"text"`` (``tokenizer(init_text)["input_ids"]`` repeated or cut to N,
    as peft's TEXT; ``init_token_ids`` may be given instead of a tokenizer).
    """

    def __init__(
        self,
        model: nn.Module,
        num_virtual_tokens: int = 8,
        init: PromptInit = "random",
        *,
        init_text: str | None = None,
        tokenizer: Callable[[str], Any] | None = None,
        init_token_ids: Sequence[int] | None = None,
        generator: torch.Generator | None = None,
        freeze_base: bool = True,
    ) -> None:
        super().__init__()
        if (
            not isinstance(num_virtual_tokens, int)
            or isinstance(num_virtual_tokens, bool)
            or num_virtual_tokens <= 0
        ):
            raise ValueError(
                f"num_virtual_tokens must be a positive int, got {num_virtual_tokens!r}"
            )
        get_emb = getattr(model, "get_input_embeddings", None)
        word_embeddings = get_emb() if callable(get_emb) else None
        if not isinstance(word_embeddings, nn.Embedding):
            raise TypeError(
                f"{type(model).__name__} has no get_input_embeddings() returning nn.Embedding; "
                "a transformers PreTrainedModel is expected"
            )
        # a transformers PreTrainedModel, used by duck typing (generate, config) like peft does
        self.base_model: Any = model
        self.num_virtual_tokens = num_virtual_tokens
        self.is_encoder_decoder = bool(
            getattr(getattr(model, "config", None), "is_encoder_decoder", False)
        )
        self.init = init
        n, d = num_virtual_tokens, word_embeddings.embedding_dim
        # float32 like peft's PromptEmbedding; cast to the input embeddings' dtype in forward.
        weight = torch.empty(n, d, dtype=torch.float32, device=word_embeddings.weight.device)
        if init == "random":
            nn.init.normal_(weight, generator=generator)
        elif init in ("vocab", "text"):
            ids = self._init_ids(
                init,
                word_embeddings.num_embeddings,
                init_text,
                tokenizer,
                init_token_ids,
                generator,
            )
            with torch.no_grad():
                weight.copy_(word_embeddings.weight[ids.to(weight.device)].float())
        else:
            raise ValueError(f"init must be 'random', 'vocab' or 'text', got {init!r}")
        self.prompt_embeddings = nn.Parameter(weight)
        if freeze_base:
            for p in self.base_model.parameters():
                p.requires_grad = False

    def _init_ids(
        self,
        init: str,
        vocab_size: int,
        init_text: str | None,
        tokenizer: Callable[[str], Any] | None,
        init_token_ids: Sequence[int] | None,
        generator: torch.Generator | None,
    ) -> torch.Tensor:
        n = self.num_virtual_tokens
        if init_token_ids is None and init == "vocab":
            return torch.randint(0, vocab_size, (n,), generator=generator)
        if init_token_ids is None:
            if init_text is None or tokenizer is None:
                raise ValueError("init='text' needs init_text and tokenizer (or init_token_ids)")
            encoded = tokenizer(init_text)
            init_token_ids = (
                encoded["input_ids"]
                if isinstance(encoded, dict) or hasattr(encoded, "keys")
                else encoded
            )
        ids = [int(i) for i in init_token_ids]
        if not ids:
            raise ValueError("the init text/ids give no tokens")
        bad = [i for i in ids if not 0 <= i < vocab_size]
        if bad:
            raise ValueError(
                f"init token id {bad[0]} is outside the vocabulary (size {vocab_size})"
            )
        # peft's TEXT init: repeat the ids until there are enough, then cut to N
        ids = (ids * -(-n // len(ids)))[:n]
        return torch.tensor(ids, dtype=torch.long)

    @property
    def config(self) -> Any:
        return self.base_model.config

    @property
    def device(self) -> torch.device:
        return self.prompt_embeddings.device

    def get_input_embeddings(self) -> nn.Module:
        return self.base_model.get_input_embeddings()

    def _prepend(
        self,
        input_ids: torch.Tensor | None,
        attention_mask: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("pass exactly one of input_ids and inputs_embeds")
        if inputs_embeds is None:
            inputs_embeds = self.get_input_embeddings()(input_ids)
        batch = inputs_embeds.shape[0]
        prompts = self.prompt_embeddings.unsqueeze(0).expand(batch, -1, -1).to(inputs_embeds.dtype)
        inputs_embeds = torch.cat((prompts, inputs_embeds), dim=1)
        if attention_mask is not None:
            ones = torch.ones(
                batch,
                self.num_virtual_tokens,
                dtype=attention_mask.dtype,
                device=attention_mask.device,
            )
            attention_mask = torch.cat((ones, attention_mask), dim=1)
        return inputs_embeds, attention_mask

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> Any:
        """Decoder-only: logits have N extra leading positions and labels get N ``-100`` in front.
        Encoder-decoder: the prompt extends the encoder input; labels and decoder inputs are untouched."""
        if kwargs.get("position_ids") is not None:
            raise ValueError(
                "position_ids are not supported with a soft prompt (peft ignores them too)"
            )
        kwargs.pop("position_ids", None)
        inputs_embeds, attention_mask = self._prepend(input_ids, attention_mask, inputs_embeds)
        if labels is not None and not self.is_encoder_decoder:
            pad = torch.full(
                (labels.shape[0], self.num_virtual_tokens),
                -100,
                dtype=labels.dtype,
                device=labels.device,
            )
            labels = torch.cat((pad, labels), dim=1)
        return self.base_model(
            inputs_embeds=inputs_embeds, attention_mask=attention_mask, labels=labels, **kwargs
        )

    @torch.no_grad()
    def generate(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        **generate_kwargs: Any,
    ) -> torch.Tensor:
        """Generates with the soft prompt. Decoder-only models return ``input_ids`` followed by the new
        tokens (as peft does; virtual tokens are never in the output); encoder-decoder models return
        the decoder sequence, as transformers does."""
        if input_ids is None:
            raise ValueError("generate() needs input_ids")
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        inputs_embeds, mask = self._prepend(input_ids, attention_mask, None)
        out = self.base_model.generate(
            inputs_embeds=inputs_embeds, attention_mask=mask, **generate_kwargs
        )
        if self.is_encoder_decoder:
            return out
        # transformers returns only the new tokens when generation starts from inputs_embeds
        return torch.cat((input_ids, out.to(input_ids.device)), dim=1)

    def trainable_parameters(self) -> int:
        """``N * d``: the only trainable numbers when the base is frozen."""
        return self.prompt_embeddings.numel()

    # peft-format files (save_prompt_adapter / load_prompt_adapter below), as methods too.
    def save_adapter(self, path: str | Any, *, base_model_name_or_path: str | None = None) -> None:
        """Writes peft's PROMPT_TUNING format (``num_transformer_submodules=1``)."""
        save_prompt_adapter(self, path, base_model_name_or_path=base_model_name_or_path)

    @classmethod
    def from_pretrained(
        cls, model: nn.Module, path: str | Any, *, is_trainable: bool = False
    ) -> SoftPromptModel:
        """Loads a peft PROMPT_TUNING adapter directory (ours or peft's) onto ``model``."""
        return load_prompt_adapter(model, path, is_trainable=is_trainable)

    def extra_repr(self) -> str:
        return f"num_virtual_tokens={self.num_virtual_tokens}, dim={self.prompt_embeddings.shape[1]}, init={self.init!r}"


# ------------------------------------------------------------------------------ peft-format files


def save_prompt_adapter(
    prompt_model: SoftPromptModel,
    path: PathLike,
    *,
    base_model_name_or_path: str | None = None,
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


def _first_attr(cfg: Any, *names: str) -> int | None:
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
