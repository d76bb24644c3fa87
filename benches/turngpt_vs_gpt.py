"""TurnGPT against the GPT baseline: the same corpus, the same batches and window length, the
same training time (``--budget time``, default) or the same steps and so the same tokens
(``--budget steps``), one arm after the other in one process. Per arm: held-out bits per byte
(the corpus's validation and test splits, whole documents), parameters (embedding, head, blocks, total), the
analogy accuracy of the token embedding (word2vec's questions, query words excluded, one-token
words only) and word similarity where gensim's test data are installed, and the rank of queen
for king - man + woman among all tokens, before and after training. Then the bpb cost of the
compression and the seed's 31.2x recomputed for the whole model.

    python -m grapheme_lab corpus prepare --output /tmp/tg-corpus
    python benches/turngpt_vs_gpt.py --corpus /tmp/tg-corpus --minutes 2.5 --out /tmp/tg-bench

With gensim installed, ``--word2vec`` adds word2vec (gensim's Word2Vec, seeded, one worker)
trained on the same training documents as tokens of the same tokenizer, each token a word: so
it has the same 4,096 candidates and answers the same one-token questions as the language
models. Tokens of the vocabulary that never occur in the training split get a zero vector.
Its row is gensim's default 5 epochs over the split; at ``--budget steps`` a second row
(``word2vec-equal-tokens``) reads, once, a seeded sample of as many tokens as each language
model trained on.

``--seeds 0,1,2`` runs every arm once a seed (the run's seed: weights, batches, and TurnGPT's
``init_seed``) and summarises each figure over the seeds: mean, sample standard deviation,
minimum and maximum. Each arm's row is kept in ``OUT/seed<S>/<arm>/row.json``; a rerun with
the same ``--out`` keeps those rows and trains only the missing arms (a row trained under other
settings is an error).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path

import torch

from grapheme_lab.lm import config as LC
from grapheme_lab.lm import models
from grapheme_lab.lm.analogies import (QUESTIONS_FILE, SIMILARITY_SETS, analogy_rank, evaluate_analogies,
                                       gensim_test_file, read_pairs, read_questions, similarity, token_embeddings)
from grapheme_lab.lm.bpb import Score, token_byte_lengths
from grapheme_lab.lm.checkpoint import load_model
from grapheme_lab.lm.corpus import Corpus
from grapheme_lab.lm.evaluate import heldout_scores
from grapheme_lab.lm.train import train
from grapheme_lab.lm.turngpt import TurnGPTConfig, compression_report

#: the arguments that change what an arm's row measures (a kept row must match them)
SETTINGS = ("corpus", "budget", "minutes", "steps", "n_layer", "n_embd", "head_dim", "seq_len", "batch", "matrix_lr",
            "embedding_lr", "head_lr", "coefficients_lr", "turns_lr", "threads")
#: the figures summarised over seeds
SUMMARY = ("test_bpb", "val_bpb", "bpb_cost_vs_gpt", "train_s", "analogy_correct", "SimLex-999", "WordSim-353",
           "king_man_woman_queen_rank_at_init", "king_man_woman_queen_rank")


def arm_config(args, kind: str, init: str | None, seed: int, out: Path) -> dict:
    model = {"kind": kind, "sequence_len": args.seq_len, "n_layer": args.n_layer, "n_embd": args.n_embd,
             "head_dim": args.head_dim}
    group_lr = {"embedding": args.embedding_lr, "head": args.head_lr, "matrix": args.matrix_lr}
    if kind == "turngpt":
        model.update(init=init, init_seed=seed)
        group_lr = {"turns": args.turns_lr, "coefficients": args.coefficients_lr, "matrix": args.matrix_lr}
    training = {"batch_size": args.batch, "learning_rate": args.matrix_lr, "warmup_steps": 20, "eval_every": 0,
                "eval_tokens": 16384, "log_every": 50, "checkpoint_every": 10_000, "seed": seed,
                "min_lr_ratio": 0.05}
    if args.budget == "time":
        training["time_limit_minutes"] = args.minutes
    else:
        training["max_steps"] = args.steps
    return {"model": model, "training": training,
            "optimizer": {"type": "muon", "group_lr": group_lr},
            "data": {"corpus": args.corpus}, "paths": {"output_dir": str(out)},
            "hardware": {"num_threads": args.threads, "device": "cpu"}}


def king_queen(emb, tok) -> int | None:
    return analogy_rank(emb, tok, "man", "king", "woman", "queen")


def score_embedding(emb: torch.Tensor, tok, questions) -> dict:
    r = evaluate_analogies(emb, tok, questions)
    out = {"analogy_answered": r.total().answered, "analogy_oov": r.total().oov,
           "analogy_correct": r.total().correct, "analogy_accuracy": r.total().accuracy,
           "semantic_accuracy": r.total("semantic").accuracy, "syntactic_accuracy": r.total("syntactic").accuracy,
           "king_man_woman_queen_rank": king_queen(emb, tok)}
    for name, file in SIMILARITY_SETS:
        p = gensim_test_file(file)
        if p is None:
            out[name] = None
            continue
        rho, used, oov = similarity(emb, tok, read_pairs(p))
        out.update({name: rho, f"{name} pairs": used, f"{name} of": used + oov})
    return out


def initial_rank(args, corpus: Corpus, init: str, seed: int) -> int | None:
    """king - man + woman's queen rank in the untrained turn embedding of ``init``."""
    torch.manual_seed(seed)
    cfg = TurnGPTConfig(vocab_size=corpus.vocab_size, sequence_len=args.seq_len, n_layer=args.n_layer,
                        n_embd=args.n_embd, head_dim=args.head_dim, init=init, init_seed=seed)
    m = models.build("turngpt", cfg)
    m.init_from_corpus(corpus)
    return king_queen(token_embeddings(m), corpus.tokenizer())


