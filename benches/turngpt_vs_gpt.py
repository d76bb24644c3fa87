"""TurnGPT against the GPT baseline: the same corpus, the same batches and window length, the
same training time (``--budget time``, default) or the same steps and so the same tokens
(``--budget steps``), one arm after the other in one process. Per arm: held-out bits per byte
(the corpus's test split, whole documents), parameters (embedding, head, blocks, total), the
analogy accuracy of the token embedding (word2vec's questions, query words excluded, one-token
words only) and word similarity where gensim's test data are installed, and the rank of queen
for king - man + woman among all tokens, before and after training. Then the bpb cost of the
compression and the seed's 31.2x recomputed for the whole model.

    python -m grapheme_lab corpus prepare --output /tmp/tg-corpus
    python benches/turngpt_vs_gpt.py --corpus /tmp/tg-corpus --minutes 2.5 --out /tmp/tg-bench

With gensim installed, ``--word2vec`` adds word2vec trained on the same training tokens (each
token a word, so that it answers the same one-token questions) as a reference row.
"""

from __future__ import annotations

import argparse
import json
import math
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


def arm_config(args, kind: str, init: str | None, out: Path) -> dict:
    model = {"kind": kind, "sequence_len": args.seq_len, "n_layer": args.n_layer, "n_embd": args.n_embd,
             "head_dim": args.head_dim}
    group_lr = {"embedding": args.embedding_lr, "head": args.head_lr, "matrix": args.matrix_lr}
    if kind == "turngpt":
        model["init"] = init
        group_lr = {"turns": args.turns_lr, "coefficients": args.coefficients_lr, "matrix": args.matrix_lr}
    training = {"batch_size": args.batch, "learning_rate": args.matrix_lr, "warmup_steps": 20, "eval_every": 0,
                "eval_tokens": 16384, "log_every": 50, "checkpoint_every": 10_000, "seed": args.seed,
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
        out[name] = None if p is None else similarity(emb, tok, read_pairs(p))[0]
    return out


def initial_rank(args, corpus: Corpus, init: str) -> int | None:
    """king - man + woman's queen rank in the untrained turn embedding of ``init``."""
    torch.manual_seed(args.seed)
    cfg = TurnGPTConfig(vocab_size=corpus.vocab_size, sequence_len=args.seq_len, n_layer=args.n_layer,
                        n_embd=args.n_embd, head_dim=args.head_dim, init=init)
    m = models.build("turngpt", cfg)
    m.init_from_corpus(corpus)
    return king_queen(token_embeddings(m), corpus.tokenizer())


def word2vec_row(corpus: Corpus, questions, dim: int, seed: int) -> dict | None:
    try:
        from gensim.models import Word2Vec
    except ImportError:
        return None
    tok = corpus.tokenizer()
    sentences = []
    for d in corpus.documents("train"):
        ids = corpus.tokens(d)[1:].tolist()
        sentences += [[str(i) for i in ids[k : k + 1000]] for k in range(0, len(ids), 1000)]
    w2v = Word2Vec(sentences, vector_size=dim, window=5, min_count=1, workers=1, seed=seed, epochs=5)
    emb = torch.zeros(corpus.vocab_size, dim)
    for i in range(corpus.vocab_size):
        if str(i) in w2v.wv:
            emb[i] = torch.from_numpy(w2v.wv[str(i)].copy())
    return {"arm": f"word2vec (gensim, {dim} dims, same training tokens)", **score_embedding(emb, tok, questions)}


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
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--word2vec", action="store_true", help="add word2vec on the same tokens (needs gensim)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    corpus = Corpus.open(args.corpus)
    tok = corpus.tokenizer()
    questions = read_questions(QUESTIONS_FILE)
    nbytes = token_byte_lengths(tok, corpus.vocab_size)
    arms = ([] if args.no_gpt else [("gpt", None)]) + [("turngpt", i) for i in args.inits.split(",") if i]
    rows = []
    for kind, init in arms:
        name = kind if init is None else f"turngpt-{init}"
        s = train(LC.from_dict(arm_config(args, kind, init, out / name), name))
        model, cfg, _, ck = load_model(out / name / "final.pt")
        total = Score()
        for sc in heldout_scores(model, corpus, "test", cfg.model.sequence_len, nbytes).values():
            total.add(sc)
        counts = model.parameter_counts() if hasattr(model, "parameter_counts") else {
            "embedding": model.wte.weight.numel(), "head": model.lm_head.weight.numel(),
            "blocks": sum(p.numel() for p in model.blocks.parameters()), "total": model.num_params()}
        row = {"arm": name, "steps": s["steps"], "tokens": ck.get("tokens_seen"), "train_s": round(s["train_time"], 1),
               "test_bpb": total.bpb, **{f"params_{k}": v for k, v in counts.items()},
               **score_embedding(token_embeddings(model), tok, questions)}
        if init is not None:
            row["king_man_woman_queen_rank_at_init"] = initial_rank(args, corpus, init)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.word2vec:
        w2v = word2vec_row(corpus, questions, args.n_embd, args.seed)
        rows.append(w2v or {"arm": "word2vec: unavailable (gensim is not installed)"})
    gpt = rows[0] if not args.no_gpt else None
    for r in rows[1:] if gpt else []:
        if "test_bpb" in r:
            r["bpb_cost_vs_gpt"] = r["test_bpb"] - gpt["test_bpb"]
            r["whole_model_ratio_vs_gpt_untied"] = gpt["params_total"] / r["params_total"]
    tcfg = TurnGPTConfig(vocab_size=corpus.vocab_size, n_layer=args.n_layer, n_embd=args.n_embd, head_dim=args.head_dim)
    seed_cfg = TurnGPTConfig(vocab_size=50257, n_layer=args.n_layer, n_embd=256, head_dim=64)
    report = {"rows": rows, "compression_here": compression_report(tcfg),
              "compression_seed_sizes": compression_report(seed_cfg), "args": vars(args)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    print_table(report)


def fmt(v, spec: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return format(v, spec)


def print_table(report: dict) -> None:
    print(f"\n{'arm':<22} {'steps':>6} {'tokens':>10} {'test bpb':>8} {'params':>10} {'emb':>9} {'head':>9} "
          f"{'analogy':>8} {'answered':>8} {'sem':>6} {'syn':>6} {'queen@init':>10} {'queen':>6} {'SimLex':>6} {'WS353':>6}")
    for r in report["rows"]:
        if "test_bpb" not in r and "analogy_accuracy" not in r:
            print(r["arm"])
            continue
        print(f"{r['arm'][:22]:<22} {fmt(r.get('steps'), ','):>6} {fmt(r.get('tokens'), ','):>10} "
              f"{fmt(r.get('test_bpb'), '.4f'):>8} {fmt(r.get('params_total'), ','):>10} "
              f"{fmt(r.get('params_embedding'), ','):>9} {fmt(r.get('params_head'), ','):>9} "
              f"{fmt(r['analogy_accuracy'], '.2%'):>8} {fmt(r['analogy_answered'], ','):>8} "
              f"{fmt(r['semantic_accuracy'], '.1%'):>6} {fmt(r['syntactic_accuracy'], '.1%'):>6} "
              f"{fmt(r.get('king_man_woman_queen_rank_at_init'), ','):>10} "
              f"{fmt(r['king_man_woman_queen_rank'], ','):>6} {fmt(r.get('SimLex-999'), '.3f'):>6} "
              f"{fmt(r.get('WordSim-353'), '.3f'):>6}")
    for key in ("compression_here", "compression_seed_sizes"):
        c = report[key]
        print(f"{key}: TurnGPT {c['total']:,} parameters; a GPT of the same depth and width {c['gpt_untied']:,} untied "
              f"({c['vs_untied']:.2f}x, {c['saved_vs_untied']:.1%} saved), {c['gpt_tied']:,} tied "
              f"({c['vs_tied']:.2f}x, {c['saved_vs_tied']:.1%} saved); the embedding alone {c['embedding_ratio']:.1f}x")


if __name__ == "__main__":
    main()
