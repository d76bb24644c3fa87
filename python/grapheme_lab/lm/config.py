"""A language-model run's config: ``[model] kind = "gpt"`` (or another of
:data:`grapheme_lab.lm.models.KINDS`) and the model's sizes, then the sections below. As for
the brain's configs, a key that is not a field or a value of the wrong type is an error that
names the key and the file."""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from pathlib import Path
from typing import Any

from grapheme_lab import GraphemeError
from grapheme_lab.config import check_type
from grapheme_lab.lm import models


@dataclasses.dataclass
class TrainingConfig:
    batch_size: int = 16  # windows a step (a rank's share: batch_size / world)
    grad_accum: int = 1  # micro-batches a step
    max_steps: int = 0  # 0 = until the time limit
    time_limit_minutes: float = 0.0  # 0 = none
    learning_rate: float = 3e-3  # every group's rate unless [optimizer] group_lr sets it
    warmup_steps: int = 50
    lr_schedule: str = "cosine"  # "cosine", "linear" or "constant" after the warmup
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0  # 0 = off
    seed: int = 0
    log_every: int = 50  # steps between log lines
    eval_every: int = 250  # steps between validation evaluations (0 = only at the end)
    eval_tokens: int = 65536  # validation tokens an evaluation reads (0 = the whole split)
    patience: int = 0  # evaluations without a better validation bpb before stopping (0 = never)
    checkpoint_every: int = 500  # steps between latest.pt saves (also at every evaluation)


@dataclasses.dataclass
class OptimizerConfig:
    type: str = "adamw"  # "adamw", or "muon": Muon for the blocks' matrices, AdamW for the rest
    beta1: float = 0.9
    beta2: float = 0.95
    epsilon: float = 1e-8
    weight_decay: float = 0.0  # of the matrices, embeddings and head; norms and scalars get none
    group_lr: dict = dataclasses.field(default_factory=dict)  # e.g. {embedding = 0.05, head = 0.004}
    group_weight_decay: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class DataConfig:
    corpus: str = "data/lm/shakespeare"  # a prepared corpus; absent: the embedded one is prepared there
    vocab_size: int = 4096  # of the tokenizer trained when the embedded corpus is prepared (257: bytes)
    inputs: list = dataclasses.field(default_factory=list)  # what to prepare when the corpus is absent ([]: embedded)
    chat_tokens: bool = False  # the prepared tokenizer gets the chat special tokens (a model that will chat)


@dataclasses.dataclass
class PathsConfig:
    output_dir: str = "checkpoints/lm"
    log_file: str = ""  # "" = output_dir/training.log


@dataclasses.dataclass
class HardwareConfig:
    device: str = "auto"  # "auto", "cpu", "cuda"
    num_threads: int = 0  # 0 = torch's default; fewer when CPUs are busy
    amp: str = "auto"  # "auto" (bf16 where the GPU or CPU multiplies it natively), "off", "bf16", "fp16"
    compile: bool = False  # torch.compile the model: its elementwise work fused (2.8x a small GPT's CPU step)


@dataclasses.dataclass
class PhaseConfig:
    """One phase of a curriculum (a ``[[phase]]`` table): its steps, batch, window length,
    learning rate and training data. The phases run in order; together they are the run."""

    name: str = ""
    steps: int = 0
    batch_size: int = 0
    sequence_len: int = 0  # at most [model] sequence_len
    learning_rate: float = 0.0  # replaces [training] learning_rate: every group's rate scales with it
    data: dict = dataclasses.field(default_factory=dict)  # prepared corpus directory -> weight


@dataclasses.dataclass
class StageConfig:
    """A chat stage (``[stage]``): mid-training, SFT or RL from the checkpoint ``init``, on a
    mixture of chat sources (``grapheme_lab.chat.data``) weighted by ``data``."""

    kind: str = ""  # "mid", "sft" or "rl"; "" = not a stage (pretraining)
    init: str = ""  # the checkpoint it starts from (its model, weights and tokenizer)
    data: dict = dataclasses.field(default_factory=dict)  # source name (or rows.jsonl) -> weight
    rows: int = 2000  # training rows drawn from the mixture
    val_rows: int = 100  # validation rows (mid/SFT: masked bpb; RL: accuracy)
    identity: dict = dataclasses.field(default_factory=dict)  # {name, maker} of the identity source
    # RL: problems a step, answers sampled a problem, their length and temperature
    problems: int = 4
    samples: int = 8
    max_new_tokens: int = 48
    temperature: float = 1.0
    top_k: int = 0


SECTIONS = {"training": TrainingConfig, "optimizer": OptimizerConfig, "data": DataConfig,
            "paths": PathsConfig, "hardware": HardwareConfig, "stage": StageConfig}