def word2vec_embeddings(corpus: Corpus, dim: int, seed: int, window: int = 5, epochs: int = 5,
                        max_tokens: int = 0) -> tuple[torch.Tensor, int, int]:
    """gensim's Word2Vec (CBOW, its defaults otherwise) on the training documents as token ids,
    each token a word, one worker and seeded (deterministic); a sentence is at most 1,000 tokens
    of one document (gensim cuts at 10,000). ``max_tokens``: a seeded sample of the sentences
    holding that many tokens (the last one cut), for a token budget. [V, dim] float32 rows by token
    id (zero for a token that does not occur), how many tokens have a vector, and the tokens an
    epoch reads."""
    import random

    from gensim.models import Word2Vec

    sentences = []
    for d in corpus.documents("train"):
        ids = corpus.tokens(d)[1:].tolist()  # without the document's BOS
        sentences += [[str(i) for i in ids[k : k + 1000]] for k in range(0, len(ids), 1000)]
    if max_tokens:
        random.Random(seed).shuffle(sentences)
        kept, n = [], 0
        for sent in sentences:
            if n >= max_tokens:
                break
            kept.append(sent[: max_tokens - n])
            n += len(kept[-1])
        sentences = kept
    w2v = Word2Vec(sentences, vector_size=dim, window=window, min_count=1, workers=1, seed=seed, epochs=epochs)
    emb = torch.zeros(corpus.vocab_size, dim)
    for key, i in w2v.wv.key_to_index.items():
        emb[int(key)] = torch.from_numpy(w2v.wv.vectors[i].copy())
    return emb, len(w2v.wv), sum(map(len, sentences))


def train_arm(args, corpus: Corpus, kind: str, init: str | None, seed: int, out: Path, questions, nbytes) -> dict:
    name = kind if init is None else f"turngpt-{init}"
    s = train(LC.from_dict(arm_config(args, kind, init, seed, out), name))
    model, cfg, _, ck = load_model(out / "final.pt")
    bpb = {}
    for split in ("val", "test"):
        total = Score()
        for sc in heldout_scores(model, corpus, split, cfg.model.sequence_len, nbytes).values():
            total.add(sc)
        bpb[f"{split}_bpb"] = total.bpb
    counts = model.parameter_counts() if hasattr(model, "parameter_counts") else {
        "embedding": model.wte.weight.numel(), "head": model.lm_head.weight.numel(),
        "blocks": sum(p.numel() for p in model.blocks.parameters()), "total": model.num_params()}
    row = {"arm": name, "seed": seed, "steps": s["steps"], "tokens": ck.get("tokens_seen"),
           "train_s": round(s["train_time"], 1), **bpb, **{f"params_{k}": v for k, v in counts.items()},
           **score_embedding(token_embeddings(model), corpus.tokenizer(), questions)}
    if init is not None:
        row["king_man_woman_queen_rank_at_init"] = initial_rank(args, corpus, init, seed)
    return row


