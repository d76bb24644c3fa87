"""Config parsing: the shipped files load, unknown keys and wrong types are errors naming key and file."""

import filecmp
from pathlib import Path

import pytest

from grapheme_lab import GraphemeError
from grapheme_lab import config as C

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("train_config", "quickstart", "full", "cpu_all_levels")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_configs_load_and_match_package_copies(name):
    cfg = C.load(ROOT / "configs" / f"{name}.toml")
    assert isinstance(cfg, C.Config)
    packaged = Path(C.__file__).parent / "configs" / f"{name}.toml"
    assert filecmp.cmp(ROOT / "configs" / f"{name}.toml", packaged, shallow=False)
    assert C.load(name).to_dict() == cfg.to_dict()  # a bare name finds the packaged copy


def test_seed_values(tmp_path):
    cfg = C.load(ROOT / "configs" / "train_config.toml")
    assert cfg.training.batch_size == 64 and cfg.training.epochs_per_level == 10
    assert cfg.optimizer.type == "adam" and cfg.optimizer.epsilon == 1e-8
    assert cfg.loss.costs.clique_weight == 2.0 and cfg.curriculum.advance_threshold == 0.95
    assert cfg.ged_costs().edge_insertion_cost == 0.5


def test_loss_costs_are_read_flat_and_written_flat(tmp_path):
    cfg = C.load(write(tmp_path, "[loss]\ntype = 'ged'\nclique_weight = 3\nedge_deletion_cost = 0.25\n"))
    assert cfg.ged_costs() is cfg.loss.costs
    assert cfg.loss.costs.as_tuple() == (1.0, 1.0, 1.0, 0.5, 0.25, 3.0)
    flat = cfg.to_dict()["loss"]  # the form checkpoints store: the costs beside the loss's keys
    assert "costs" not in flat and flat["clique_weight"] == 3.0 and flat["type"] == "ged"
    assert C.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(GraphemeError, match=r"c\.toml: \[loss\] edge_deletion_cost must be a finite number >= 0"):
        C.load(write(tmp_path, "[loss]\nedge_deletion_cost = -1.0\n"))
    with pytest.raises(GraphemeError, match=r"unknown key 'costs' in \[loss\]"):
        C.from_dict({"loss": {"costs": {}}})


def write(tmp_path, text):
    p = tmp_path / "c.toml"
    p.write_text(text)
    return p


def test_unknown_key_names_key_and_file(tmp_path):
    p = write(tmp_path, "[training]\nbatch_sise = 3\n")
    with pytest.raises(GraphemeError, match=r"c\.toml.*'batch_sise'.*\[training\]"):
        C.load(p)


def test_unknown_section(tmp_path):
    with pytest.raises(GraphemeError, match=r"unknown section \[trainig\]"):
        C.load(write(tmp_path, "[trainig]\nbatch_size = 3\n"))


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("[training]\nbatch_size = 'big'\n", r"\[training\] batch_size must be an integer"),
        ("[training]\nbatch_size = 1.5\n", r"batch_size must be an integer"),
        ("[training]\nlearning_rate = true\n", r"learning_rate must be a number"),
        ("[hardware]\nstream_data = 1\n", r"stream_data must be true or false"),
        ("[optimizer]\ntype = 'rmsprop'\n", r"\[optimizer\] type = 'rmsprop' is not one of"),
        ("[loss]\ntype = 'mse'\n", r"\[loss\] type"),
        ("[curriculum]\nstart_level = 0\n", r"start_level must be between 1 and 7"),
        ("[curriculum]\nstart_level = 5\nend_level = 2\n", r"start_level 5 is after end_level 2"),
        ("[model]\nd_model = 30\nn_heads = 4\n", r"not a multiple of n_heads"),
        ("[training]\nbatch_size = 0\n", r"batch_size must be > 0"),
        ("[data]\nsamples = { 9 = 10 }\n", r"data.samples"),
        ("[data]\nrepeat = { \"sqrt\" = 2 }\n", r"\[data.repeat\] needs operator = times"),
        ("[data]\nrepeat = { \"/\" = 0 }\n", r"data.repeat"),
        ("[training\n", r"not valid TOML"),
    ],
)
def test_bad_values(tmp_path, text, pattern):
    with pytest.raises(GraphemeError, match=pattern):
        C.load(write(tmp_path, text))


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nope.toml"):
        C.load("dir/nope.toml")


def test_cli_rejects_unknown_key(tmp_path, capsys):
    from grapheme_lab.cli import main

    p = write(tmp_path, "[paths]\noutput = 'x'\n")
    assert main(["train", "--config", str(p)]) == 2
    err = capsys.readouterr().err
    assert "'output'" in err and "c.toml" in err
