"""``civicmod backtest``: the full decision as the worker makes it, with labelled figures."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicmod.cli import app
from civicmod.contract.records import Author, Comment, utcnow
from civicmod.contract.settings import Settings
from civicmod.verdict.backtest import Row, Tally, run_backtest
from civicmod.verdict.configured import build_judge
from classifiers.loader import LoadedClassifier
from rules.compiler import load_policy_set

runner = CliRunner()
SHARED = Path(__file__).resolve().parents[4] / "shared" / "datasets"

ROWS = [  # text, label, group
    ("I will kill you.", "harmful", "threat"),
    ("When is the tip open on Monday?", "clean", "question"),
    ("Thanks for fixing the streetlight so quickly", "clean", "thanks"),
    ("Don't ever kill yourself, no matter what.", "clean", "counter"),
    ("This consultation is a fucking shambles", "clean", "swearing"),
    ("Muslims are vermin.", "harmful", "hate"),
    ("Immigrants are lovely people", "clean", "thanks"),
]


class Toxicity:
    """Scores "shambles" high (a stand-in for a model's false alarm), the rest low."""

    name, version, labels, languages = "tiny", "1", ("toxicity",), frozenset({"en"})

    def predict(self, texts):
        return [{"toxicity": 0.95 if "shambles" in t else 0.05} for t in texts]


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "kind"])
        w.writerows(ROWS)
    return path


def test_tally_counts_shares_precision_recall_and_load():
    t = Tally()
    from civicmod.contract.records import Verdict

    def v(outcome: str) -> Verdict:
        c = Comment(id="x:1", platform="x", account_id="a", author=Author(id="u"), text="t")
        return Verdict(comment=c, outcome=outcome, reasons=[], policy_version="p",  # type: ignore[arg-type]
                       decided_at=utcnow())

    for outcome, label in [("hide", True), ("escalate", True), ("publish", True),
                           ("escalate", False), ("publish", False), ("publish", False),
                           ("publish", False)]:
        t.add(v(outcome), label, False)
    assert (t.n_harmful, t.n_clean) == (3, 4)
    assert t.share("harmful", "publish") == pytest.approx(1 / 3)
    assert t.recall == pytest.approx(2 / 3)
    assert t.precision == pytest.approx(2 / 3)  # 2 harmful of the 3 not published
    assert t.load_per_1000_clean == pytest.approx(250.0)
    assert t.as_dict()["clean_shares"]["escalate"] == 0.25


def test_full_decision_backtest_uses_the_workers_judge_and_batches(tmp_path):
    rows = [Row(Comment(id=f"generic:{i}", platform="generic", account_id="web:1",
                        author=Author(id=f"a{i}"), text=text), group, label == "harmful")
            for i, (text, label, group) in enumerate(ROWS)]
    policy = load_policy_set(["builtin:default"])
    loaded = LoadedClassifier(Toxicity(), "tiny")
    settings = Settings()
    seen = []
    result = run_backtest(rows, policy, make_judge=lambda ps: build_judge(settings, loaded, ps),
                          batch_size=3, each=lambda row, v: seen.append(v))
    assert len(seen) == len(ROWS)
    assert all(v.classifier and v.classifier.name == "tiny" for v in seen if v.outcome != "hide")
    tally = result.main.labelled["all"]
    assert (tally.n_harmful, tally.n_clean) == (2, 5)
    assert tally.harmful["hide"] == 2
    # the swearing comment is escalated (speech.profanity, and the model's 0.95); the negated
    # threat is escalated, never hidden
    assert tally.clean["escalate"] == 2 and tally.clean["hide"] == 0
    assert result.main.labelled["counter"].clean["escalate"] == 1
    assert result.main.unscored_published == 0


def test_cli_prints_figures_per_group_and_writes_json(tmp_path):
    out = tmp_path / "figures.json"
    res = runner.invoke(app, ["backtest", "--input", str(_csv(tmp_path)), "--labels", "label",
                              "--positive", "harmful", "--group-by", "kind", "--backend",
                              "profanity-check", "--json", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "harmful and clean rows" in res.output and "alt-profanity-check" in res.output
    data = json.loads(out.read_text())
    assert data["total"] == len(ROWS)
    everything = data["labelled"]["all"]
    assert (everything["harmful"], everything["clean"]) == (2, 5)
    assert everything["recall_not_published"] == 1.0
    assert data["labelled"]["thanks"]["clean_shares"]["publish"] == 1.0
    assert data["unscored_published"] == 0


def test_cli_refuses_labels_without_positive_values(tmp_path):
    res = runner.invoke(app, ["backtest", "--input", str(_csv(tmp_path)), "--labels", "label",
                              "--backend", "none"])
    assert res.exit_code == 2
    assert "--positive" in res.output


def test_cli_names_a_missing_label_column(tmp_path):
    res = runner.invoke(app, ["backtest", "--input", str(_csv(tmp_path)), "--labels", "nope",
                              "--positive", "x", "--backend", "none"])
    assert res.exit_code == 2
    assert "no column 'nope'" in " ".join(res.output.split())


@pytest.mark.skipif(not (SHARED / "hatecheck_test_suite_cases.csv").is_file(),
                    reason="../shared/datasets is not beside this checkout")
def test_hatecheck_counter_speech_is_never_hidden_by_the_full_decision(tmp_path):
    out = tmp_path / "hc.json"
    res = runner.invoke(app, ["backtest", "--input", str(SHARED / "hatecheck_test_suite_cases.csv"),
                              "--text-column", "test_case", "--labels", "label_gold", "--positive",
                              "hateful", "--group-by", "functionality", "--backend",
                              "profanity-check", "--json", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    groups = json.loads(out.read_text())["labelled"]
    for g in ("counter_quote_nh", "counter_ref_nh"):
        assert groups[g]["clean_shares"]["hide"] == 0.0, g
    clean = groups["all"]["clean_shares"]
    assert clean["hide"] <= 0.01
    assert clean["escalate"] <= 0.20
