"""Per-language thresholds change verdicts on the one batch path, and every routed verdict says
in which language, how sure and from where; old verdicts without that field still parse."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from civicmod.contract.records import Author, Comment, LanguageInfo, Verdict
from civicmod.contract.settings import ExpectedLanguages, load_settings
from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge
from classifiers.routing import LanguageRouter
from rules import builtin_ruleset

WELSH = "page:city-of-example"


class Fixed:
    """Scores every text the same; covers the languages it is given."""

    name, version, labels = "tiny", "1", ("toxicity", "threat")

    def __init__(self, toxicity: float, threat: float = 0.0,
                 languages: frozenset[str] = frozenset({"en", "nl", "cy"})) -> None:
        self.scores, self.languages = {"toxicity": toxicity, "threat": threat}, languages

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [dict(self.scores) for _ in texts]


def comment(text: str, i: int, lang: str | None = None, account: str = "acct") -> Comment:
    return Comment(id=f"x:{i}", platform="x", account_id=account, lang=lang,
                   author=Author(id="u", display_name="Resident"), text=text)


def judge(clf, languages: ExpectedLanguages | None = None, **tables) -> Judge:
    return Judge(builtin_ruleset(["City of Example Council"]),
                 LanguageRouter(clf, languages=languages) if languages is not None else clf,
                 hide_thresholds={"threat": 0.9}, escalate_thresholds={"toxicity": 0.9},
                 language_thresholds=tables, engagement=None)


def test_a_languages_threshold_changes_the_verdict():
    nl = {"nl": {"escalate": {"toxicity": 0.8}}}
    texts = [comment("Het park is weer schoon, dank u wel", 1, "nl"),
             comment("The park is clean again, thank you", 2, "en"),
             comment("The park is clean again, thank you", 3)]
    # 0.85: under the model's 0.9, over the Dutch 0.8
    plain = judge_batch(judge(Fixed(0.85)), texts)
    assert [v.outcome for v in plain] == ["publish", "publish", "publish"]
    tuned = judge_batch(judge(Fixed(0.85), **nl), texts)
    assert [v.outcome for v in tuned] == ["escalate", "publish", "publish"]
    reason = next(r for r in tuned[0].reasons if r.source == "model")
    assert reason.id == "model.toxicity" and reason.action == "escalate"
    assert "threshold 0.8 for language nl" in (reason.detail or "")
    # through a router: the detected language picks the table too
    routed = judge_batch(judge(Fixed(0.85), ExpectedLanguages(), **nl),
                         [comment("Wanneer wordt de weg voor de school eindelijk gerepareerd?", 4),
                          comment("When will the road in front of the school be repaired?", 5)])
    assert [v.outcome for v in routed] == ["escalate", "publish"]
    assert routed[0].language is not None and routed[0].language.code == "nl"


def test_labels_the_language_does_not_name_keep_the_models_thresholds():
    tables = {"nl": {"escalate": {"toxicity": 0.95}, "hide": {}}}
    (v,) = judge_batch(judge(Fixed(0.5, threat=0.93), **tables), [comment("Ik weet waar je woont", 1, "nl")])
    assert v.outcome == "hide"  # threat 0.93 >= the model's hide threshold 0.9
    (v,) = judge_batch(judge(Fixed(0.92), **tables), [comment("Wat een onzin", 2, "nl")])
    assert v.outcome == "publish"  # toxicity 0.92: under nl's 0.95, over the model's 0.9
    star = {"nl": {"hide": {"*": 0.99}}}  # a language's "*" replaces every label's threshold
    (v,) = judge_batch(judge(Fixed(0.5, threat=0.93), **star), [comment("Ik weet waar je woont", 3, "nl")])
    assert v.outcome == "publish"


def test_thresholds_from_the_settings_file(tmp_path: Path):
    cfg = tmp_path / "civicmod.yaml"
    cfg.write_text("policy:\n  thresholds:\n    tiny:\n      hide: {}\n      escalate: {toxicity: 0.9}\n"
                   "      languages:\n        cy: {escalate: {toxicity: 0.6}}\n")
    limits = load_settings(cfg, env={}).policy.thresholds_for("tiny")
    j = Judge(builtin_ruleset([]), Fixed(0.7), limits.hide, limits.escalate,
              language_thresholds=limits.by_language(), engagement=None)
    out = judge_batch(j, [comment("Diolch am drwsio'r ffordd", 1, "cy"),
                          comment("Thanks for fixing the road", 2, "en")])
    assert [v.outcome for v in out] == ["escalate", "publish"]


def test_the_verdict_carries_language_confidence_and_source():
    langs = ExpectedLanguages(accounts={WELSH: ["en", "cy"]})
    j = judge(Fixed(0.1), langs)
    out = judge_batch(j, [
        comment("Mae angen trwsio'r ffordd ger yr ysgol cyn y gaeaf", 1, account=WELSH),
        comment("dem boyz gon get it", 2, account=WELSH),  # slang: English, not Nigerian Pidgin
        comment("diolch", 3, account=WELSH),                # too short: the account's first
        comment("Merci pour la route", 4, lang="fr-FR", account=WELSH),
        comment("ok", 5),                                   # no languages, too short: unknown
    ])
    got = [v.language for v in out]
    assert got[0] is not None and (got[0].code, got[0].source) == ("cy", "detected")
    assert got[0].confidence is not None and got[0].confidence > 0.9
    assert got[1] is not None and (got[1].code, got[1].source) == ("en", "detected")
    assert out[1].outcome == "publish" and out[1].scores  # scored, not escalated as uncovered
    assert got[2] == LanguageInfo(code="en", confidence=None, source="account")
    assert got[3] == LanguageInfo(code="fr", confidence=None, source="platform")
    assert got[4] is None
    assert out[0].comment.lang == "cy"  # as before: the routed language fills an unset lang
    for v in out:
        assert Verdict.model_validate_json(v.to_json()) == v
    assert json.loads(out[0].to_json())["language"]["source"] == "detected"
    assert "language" not in json.loads(out[4].to_json())


def test_an_old_verdict_without_language_still_parses():
    (v,) = judge_batch(judge(Fixed(0.1), ExpectedLanguages(default=["en", "cy"])),
                       [comment("The bins were not collected this week", 1)])
    raw = json.loads(v.to_json())
    assert raw.pop("language")["code"] == "en"
    old = Verdict.model_validate_json(json.dumps(raw))
    assert old.language is None and old.outcome == v.outcome and old.comment == v.comment
