"""Tiny models built from configs (nothing downloaded), shared by the train tests."""

from __future__ import annotations

import torch
import transformers


def tiny_gpt2(seed: int = 0, vocab_size: int = 128, dtype=None):
    torch.manual_seed(seed)
    cfg = transformers.GPT2Config(
        n_layer=2,
        n_embd=64,
        n_head=4,
        vocab_size=vocab_size,
        n_positions=64,
        bos_token_id=1,
        eos_token_id=1,
    )
    model = transformers.GPT2LMHeadModel(cfg).eval()
    return model.to(dtype) if dtype is not None else model


def tiny_t5(seed: int = 0):
    torch.manual_seed(seed)
    cfg = transformers.T5Config(
        vocab_size=30,
        d_model=64,
        d_ff=128,
        d_kv=16,
        num_heads=4,
        num_layers=2,
        decoder_start_token_id=0,
    )
    return transformers.T5ForConditionalGeneration(cfg).eval()


def tiny_llama(seed: int = 0):
    torch.manual_seed(seed)
    cfg = transformers.LlamaConfig(
        vocab_size=64,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
    )
    return transformers.LlamaForCausalLM(cfg).eval()


class Net(torch.nn.Module):
    """Plain nn.Module from peft-anchors §1.3: 2 blocks of q, v (32->32), ff (32->128), out (128->32) + head."""

    def __init__(self) -> None:
        super().__init__()
        nn = torch.nn
        self.blocks = nn.ModuleList(
            nn.ModuleDict(
                {
                    "q": nn.Linear(32, 32),
                    "v": nn.Linear(32, 32),
                    "ff": nn.Linear(32, 128),
                    "out": nn.Linear(128, 32),
                }
            )
            for _ in range(2)
        )
        self.head = nn.Linear(32, 3)

    def forward(self, x):
        for b in self.blocks:
            x = x + b["out"](torch.relu(b["ff"](b["q"](x) + b["v"](x))))
        return self.head(x)


def tiny_net(seed: int = 0, dtype=torch.float32) -> Net:
    torch.manual_seed(seed)
    return Net().to(dtype).eval()


def _bert_config():
    return transformers.BertConfig(
        vocab_size=64,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=32,
        num_labels=3,
    )


def tiny_bert_classifier(seed: int = 0):
    torch.manual_seed(seed)
    return transformers.BertForSequenceClassification(_bert_config()).eval()


def tiny_bert(seed: int = 0):
    torch.manual_seed(seed)
    return transformers.BertModel(_bert_config()).eval()


class ConvNet(torch.nn.Module):
    """A tiny CNN: 3x3 and 1x1 convs, a grouped strided conv, then a linear head."""

    def __init__(self) -> None:
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.pointwise = nn.Conv2d(8, 8, 1)
        self.grouped = nn.Conv2d(8, 8, 3, stride=2, groups=2)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.pointwise(x))
        x = self.grouped(x)
        return self.head(x.mean(dim=(2, 3)))


def tiny_convnet(seed: int = 0) -> ConvNet:
    torch.manual_seed(seed)
    return ConvNet().eval()
