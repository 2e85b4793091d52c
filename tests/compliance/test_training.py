"""The model's training command: deterministic, whatever the number of processes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from hygie.compliance import training

SETS = Path(__file__).resolve().parents[2] / "eval" / "compliance"


@pytest.fixture()
def small_sets(tmp_path: Path) -> Path:
    """Three development sets of 40 texts each, cut from the real ones."""
    folder = tmp_path / "sets"
    folder.mkdir()
    for name in ("dev", "dev2", "dev3"):
        lines = (SETS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()[:40]
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_the_model_is_the_same_trained_on_one_process_or_on_several_and_never_sees_a_test_set(
    small_sets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A held-out set beside the development sets is never trained on.
    (small_sets / "test.jsonl").write_text("", encoding="utf-8")
    alone, pooled = tmp_path / "alone.json.gz", tmp_path / "pooled.json.gz"
    assert training.main(["--sets", str(small_sets), "--out", str(alone), "--jobs", "1"]) == 0
    report = capsys.readouterr().out
    assert training.main(["--sets", str(small_sets), "--out", str(pooled), "--jobs", "2"]) == 0
    again = capsys.readouterr().out
    # The same figures and the same model, to the byte (the gzip header names the file).
    assert again.replace("pooled", "alone").splitlines()[:-1] == report.splitlines()[:-1]
    assert gzip.decompress(alone.read_bytes()) == gzip.decompress(pooled.read_bytes())
    model = json.loads(gzip.decompress(alone.read_bytes()))
    assert model["trained_on"] == {"dev": 40, "dev2": 40, "dev3": 40}
    assert "| dev2 |" in report and "Threshold sweep" in report


def test_a_quick_experiment_cross_validates_only_the_chosen_sets_and_saves_nothing(
    small_sets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model.json.gz"
    args = ["--sets", str(small_sets), "--out", str(out), "--jobs", "1", "--only", "dev2"]
    assert training.main(args) == 0
    report = capsys.readouterr().out
    assert "dev2:" in report and "dev3" not in report and "| dev |" not in report
    # Rules alone, then each threshold (those below the floor too): block recall and false
    # blocks.
    lines = report.split("dev2:")[1].strip().splitlines()
    assert lines[0].startswith("2.000")
    assert len(lines) == 1 + len(training.BELOW_FLOOR) + len(training.THRESHOLDS)
    assert not out.exists()


def test_the_out_of_fold_scores_can_be_written_for_a_later_study_of_the_threshold(
    small_sets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scores = tmp_path / "scores.jsonl"
    args = ["--sets", str(small_sets), "--scores", str(scores), "--jobs", "1", "--dry-run"]
    assert training.main(args) == 0
    report = capsys.readouterr().out
    rows = [json.loads(line) for line in scores.read_text(encoding="utf-8").splitlines()]
    assert [row["set"] for row in rows] == ["dev"] * 40 + ["dev2"] * 40 + ["dev3"] * 40
    assert {"id", "expected", "rules_block", "score", "rule"} <= set(rows[0])
    # The sweep printed is the one these scores give.
    threshold = training.THRESHOLDS[0]
    found = sum(
        1
        for row in rows
        if row["expected"] == "block" and (row["rules_block"] or row["score"] >= threshold)
    )
    expected = sum(1 for row in rows if row["expected"] == "block")
    assert f"  {threshold:.3f}  {found}/{expected}  " in report
    # A quick experiment writes its sets' scores too.
    args = ["--sets", str(small_sets), "--scores", str(scores), "--jobs", "1", "--only", "dev2"]
    assert training.main(args) == 0
    rows = [json.loads(line) for line in scores.read_text(encoding="utf-8").splitlines()]
    assert [row["set"] for row in rows] == ["dev2"] * 40


def test_a_quick_experiment_on_a_set_that_does_not_exist_says_so(
    small_sets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        training.main(["--sets", str(small_sets), "--only", "dev99", "--dry-run"])
    assert "no such development set: dev99" in capsys.readouterr().err


def test_a_model_trained_with_feature_dropout_cannot_share_a_version_with_one_trained_without(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalog = training.default_catalog()
    monkeypatch.setattr(training, "KEEP", 1.0)
    without = training.settings(catalog, 0.7)
    # Models trained before dropout keep their versions: the settings they digested.
    assert without == [
        training.EPOCHS,
        training.L2,
        training.RULE_EPOCHS,
        catalog.version,
        0.7,
        training.SEEDS,
    ]
    monkeypatch.setattr(training, "KEEP", 0.8)
    assert training.settings(catalog, 0.7) == [*without, 0.8]
    assert training.settings(catalog, 0.7) != training.settings(catalog, 0.75)
