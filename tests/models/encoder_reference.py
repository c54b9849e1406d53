#!/usr/bin/env python3
"""Small random BERT-family models and what transformers computes with them, for
tests/models/encoder_test.cc.

usage: encoder_reference.py OUTDIR

For each family (BERT, RoBERTa, XLM-RoBERTa, DistilBERT) and head (*Model,
*ForSequenceClassification with 3 labels and with 1, *ForTokenClassification,
*ForMaskedLM), builds the model from its config class with random weights (every parameter
drawn, so LayerNorms and biases matter), saves it with save_pretrained (safetensors,
float32) as OUTDIR/<family>_<head>/, runs each input sequence alone (batch of one, no
padding, so no attention mask) and writes OUTDIR/expected.json:

  {"cases": [{"dir", "family", "head", "max_tokens",
              "sequences": [[ids]], "token_types": [[types]] or null,
              "lm_tokens": [indices into the concatenated sequences],
              "hidden": [floats, tokens x hidden], "logits": [floats] or null}]}

Logits are the head's raw outputs: [sequences, labels], [tokens, labels] or
[lm_tokens, vocab]. Inputs include a one-token sequence and one of the longest length the
position table allows; BERT's carry token types of a sentence pair; RoBERTa's contain the
padding id once, which transformers' position numbering skips.
"""
import json
import os
import sys
import warnings

os.environ["TRANSFORMERS_VERBOSITY"] = "error"
warnings.filterwarnings("ignore")

import torch
from transformers import (BertConfig, BertForMaskedLM, BertForSequenceClassification,
                          BertForTokenClassification, BertModel, DistilBertConfig,
                          DistilBertForMaskedLM, DistilBertForSequenceClassification,
                          DistilBertForTokenClassification, DistilBertModel, RobertaConfig,
                          RobertaForMaskedLM, RobertaForSequenceClassification,
                          RobertaForTokenClassification, RobertaModel, XLMRobertaConfig,
                          XLMRobertaForMaskedLM, XLMRobertaForSequenceClassification,
                          XLMRobertaForTokenClassification, XLMRobertaModel)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)

SIZES = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
             max_position_embeddings=64)
FAMILIES = {
    "bert": (BertConfig(vocab_size=211, type_vocab_size=2, hidden_act="gelu", **SIZES),
             [BertModel, BertForSequenceClassification, BertForTokenClassification,
              BertForMaskedLM]),
    "roberta": (RobertaConfig(vocab_size=157, type_vocab_size=1, pad_token_id=1,
                              layer_norm_eps=1e-5, **SIZES),
                [RobertaModel, RobertaForSequenceClassification, RobertaForTokenClassification,
                 RobertaForMaskedLM]),
    "xlm-roberta": (XLMRobertaConfig(vocab_size=263, type_vocab_size=1, pad_token_id=1,
                                     layer_norm_eps=1e-5, hidden_act="gelu_new",
                                     num_hidden_layers=3, **{k: v for k, v in SIZES.items()
                                                             if k != "num_hidden_layers"}),
                    [XLMRobertaModel, XLMRobertaForSequenceClassification,
                     XLMRobertaForTokenClassification, XLMRobertaForMaskedLM]),
    "distilbert": (DistilBertConfig(vocab_size=101, dim=64, n_layers=3, n_heads=4,
                                    hidden_dim=128, max_position_embeddings=64,
                                    activation="gelu"),
                   [DistilBertModel, DistilBertForSequenceClassification,
                    DistilBertForTokenClassification, DistilBertForMaskedLM]),
}


def inputs(family, config):
    """The sequences (and token types) every head of a family is run on."""
    gen = torch.Generator().manual_seed(1)
    pad = config.pad_token_id
    offset = pad + 1 if family in ("roberta", "xlm-roberta") else 0
    longest = config.max_position_embeddings - offset
    sequences = []
    for n in (1, 7, 13, longest, 2):
        ids = torch.randint(0, config.vocab_size, (n,), generator=gen).tolist()
        # Token ids equal to the padding id change RoBERTa's positions: keep them out
        # except where one is put on purpose.
        ids = [i if i != pad else pad + 2 for i in ids]
        sequences.append(ids)
    if offset:
        sequences[2][5] = pad
    types = None
    if family == "bert":
        types = [[0] * (len(s) // 2) + [1] * (len(s) - len(s) // 2) for s in sequences]
    return sequences, types, longest


def randomise(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name or "layer_norm.weight" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.1 * torch.randn_like(p))


cases = []
for family, (config, classes) in FAMILIES.items():
    sequences, types, longest = inputs(family, config)
    starts = [sum(len(s) for s in sequences[:i]) for i in range(len(sequences))]
    lm_tokens = sorted({starts[i] + j for i, s in enumerate(sequences)
                        for j in (0, len(s) // 2, len(s) - 1)})
    for cls in classes + [classes[1]]:
        head = cls.__name__.split("For")[-1] if "For" in cls.__name__ else "Model"
        labels = 3
        if head == "SequenceClassification" and any(c["family"] == family and
                                                    c["head"] == head for c in cases):
            labels = 1  # the second sequence classifier: one label (regression)
        config.num_labels = labels
        model = cls(config).eval()
        randomise(model)
        name = f"{family}_{head}" + ("_1" if labels == 1 else "")
        model.save_pretrained(os.path.join(out, name), safe_serialization=True)
        hidden, logits = [], []
        with torch.no_grad():
            for i, ids in enumerate(sequences):
                kwargs = {"input_ids": torch.tensor([ids])}
                if types is not None:
                    kwargs["token_type_ids"] = torch.tensor([types[i]])
                kwargs["output_hidden_states"] = True
                result = model(**kwargs)
                hidden += result.hidden_states[-1][0].flatten().tolist()
                if head == "SequenceClassification":
                    logits += result.logits[0].flatten().tolist()
                elif head == "TokenClassification":
                    logits += result.logits[0].flatten().tolist()
                elif head == "MaskedLM":
                    wanted = [t - starts[i] for t in lm_tokens
                              if starts[i] <= t < starts[i] + len(ids)]
                    logits += result.logits[0][wanted].flatten().tolist()
        cases.append({"dir": name, "family": family, "head": head, "max_tokens": longest,
                      "sequences": sequences, "token_types": types, "lm_tokens": lm_tokens,
                      "hidden": hidden, "logits": logits if head != "Model" else None})

with open(os.path.join(out, "expected.json.tmp"), "w") as f:
    json.dump({"cases": cases}, f)
os.replace(os.path.join(out, "expected.json.tmp"), os.path.join(out, "expected.json"))
