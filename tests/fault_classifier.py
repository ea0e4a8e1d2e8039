"""A classifier plugin for tests (``classifier.backend: plugin``,
``classifier.plugin: fault_classifier:build``): scores every text low, unless the text holds a
marker asking for a fault. Loaded by real worker processes (tests put ``tests/`` on PYTHONPATH).

Markers: ``FAULT-NAN``, ``FAULT-INF``, ``FAULT-EMPTY`` ({}), ``FAULT-NONE``, ``FAULT-WRONGLABEL``,
``FAULT-MISSING`` (a label missing), ``FAULT-STRING``, ``FAULT-RANGE`` (1.5), ``FAULT-BOOL``,
``FAULT-RAISE`` (the batch raises), ``FAULT-SHORT`` (one result too few), ``FAULT-HANG`` (never
returns), ``FAULT-KILL`` (the process dies at once, like a native crash). When
$CIVICMOD_TEST_FAULT_FLAG names a file, HANG and KILL act only while that file exists.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence
from typing import Any

LABELS = ("toxicity", "threat")


def fault_scores(text: str) -> Any:
    if "FAULT-NAN" in text:
        return {"toxicity": float("nan"), "threat": 0.0}
    if "FAULT-INF" in text:
        return {"toxicity": float("inf"), "threat": 0.0}
    if "FAULT-EMPTY" in text:
        return {}
    if "FAULT-NONE" in text:
        return None
    if "FAULT-WRONGLABEL" in text:
        return {"toxic": 0.1, "menace": 0.0}
    if "FAULT-MISSING" in text:
        return {"toxicity": 0.1}
    if "FAULT-STRING" in text:
        return {"toxicity": "low", "threat": 0.0}
    if "FAULT-RANGE" in text:
        return {"toxicity": 1.5, "threat": 0.0}
    if "FAULT-BOOL" in text:
        return {"toxicity": False, "threat": 0.0}
    return {"toxicity": 0.01, "threat": 0.0}


class FaultClassifier:
    name = "fault"
    version = "test"
    labels = LABELS

    def predict(self, texts: Sequence[str]) -> list[Any]:
        flag = os.environ.get("CIVICMOD_TEST_FAULT_FLAG")
        armed = not flag or os.path.exists(flag)
        for t in texts:
            if "FAULT-KILL" in t and armed:
                os.kill(os.getpid(), signal.SIGKILL)
            if "FAULT-HANG" in t and armed:
                while True:
                    time.sleep(1)
            if "FAULT-RAISE" in t:
                raise RuntimeError("the model failed on this batch")
        out = [fault_scores(t) for t in texts]
        if any("FAULT-SHORT" in t for t in texts):
            out = out[:-1]
        return out


def build(settings: Any = None) -> FaultClassifier:
    return FaultClassifier()