def kept_or_run(path: Path, settings: dict, run) -> dict:
    """The row in ``path/row.json`` when one was measured under ``settings``, else ``run()``'s, kept there."""
    f = path / "row.json"
    if f.is_file():
        row = json.loads(f.read_text())
        if row.get("settings") != settings:
            raise SystemExit(f"{f} was measured under other settings ({row.get('settings')}); use another --out")
        print(f"kept {f}", flush=True)
        return row
    row = {**run(), "settings": settings}
    path.mkdir(parents=True, exist_ok=True)
    f.write_text(json.dumps(row, indent=1))
    return row


def summarise(rows: list[dict]) -> list[dict]:
    """Each arm's figures over its seeds: {arm, seeds, <figure>: {mean, sd, min, max, n}}."""
    out = []
    for arm in dict.fromkeys(r["arm"] for r in rows):
        mine = [r for r in rows if r["arm"] == arm]
        s = {"arm": arm, "seeds": [r["seed"] for r in mine]}
        for k in SUMMARY:
            v = [r[k] for r in mine if isinstance(r.get(k), (int, float)) and not math.isnan(r[k])]
            if v:
                s[k] = {"mean": statistics.fmean(v), "sd": statistics.stdev(v) if len(v) > 1 else 0.0,
                        "min": min(v), "max": max(v), "n": len(v)}
        out.append(s)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", default="/tmp/turngpt-bench")
    ap.add_argument("--budget", choices=["time", "steps"], default="time")
    ap.add_argument("--minutes", type=float, default=2.5, help="training time of each arm (--budget time)")
    ap.add_argument("--steps", type=int, default=300, help="steps of each arm (--budget steps)")
    ap.add_argument("--inits", default="random,categories,ppmi", help="TurnGPT arms, by init")
    ap.add_argument("--no-gpt", action="store_true", help="only the TurnGPT arms (e.g. to try their rates)")
    ap.add_argument("--n-layer", type=int, default=2)
    ap.add_argument("--n-embd", type=int, default=128)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--matrix-lr", type=float, default=0.02)
    ap.add_argument("--embedding-lr", type=float, default=0.02)
    ap.add_argument("--head-lr", type=float, default=0.004)
    ap.add_argument("--coefficients-lr", type=float, default=0.02)
    ap.add_argument("--turns-lr", type=float, default=0.005)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seeds", default="0", help="comma-separated; every arm runs once a seed")
    ap.add_argument("--word2vec", action="store_true", help="add word2vec on the same tokens (needs gensim)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    corpus = Corpus.open(args.corpus)
    tok = corpus.tokenizer()
    questions = read_questions(QUESTIONS_FILE)
    nbytes = token_byte_lengths(tok, corpus.vocab_size)
    arms = ([] if args.no_gpt else [("gpt", None)]) + [("turngpt", i) for i in args.inits.split(",") if i]
    settings = {k: getattr(args, k) for k in SETTINGS}
    if args.word2vec:
        try:
            import gensim  # noqa: F401
        except ImportError:
            raise SystemExit("--word2vec needs gensim (pip install gensim)") from None
    rows = []
    for seed in [int(x) for x in args.seeds.split(",")]:
        seed_rows = []
        for kind, init in arms:
            name = kind if init is None else f"turngpt-{init}"
            path = out / f"seed{seed}" / name
            row = kept_or_run(path, settings,
                              lambda: train_arm(args, corpus, kind, init, seed, path, questions, nbytes))
            seed_rows.append(row)
            print(json.dumps(row), flush=True)
        if args.word2vec:
            # gensim's default 5 epochs over the whole split; and, at --budget steps, one epoch over
            # a sample of the tokens each language model read (steps x batch x window)
            budgets = [("word2vec", 5, 0)]
            if args.budget == "steps":
                budgets.append(("word2vec-equal-tokens", 1, args.steps * args.batch * args.seq_len))
            for arm, epochs, max_tokens in budgets:
                def w2v_row():
                    emb, seen, n = word2vec_embeddings(corpus, args.n_embd, seed, epochs=epochs, max_tokens=max_tokens)
                    return {"arm": arm, "seed": seed, "epochs": epochs, "tokens": n * epochs,
                            "tokens_with_a_vector": seen, **score_embedding(emb, tok, questions)}
                w2v_settings = {"corpus": args.corpus, "dim": args.n_embd, "window": 5, "epochs": epochs,
                                "max_tokens": max_tokens}
                row = kept_or_run(out / f"seed{seed}" / arm, w2v_settings, w2v_row)
                seed_rows.append(row)
                print(json.dumps(row), flush=True)
        gpt = next((r for r in seed_rows if r["arm"] == "gpt"), None)
        for r in seed_rows:
            if gpt is not None and r is not gpt and "test_bpb" in r:
                r["bpb_cost_vs_gpt"] = r["test_bpb"] - gpt["test_bpb"]
                r["whole_model_ratio_vs_gpt_untied"] = gpt["params_total"] / r["params_total"]
        rows += seed_rows
    tcfg = TurnGPTConfig(vocab_size=corpus.vocab_size, n_layer=args.n_layer, n_embd=args.n_embd, head_dim=args.head_dim)
    seed_cfg = TurnGPTConfig(vocab_size=50257, n_layer=args.n_layer, n_embd=256, head_dim=64)
    report = {"rows": rows, "summary": summarise(rows), "compression_here": compression_report(tcfg),
              "compression_seed_sizes": compression_report(seed_cfg), "args": vars(args)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    print_table(report)


def fmt(v, spec: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return format(v, spec)


def pairs(r: dict, name: str) -> str:
    return f"{fmt(r.get(name), '.3f')} ({r[name + ' pairs']}/{r[name + ' of']})" if f"{name} pairs" in r else "-"


def print_table(report: dict) -> None:
    print(f"\n{'arm':<18} {'seed':>4} {'steps':>6} {'tokens':>9} {'train s':>7} {'val bpb':>7} {'test bpb':>8} "
          f"{'params':>10} {'analogy':>8} {'queen@init':>10} {'queen':>6} {'SimLex-999':>16} {'WordSim-353':>16}")
    for r in report["rows"]:
        print(f"{r['arm'][:18]:<18} {r['seed']:>4} {fmt(r.get('steps'), ','):>6} {fmt(r.get('tokens'), ','):>9} "
              f"{fmt(r.get('train_s'), '.1f'):>7} {fmt(r.get('val_bpb'), '.4f'):>7} {fmt(r.get('test_bpb'), '.4f'):>8} "
              f"{fmt(r.get('params_total'), ','):>10} {r['analogy_correct']:>4}/{r['analogy_answered']:<3} "
              f"{fmt(r.get('king_man_woman_queen_rank_at_init'), ','):>10} {fmt(r['king_man_woman_queen_rank'], ','):>6} "
              f"{pairs(r, 'SimLex-999'):>16} {pairs(r, 'WordSim-353'):>16}")
    print("\nover seeds: mean ± sample sd [min, max]")
    for s in report["summary"]:
        figs = []
        for k in SUMMARY:
            if k in s:
                v, spec = s[k], (".4f" if "bpb" in k else ".3f" if k[0].isupper() else ",.1f")
                figs.append(f"{k} {v['mean']:{spec}} ± {v['sd']:{spec}} [{v['min']:{spec}}, {v['max']:{spec}}]")
        print(f"{s['arm']} (seeds {','.join(map(str, s['seeds']))}):\n    " + "\n    ".join(figs))
    for key in ("compression_here", "compression_seed_sizes"):
        c = report[key]
        print(f"{key}: TurnGPT {c['total']:,} parameters; a GPT of the same depth and width {c['gpt_untied']:,} untied "
              f"({c['vs_untied']:.2f}x, {c['saved_vs_untied']:.1%} saved), {c['gpt_tied']:,} tied "
              f"({c['vs_tied']:.2f}x, {c['saved_vs_tied']:.1%} saved); the embedding alone {c['embedding_ratio']:.1f}x")


if __name__ == "__main__":
    main()
