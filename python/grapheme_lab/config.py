"""Training configuration: GRAPHEME's ``train_config.toml`` sections, read with tomllib.

Every section is a dataclass; a key that is not a field, or a value of the wrong
type, is an error naming the key and the file. Sections added to GRAPHEME's:
``[model]`` (network sizes), ``[data]`` (row counts, seed, target format) and
the loss type and sampling keys in ``[loss]``, whose edit costs are a
:class:`grapheme_lab.ged.GEDCosts` (``cfg.loss.costs``).
"""

from __future__ import annotations

import dataclasses
import tomllib

import typing
from pathlib import Path
from typing import Any

from grapheme_lab import GraphemeError
from grapheme_lab.ged import GEDCosts


@dataclasses.dataclass
class TrainingConfig:
    batch_size: int = 64
    epochs_per_level: int = 10
    learning_rate: float = 0.001
    patience: int = 5
    checkpoint_every: int = 2
    warmup_steps: int = 100
    lr_schedule: str = "cosine"  # "cosine" (per level, after warmup) or "constant"
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0  # 0 = off
    seed: int = 0
    log_every: int = 100  # batches between "Batch i/n" lines
    val_samples: int = 500  # validation rows per epoch (0 = the whole split)
    time_limit_minutes: float = 0.0  # 0 = none; else shared out to the levels (brain.train.level_clock)


@dataclasses.dataclass
class OptimizerConfig:
    type: str = "adam"
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    weight_decay: float = 0.0001
    momentum: float = 0.9  # sgd only (muon keeps its own 0.95)


@dataclasses.dataclass
class LossConfig:
    type: str = "ce"  # "ce", "ged" or "ged+ce"
    # the edit costs; in the file they sit beside the keys below, as in GRAPHEME's [loss]
    costs: GEDCosts = dataclasses.field(default_factory=GEDCosts)
    num_samples: int = 4  # K outputs sampled per example for the GED risk
    temperature: float = 1.0
    alpha: float = 1.0
    ce_weight: float = 1.0  # weight of CE in "ged+ce"
    label_smoothing: float = 0.0


COST_KEYS = tuple(f.name for f in dataclasses.fields(GEDCosts))


@dataclasses.dataclass
class CurriculumConfig:
    start_level: int = 1
    end_level: int = 7
    advance_threshold: float = 0.95
    min_epochs_per_level: int = 5
    replay_fraction: float = 0.2  # share of earlier levels' rows mixed into each epoch
    advance_on_stall: bool = True  # after the epoch budget or patience: move on (True) or stop (False)


@dataclasses.dataclass
class PathsConfig:
    train_data: str = "data/generated"
    output_dir: str = "checkpoints"
    log_file: str = "training.log"


@dataclasses.dataclass
class HardwareConfig:
    num_threads: int = 0  # 0 = torch's default
    parallel_batches: bool = True  # data prepared in a background thread
    stream_data: bool = False  # read JSONL splits from disk each epoch instead of holding them
    device: str = "auto"  # "auto", "cpu", "cuda"
    amp: str = "auto"  # "auto" (bf16 on CUDA, off on CPU), "off", "bf16", "fp16"


@dataclasses.dataclass
class ModelConfig:
    d_model: int = 128
    n_heads: int = 4
    d_ff: int = 512
    encoder_layers: int = 2
    decoder_layers: int = 2
    dropout: float = 0.0
    max_source_len: int = 160
    max_target_len: int = 200


@dataclasses.dataclass
class DataConfig:
    seed: int = 0
    # rows generated per level when train_data does not exist (missing levels: the generator's default)
    samples: dict = dataclasses.field(default_factory=dict)
    target: str = "answer"  # "answer"; "steps": levels 1-3 learned one reduction step at a time; "sites": each step's sites one at a time
    number_order: str = "lsd"  # digits least significant first ("lsd") or as written ("msd")
    # level-1 rows of an operator seen this many times an epoch (e.g. {"/" = 3}); others once
    repeat: dict = dataclasses.field(default_factory=dict)


SECTIONS: dict[str, type] = {
    "training": TrainingConfig,
    "optimizer": OptimizerConfig,
    "loss": LossConfig,
    "curriculum": CurriculumConfig,
    "paths": PathsConfig,
    "hardware": HardwareConfig,
    "model": ModelConfig,
    "data": DataConfig,
}

CHOICES = {
    ("optimizer", "type"): ("sgd", "adam", "adamw", "muon"),
    ("loss", "type"): ("ce", "ged", "ged+ce"),
    ("training", "lr_schedule"): ("cosine", "constant"),
    ("hardware", "device"): ("auto", "cpu", "cuda"),
    ("hardware", "amp"): ("auto", "off", "bf16", "fp16"),
    ("data", "target"): ("answer", "steps", "sites"),
    ("data", "number_order"): ("lsd", "msd"),
}


@dataclasses.dataclass
class Config:
    training: TrainingConfig = dataclasses.field(default_factory=TrainingConfig)
    optimizer: OptimizerConfig = dataclasses.field(default_factory=OptimizerConfig)
    loss: LossConfig = dataclasses.field(default_factory=LossConfig)
    curriculum: CurriculumConfig = dataclasses.field(default_factory=CurriculumConfig)
    paths: PathsConfig = dataclasses.field(default_factory=PathsConfig)
    hardware: HardwareConfig = dataclasses.field(default_factory=HardwareConfig)
    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    data: DataConfig = dataclasses.field(default_factory=DataConfig)

    def to_dict(self) -> dict[str, Any]:
        """The config as the TOML file's tables (the costs flat in ``loss``), which
        :func:`from_dict` reads back; checkpoints store this form."""
        data = dataclasses.asdict(self)
        data["loss"].update(data["loss"].pop("costs"))
        return data

    def ged_costs(self) -> GEDCosts:
        return self.loss.costs


