"""``train --config FILE``: train GRAPHEME's brain through the curriculum, or a language
model (a config with ``[model] kind``), then print what the run reached, where it wrote it
and what to run next."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grapheme_lab.config import Config


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train the brain or a language model from a TOML config",
        description="Train GRAPHEME's brain through the curriculum, or a language model when the config's "
                    "[model] has a kind (gpt, thyme). Options override the config file.",
    )
    p.add_argument("--config", metavar="FILE", help="a TOML config (or the name of a shipped one: quickstart, full, train_config)")
    p.add_argument("--data", metavar="DIR", help="override [paths] train_data (generated splits; generated in memory when missing), "
                   "or a language model's [data] corpus")
    p.add_argument("--output", metavar="DIR", help="override [paths] output_dir: the checkpoints and the log go there")
    p.add_argument("--batch-size", type=int, help="override [training] batch_size")
    p.add_argument("--epochs", type=int, help="override [training] epochs_per_level")
    p.add_argument("--lr", type=float, help="override [training] learning_rate")
    p.add_argument("--init", metavar="CKPT", help="override a chat stage's [stage] init (the checkpoint it starts from)")
    p.add_argument("--seed", type=int, help="override a language model's [training] seed")
    p.add_argument("--resume", metavar="CKPT", help="continue a run from a checkpoint (its config unless --config is given)")
    p.add_argument("--verbose", action="store_true", help="more detail in the log lines")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grapheme_lab import config as C

    if args.config is None and args.resume is None:
        raise ValueError("train needs --config FILE (or --resume CKPT)")
    lm_tables = _language_model_tables(args)
    if lm_tables is not None:
        return run_lm(args, lm_tables)
    if args.init is not None or args.seed is not None:
        raise ValueError("--init and --seed are for language models and their chat stages; the brain's seed is [data] seed")
    if args.config is not None:
        cfg = C.load(args.config)
    else:
        from grapheme_lab.brain.checkpoint import load

        cfg = C.from_dict(load(args.resume)["config"], args.resume)
    overrides = {
        ("paths", "train_data"): args.data,
        ("paths", "output_dir"): args.output,
        ("training", "batch_size"): args.batch_size,
        ("training", "epochs_per_level"): args.epochs,
        ("training", "learning_rate"): args.lr,
    }
    if args.output is not None:  # everything the run writes moves, its log too
        overrides[("paths", "log_file")] = str(Path(args.output) / Path(cfg.paths.log_file).name)
    data = cfg.to_dict()
    for (section, key), value in overrides.items():
        if value is not None:
            data[section][key] = value
    cfg = C.from_dict(data, args.config or args.resume)

    from grapheme_lab.brain.train import train

    summary = train(cfg, resume=args.resume, verbose=args.verbose)
    if summary["main"]:
        print(summary_text(summary, cfg), flush=True)
    return 0


def _language_model_tables(args: argparse.Namespace) -> dict | None:
    """The config's tables when the run is a language model's (its config has ``[model]
    kind`` other than "brain", or the checkpoint resumed is an LM's); None for the brain."""
    from grapheme_lab.lm import config as LC

    if args.config is not None:
        data = LC.read_toml(args.config)
        return data if LC.is_lm(data) else None
    from grapheme_lab.lm.checkpoint import load
    from grapheme_lab.training.checkpoint import family

    return load(args.resume)["config"] if family(args.resume) == "grapheme_lab.lm" else None


def run_lm(args: argparse.Namespace, data: dict) -> int:
    """A language model's run: the LM loop, with the same overrides."""
    from grapheme_lab.lm import config as LC

    if args.epochs is not None:
        raise ValueError("--epochs is for the brain's curriculum; a language model's run is bounded by "
                         "[training] max_steps and time_limit_minutes")
    overrides = {("data", "corpus"): args.data, ("paths", "output_dir"): args.output,
                 ("training", "batch_size"): args.batch_size, ("training", "learning_rate"): args.lr,
                 ("training", "seed"): args.seed, ("stage", "init"): args.init}
    if args.init is not None and "stage" not in data:
        raise ValueError("--init is for a chat stage (a config with [stage])")
    for (section, key), value in overrides.items():
        if value is not None:
            data.setdefault(section, {})[key] = value
    if args.output is not None:
        data["paths"]["log_file"] = ""  # the log goes with the checkpoints
    from grapheme_lab.lm.train import train

    train(LC.from_dict(data, args.config or args.resume), resume=args.resume)
    return 0


def minutes(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


# how a level ended, from the curriculum's decisions (brain.curriculum)
ENDED = {
    "advance": "reached the advance threshold", "stall": "stalled: patience or epoch budget spent",
    "time": "its share of the time limit spent", "done": "curriculum complete", "stop": "stalled; the run stopped",
    "time_limit": "cut by the time limit",
}


def summary_text(summary: dict[str, Any], cfg: Config) -> str:
    """The end of a run: each level's best validation accuracy, the time, the files, the next commands."""
    lines = ["", "Run summary"]
    for lv in summary["levels"]:
        lines.append(f"  level {lv['level']}: validation accuracy {lv['best_accuracy']:.1%} (best of "
                     f"{lv['epochs']} epoch{'s' * (lv['epochs'] != 1)}; {ENDED.get(lv['ended'], lv['ended'])})")
    if not summary["levels"]:
        lines.append("  no epoch finished")
    at = summary["time_limit_at"]
    limit = f" (the {cfg.training.time_limit_minutes:g} min time limit ended the run at level {at})" if at else ""
    lines.append(f"  training time: {minutes(summary['elapsed'])}{limit}")
    ck, log = summary["checkpoint"], summary["log"]
    lines.append(f"  checkpoint: {ck} (best validation: {summary['best']})")
    lines.append(f"  log: {log}")
    py = "python -m grapheme_lab"
    levels = sorted({lv["level"] for lv in summary["levels"]}) or [cfg.curriculum.start_level]
    lines.append("Next:")
    data = summary["data"]
    if data is None:  # rows generated in memory: the same rows on disk, for the held-out test split
        data = cfg.paths.train_data
        for level in levels:
            n = cfg.data.samples.get(str(level))
            lines.append(f"  {py} generate --level {level}" + (f" --samples {n}" if n else "")
                         + f" --seed {cfg.data.seed} --output {data}")
    lines.append(f"  {py} evaluate --model {ck} --data {Path(data) / 'test'}   # test accuracy, engine-checked")
    lines.append(f"  {py} repl --model {ck}")
    lines.append(f"  {py} plot {log} --output {Path(ck).parent / 'curves.png'}")
    return "\n".join(lines)
