"""``train --config FILE``: train GRAPHEME's brain through the curriculum."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train the brain level by level (configs/train_config.toml, quickstart.toml, full.toml)",
        description="Train GRAPHEME's brain through the curriculum. Options override the config file.",
    )
    p.add_argument("--config", metavar="FILE", help="a TOML config (or the name of a shipped one: quickstart, full, train_config)")
    p.add_argument("--data", metavar="DIR", help="override [paths] train_data (generated splits; generated in memory when missing)")
    p.add_argument("--output", metavar="DIR", help="override [paths] output_dir (checkpoints)")
    p.add_argument("--batch-size", type=int, help="override [training] batch_size")
    p.add_argument("--epochs", type=int, help="override [training] epochs_per_level")
    p.add_argument("--lr", type=float, help="override [training] learning_rate")
    p.add_argument("--resume", metavar="CKPT", help="continue a run from a checkpoint (its config unless --config is given)")
    p.add_argument("--verbose", action="store_true", help="more detail in the log lines")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grapheme_lab import config as C

    if args.config is None and args.resume is None:
        raise ValueError("train needs --config FILE (or --resume CKPT)")
    if _is_language_model(args):
        return run_lm(args)
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
    data = cfg.to_dict()
    for (section, key), value in overrides.items():
        if value is not None:
            data[section][key] = value
    cfg = C.from_dict(data, args.config or args.resume)

    from grapheme_lab.brain.train import train

    train(cfg, resume=args.resume, verbose=args.verbose)
    return 0


def _is_language_model(args: argparse.Namespace) -> bool:
    """Whether the run is a language model's: its config has ``[model] kind`` (not "brain")."""
    if args.config is not None:
        from grapheme_lab.lm.config import is_lm, read_toml

        return is_lm(read_toml(args.config))
    from grapheme_lab.training.checkpoint import family

    return family(args.resume) == "grapheme_lab.lm"


def run_lm(args: argparse.Namespace) -> int:
    """A language model's run: the LM loop, with the same overrides."""
    from grapheme_lab.lm import config as LC

    if args.config is not None:
        data = LC.read_toml(args.config)
    else:
        from grapheme_lab.training.checkpoint import read
        from grapheme_lab.lm.train import FORMAT

        data = read(args.resume, FORMAT)["config"]
    if args.epochs is not None:
        raise ValueError("--epochs is for the brain's curriculum; a language model's run is bounded by "
                         "[training] max_steps and time_limit_minutes")
    overrides = {("data", "corpus"): args.data, ("paths", "output_dir"): args.output,
                 ("training", "batch_size"): args.batch_size, ("training", "learning_rate"): args.lr}
    for (section, key), value in overrides.items():
        if value is not None:
            data.setdefault(section, {})[key] = value
    if args.output is not None:
        data["paths"]["log_file"] = ""  # the log goes with the checkpoints
    from grapheme_lab.lm.train import train

    train(LC.from_dict(data, args.config or args.resume), resume=args.resume)
    return 0
