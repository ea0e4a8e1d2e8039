"""Expected languages per account: narrowed detection, the account's language for short texts,
the platform's lang first, and the language's confidence and source in each assessment."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from civicmod.contract.settings import ExpectedLanguages, load_settings
from civicmod.contract.yamlfile import FileError
from classifiers import language as lang_mod
from classifiers.language import Language, classify, detect, identify
from classifiers.routing import LanguageRouter

WELSH_COUNCIL = "page:city-of-example"
#: Informal English that unrestricted detection takes for another language (here Nigerian
#: Pidgin or similar): the measured defect behind per-account languages.
SLANG = "dem boyz gon get it"
TEXTS = [
    SLANG,
    "Mae angen trwsio'r ffordd ger yr ysgol cyn y gaeaf",
    "Quand est-ce que la mairie va réparer la route devant l'école ?",
    "Wanneer wordt de weg voor de school eindelijk gerepareerd?",
    "Wann wird die Straße vor der Schule endlich repariert?",
    "学校の前の道路はいつ修理されますか",
    "Когда отремонтируют дорогу у школы?",
    "1234567890 !!! ??? 2026-12-02 12:00",
    "When will the potholes on Station Road be repaired?",
]


class Covers:
    labels = ("toxicity",)

    def __init__(self, languages: set[str]) -> None:
        self.name, self.version, self.languages = "en-cy", "1", frozenset(languages)

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [{"toxicity": 0.1} for _ in texts]


def expected(**accounts: list[str]) -> ExpectedLanguages:
    return ExpectedLanguages(accounts={WELSH_COUNCIL: ["en", "cy"], **accounts})


def test_a_restricted_identifier_never_answers_outside_its_set():
    for text in TEXTS:
        assert classify(text, ["en", "cy"])[0] in {"en", "cy"}, text
        found = identify(text, ["en", "cy"])
        assert found is not None and found.code in {"en", "cy"}, text
    # the global identifier is not restricted by the cached restricted ones
    assert detect(TEXTS[2]) == "fr" and detect(TEXTS[5]) == "ja"
    assert lang_mod._identifier() is not lang_mod._identifier(frozenset({"en", "cy"}))
    assert lang_mod._identifier(frozenset({"cy", "en"})) is lang_mod._identifier(frozenset({"en", "cy"}))


def test_the_model_is_read_once_per_process_and_preload_reads_it_up_front(monkeypatch):
    """Reading py3langid's model decompresses it (~0.7 s, seconds on a loaded machine): the
    unrestricted and every restricted identifier share one read, and ``preload`` does it before
    the first comment (a worker's first batch once waited 5 s for two reads)."""
    from py3langid.langid import LanguageIdentifier

    reads = []
    real = LanguageIdentifier.from_model_file.__func__

    def counted(cls, *args, **kwargs):
        reads.append(args)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(LanguageIdentifier, "from_model_file", classmethod(counted))
    lang_mod._cached_identifier.cache_clear()
    try:
        lang_mod.preload([["en", "cy"], ("fr", "nl")])
        assert len(reads) == 1
        loaded = lang_mod._cached_identifier.cache_info().currsize
        assert loaded == 3  # unrestricted, {en, cy}, {fr, nl}
        assert lang_mod._identifier() is lang_mod._identifier(None) is lang_mod._identifier(frozenset())
        assert "ja" in lang_mod.known_languages()
        assert detect(TEXTS[5]) == "ja" and classify(TEXTS[2], ["fr", "nl"])[0] == "fr"
        assert identify(TEXTS[1], ["cy", "en"]).code == "cy"
        assert len(reads) == 1 and lang_mod._cached_identifier.cache_info().currsize == loaded
    finally:
        lang_mod._cached_identifier.cache_clear()


def test_narrowing_keeps_english_slang_english_and_welsh_welsh():
    assert detect(SLANG) == "pcm"  # the defect: unrestricted, Nigerian Pidgin
    router = LanguageRouter(Covers({"en", "cy"}), languages=expected())
    slang = router.identify(SLANG, account_id=WELSH_COUNCIL)
    assert slang is not None and (slang.code, slang.source) == ("en", "detected")
    assert 0.5 <= slang.confidence <= 1
    welsh = router.identify(TEXTS[1], account_id=WELSH_COUNCIL)
    assert welsh is not None and (welsh.code, welsh.source) == ("cy", "detected")
    # another account keeps unrestricted detection
    assert router.language(SLANG, account_id="page:elsewhere") == detect(SLANG)


def test_short_texts_take_the_accounts_first_language():
    router = LanguageRouter(Covers({"en", "cy"}), languages=expected(**{"x:wales": ["cy", "en"]}))
    assert router.identify("ok diolch", account_id="x:wales") == Language("cy", None, "account")
    assert router.identify("ok thanks", account_id=WELSH_COUNCIL) == Language("en", None, "account")
    assert router.identify("ok thanks", account_id="page:elsewhere") is None  # no languages: unknown
    # no linguistic content: the account's language, not py3langid's "zxx"
    assert router.identify(TEXTS[7], account_id="x:wales") == Language("cy", None, "account")
    # detection off: the account's language for everything
    off = LanguageRouter(Covers({"en"}), detect_language=False, languages=expected())
    assert off.identify(TEXTS[2], account_id=WELSH_COUNCIL) == Language("en", None, "account")


def test_one_expected_language_is_not_detected():
    router = LanguageRouter(Covers({"en"}), languages=ExpectedLanguages(default=["en"]))
    for text in TEXTS:
        assert router.identify(text, account_id="any") == Language("en", None, "account")


def test_the_platforms_lang_wins():
    router = LanguageRouter(Covers({"en", "cy"}), languages=expected())
    assert router.identify(TEXTS[1], "fr-CA", WELSH_COUNCIL) == Language("fr", None, "platform")


def test_assess_carries_language_confidence_and_source_per_account():
    clf = Covers({"en", "cy"})
    router = LanguageRouter(clf, languages=expected())
    texts = [SLANG, TEXTS[1], "ok", "ok", TEXTS[2]]
    out = router.assess(texts, declared=[None, None, None, None, "fr"],
                        accounts=[WELSH_COUNCIL, WELSH_COUNCIL, WELSH_COUNCIL, "page:other", None])
    assert [(a.lang, a.source) for a in out] == [
        ("en", "detected"), ("cy", "detected"), ("en", "account"), (None, None), ("fr", "platform")]
    assert out[0].confidence is not None and out[1].confidence is not None
    assert out[2].confidence is None and out[4].confidence is None
    assert all(a.model is clf and a.scores == {"toxicity": 0.1} for a in out[:4])
    assert out[4].scores is None and not out[4].covered  # French: no model covers it
    assert out[0].language == Language("en", out[0].confidence, "detected")
    assert out[3].language is None


def test_without_accounts_the_router_detects_as_before():
    router = LanguageRouter(Covers({"en"}))
    out = router.assess([TEXTS[8], "ok"])
    assert (out[0].lang, out[0].source) == ("en", "detected") and out[1].lang is None


def test_a_code_py3langid_cannot_detect_is_refused_naming_the_field():
    with pytest.raises(ValueError, match=r"classifier\.languages\.accounts\.page:x: py3langid "
                                         r"cannot detect qq"):
        LanguageRouter(Covers({"en"}), languages=ExpectedLanguages(accounts={"page:x": ["en", "qq"]}))


def test_settings_name_file_and_field_for_a_bad_language(tmp_path: Path):
    cfg = tmp_path / "civicmod.yaml"
    cfg.write_text("classifier:\n  languages:\n    accounts:\n      page:x: [en, Welsh]\n")
    with pytest.raises(FileError) as err:
        load_settings(cfg, env={})
    assert err.value.path == str(cfg) and err.value.line == 4
    assert err.value.field == "classifier.languages.accounts.page:x.1"
    cfg.write_text("classifier:\n  languages:\n    default: [en]\n"
                   "    accounts: {page:x: [en, cy], page:y: []}\n")
    langs = load_settings(cfg, env={}).classifier.languages
    assert langs.for_account("page:x") == ("en", "cy")
    assert langs.for_account("page:y") == ()  # [] turns narrowing off for that account
    assert langs.for_account("page:z") == ("en",)