CHOICES = {
    ("training", "lr_schedule"): ("cosine", "linear", "constant"),
    ("optimizer", "type"): ("adamw", "muon"),
    ("hardware", "device"): ("auto", "cpu", "cuda"),
    ("hardware", "amp"): ("auto", "off", "bf16", "fp16"),
    ("stage", "kind"): ("", "mid", "sft", "rl"),
}


@dataclasses.dataclass
class LMConfig:
    kind: str
    model: Any  # the kind's config dataclass
    training: TrainingConfig = dataclasses.field(default_factory=TrainingConfig)
    optimizer: OptimizerConfig = dataclasses.field(default_factory=OptimizerConfig)
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    paths: PathsConfig = dataclasses.field(default_factory=PathsConfig)
    hardware: HardwareConfig = dataclasses.field(default_factory=HardwareConfig)
    stage: StageConfig = dataclasses.field(default_factory=StageConfig)
    phases: list = dataclasses.field(default_factory=list)  # PhaseConfig of each [[phase]], in order

    @property
    def log_file(self) -> str:
        return self.paths.log_file or str(Path(self.paths.output_dir) / "training.log")

    def to_dict(self) -> dict[str, Any]:
        d = {name: dataclasses.asdict(getattr(self, name)) for name in SECTIONS}
        d["model"] = {"kind": self.kind, **dataclasses.asdict(self.model)}
        if self.phases:
            d["phase"] = [dataclasses.asdict(p) for p in self.phases]
        return d


def is_lm(data: dict[str, Any]) -> bool:
    """Whether a config's tables describe a language model (``[model] kind`` other than "brain",
    or a chat ``[stage]``, whose model is its init checkpoint's)."""
    if isinstance(data.get("stage"), dict):
        return True
    kind = data.get("model", {}).get("kind") if isinstance(data.get("model"), dict) else None
    return kind is not None and kind != "brain"


def from_dict(data: dict[str, Any], where: str = "<config>") -> LMConfig:
    if isinstance(data.get("stage"), dict) and "model" not in data:
        data = {**data, "model": _init_model(data["stage"], where)}
    if "model" not in data or not isinstance(data["model"], dict):
        raise GraphemeError(f"{where}: a language-model config needs a [model] table with kind")
    model = models.model_config(data["model"], where)
    sections = {}
    for section, table in data.items():
        if section in ("model", "phase"):
            continue
        if section not in SECTIONS:
            raise GraphemeError(f"{where}: unknown section [{section}] (expected one of {sorted(SECTIONS) + ['model']})")
        if not isinstance(table, dict):
            raise GraphemeError(f"{where}: [{section}] must be a table")
        target = SECTIONS[section]()
        hints = typing.get_type_hints(type(target))
        for key, value in table.items():
            if key not in hints:
                raise GraphemeError(f"{where}: unknown key {key!r} in [{section}] (expected one of {sorted(hints)})")
            setattr(target, key, check_type(value, hints[key], f"{where}: [{section}] {key}"))
        sections[section] = target
    phases = _phases(data.get("phase", []), where)
    if phases and sections.get("stage", StageConfig()).kind:
        raise GraphemeError(f"{where}: a [stage] trains on its data mixture; [[phase]] tables are for pretraining")
    cfg = LMConfig(kind=data["model"]["kind"], model=model, phases=phases,
                   **sections)
    if phases:  # the phases are the run: it ends after their steps (or earlier, at max_steps)
        total = sum(p.steps for p in phases)
        if cfg.training.max_steps > total:
            raise GraphemeError(f"{where}: [training] max_steps {cfg.training.max_steps} is more than the "
                                f"{total} steps of the [[phase]] tables")
        cfg.training.max_steps = cfg.training.max_steps or total
    _validate(cfg, where)
    _validate_stage(cfg.stage, where)
    return cfg


def _init_model(stage: dict[str, Any], where: str) -> dict[str, Any]:
    """A stage's ``[model]``: its init checkpoint's."""
    init = stage.get("init")
    if not isinstance(init, str) or not init:
        raise GraphemeError(f"{where}: [stage] needs init = \"CKPT\" (the checkpoint the stage starts from)")
    if not Path(init).is_file():
        raise GraphemeError(f"{where}: [stage] init {init!r} does not exist")
    from grapheme_lab.lm.checkpoint import load

    try:
        return dict(load(init)["config"]["model"])
    except ValueError as e:
        raise GraphemeError(f"{where}: [stage] init {init!r}: {e}") from None


