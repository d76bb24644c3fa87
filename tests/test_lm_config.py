"""Language-model configs: every shipped one loads and equals its package copy; bad keys and
values are errors naming the key and the file."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from grapheme_lab import GraphemeError
from grapheme_lab.lm import config as LC

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.stem for p in (ROOT / "configs").glob("*.toml") if LC.is_lm(LC.read_toml(p)))


def test_there_are_language_model_configs():
    assert {"lm_quickstart", "thyme_quickstart"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_configs_load_and_match_package_copies(name):
    packaged = Path(LC.__file__).parent.parent / "configs" / f"{name}.toml"
    assert filecmp.cmp(ROOT / "configs" / f"{name}.toml", packaged, shallow=False)
    if "entropy_model" in LC.read_toml(packaged)["model"]:
        return  # a BLT's config reads its trained entropy model's checkpoint (tests/test_lm_blt.py)
    cfg = LC.load(ROOT / "configs" / f"{name}.toml")
    assert LC.load(name).to_dict() == cfg.to_dict()  # a bare name finds the packaged copy


@pytest.mark.parametrize("table, message", [
    ({"model": {"kind": "lstm"}}, "kind = 'lstm' is not one of"),
    ({"model": {}}, "needs kind"),
    ({"model": {"kind": "gpt", "n_layer": "four"}}, r"\[model\] n_layer must be an integer"),
    ({"model": {"kind": "gpt"}, "training": {"max_steps": 5, "lr_schedule": "step"}}, "lr_schedule = 'step'"),
    ({"model": {"kind": "gpt"}, "training": {"max_steps": 5}, "extra": {}}, r"unknown section \[extra\]"),
    ({"model": {"kind": "gpt", "n_embd": 100}, "training": {"max_steps": 5}}, "not a multiple of head_dim"),
    ({"model": {"kind": "gpt"}, "training": {"max_steps": 5, "batch_size": 0}}, "batch_size must be > 0"),
])
def test_bad_values_name_the_key_and_file(table, message):
    with pytest.raises(GraphemeError, match=message) as e:
        LC.from_dict(table, "bad.toml")
    assert "bad.toml" in str(e.value)
