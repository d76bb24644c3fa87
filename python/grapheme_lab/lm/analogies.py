"""``evaluate analogies --model CKPT``: a language model's token embedding on the word-analogy
questions of word2vec (``a : b :: c : d``, 19,544 of them in 14 sections) and, where gensim's
test data are installed, on word similarity (SimLex-999, WordSim-353).

The rules, so that nothing holds by construction: a word is its token when its encoding (with a
leading space, as inside a sentence, else bare) is one token; a question with a word that is not
is out of vocabulary and counted apart, never as answered. The answer is the token whose
embedding is nearest by cosine to ``b - a + c`` (unit rows, as word2vec's 3CosAdd) over the whole
vocabulary, the three query tokens excluded. Any kind with a token embedding works: the GPT's
``wte`` rows, or a model's ``token_embeddings()`` (TurnGPT's generated one).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from grapheme_lab import GraphemeError

QUESTIONS_FILE = Path(__file__).parent.parent / "data" / "eval" / "questions-words.txt"
#: gensim's test data files of word similarity: (name, file)
SIMILARITY_SETS = (("SimLex-999", "simlex999.txt"), ("WordSim-353", "wordsim353.tsv"))


def word_token(tokenizer, word: str) -> int | None:
    """The token of ``word`` when it is one token: with a leading space first, then bare; else None."""
    for text in (" " + word, word):
        ids = tokenizer.encode(text)
        if len(ids) == 1:
            return int(ids[0])
    return None


def read_questions(path: str | Path) -> dict[str, list[tuple[str, str, str, str]]]:
    """section -> its questions, from word2vec's format: ``: section`` lines, then ``a b c d`` lines."""
    path = Path(path)
    if not path.is_file():
        raise GraphemeError(f"questions file {path} does not exist")
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    current = None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise GraphemeError(f"{path}: not UTF-8 text ({e}); expected word2vec's questions-words format") from None
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith(":"):
            current = line[1:].strip()
            if not current:
                raise GraphemeError(f"{path}:{n}: a ': section' line without a name")
            sections.setdefault(current, [])
            continue
        words = line.split()
        if len(words) != 4:
            raise GraphemeError(f"{path}:{n}: expected four words 'a b c d' (a : b :: c : d) or ': section', "
                                f"got {line[:60]!r}")
        if current is None:
            raise GraphemeError(f"{path}:{n}: a question before the first ': section' line")
        sections[current].append((words[0], words[1], words[2], words[3]))
    if not any(sections.values()):
        raise GraphemeError(f"{path}: no questions (expected ': section' lines, each followed by 'a b c d' lines)")
    return sections


def token_embeddings(model) -> torch.Tensor:
    """[V, D] float32: ``model.token_embeddings()`` where the model has one, else its ``wte`` rows."""
    if hasattr(model, "token_embeddings"):
        e = model.token_embeddings()
    elif hasattr(model, "wte"):
        e = model.wte.weight
    else:
        raise GraphemeError(f"a {type(model).__name__} has no token embedding (neither token_embeddings() nor wte)")
    return e.detach().float().cpu()


@dataclass
class Tally:
    questions: int = 0
    oov: int = 0
    correct: int = 0

    @property
    def answered(self) -> int:
        return self.questions - self.oov

    @property
    def accuracy(self) -> float:
        """Of the answered questions (out-of-vocabulary ones are counted apart)."""
        return self.correct / self.answered if self.answered else math.nan

    def add(self, other: "Tally") -> None:
        self.questions += other.questions
        self.oov += other.oov
        self.correct += other.correct


@dataclass
class AnalogyReport:
    sections: dict[str, Tally] = field(default_factory=dict)

    def total(self, which: str = "all") -> Tally:
        """"all", "semantic" (sections not named gram*) or "syntactic" (gram*), as word2vec splits them."""
        t = Tally()
        for name, s in self.sections.items():
            syntactic = name.startswith("gram")
            if which == "all" or (which == "syntactic") == syntactic:
                t.add(s)
        return t


def _unit(e: torch.Tensor) -> torch.Tensor:
    return e / e.norm(dim=1, keepdim=True).clamp_min(1e-12)