def _validate_stage(s: StageConfig, where: str) -> None:
    if not s.kind:
        return
    if not s.data:
        raise GraphemeError(f"{where}: [stage] needs data = {{ source = weight, ... }} (e.g. {{ worded = 2, chitchat = 1 }})")
    from grapheme_lab.chat.data import check_source

    for name, weight in s.data.items():
        try:
            check_source(name, f"{where}: [stage] data")
        except ValueError as e:
            raise GraphemeError(str(e)) from None
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
            raise GraphemeError(f"{where}: [stage] data weight of {name!r} must be a number > 0, got {weight!r}")
    for key in ("rows", "val_rows", "problems", "samples", "max_new_tokens"):
        if getattr(s, key) <= 0:
            raise GraphemeError(f"{where}: [stage] {key} must be > 0, got {getattr(s, key)}")
    if s.kind == "rl" and (s.samples < 2 or s.temperature <= 0):
        raise GraphemeError(f"{where}: [stage] an RL stage needs samples >= 2 and temperature > 0 (the advantage "
                            f"is a reward minus the mean of its problem's samples), got {s.samples} and {s.temperature}")
    unknown = set(s.identity) - {"name", "maker"}
    if unknown:
        raise GraphemeError(f"{where}: [stage] identity takes name and maker, not {sorted(unknown)}")


def _phases(tables: Any, where: str) -> list[PhaseConfig]:
    """The ``[[phase]]`` tables, each checked: a phase without steps, batch, length, rate or data
    is an error naming the phase and the key."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise GraphemeError(f"{where}: phases are [[phase]] tables (an array of tables), got {type(tables).__name__}")
    hints = typing.get_type_hints(PhaseConfig)
    phases = []
    for i, table in enumerate(tables, 1):
        label = f"{where}: [[phase]] {i}" + (f" ({table['name']})" if isinstance(table.get("name"), str) else "")
        p = PhaseConfig(name=f"phase {i}")
        for key, value in table.items():
            if key not in hints:
                raise GraphemeError(f"{label}: unknown key {key!r} (expected one of {sorted(hints)})")
            setattr(p, key, check_type(value, hints[key], f"{label} {key}"))
        for key in ("steps", "batch_size", "sequence_len", "learning_rate"):
            if key not in table:
                raise GraphemeError(f"{label}: needs {key}")
            if getattr(p, key) <= 0:
                raise GraphemeError(f"{label}: {key} must be > 0, got {getattr(p, key)}")
        if not p.data:
            raise GraphemeError(f"{label}: needs data = {{ \"corpus/dir\" = weight, ... }} (its training corpora)")
        for path, weight in p.data.items():
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
                raise GraphemeError(f"{label}: data weight of {path!r} must be a number > 0, got {weight!r}")
        phases.append(p)
    return phases


def _validate(cfg: LMConfig, where: str) -> None:
    for (section, key), allowed in CHOICES.items():
        v = getattr(getattr(cfg, section), key)
        if v not in allowed:
            raise GraphemeError(f"{where}: [{section}] {key} = {v!r} is not one of {list(allowed)}")
    t = cfg.training
    for key in ("batch_size", "grad_accum", "log_every", "checkpoint_every"):
        if getattr(t, key) <= 0:
            raise GraphemeError(f"{where}: [training] {key} must be > 0, got {getattr(t, key)}")
    for key in ("max_steps", "eval_every", "eval_tokens", "patience", "warmup_steps"):
        if getattr(t, key) < 0:
            raise GraphemeError(f"{where}: [training] {key} must be >= 0, got {getattr(t, key)}")
    for p in cfg.phases:
        if p.sequence_len > cfg.model.sequence_len:
            raise GraphemeError(f"{where}: [[phase]] {p.name}: sequence_len {p.sequence_len} is longer than "
                                f"[model] sequence_len {cfg.model.sequence_len} (the longest window the model takes)")
    if t.learning_rate <= 0:
        raise GraphemeError(f"{where}: [training] learning_rate must be > 0, got {t.learning_rate}")
    if t.max_steps == 0 and t.time_limit_minutes <= 0:
        raise GraphemeError(f"{where}: [training] needs max_steps or time_limit_minutes (a run must end)")
    for key in ("group_lr", "group_weight_decay"):
        for name, v in getattr(cfg.optimizer, key).items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise GraphemeError(f"{where}: [optimizer] {key}.{name} must be a number >= 0, got {v!r}")


def load(path: str | Path) -> LMConfig:
    return from_dict(read_toml(path), str(path))


def read_toml(path: str | Path) -> dict[str, Any]:
    """A config file's tables; a bare name (``lm_quickstart``, ``chat/sft``) finds a config shipped
    with the package."""
    p = Path(path)
    if not p.exists():
        shipped = Path(__file__).parent.parent / "configs" / (p if p.suffix else p.with_suffix(".toml"))
        if shipped.exists() and not p.is_absolute() and ".." not in p.parts:
            p = shipped
        else:
            raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise GraphemeError(f"{p}: not valid TOML: {e}") from None
