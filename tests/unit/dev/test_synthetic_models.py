"""The random checkpoints benchmarks and tests score: their tokenizer must cut text into real
word pieces. Under transformers 5, ``BertTokenizerFast(vocab_file=...)`` silently ignored the
file and turned every word into [UNK]; these tests would have caught it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civicmod.dev.synthetic_models import bert_tokenizer, build_detoxify_checkpoint, read_vocab

pytest.importorskip("torch")

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def test_the_built_in_vocabulary_cuts_words_into_pieces_not_unknowns(tmp_path: Path):
    from transformers import AutoTokenizer

    _, hf = build_detoxify_checkpoint(tmp_path, arch="bert-tiny")
    tok = AutoTokenizer.from_pretrained(hf)
    assert len(tok) == 2048
    pieces = tok.tokenize("The council's parking policy is a disgrace")
    assert "[UNK]" not in pieces and pieces[:3] == ["the", "council", "'"]
    assert len(set(tok("potholes on station road")["input_ids"])) == 6


def test_a_given_vocabulary_sets_the_tokenizer_and_the_embedding_table(tmp_path: Path):
    import torch
    from transformers import AutoTokenizer

    words = [*SPECIALS, "i", "like", "straw", "##berries", "[unused0]"]
    ckpt, hf = build_detoxify_checkpoint(tmp_path, arch="bert-tiny", vocab=words)
    tok = AutoTokenizer.from_pretrained(hf)
    assert tok("i like strawberries")["input_ids"] == [2, 5, 6, 7, 8, 3]
    state = torch.load(ckpt, weights_only=True)["state_dict"]
    assert state["bert.embeddings.word_embeddings.weight"].shape[0] == len(words)


def test_read_vocab_converts_the_sentencepiece_style_json_back_to_wordpiece(tmp_path: Path):
    path = tmp_path / "vocab.json"
    path.write_text(json.dumps(["[PAD]", "▁", "[UNK]", "▁i", "▁like", "▁straw", "berries", "▁!"]))
    assert read_vocab(path) == ["[PAD]", "[unused0]", "[UNK]", "i", "like", "straw", "##berries", "!"]
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\nhello\n##s\n")
    assert read_vocab(tmp_path / "vocab.txt") == ["[PAD]", "[UNK]", "hello", "##s"]
    path.write_text(json.dumps(["▁a", "▁a"]))
    with pytest.raises(ValueError, match="not a WordPiece vocabulary"):
        read_vocab(path)


def test_bert_tokenizer_holds_every_token_of_its_file(tmp_path: Path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join([*SPECIALS, "hello", "world", "##s"]) + "\n")
    tok = bert_tokenizer(vocab, 64)
    assert len(tok) == 8 and tok.tokenize("Hello worlds") == ["hello", "world", "##s"]
