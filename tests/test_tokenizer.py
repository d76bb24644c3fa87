"""Byte-level BPE: equality with tiktoken, a reference trainer, Hugging Face; bad input."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import sysconfig
from collections import Counter
from pathlib import Path

import pytest

from grapheme_lab import GraphemeError
from grapheme_lab.tokenizer import CHAT_SPECIAL_TOKENS, GPT4_PATTERN, BPETokenizer

CORPUS_DIR = Path(__file__).resolve().parents[1] / "python" / "grapheme_lab" / "data" / "corpus"

VARIED = [
    "Hello, world! It's a test; they'll see. DON'T 'S 'Ll 'ſ",
    "café naïve résumé Ünïcödé — “quotes” ‘single’ … ß ẞ",
    "日本語のテキスト、中文文本。한국어 텍스트 العربية עברית Ελληνικά русский",
    "emoji 😀😃😄 👩‍👩‍👧‍👦 🇫🇷 ❤️ 🤖🤖🤖",
    "digits 1234567890 3.14159 1,000,000 ١٢٣٤ ²³ ½ 0x1F 1e-9",
    "whitespace   runs\t\ttabs\n\n\nnewlines\r\n\r\n  \n \u00a0nbsp\u2028sep\u3000ideo   ",
    "def f(x: int) -> int:\n    return x ** 2  # square\n\n\nclass A(B):\n\tpass\n",
    "for (int i = 0; i < n; ++i) { a[i] += b[i] * 2; }  // C\n",
    '{"key": [1, 2, 3], "nested": {"a": null}}\n',
    "<|bos|> special-looking <|user_start|> text <|unknown|>",
    "",
    " ",
    "\n",
    "a",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    " " * 300 + "x" + "\n" * 100,
]


def corpus_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS_DIR.glob("*.txt"))[:3]]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for name in ["json/__init__.py", "functools.py", "textwrap.py"]:
        p = stdlib / name
        if p.exists():
            texts.append(p.read_text(encoding="utf-8"))
    texts.extend(VARIED * 3)
    return texts


@pytest.fixture(scope="module")
def tok() -> BPETokenizer:
    return BPETokenizer.train(corpus_texts(), vocab_size=3000, special_tokens=CHAT_SPECIAL_TOKENS)


# -- a slow, obviously-correct reference trainer ------------------------------------


def reference_train(texts, vocab_size, pattern=GPT4_PATTERN, min_frequency=1):
    """Recounts every pair after every merge; ties go to the smallest (left, right)."""
    import regex

    words = Counter()
    for t in texts:
        words.update(regex.findall(pattern, t))
    seqs = {tuple(w.encode("utf-8")): c for w, c in words.items()}
    tokens = [bytes([b]) for b in range(256)]
    merges = []
    while len(tokens) < vocab_size:
        pairs = Counter()
        for seq, c in seqs.items():
            for a, b in zip(seq, seq[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        if pairs[best] < min_frequency:
            break
        joined = tokens[best[0]] + tokens[best[1]]
        if joined in tokens:
            new_id = tokens.index(joined)
        else:
            tokens.append(joined)
            new_id = len(tokens) - 1
        merges.append(best)
        new_seqs = Counter()
        for seq, c in seqs.items():
            out, i = [], 0
            while i < len(seq):
                if i + 1 < len(seq) and (seq[i], seq[i + 1]) == best:
                    out.append(new_id)
                    i += 2
                else:
                    out.append(seq[i])
                    i += 1
            new_seqs[tuple(out)] += c
        seqs = new_seqs
    return merges


@pytest.mark.parametrize(
    "texts,vocab",
    [
        (["hello world hello there, hello again"], 280),
        (["aaaa aaaaa aaa bbbb abababab ab ab", "aaaa"], 290),
        ([VARIED[1], VARIED[2], VARIED[3], VARIED[6]], 400),
        (["the cat sat on the mat. " * 5, "then the theme there"], 320),
    ],
)
def test_merges_equal_reference_trainer(texts, vocab):
    ours = BPETokenizer.train(texts, vocab_size=vocab)
    assert ours.merges == reference_train(texts, vocab)


def test_merges_equal_reference_on_shakespeare_excerpt():
    text = (CORPUS_DIR / "julius_caesar.txt").read_text(encoding="utf-8")[:20000]
    assert BPETokenizer.train([text], 420).merges == reference_train([text], 420)


def test_min_frequency_matches_reference():
    texts = ["abc abc abd xyz xy"]
    ours = BPETokenizer.train(texts, 400, min_frequency=2)
    assert ours.merges == reference_train(texts, 400, min_frequency=2)
    assert ours.vocab_size < 400


# -- tiktoken equality ------------------------------------------------------------


def test_tiktoken_gives_our_ids(tok):
    tiktoken = pytest.importorskip("tiktoken")
    enc = tiktoken.Encoding(
        "grapheme_lab-test",
        pat_str=tok.pattern,
        mergeable_ranks=tok.mergeable_ranks(),
        special_tokens=tok.special_tokens,
    )
    texts = VARIED + corpus_texts()[:4]
    rng = random.Random(0)
    alphabet = "ab é日😀1٣² \t\n\r'sS!?.-_#\u00a0\u3000"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(300)]
    for text in texts:
        assert tok.encode(text) == enc.encode_ordinary(text), text[:80]
        assert tok.encode(text, allowed_special="all") == enc.encode(text, allowed_special="all"), text[:80]
    assert tok.encode_batch(texts) == [enc.encode_ordinary(t) for t in texts]


def test_mergeable_ranks_are_ids(tok):
    ranks = tok.mergeable_ranks()
    assert len(ranks) == tok.vocab_size - len(tok.special_tokens)
    assert sorted(ranks.values()) == list(range(len(ranks)))
    assert all(tok.token_bytes(i) == b for b, i in ranks.items())
    assert all(ranks[bytes([b])] == b for b in range(256))


# -- round trips, specials ----------------------------------------------------------


def test_decode_encode_round_trip(tok):
    rng = random.Random(1)
    texts = list(VARIED)
    texts += ["".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(50)) for _ in range(50)]
    texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
    for text in texts:
        ids = tok.encode(text)
        assert tok.decode(ids) == text
        assert tok.decode_bytes(ids) == text.encode("utf-8")


def test_special_tokens(tok):
    specials = tok.special_tokens
    assert list(specials) == list(CHAT_SPECIAL_TOKENS)
    assert sorted(specials.values()) == list(range(tok.vocab_size - len(specials), tok.vocab_size))
    text = "<|bos|>hi<|user_start|>question<|user_end|>"
    plain = tok.encode(text)
    assert not set(plain) & set(specials.values())
    assert tok.decode(plain) == text
    ids = tok.encode(text, allowed_special="all")
    assert [i for i in ids if i in specials.values()] == [specials[s] for s in
                                                         ("<|bos|>", "<|user_start|>", "<|user_end|>")]
    only_bos = tok.encode(text, allowed_special={"<|bos|>"})
    assert [i for i in only_bos if i in specials.values()] == [specials["<|bos|>"]]
    assert tok.decode(ids) == text
    with pytest.raises(GraphemeError, match="not a special token"):
        tok.encode(text, allowed_special={"<|nope|>"})


def test_special_token_text_in_corpus_is_never_a_special(tmp_path):
    t = BPETokenizer.train(["<|bos|> " * 50 + "plain text"], 300, special_tokens=["<|bos|>"])
    assert t.special_tokens["<|bos|>"] == t.vocab_size - 1
    assert t.special_tokens["<|bos|>"] not in t.encode("<|bos|> <|bos|>")


def test_save_load_round_trip(tok, tmp_path):
    path = tmp_path / "sub" / "tok.json"
    tok.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "grapheme_lab.bpe" and data["version"] == 1
    assert data["vocab_size"] == tok.vocab_size
    back = BPETokenizer.load(path)
    assert back.merges == tok.merges and back.special_tokens == tok.special_tokens
    assert back.pattern == tok.pattern
    for text in VARIED:
        assert back.encode(text, allowed_special="all") == tok.encode(text, allowed_special="all")
    assert [p.name for p in path.parent.iterdir()] == ["tok.json"]  # no temp file left


def test_pickle_round_trip(tok):
    import pickle

    back = pickle.loads(pickle.dumps(tok))
    assert back.merges == tok.merges and back.special_tokens == tok.special_tokens
    assert back.encode(VARIED[0], allowed_special="all") == tok.encode(VARIED[0], allowed_special="all")


def test_huggingface_export_round_trip(tok, tmp_path):
    tokenizers = pytest.importorskip("tokenizers")
    path = tmp_path / "tokenizer.json"
    tok.save_huggingface(path)
    hf = tokenizers.Tokenizer.from_file(str(path))
    assert hf.get_vocab_size() == tok.vocab_size
    texts = VARIED + [corpus_texts()[0][:30000]]
    for text in texts:
        ids = tok.encode(text, allowed_special="all")
        assert hf.encode(text).ids == ids, text[:80]
        assert hf.decode(ids, skip_special_tokens=False) == text


def test_custom_pattern(tmp_path):
    t = BPETokenizer.train(["ab ab ab cd cd"], 260, pattern=r"\w+|\s+")
    assert t.pattern == r"\w+|\s+"
    assert t.merges == reference_train(["ab ab ab cd cd"], 260, pattern=r"\w+|\s+")
    assert t.decode(t.encode("ab cd")) == "ab cd"
    t.save(tmp_path / "t.json")
    assert BPETokenizer.load(tmp_path / "t.json").encode("abab") == t.encode("abab")


# -- streaming and determinism ------------------------------------------------------


def test_streaming_batches_do_not_change_the_result():
    texts = corpus_texts()
    whole = BPETokenizer.train(texts, 800)
    streamed = BPETokenizer.train((t for t in texts), 800, batch_bytes=1000)
    assert streamed.merges == whole.merges


THREAD_SCRIPT = """
import sys
from grapheme_lab.tokenizer import BPETokenizer
texts = [open(p, encoding='utf-8').read() for p in sys.argv[2:]]
BPETokenizer.train(texts, 1500, special_tokens=['<|bos|>']).save(sys.argv[1])
"""


def test_same_output_for_any_thread_count(tmp_path):
    files = [str(p) for p in sorted(CORPUS_DIR.glob("*.txt"))[:3]]
    outputs = []
    for threads in (1, 2, 5):
        out = tmp_path / f"t{threads}.json"
        env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
        subprocess.run([sys.executable, "-c", THREAD_SCRIPT, str(out), *files], check=True, env=env)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_equals_rustbpe_on_a_small_corpus():
    rustbpe = pytest.importorskip("rustbpe")
    texts = corpus_texts()
    ours = BPETokenizer.train(texts, 1200)
    peer = rustbpe.Tokenizer()
    peer.train_from_iterator(iter(texts), 1200)
    assert {bytes(k): v for k, v in peer.get_mergeable_ranks()} == ours.mergeable_ranks()


# -- bad input ------------------------------------------------------------------------


def test_invalid_utf8_and_surrogates_become_replacement_chars():
    t = BPETokenizer.train([b"caf\xc3\xa9 \xff\xfe bad", "lone \ud800 surrogate"], 300)
    same = BPETokenizer.train(["caf\u00e9 \ufffd\ufffd bad", "lone \ufffd surrogate"], 300)
    assert t.merges == same.merges
    assert t.decode(t.encode("x \ud800 y")) == "x \ufffd y"
    assert t.decode([0xFF]) == "\ufffd"
    assert t.decode_bytes([0xFF]) == b"\xff"


def test_bad_inputs():
    with pytest.raises(GraphemeError, match="empty"):
        BPETokenizer.train([], 300)
    with pytest.raises(GraphemeError, match="empty"):
        BPETokenizer.train(["", ""], 300)
    with pytest.raises(GraphemeError, match="below 256"):
        BPETokenizer.train(["abc"], 255)
    with pytest.raises(GraphemeError, match="below 256"):
        BPETokenizer.train(["abc"], 257, special_tokens=["<a>", "<b>"])
    with pytest.raises(GraphemeError, match="not distinct"):
        BPETokenizer.train(["abc"], 300, special_tokens=["<a>", "<a>"])
    with pytest.raises(GraphemeError, match="does not compile"):
        BPETokenizer.train(["abc"], 300, pattern="(")
    with pytest.raises(TypeError):
        BPETokenizer.train("a single string", 300)
    with pytest.raises(FileNotFoundError):
        BPETokenizer.load("/no/such/tokenizer.json")
    t = BPETokenizer.train(["abc abc"], 260)
    with pytest.raises(GraphemeError, match="out of range"):
        t.decode([t.vocab_size])
    with pytest.raises(GraphemeError):
        BPETokenizer.from_merges([(300, 1)])


def test_corrupt_files_are_clear_errors(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text("not json", encoding="utf-8")
    with pytest.raises(GraphemeError, match="not a JSON"):
        BPETokenizer.load(p)
    p.write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(GraphemeError, match="not a grapheme_lab.bpe"):
        BPETokenizer.load(p)
    p.write_text('{"format": "grapheme_lab.bpe", "version": 1, "pattern": "x", "merges": [[999, 1]]}',
                 encoding="utf-8")
    with pytest.raises(GraphemeError):
        BPETokenizer.load(p)


# -- CLI --------------------------------------------------------------------------------


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grapheme_lab", "tokenizer", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_cli_train_encode_eval(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("hello world\nhello there\n" * 20, encoding="utf-8")
    (tmp_path / "docs" / "b.txt").write_bytes(b"bytes \xff\xfe here\n")
    (tmp_path / "rows.jsonl").write_text(
        "\n".join(json.dumps({"text": f"row {i} says hello"}) for i in range(30)), encoding="utf-8")
    r = cli("train", "--input", "docs", "rows.jsonl", "--vocab-size", "300", "--output", "tok.json",
            "--hf-output", "hf.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    tok = BPETokenizer.load(tmp_path / "tok.json")
    assert tok.vocab_size == 300 and list(tok.special_tokens) == list(CHAT_SPECIAL_TOKENS)
    reference = BPETokenizer.train(
        ["hello world\nhello there\n" * 20, "bytes \ufffd\ufffd here\n"] + [f"row {i} says hello" for i in range(30)],
        300, special_tokens=CHAT_SPECIAL_TOKENS)
    assert tok.merges == reference.merges

    r = cli("encode", "--tokenizer", "tok.json", "--text", "hello <|bos|>", "--allowed-special", "all", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [int(x) for x in r.stdout.split()] == tok.encode("hello <|bos|>", allowed_special="all")

    (tmp_path / "held.txt").write_text("hello world, a held-out line\n", encoding="utf-8")
    r = cli("eval", "--tokenizer", "tok.json", "--against", "hf.json", "--input", "held.txt", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()[1:]]
    n = len(tok.encode("hello world, a held-out line\n"))
    assert [int(row[1]) for row in rows] == [n, n]


def test_cli_parquet_and_default_corpus(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"content": ["alpha beta", "beta gamma", "gamma alpha"] * 10}),
                   tmp_path / "d.parquet")
    r = cli("train", "--input", "d.parquet", "--text-field", "content", "--vocab-size", "270",
            "--no-special-tokens", "--output", "p.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert BPETokenizer.load(tmp_path / "p.json").merges == BPETokenizer.train(
        ["alpha beta", "beta gamma", "gamma alpha"] * 10, 270).merges
    r = cli("train", "--vocab-size", "400", "--output", "default.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert BPETokenizer.load(tmp_path / "default.json").vocab_size == 400


def test_cli_errors(tmp_path):
    r = cli("train", "--input", "missing.txt", "--vocab-size", "300", "--output", "x.json", cwd=tmp_path)
    assert r.returncode == 2 and "input not found: missing.txt" in r.stderr
    r = cli("train", "--vocab-size", "10", "--output", "x.json", cwd=tmp_path)
    assert r.returncode == 2 and "below 256" in r.stderr
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    r = cli("train", "--input", "empty.txt", "--vocab-size", "300", "--output", "x.json", cwd=tmp_path)
    assert r.returncode == 2 and "empty" in r.stderr
    (tmp_path / "rows.jsonl").write_text('{"body": "x"}\n', encoding="utf-8")
    r = cli("train", "--input", "rows.jsonl", "--vocab-size", "300", "--output", "x.json", cwd=tmp_path)
    assert r.returncode == 2 and "text-field" in r.stderr
    assert not (tmp_path / "x.json").exists()


def test_cli_unreachable_hub_dataset_is_a_clear_error(tmp_path):
    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1")
    r = subprocess.run([sys.executable, "-m", "grapheme_lab", "tokenizer", "train", "--input", "hf:someone/nothing",
                        "--vocab-size", "300", "--output", "x.json"], cwd=tmp_path, capture_output=True, text=True,
                       env=env)
    assert r.returncode == 2 and "could not load data set 'someone/nothing'" in r.stderr
