"""A service's heap settling (the worker, the gateway): start-up objects frozen, young collections rarer."""

from __future__ import annotations

import gc

from streams.kafka.gc_tuning import SERVICE_THRESHOLDS, settle_heap


def test_settle_heap_freezes_what_exists_and_sets_the_thresholds():
    before = gc.get_threshold()
    kept = [[i] for i in range(1000)]  # containers the collector tracks
    try:
        frozen = settle_heap()
        # frozen objects still die by reference count (the logging call frees some): the count
        # can only shrink after the freeze
        assert frozen >= 1000 and 0 < gc.get_freeze_count() <= frozen
        assert gc.get_threshold() == SERVICE_THRESHOLDS
        visible = {id(o) for o in gc.get_objects()}  # the permanent generation is not listed
        assert not any(id(x) in visible for x in kept)
        later = [0]  # made after the freeze: collected as usual
        assert id(later) in {id(o) for o in gc.get_objects()}
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert id(kept[0]) in {id(o) for o in gc.get_objects()}
