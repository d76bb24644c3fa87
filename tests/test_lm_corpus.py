"""The language-model corpus: prepare, Corpus.open, the byte tokenizer and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from grapheme_lab.cli import main
from grapheme_lab.lm import corpus as corpus_mod
from grapheme_lab.lm.corpus import (
    EMBEDDED_TEST,
    EMBEDDED_VAL,
    ByteTokenizer,
    Corpus,
    ensure_embedded,
    normalize_text,
    prepare,
    strip_gutenberg,
)
from grapheme_lab.tokenizer import BPETokenizer

TEXTS = {
    "alpha": "The first document.\nIt has two lines.\n",
    "beta": "Ünïcödé text — with dashes, 漢字 and emoji 🎭.\n",
    "gamma": "Third: more words, more words, more words.\n" * 5,
    "delta": "Fourth document, ending without a newline",
    "epsilon": "Fifth <|bos|> holds special token text, which stays text.\n",
}

MODERN = ("The Project Gutenberg EBook of Test, by Someone\r\n\r\nLicence words.\r\n\r\n"
          "*** START OF THIS PROJECT GUTENBERG EBOOK TEST ***\r\n\r\n\r\nACT I\r\nBody line.\r\n\r\n"
          "*** END OF THIS PROJECT GUTENBERG EBOOK TEST ***\r\n\r\nMore licence.\r\n")
OLD = ("**The Project Gutenberg Etext of Test**\n*****These Etexts Are Prepared By Thousands of Volunteers!*****\n"
       "small print\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*\n\n"
       "  TITLE\nOld body.\n\nEnd of Project Gutenberg's Etext of Test\n")


def write_docs(folder, texts=TEXTS):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
    return folder


def all_texts(corpus: Corpus) -> dict[str, tuple[str, str]]:
    return {d.name: (split, corpus.text(d)) for split in ("train", "val", "test") for d in corpus.documents(split)}


def test_round_trip_and_layout(tmp_path):
    docs = write_docs(tmp_path / "docs")
    (docs / "crlf.txt").write_bytes(b"\xef\xbb\xbfwindows\r\nline\rold mac\r\n")
    (docs / "invalid.txt").write_bytes(b"bad \xff\xfe bytes\n")
    c = prepare([str(docs)], tmp_path / "c", tokenizer="bytes", val_docs=1, holdout=["beta"], progress=False)
    got = all_texts(c)
    expected = {**TEXTS, "crlf": "windows\nline\nold mac\n", "invalid": "bad \ufffd\ufffd bytes\n"}
    assert {name: text for name, (_, text) in got.items()} == expected
    assert got["beta"][0] == "test" and sum(split == "val" for split, _ in got.values()) == 1
    assert c.tokenizer_spec == "bytes" and c.bos_id == 256 and c.vocab_size == 257
    m = c.manifest
    assert m["format"] == "grapheme_lab.corpus/1" and m["dtype"] == "uint16" and m["tokenizer"] == "bytes"
    assert not (tmp_path / "c" / "tokenizer.json").exists()
    for split in ("train", "val", "test"):
        shards = c.shards(split)
        assert len(shards) == 1 and isinstance(shards[0], np.memmap) and shards[0].dtype == np.uint16
        docs_ = c.documents(split)
        # whole documents back to back, each after its <|bos|>
        assert sum(d.end - d.start for d in docs_) == len(shards[0])
        assert all(shards[0][d.start] == 256 for d in docs_) and docs_[0].start == 0
        assert (shards[0] == 256).sum() == len(docs_)  # the text's "<|bos|>" stayed bytes
        for d in docs_:
            record = next(r for r in m["documents"] if r["name"] == d.name)
            assert record["tokens"] == d.n_tokens == len(expected[d.name].encode())
            assert record["bytes"] == d.n_bytes == len(expected[d.name].encode())
            assert record["shard"] == f"{split}_000.npy" and record["start"] == d.start
        assert m["splits"][split] == {"documents": len(docs_), "bytes": sum(d.n_bytes for d in docs_),
                                      "tokens": sum(d.n_tokens for d in docs_)}
    assert m["held_out"]["test"] == ["beta"]


def test_trained_tokenizer_sees_training_documents_only(tmp_path):
    texts = {f"doc{i}": f"common words here, document {i}.\n" * 20 for i in range(4)}
    texts["secret"] = "zqxj zqxj zqxj zqxj " * 200  # a pair only the held-out text has
    c = prepare([str(write_docs(tmp_path / "d", texts))], tmp_path / "c", vocab_size=300, holdout=["secret"],
                val_docs=0, progress=False)
    tok = c.tokenizer()
    assert isinstance(tok, BPETokenizer) and tok.special_tokens == {"<|bos|>": c.bos_id}
    assert len(tok.encode("zqxj")) == 4  # never merged: the tokenizer did not see the test document
    assert BPETokenizer.load(tmp_path / "c" / "tokenizer.json").merges == tok.merges
    assert c.manifest["tokenizer"]["sha256"] == corpus_mod._sha256(tmp_path / "c" / "tokenizer.json")
    assert all_texts(c)["secret"] == ("test", texts["secret"])


def test_given_tokenizer_is_copied_and_must_have_bos(tmp_path):
    docs = write_docs(tmp_path / "d")
    tok = BPETokenizer.train(list(TEXTS.values()) * 3, 280, special_tokens=["<|x|>", "<|bos|>"])
    tok.save(tmp_path / "tok.json")
    c = prepare([str(docs)], tmp_path / "c", tokenizer=str(tmp_path / "tok.json"), progress=False)
    assert (tmp_path / "c" / "tokenizer.json").read_bytes() == (tmp_path / "tok.json").read_bytes()
    assert c.bos_id == tok.special_tokens["<|bos|>"] and {n: t for n, (_, t) in all_texts(c).items()} == TEXTS
    BPETokenizer.train(["abc"] * 3, 260).save(tmp_path / "nobos.json")
    with pytest.raises(ValueError, match=r"nobos\.json has no <\|bos\|> special token"):
        prepare([str(docs)], tmp_path / "c2", tokenizer=str(tmp_path / "nobos.json"), progress=False)
    assert not (tmp_path / "c2").exists()


def test_gutenberg_headers_and_footers_are_stripped(tmp_path):
    assert normalize_text(MODERN) == "ACT I\nBody line.\n"
    assert strip_gutenberg(OLD) == "  TITLE\nOld body.\n"
    assert strip_gutenberg("no markers\n\n") == "no markers\n\n"
    assert normalize_text("*** START OF THE PROJECT GUTENBERG EBOOK X ***\nonly a header\n") == "only a header\n"
    d = tmp_path / "d"
    d.mkdir()
    (d / "modern.txt").write_bytes(MODERN.encode())
    (d / "old.txt").write_text(OLD, encoding="utf-8")
    (d / "plain.txt").write_text("plain\n", encoding="utf-8")
    c = prepare([str(d)], tmp_path / "c", tokenizer="bytes", progress=False)
    texts = {n: t for n, (_, t) in all_texts(c).items()}
    assert texts == {"modern": "ACT I\nBody line.\n", "old": "  TITLE\nOld body.\n", "plain": "plain\n"}


def test_duplicates_and_empty_documents_are_dropped(tmp_path):
    d = write_docs(tmp_path / "d", {"a": "same text\nhere\n", "b": "other\n", "c": "x\n"})
    (d / "a_copy.txt").write_bytes(b"same text\r\nhere\r\n")  # equal after normalisation
    (d / "blank.txt").write_text("  \n\n", encoding="utf-8")
    c = prepare([str(d)], tmp_path / "c", tokenizer="bytes", progress=False)
    assert sorted(all_texts(c)) == ["a", "b", "c"]
    assert c.manifest["duplicates_dropped"] == 1 and c.manifest["empty_dropped"] == 1
    assert "dropped: 1 duplicate, 1 empty documents" in _stats(tmp_path / "c")


def test_splits_are_disjoint_whole_documents(tmp_path):
    texts = {f"w{i:02d}": f"work number {i}\n" * (i + 1) for i in range(12)}
    d = write_docs(tmp_path / "d", texts)
    c = prepare([str(d)], tmp_path / "c", tokenizer="bytes", holdout_docs=3, val=["w05", "w07"], seed=3,
                progress=False)
    got = all_texts(c)
    splits = {s: sorted(n for n, (split, _) in got.items() if split == s) for s in ("train", "val", "test")}
    assert splits["val"] == ["w05", "w07"] and len(splits["test"]) == 3 and len(splits["train"]) == 7
    assert set(splits["train"]) | set(splits["val"]) | set(splits["test"]) == set(texts)
    assert c.manifest["held_out"] == {"val": ["w05", "w07"], "test": splits["test"]}
    assert {n: t for n, (_, t) in got.items()} == texts
    train_bytes = c.tokenizer().decode_bytes(c.shards("train")[0].tolist())
    for name in splits["test"]:
        assert texts[name].encode() not in train_bytes
    # another seed picks other test documents
    c2 = prepare([str(d)], tmp_path / "c2", tokenizer="bytes", holdout_docs=3, val=["w05", "w07"], seed=4,
                 progress=False)
    assert c2.manifest["held_out"]["test"] != c.manifest["held_out"]["test"]
    # default: one validation document among three or more, none for fewer
    c3 = prepare([str(write_docs(tmp_path / "d3", {"x": "x\n", "y": "y\n"}))], tmp_path / "c3", tokenizer="bytes",
                 progress=False)
    assert c3.manifest["held_out"] == {"val": [], "test": []}


def test_determinism(tmp_path):
    d = write_docs(tmp_path / "d")
    runs = []
    for out in ("c1", "c2"):
        prepare([str(d)], tmp_path / out, vocab_size=290, holdout_docs=1, val_docs=1, seed=7, progress=False)
        runs.append({p.name: p.read_bytes() for p in sorted((tmp_path / out).iterdir())})
    assert runs[0] == runs[1]
    assert sorted(runs[0]) == ["manifest.json", "test_000.npy", "tokenizer.json", "train_000.npy", "val_000.npy"]


def test_uint32_when_the_vocabulary_passes_65536(tmp_path):
    big = BPETokenizer.from_merges([(a, b) for a in range(256) for b in range(256)], special_tokens=["<|bos|>"])
    assert big.vocab_size == 65793
    big.save(tmp_path / "big.json")
    d = write_docs(tmp_path / "d")
    c = prepare([str(d)], tmp_path / "c", tokenizer=str(tmp_path / "big.json"), progress=False)
    assert c.manifest["dtype"] == "uint32" and c.shards("train")[0].dtype == np.uint32
    assert c.bos_id == 65792 and c.shards("train")[0].max() == 65792
    assert {n: t for n, (_, t) in all_texts(c).items()} == TEXTS
    with pytest.raises(ValueError, match="65793 tokens does not fit uint16"):
        prepare([str(d)], tmp_path / "c16", tokenizer=str(tmp_path / "big.json"), dtype="uint16", progress=False)
    assert not (tmp_path / "c16").exists()
    assert corpus_mod.shard_dtype(65536) == "uint16" and corpus_mod.shard_dtype(65537) == "uint32"
    with pytest.raises(ValueError, match="does not fit uint32"):
        corpus_mod.shard_dtype(1 << 33)


def test_shards_split_between_whole_documents_and_reruns_replace_cleanly(tmp_path, monkeypatch):
    texts = {f"d{i}": f"{i}" + "x" * 39 + "\n" for i in range(6)}  # 41 bytes: 42 ids with its <|bos|>
    d = write_docs(tmp_path / "d", texts)
    monkeypatch.setattr(corpus_mod, "SHARD_TOKENS", 100)
    c = prepare([str(d)], tmp_path / "c", tokenizer="bytes", val_docs=0, progress=False)
    assert [len(s) for s in c.shards("train")] == [84, 84, 84]
    assert [(doc.shard, doc.start) for doc in c.documents("train")] == [(0, 0), (0, 42), (1, 0), (1, 42),
                                                                         (2, 0), (2, 42)]
    assert all(c.text(doc) == texts[doc.name] for doc in c.documents("train"))
    monkeypatch.setattr(corpus_mod, "SHARD_TOKENS", 1 << 26)
    c = prepare([str(d)], tmp_path / "c", vocab_size=270, val_docs=1, progress=False)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["manifest.json", "tokenizer.json",
                                                                   "train_000.npy", "val_000.npy"]
    c = prepare([str(d)], tmp_path / "c", tokenizer="bytes", val_docs=0, progress=False)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["manifest.json", "train_000.npy"]
    assert Corpus.open(tmp_path / "c").tokenizer_spec == "bytes"


def test_json_rows_are_documents(tmp_path):
    rows = [{"text": "row zero\r\n"}, {"text": None}, {"text": "row two\n"}, {"text": "row zero\n"}]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    src = str(tmp_path / "rows.jsonl")
    c = prepare([src], tmp_path / "c", tokenizer="bytes", progress=False)
    assert {n: t for n, (_, t) in all_texts(c).items()} == {f"{src}#0": "row zero\n", f"{src}#2": "row two\n"}
    assert c.manifest["duplicates_dropped"] == 1
    assert {r["source"] for r in c.manifest["documents"]} == {src}
    (tmp_path / "ints.jsonl").write_text('{"text": 3}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="row 0's 'text' is a int, not text"):
        prepare([str(tmp_path / "ints.jsonl")], tmp_path / "c3", tokenizer="bytes", progress=False)
    with pytest.raises(ValueError, match="no column 'body'"):
        prepare([src], tmp_path / "c2", tokenizer="bytes", text_field="body", progress=False)


def test_max_docs_keeps_the_first(tmp_path):
    c = prepare([str(write_docs(tmp_path / "d"))], tmp_path / "c", tokenizer="bytes", max_docs=2, progress=False)
    assert sorted(all_texts(c)) == ["alpha", "beta"]  # files are read in sorted order


@pytest.mark.parametrize("case, pattern", [
    ("no documents", "no documents in"),
    ("all held out", "every document is held out"),
    ("unknown name", "test document 'nope' matches no document"),
    ("too many", "asked for 9 test documents but only 5"),
    ("both val and test", "named for both test and val"),
    ("foreign output", "holds 'notes.md', which is not part of a corpus"),
])
def test_bad_input_is_a_clear_error_and_leaves_no_manifest(tmp_path, case, pattern):
    d = write_docs(tmp_path / "d")
    out = tmp_path / "c"
    kwargs = dict(tokenizer="bytes", progress=False)
    inputs = [str(d)]
    if case == "no documents":
        e = tmp_path / "e"
        e.mkdir()
        (e / "blank.txt").write_text("\n\n", encoding="utf-8")
        inputs = [str(e)]
    elif case == "all held out":
        kwargs.update(holdout=["alpha", "beta", "gamma"], val=["delta", "epsilon"])
    elif case == "unknown name":
        kwargs.update(holdout=["nope"])
    elif case == "too many":
        kwargs.update(holdout_docs=9)
    elif case == "both val and test":
        kwargs.update(holdout=["alpha"], val=["alpha"])
    elif case == "foreign output":
        out.mkdir()
        (out / "notes.md").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match=pattern):
        prepare(inputs, out, **kwargs)
    assert not (out / "manifest.json").exists()


def test_open_rejects_damaged_corpora(tmp_path):
    d = write_docs(tmp_path / "d")
    out = tmp_path / "c"
    with pytest.raises(ValueError, match="not a prepared corpus"):
        Corpus.open(tmp_path / "d")
    with pytest.raises(ValueError, match="no such directory"):
        Corpus.open(tmp_path / "missing")
    prepare([str(d)], out, vocab_size=280, progress=False)
    shard = out / "train_000.npy"
    good = shard.read_bytes()
    shard.write_bytes(good[:-10])
    with pytest.raises(ValueError, match=r"train_000\.npy: truncated"):
        Corpus.open(out)
    np.save(shard, np.frombuffer(good[128:], dtype=np.uint16).astype(np.uint32))  # the same ids, wrong type
    with pytest.raises(ValueError, match=r"train_000\.npy: a 1-D uint32 array, the manifest says 1-D uint16"):
        Corpus.open(out)
    shard.unlink()
    with pytest.raises(ValueError, match=r"train_000\.npy: shard missing"):
        Corpus.open(out)
    shard.write_bytes(good)
    Corpus.open(out)
    tok = out / "tokenizer.json"
    tok.write_bytes(tok.read_bytes() + b" ")
    with pytest.raises(ValueError, match=r"tokenizer\.json: sha256 differs"):
        Corpus.open(out)
    (out / "manifest.json").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a grapheme_lab.corpus/1 manifest"):
        Corpus.open(out)
    with pytest.raises(ValueError, match="will not replace"):
        prepare([str(d)], out, tokenizer="bytes", progress=False)


def test_byte_tokenizer():
    tok = ByteTokenizer()
    ids = tok.encode("é<|bos|>")
    assert ids == list("é<|bos|>".encode()) and tok.decode(ids) == "é<|bos|>"
    assert tok.encode("a<|bos|>b", allowed_special="all") == [97, 256, 98]
    assert tok.decode_bytes([97, 256]) == b"a<|bos|>" and tok.token_bytes(256) == b"<|bos|>"
    assert tok.special_tokens == {"<|bos|>": 256} and tok.vocab_size == 257
    with pytest.raises(ValueError):
        tok.token_bytes(257)


def _stats(path) -> str:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["corpus", "stats", str(path)]) == 0
    return buf.getvalue()


def test_cli_prepare_and_stats(tmp_path, capsys):
    d = write_docs(tmp_path / "d")
    rc = main(["corpus", "prepare", "--input", str(d), "--tokenizer", "bytes", "--output", str(tmp_path / "c"),
               "--holdout", "beta", "--val-docs", "1", "--no-progress"])
    assert rc == 0
    capsys.readouterr()
    out = _stats(tmp_path / "c")
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("split"))
    rows = {line.split()[0]: line.split()[1:] for line in lines[header + 1:header + 5]}
    n_beta = len(TEXTS["beta"].encode())
    assert rows["test"] == ["1", f"{n_beta:,}", f"{n_beta:,}", "1.000"]
    assert rows["total"][0] == "5" and rows["train"][0] == "3" and rows["val"][0] == "1"
    assert "held out (test): beta" in out
    assert len({len(line) for line in lines[header:header + 5]}) == 1  # an aligned table


@pytest.mark.parametrize("argv, message", [
    (["--input", "MISSING"], "input not found"),
    (["--holdout", "nope"], "matches no document"),
    (["--holdout", "alpha", "beta", "gamma", "delta", "epsilon"], "every document is held out"),
    (["--tokenizer", "nobos.json"], "no <|bos|> special token"),
])
def test_cli_bad_input_exits_2(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    write_docs(tmp_path / "d")
    BPETokenizer.train(["abc"] * 3, 260).save(tmp_path / "nobos.json")
    base = ["corpus", "prepare", "--input", "d", "--tokenizer", "bytes", "--output", "c", "--no-progress"]
    assert main(base + argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "c" / "manifest.json").exists()
    assert main(["corpus", "stats", "d"]) == 2
    assert "not a prepared corpus" in capsys.readouterr().err


def test_embedded_default(tmp_path):
    c = ensure_embedded(tmp_path / "c", vocab_size=600, progress=False)
    m = c.manifest
    assert m["inputs"] == "embedded" and m["splits"]["train"]["documents"] == 33
    assert m["held_out"] == {"test": list(EMBEDDED_TEST), "val": list(EMBEDDED_VAL)}
    assert m["tokenizer"]["file"] == "tokenizer.json" and c.vocab_size == 600
    doc = c.documents("test")[0]
    assert doc.name == "julius_caesar" and c.text(doc).startswith("JULIUS CAESAR")
    manifest = tmp_path / "c" / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    assert ensure_embedded(tmp_path / "c", vocab_size=600).manifest == m
    assert manifest.stat().st_mtime_ns == stamp  # opened, not prepared again
    (tmp_path / "c" / "val_000.npy").unlink()  # incomplete: prepared again
    assert ensure_embedded(tmp_path / "c", vocab_size=600, progress=False).manifest == m


def test_cli_unreachable_hub_dataset_is_a_clear_error(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1")
    r = subprocess.run([sys.executable, "-m", "grapheme_lab", "corpus", "prepare", "--input", "hf:someone/nothing",
                        "--output", "c", "--no-progress"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "could not load data set 'someone/nothing'" in r.stderr
    assert not (tmp_path / "c").exists()


def test_inputs_may_be_one_path_or_paths(tmp_path):
    d = write_docs(tmp_path / "d")
    a = prepare(d, tmp_path / "a", tokenizer="bytes", progress=False)
    b = prepare([d / "alpha.txt", str(d / "beta.txt")], tmp_path / "b", tokenizer="bytes", progress=False)
    assert a.manifest["inputs"] == [str(d)] and len(a.manifest["documents"]) == 5
    assert b.manifest["inputs"] == [str(d / "alpha.txt"), str(d / "beta.txt")]
    assert sorted(all_texts(b)) == ["alpha", "beta"]