def check_type(value: Any, hint: Any, where: str) -> Any:
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GraphemeError(f"{where} must be a number, got {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise GraphemeError(f"{where} must be an integer, got {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise GraphemeError(f"{where} must be true or false, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise GraphemeError(f"{where} must be a string, got {value!r}")
        return value
    if hint is dict:
        if not isinstance(value, dict):
            raise GraphemeError(f"{where} must be a table, got {value!r}")
        return value
    if hint is list:  # a list of strings (input names, paths)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise GraphemeError(f"{where} must be a list of strings, got {value!r}")
        return value
    raise TypeError(f"unsupported config type {hint} for {where}")  # a bug here, not bad input


def _validate(cfg: Config, where: str) -> None:
    for (section, key), allowed in CHOICES.items():
        v = getattr(getattr(cfg, section), key)
        if v not in allowed:
            raise GraphemeError(f"{where}: [{section}] {key} = {v!r} is not one of {list(allowed)}")
    c = cfg.curriculum
    for name in ("start_level", "end_level"):
        if not 1 <= getattr(c, name) <= 7:
            raise GraphemeError(f"{where}: [curriculum] {name} must be between 1 and 7, got {getattr(c, name)}")
    if c.start_level > c.end_level:
        raise GraphemeError(f"{where}: [curriculum] start_level {c.start_level} is after end_level {c.end_level}")
    if not 0.0 <= c.replay_fraction <= 1.0:
        raise GraphemeError(f"{where}: [curriculum] replay_fraction must be in [0, 1], got {c.replay_fraction}")
    positive = [
        ("training", "batch_size"), ("training", "epochs_per_level"), ("training", "checkpoint_every"),
        ("training", "patience"), ("training", "log_every"), ("loss", "num_samples"),
        ("model", "d_model"), ("model", "n_heads"), ("model", "d_ff"), ("model", "decoder_layers"),
        ("model", "max_source_len"), ("model", "max_target_len"),
    ]
    for section, key in positive:
        if getattr(getattr(cfg, section), key) <= 0:
            raise GraphemeError(f"{where}: [{section}] {key} must be > 0, got {getattr(getattr(cfg, section), key)}")
    if cfg.training.learning_rate <= 0:
        raise GraphemeError(f"{where}: [training] learning_rate must be > 0, got {cfg.training.learning_rate}")
    if cfg.model.d_model % cfg.model.n_heads:
        raise GraphemeError(f"{where}: [model] d_model {cfg.model.d_model} is not a multiple of n_heads {cfg.model.n_heads}")
    for k, v in cfg.data.samples.items():
        if k not in {str(i) for i in range(1, 8)} or isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise GraphemeError(f"{where}: [data.samples] needs level = rows (levels 1-7, rows >= 1), got {k} = {v!r}")
    for k, v in cfg.data.repeat.items():
        if k not in ("+", "-", "*", "/", "^", "mod", "neg") or isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise GraphemeError(f"{where}: [data.repeat] needs operator = times (an operator of level 1, times >= 1), got {k} = {v!r}")


def from_dict(data: dict[str, Any], where: str = "<config>") -> Config:
    """A :class:`Config` from nested tables; unknown sections/keys and wrong types are errors."""
    cfg = Config()
    for section, table in data.items():
        if section not in SECTIONS:
            raise GraphemeError(f"{where}: unknown section [{section}] (expected one of {sorted(SECTIONS)})")
        if not isinstance(table, dict):
            raise GraphemeError(f"{where}: [{section}] must be a table")
        target = getattr(cfg, section)
        hints = typing.get_type_hints(type(target))
        if section == "loss":  # the cost keys stand for the nested GEDCosts
            del hints["costs"]
            hints.update(dict.fromkeys(COST_KEYS, float))
        costs = {}
        for key, value in table.items():
            if key not in hints:
                raise GraphemeError(f"{where}: unknown key {key!r} in [{section}] (expected one of {sorted(hints)})")
            value = check_type(value, hints[key], f"{where}: [{section}] {key}")
            if section == "loss" and key in COST_KEYS:
                costs[key] = value
            else:
                setattr(target, key, value)
        if costs:
            try:
                cfg.loss.costs = GEDCosts(**costs)
            except GraphemeError as e:  # a negative or infinite cost
                raise GraphemeError(f"{where}: [loss] {e}") from None
    _validate(cfg, where)
    return cfg


def load(path: str | Path) -> Config:
    """Read a TOML config file. A bare name (``quickstart``) finds a config shipped with the package."""
    p = Path(path)
    if not p.exists():
        shipped = Path(__file__).parent / "configs" / (p.name if p.suffix else p.name + ".toml")
        if shipped.exists() and len(p.parts) == 1:
            p = shipped
        else:
            raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise GraphemeError(f"{p}: not valid TOML: {e}") from None
    return from_dict(data, str(p))


__all__ = ["Config", "SECTIONS", "from_dict", "load"] + [c.__name__ for c in SECTIONS.values()]
