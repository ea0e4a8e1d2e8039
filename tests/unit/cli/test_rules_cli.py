"""civicmod rules check | test | backtest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicmod.cli import app

from policy_helpers import write

runner = CliRunner()
SHARED = Path(__file__).resolve().parents[4] / "shared" / "datasets"


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_check_the_default_policy():
    res = run("rules", "check", "builtin:default")
    assert res.exit_code == 0, res.output
    assert "civicmod-default@" in res.output and "locked: pii.email" in res.output
    assert "author_comments_10m" in res.output


def test_check_reports_file_line_and_field(tmp_path: Path):
    bad = write(tmp_path, "bad.yaml", "policy: b\nversion: 1\nrules:\n  - id: x\n    description: d\n"
                                       "    policy: p\n    when: {words: nope}\n    action: hide\n")
    res = run("rules", "check", str(bad))
    assert res.exit_code == 2
    assert f"{bad}:7: rules.0.when.words: no word list named 'nope'" in res.output.replace("\n", "")


def test_check_layers_in_order(tmp_path: Path):
    org = write(tmp_path, "org.yaml", "policy: o\nversion: 2\ndisable: [pii.email]\n")
    res = run("rules", "check", "builtin:default", str(org))
    assert res.exit_code == 2 and "locked" in res.output


def test_test_explains_rules_spans_and_outcome():
    res = run("rules", "test", "builtin:default", "I know where you live. Call 07700 900123")
    assert res.exit_code == 0, res.output
    assert "abuse.threat" in res.output and "pii.phone" in res.output
    assert "[0:21] 'I know where you live'" in res.output
    assert "[28:40] '07700 900123'" in res.output
    assert "outcome hide" in res.output


def test_test_json_prints_the_verdict():
    res = run("rules", "test", "builtin:default", "Official notice", "--author-name",
              "Clty of Example Counci1", "--official-name", "City of Example Council", "--json")
    assert res.exit_code == 0, res.output
    verdict = json.loads(res.output)
    assert verdict["schema"] == "civicmod.verdict/1" and verdict["outcome"] == "escalate"
    assert verdict["escalation"]["queue"] == "impersonation" and verdict["escalation"]["hold"] is True
    assert verdict["policy_version"].startswith("civicmod-default@")


def test_test_with_signals_and_scores():
    res = run("rules", "test", "builtin:default", "hello again", "--signal", "author_comments_10m=12",
              "--json")
    assert json.loads(res.output)["reasons"][0]["id"] == "spam.flood"
    res = run("rules", "test", "builtin:default", "you are vile", "--score", "toxicity=0.99", "--json")
    assert json.loads(res.output)["reasons"][0]["id"] == "abuse.toxic_to_staff"


def test_backtest_jsonl_with_compare(tmp_path: Path):
    comments = tmp_path / "c.jsonl"
    lines = [{"text": "bins were missed again"}, {"text": "call me on 07700 900123"},
             {"text": "lovely park"}, {"text": "bins bins bins"}]
    comments.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    stricter = write(tmp_path, "strict.yaml", "policy: strict\nversion: 1\nrules:\n  - id: no.bins\n"
                     "    description: d\n    policy: p\n    when: {terms: [bins]}\n    action: hide\n")
    out = tmp_path / "counts.json"
    res = run("rules", "backtest", "builtin:default", "--input", str(comments),
              "--compare", "builtin:default", "--compare-layer", str(stricter), "--json-out", str(out))
    assert res.exit_code == 0, res.output
    counts = json.loads(out.read_text())
    assert counts["total"] == 4
    assert counts["policy"]["outcomes"] == {"publish": 3, "hide": 1}
    assert counts["compare"]["outcomes"] == {"hide": 3, "publish": 1}
    assert counts["changes"] == {"publish->hide": 2}
    assert "2 comments change outcome" in res.output and "bins were missed again" in res.output


def test_backtest_csv_grouped(tmp_path: Path):
    data = tmp_path / "d.csv"
    data.write_text("functionality,test_case\nA,I will kill you\nA,hello\nB,nice\n")
    out = tmp_path / "o.json"
    res = run("rules", "backtest", "builtin:default", "--input", str(data), "--group-by", "functionality",
              "--json-out", str(out))
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["policy"]["groups"] == {"A": {"hide": 1, "publish": 1},
                                                               "B": {"publish": 1}}


def test_backtest_hatecheck_reproduces_the_documented_figure(tmp_path: Path):
    path = SHARED / "hatecheck_test_suite_cases.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found (shared datasets absent)")
    out = tmp_path / "hc.json"
    res = run("rules", "backtest", "builtin:default", "--input", str(path), "--text-column", "test_case",
              "--group-by", "functionality", "--json-out", str(out))
    assert res.exit_code == 0
    groups = json.loads(out.read_text())["policy"]["groups"]
    nh = [c for g, c in groups.items() if g.endswith("_nh")]
    hidden, total = sum(c.get("hide", 0) for c in nh), sum(sum(c.values()) for c in nh)
    assert total == 1165 and hidden / total <= 0.05
