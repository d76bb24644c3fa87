"""evaluate (and the deprecated validate --model), repl and plot end to end on a tiny trained model."""

import subprocess
import sys
import types

import pytest
import torch

from grapheme_lab import config as C
from grapheme_lab import generate
from grapheme_lab.brain.repl import parse_line
from grapheme_lab.brain.train import train
from grapheme_lab.cli import main

from brain_helpers import tiny


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tools")
    train(C.from_dict(tiny(tmp, training={"epochs_per_level": 1})))
    generate.write_dataset(tmp / "data", levels=(1, 2), sizes={1: 200, 2: 200}, seed=5, progress=False)
    return tmp


def table_rows(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]


def test_evaluate_table_on_a_split_and_a_file(trained, capsys):
    ck = str(trained / "ck" / "final.pt")
    assert main(["evaluate", "--model", ck, "--data", str(trained / "data" / "test")]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert [r[0] for r in rows] == ["1", "2"] and all(int(r[1]) > 2 for r in rows)
    for r in rows:
        n, acc, clean_n, share = int(r[1]), float(r[2].rstrip("%")), int(r[3]), float(r[5].rstrip("%"))
        ged, bad = float(r[6]), float(r[7].rstrip("%"))
        assert n > 0 and 0 <= acc <= 100 and ged >= 0 and 0 <= bad <= 100
        assert 0 <= clean_n <= n and share == pytest.approx(100 * (1 - clean_n / n), abs=0.05)
    assert "training rows: levels 1, 2, the config's train split, generated in memory" in out
    edge = trained / "edge.jsonl"
    edge.write_text((trained / "data" / "test" / "level_2.jsonl").read_text().splitlines()[0] + "\n")
    assert main(["evaluate", "--model", ck, "--data", str(edge), "--beam", "3"]) == 0
    out = capsys.readouterr().out
    assert "beam 3" in out and [r[:2] for r in table_rows(out)] == [["2", "1"]]
    assert main(["evaluate", "--model", ck, "--data", str(trained / "data" / "test"), "--limit", "2"]) == 0
    assert [r[1] for r in table_rows(capsys.readouterr().out)] == ["2", "2"]


def test_evaluate_counts_rows_of_the_given_train_data_as_contaminated(trained, capsys):
    ck, test = str(trained / "ck" / "final.pt"), str(trained / "data" / "test")
    assert main(["evaluate", "--model", ck, "--data", test, "--train", test]) == 0
    out = capsys.readouterr().out
    assert [r[3:6] for r in table_rows(out)] == [["0", "-", "100.0%"]] * 2  # every row is a training row
    assert f"training rows: levels 1, 2, {test}\n" in out


def test_validate_model_still_scores_with_a_deprecation_note(trained, capsys):
    ck, data = str(trained / "ck" / "final.pt"), str(trained / "data" / "test")
    assert main(["evaluate", "--model", ck, "--data", data]) == 0
    new = capsys.readouterr()
    assert main(["validate", "--model", ck, "--data", data]) == 0
    old = capsys.readouterr()
    assert old.out == new.out and "deprecated" not in new.err
    assert "`validate --model` is deprecated" in old.err and "evaluate --model" in old.err


def test_evaluate_errors(trained, capsys):
    ck = str(trained / "ck" / "final.pt")
    assert main(["evaluate", "--model", ck, "--data", str(trained / "missing.jsonl")]) == 2
    bad = trained / "bad.jsonl"
    bad.write_text("{not json\n")
    assert main(["evaluate", "--model", ck, "--data", str(bad)]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err
    assert main(["evaluate", "--model", ck]) == 2
    assert "needs --data" in capsys.readouterr().err
    assert main(["evaluate", "--model", ck, "--data", str(trained / "data" / "test"), "--compare", ck]) == 2
    assert "--compare is for language models" in capsys.readouterr().err
    assert main(["evaluate", "--model", str(trained / "nope.pt"), "--data", "x"]) == 2
    assert "nope.pt" in capsys.readouterr().err


def test_evaluate_sends_a_language_model_to_lm_evaluate(tmp_path, monkeypatch):
    ck = tmp_path / "lm.pt"
    torch.save({"format": "grapheme_lab.lm/1"}, ck)
    seen = []
    fake = types.ModuleType("grapheme_lab.lm.evaluate")
    fake.main = lambda args: seen.append(args) or 0
    monkeypatch.setitem(sys.modules, "grapheme_lab.lm", types.ModuleType("grapheme_lab.lm"))
    monkeypatch.setitem(sys.modules, "grapheme_lab.lm.evaluate", fake)
    assert main(["evaluate", "--model", str(ck), "--compare", "a.pt", "b.pt", "--limit", "7"]) == 0
    assert len(seen) == 1
    assert (seen[0].model, seen[0].data, seen[0].compare, seen[0].limit) == (str(ck), None, ["a.pt", "b.pt"], 7)


def test_repl_through_a_pipe(trained):
    lines = "(+ 2 3)\n(* x 4) x=2\n(derive (^ x 2) x)\n(+ 2\n\n(solve (= (* 2 x) 8) x)\n:quit\n(+ 1 1)\n"
    p = subprocess.run([sys.executable, "-m", "grapheme_lab", "repl", "--model", str(trained / "ck" / "final.pt")],
                       input=lines, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = p.stdout.splitlines()
    engines = [x for x in out if x.startswith("engine:")]
    assert engines == ["engine: 5", "engine: 8", "engine: (* 2 x)", "engine: 4"]
    assert sum(x.startswith("model:") and "GED" in x for x in out) == 4
    assert any(x.startswith("error:") and "never closed" in x for x in out)
    assert "engine: 2" not in out  # nothing after :quit


def test_parse_line():
    row = parse_line("(+ x y) x=1 y=2.5")
    assert row["level"] == 3 and row["expected_result"] == 3.5 and row["bindings"] == [("x", 1.0), ("y", 2.5)]
    assert parse_line("(integrate x x 0 2)")["expected_result"] == 2.0
    with pytest.raises(ValueError, match="name=value"):
        parse_line("(+ x 1) x")


def test_plot_writes_a_png(trained, capsys):
    out = trained / "plots" / "curves.png"
    assert main(["plot", str(trained / "ck" / "training.log"), "--output", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.parent.glob(".*"))  # no temporary left behind
    junk = trained / "junk.log"
    junk.write_text("hello\n")
    assert main(["plot", str(junk), "--output", str(out)]) == 2
    assert "not a JSON line" in capsys.readouterr().err
