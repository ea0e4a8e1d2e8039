"""The worker's warm-up loads what its first batches would otherwise wait for."""

from __future__ import annotations

from types import SimpleNamespace

from civicmod.contract.settings import load_settings
from civicmod.verdict.configured import build_judge
from classifiers import language
from classifiers.loader import load_from_settings
from streams.moderate.service import ModerateService


def test_warm_up_reads_every_language_identifier_before_the_first_batch():
    settings = load_settings(None, env={
        "CIVICMOD__CLASSIFIER__BACKEND": "none",
        "CIVICMOD__CLASSIFIER__LANGUAGES__DEFAULT": '["en", "cy"]',
        "CIVICMOD__CLASSIFIER__LANGUAGES__ACCOUNTS": '{"page:lyon": ["fr", "en"]}'})
    judge = build_judge(settings, load_from_settings(settings.classifier))
    service = SimpleNamespace(settings=settings, judge=judge)
    language._cached_identifier.cache_clear()
    try:
        ModerateService.warm_up(service)  # type: ignore[arg-type]
        loaded = language._cached_identifier
        assert loaded.cache_info().currsize == 3
        # the first question's tagger and the Lyon account's routing find them loaded
        language.detect("When will the potholes on Station Road be repaired?")
        language.identify("Quand est-ce que la mairie va réparer la route ?", ["fr", "en"])
        assert loaded.cache_info().misses == 3 and loaded.cache_info().hits >= 2
    finally:
        language._cached_identifier.cache_clear()
