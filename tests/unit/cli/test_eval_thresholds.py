"""`civicmod eval --write-thresholds`: calibrated thresholds, per language with --lang, written
into a civicmod.yaml that the settings loader accepts, the rest of the file kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicmod.cli import app
from civicmod.cli.thresholds_file import write_thresholds
from civicmod.contract.settings import load_settings
from civicmod.contract.yamlfile import FileError

REPO = Path(__file__).resolve().parents[3]

#: A plugin classifier whose toxicity is the number in the text ("s=0.85 ...").
PLUGIN = '''
class Scored:
    name, version, labels, languages = "scored", "1", ("toxicity",), frozenset({"en", "nl"})

    def predict(self, texts):
        return [{"toxicity": float(t.split()[0][2:])} for t in texts]


def build(settings=None):
    return Scored()
'''
# flagging score >= t: precision 1.0 from 0.9, 0.75 at 0.7, 0.8 at 0.6, 0.67 at 0.5
ROWS = [(0.95, 1), (0.9, 1), (0.8, 0), (0.7, 1), (0.6, 1), (0.5, 0), (0.3, 0), (0.1, 0)]


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CIVICMOD_CONFIG", raising=False)
    (tmp_path / "scored_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = tmp_path / "civicmod.yaml"
    text = (REPO / "civicmod.yaml").read_text()
    text = text.replace("  backend: auto ", "  backend: plugin ", 1)
    text = text.replace("  plugin: null ", '  plugin: "scored_plugin:build" ', 1)
    cfg.write_text(text)
    csv = tmp_path / "sample.csv"
    csv.write_text("text,label\n" + "".join(f"s={s} een reactie over de weg,{g}\n" for s, g in ROWS))
    return cfg, csv


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_eval_writes_a_languages_thresholds_into_the_config(setup: tuple[Path, Path]):
    cfg, csv = setup
    before = cfg.read_text()
    res = run("eval", "--config", str(cfg), "--dataset", str(csv), "--positive", "1", "--lang", "nl",
              "--target-precision", "0.75", "--hide-precision", "0.98", "--write-thresholds", str(cfg))
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "policy.thresholds.scored.languages.nl" in out
    limits = load_settings(cfg, env={}).policy.thresholds_for("scored")
    assert limits.languages["nl"].escalate == {"toxicity": 0.6}
    assert limits.languages["nl"].hide == {"toxicity": 0.9}
    # the model had no entry: it starts from the default's tables, unchanged
    default = load_settings(cfg, env={}).policy.thresholds["default"]
    assert (limits.hide, limits.escalate) == (default.hide, default.escalate)
    # everything outside policy.thresholds is kept line for line, comments included
    after = cfg.read_text()
    outside = [x for x in before.splitlines() if not x.startswith("    ")]
    assert [x for x in after.splitlines() if not x.startswith("    ")] == outside
    assert "  thresholds:                         # by classifier name" in after

    # measured again with the Dutch thresholds now in force: 4 of 5 flagged rows are positive
    res = run("eval", "--config", str(cfg), "--dataset", str(csv), "--positive", "1", "--lang", "nl",
              "--json")
    assert res.exit_code == 0, res.output
    assert '"precision": 0.8' in res.stdout


def test_without_lang_the_models_own_tables_are_written(setup: tuple[Path, Path], tmp_path: Path):
    cfg, csv = setup
    target = tmp_path / "tuned.yaml"
    shutil.copy(cfg, target)
    res = run("eval", "--config", str(cfg), "--dataset", str(csv), "--positive", "1",
              "--target-precision", "0.8", "--no-write-hide", "--write-thresholds", str(target))
    assert res.exit_code == 0, res.output
    limits = load_settings(target, env={}).policy.thresholds_for("scored")
    assert limits.escalate == {"*": 0.7, "toxicity": 0.6} and not limits.languages
    assert limits.hide == load_settings(cfg, env={}).policy.thresholds["default"].hide  # unchanged


def test_a_new_file_and_a_bad_lang(setup: tuple[Path, Path], tmp_path: Path):
    cfg, csv = setup
    new = tmp_path / "new.yaml"
    res = run("eval", "--config", str(cfg), "--dataset", str(csv), "--positive", "1", "--lang", "cy",
              "--target-precision", "0.75", "--write-thresholds", str(new))
    assert res.exit_code == 0, res.output
    s = load_settings(new, env={})
    assert s.policy.thresholds["scored"].languages["cy"].escalate == {"toxicity": 0.6}
    assert s.policy.thresholds["alt-profanity-check"].escalate == {"toxicity": 0.9}  # built-ins kept
    res = CliRunner().invoke(app, ["eval", "--config", str(cfg), "--dataset", str(csv), "--lang", "Dutch"])
    assert res.exit_code == 2 and "--lang" in res.output


@pytest.mark.parametrize("text", [
    "worker:\n  batch_size: 3  # keep me\npolicy:\n  reload_interval_s: 1.0\n# about metrics\n"
    "metrics:\n  port: 9000\n",
    "policy:\n  thresholds: {m: {escalate: {toxicity: 0.9}}}\nworker: {batch_size: 3}\n",
    "policy:\n  files: {organisation: []}\nworker:\n  batch_size: 3\n",
    "policy: {reload_interval_s: 1.0}\n",
])
def test_write_thresholds_keeps_every_other_setting(tmp_path: Path, text: str):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    before = load_settings(path, env={})
    write_thresholds(path, "m", {"escalate": {"toxicity": 0.55}, "hide": {"threat": 0.97}}, "nl")
    after = load_settings(path, env={})
    assert after.policy.thresholds["m"].languages["nl"].escalate == {"toxicity": 0.55}
    assert after.policy.thresholds["m"].languages["nl"].hide == {"threat": 0.97}
    assert after.model_dump(exclude={"policy": {"thresholds"}}) == \
        before.model_dump(exclude={"policy": {"thresholds"}})
    for name, t in before.policy.thresholds.items():  # other models' tables are kept
        got = after.policy.thresholds[name]
        assert (got.hide, got.escalate) == (t.hide, t.escalate)
    if "# keep me" in text:
        assert "batch_size: 3  # keep me" in path.read_text() and "# about metrics" in path.read_text()


def test_a_file_that_would_not_load_is_left_as_it_was(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("policy:\n  thresholds:\n    m: {escalate: {toxicity: 0.9}}\n")
    with pytest.raises(FileError, match="would not load"):
        write_thresholds(path, "m", {"escalate": {"toxicity": 1.5}}, None)
    assert path.read_text() == "policy:\n  thresholds:\n    m: {escalate: {toxicity: 0.9}}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]