def _scores(unit: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Cosine of ``b - a + c`` with every token, the query tokens at -inf; q: [N, 3] ids (a, b, c)."""
    s = _unit(unit[q[:, 1]] - unit[q[:, 0]] + unit[q[:, 2]]) @ unit.t()
    return s.scatter(1, q, -math.inf)


@torch.no_grad()
def evaluate_analogies(emb: torch.Tensor, tokenizer, sections: dict[str, list[tuple[str, str, str, str]]],
                       batch: int = 1024) -> AnalogyReport:
    unit = _unit(emb.float())
    cache: dict[str, int | None] = {}

    def tok(w: str) -> int | None:
        if w not in cache:
            t = word_token(tokenizer, w)
            cache[w] = t if t is not None and t < len(unit) else None
        return cache[w]

    report = AnalogyReport()
    for name, questions in sections.items():
        tally = Tally(questions=len(questions))
        ids = []
        for q in questions:
            t = [tok(w) for w in q]
            if None in t:
                tally.oov += 1
            else:
                ids.append(t)
        for i in range(0, len(ids), batch):
            chunk = torch.tensor(ids[i : i + batch])
            pred = _scores(unit, chunk[:, :3]).argmax(1)
            tally.correct += int((pred == chunk[:, 3]).sum())
        report.sections[name] = tally
    if report.total().answered == 0:
        n = report.total().questions
        raise GraphemeError(f"none of the {n:,} analogy questions has all four words as single tokens of this "
                            f"vocabulary ({len(unit):,} tokens): nothing to score")
    return report


@torch.no_grad()
def analogy_rank(emb: torch.Tensor, tokenizer, a: str, b: str, c: str, d: str) -> int | None:
    """The rank (1 = nearest) of ``d`` for ``b - a + c`` among all tokens, the three query tokens
    excluded; None when a word is not one token. (king - man + woman: a=man, b=king, c=woman.)"""
    ids = [word_token(tokenizer, w) for w in (a, b, c, d)]
    if None in ids:
        return None
    s = _scores(_unit(emb.float()), torch.tensor([ids[:3]]))[0]
    return int((s > s[ids[3]]).sum()) + 1


# ---------------------------------------------------------------- word similarity


def gensim_test_file(name: str) -> Path | None:
    """A file of gensim's test data, or None when gensim is not installed."""
    try:
        from gensim.test.utils import datapath
    except ImportError:
        return None
    p = Path(datapath(name))
    return p if p.is_file() else None


def read_pairs(path: str | Path) -> list[tuple[str, str, float]]:
    """(word, word, human score) from tab-separated lines, as gensim's evaluate_word_pairs reads
    them: ``#`` lines and lines whose third field is not a number (a header) are skipped."""
    path = Path(path)
    if not path.is_file():
        raise GraphemeError(f"pairs file {path} does not exist")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise GraphemeError(f"{path}: not UTF-8 text ({e}); expected word<TAB>word<TAB>score lines") from None
    pairs = []
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        f = line.split("\t")
        if len(f) < 3:
            continue
        try:
            pairs.append((f[0].strip(), f[1].strip(), float(f[2])))
        except ValueError:
            continue
    if not pairs:
        raise GraphemeError(f"{path}: no 'word<TAB>word<TAB>score' lines")
    return pairs


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    def ranks(a: np.ndarray) -> np.ndarray:
        order = a.argsort(kind="stable")
        r = np.empty(len(a))
        r[order] = np.arange(len(a))
        for v in np.unique(a):  # ties share their mean rank
            r[a == v] = r[a == v].mean()
        return r

    rx, ry = ranks(np.asarray(x, float)), ranks(np.asarray(y, float))
    return float(np.corrcoef(rx, ry)[0, 1]) if len(x) > 1 else math.nan


@torch.no_grad()
def similarity(emb: torch.Tensor, tokenizer, pairs: list[tuple[str, str, float]]) -> tuple[float, int, int]:
    """(Spearman's rho of cosine against the human scores, pairs scored, pairs out of vocabulary)."""
    unit = _unit(emb.float())
    model, human, oov = [], [], 0
    for a, b, score in pairs:
        ta, tb = word_token(tokenizer, a), word_token(tokenizer, b)
        if ta is None or tb is None or ta >= len(unit) or tb >= len(unit):
            oov += 1
            continue
        model.append(float(unit[ta] @ unit[tb]))
        human.append(score)
    return (spearman(np.array(model), np.array(human)) if len(model) > 1 else math.nan), len(model), oov


# ---------------------------------------------------------------- the command


def print_report(r: AnalogyReport) -> None:
    print(f"{'section':<30} {'questions':>9} {'oov':>7} {'answered':>8} {'correct':>7} {'accuracy':>8}")

    def line(name: str, t: Tally) -> None:
        acc = f"{t.accuracy:.1%}" if t.answered else "-"
        print(f"{name:<30} {t.questions:>9,} {t.oov:>7,} {t.answered:>8,} {t.correct:>7,} {acc:>8}")

    for name, t in r.sections.items():
        line(name, t)
    print()
    for which in ("semantic", "syntactic", "all"):
        line(which, r.total(which))


@torch.no_grad()
def main(args: argparse.Namespace) -> int:
    from grapheme_lab.lm.checkpoint import load_model

    model, cfg, tokenizer, ck = load_model(args.model)
    emb = token_embeddings(model)
    questions = Path(args.questions) if getattr(args, "questions", None) else QUESTIONS_FILE
    sections = read_questions(questions)
    report = evaluate_analogies(emb, tokenizer, sections)
    print(f"{args.model}: {cfg.kind}, {model.num_params():,} parameters, token embedding {tuple(emb.shape)}")
    print(f"{questions}: {report.total().questions:,} questions; answers searched over all {len(emb):,} tokens, "
          "the three query words excluded; a question with a word that is not one token is oov\n")
    print_report(report)
    rank = analogy_rank(emb, tokenizer, "man", "king", "woman", "queen")
    print(f"\nking - man + woman: queen ranks {rank:,} of {len(emb) - 3:,}" if rank is not None
          else "\nking - man + woman: a word is not a single token")
    sets = [(Path(p).name, Path(p)) for p in (getattr(args, "pairs", None) or [])]
    if not sets:
        for name, file in SIMILARITY_SETS:
            p = gensim_test_file(file)
            if p is None:
                print(f"{name}: not available: install gensim (pip install gensim), whose test data hold it")
            else:
                sets.append((name, p))
    for name, p in sets:
        rho, used, oov = similarity(emb, tokenizer, read_pairs(p))
        score = f"Spearman {rho:.3f}" if used > 1 else "no Spearman (fewer than 2 pairs in the vocabulary)"
        print(f"{name}: {score} over {used:,} of {used + oov:,} pairs ({oov:,} out of vocabulary: "
              "a word that is not one token)")
    return 0
