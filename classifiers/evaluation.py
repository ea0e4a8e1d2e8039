"""Offline evaluation of a classifier on a labelled CSV: AUC, precision/recall at the configured
thresholds, false-positive rates per HateCheck functionality, and threshold calibration."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifiers.base import Classifier

POSITIVE_VALUES = frozenset({"1", "true", "yes", "toxic", "hateful", "hate", "offensive", "abusive"})


@dataclass
class Dataset:
    texts: list[str]
    gold: list[bool]
    groups: list[str | None]  # e.g. HateCheck's functionality


def read_dataset(path: str | Path, text_col: str, label_col: str,
                 positive: Iterable[str] = POSITIVE_VALUES, group_col: str | None = "functionality",
                 limit: int | None = None) -> Dataset:
    """Read a CSV; a label is positive when its lower-cased value is in ``positive``."""
    pos = {p.lower() for p in positive}
    texts, gold, groups = [], [], []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in (text_col, label_col) if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: no column {missing[0]!r}; columns are {reader.fieldnames}")
        has_group = group_col is not None and group_col in (reader.fieldnames or [])
        for row in reader:
            texts.append(row[text_col] or "")
            gold.append(str(row[label_col]).strip().lower() in pos)
            groups.append(row[group_col] if has_group else None)  # type: ignore[index]
            if limit and len(texts) >= limit:
                break
    return Dataset(texts, gold, groups)


def threshold(table: Mapping[str, float], label: str) -> float | None:
    """A label's threshold in a table of {label: threshold}, "*" standing for any other label."""
    return table.get(label, table.get("*"))


def merged_table(base: Mapping[str, float], own: Mapping[str, float]) -> dict[str, float]:
    """One table equal to looking a label up in ``own`` (a language's), then in ``base``: a
    label of ``own`` or its "*" wins over ``base``."""
    return dict(own) if "*" in own else {**base, **own}


def flagged(scores: Mapping[str, float], table: Mapping[str, float]) -> bool:
    """Would the verdict logic act on these scores with this threshold table?"""
    for label, value in scores.items():
        limit = threshold(table, label)
        if limit is not None and value >= limit:
            return True
    return False


@dataclass
class Report:
    n: int
    positives: int
    auc: dict[str, float]
    at_thresholds: dict[str, dict[str, float]]  # "escalate"/"hide" → precision, recall, flagged
    group_fpr: dict[str, dict[str, float]] = field(default_factory=dict)
    calibrated: dict[str, float | None] = field(default_factory=dict)
    target_precision: float = 0.9
    #: Per label, the lowest threshold reaching ``hide_precision`` (None: not asked / not reached).
    calibrated_hide: dict[str, float | None] = field(default_factory=dict)
    hide_precision: float | None = None


def score_all(clf: Classifier, texts: Sequence[str], batch: int = 256,
              progress: Callable[[int], None] | None = None) -> list[dict[str, float]]:
    """Every text's scores, checked as the pipeline checks them (``classifiers.scores``): a
    model that returns garbage stops the evaluation with the row it failed on."""
    from classifiers.routing import predict_checked
    from classifiers.scores import InvalidScores, validate_scores

    out: list[dict[str, float]] = []
    for i in range(0, len(texts), batch):
        chunk = texts[i:i + batch]
        for n, raw in enumerate(predict_checked(clf, chunk)):
            try:
                out.append(validate_scores(raw, getattr(clf, "labels", ())))
            except InvalidScores as exc:
                raise InvalidScores(f"row {i + n + 1}: {exc}") from None
        if progress:
            progress(len(chunk))
    return out


def calibrate(gold: Sequence[bool], scores: Sequence[Mapping[str, float]],
              precision: float) -> dict[str, float | None]:
    """Per label (and "any": the highest score), the lowest threshold at which flagging has at
    least ``precision`` on ``gold`` (None: never reached). Empty without both classes."""
    from sklearn.metrics import precision_recall_curve

    y = [int(g) for g in gold]
    if not 0 < sum(y) < len(y):
        return {}
    out: dict[str, float | None] = {}
    for label in [*sorted({k for s in scores for k in s}), "any"]:
        s = [max(x.values()) if label == "any" and x else x.get(label, 0.0) for x in scores]
        prec, _rec, thr = precision_recall_curve(y, s)
        ok = [t for p, t in zip(prec[:-1], thr, strict=True) if p >= precision]
        out[label] = float(min(ok)) if ok else None
    return out


def evaluate(data: Dataset, scores: Sequence[Mapping[str, float]],
             thresholds: Mapping[str, Mapping[str, float]], target_precision: float = 0.9,
             hide_precision: float | None = None) -> Report:
    """Metrics for ``scores`` against ``data``; ``thresholds`` is {"escalate": {...}, "hide": {...}}.
    ``hide_precision``: also calibrate a (stricter) threshold per label for hiding."""
    from sklearn.metrics import roc_auc_score

    labels = sorted({k for s in scores for k in s})
    y = [int(g) for g in data.gold]
    auc: dict[str, float] = {}
    both_classes = 0 < sum(y) < len(y)
    for label in [*labels, "any"]:
        s = [max(x.values()) if label == "any" and x else x.get(label, 0.0) for x in scores]
        if both_classes:
            auc[label] = float(roc_auc_score(y, s))
    calibrated = calibrate(data.gold, scores, target_precision)
    calibrated_hide = calibrate(data.gold, scores, hide_precision) if hide_precision else {}
    at: dict[str, dict[str, float]] = {}
    for action, table in thresholds.items():
        pred = [flagged(s, table) for s in scores]
        tp = sum(p and g for p, g in zip(pred, data.gold, strict=True))
        fp = sum(p and not g for p, g in zip(pred, data.gold, strict=True))
        fn = sum(g and not p for p, g in zip(pred, data.gold, strict=True))
        at[action] = {
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan"),
            "flagged": sum(pred) / len(pred) if pred else 0.0,
        }
    group_fpr: dict[str, dict[str, float]] = defaultdict(dict)
    if any(g is not None for g in data.groups):
        for action, table in thresholds.items():
            counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for s, g, grp in zip(scores, data.gold, data.groups, strict=True):
                if grp is None or g:
                    continue
                counts[grp][0] += flagged(s, table)
                counts[grp][1] += 1
            for grp, (hits, total) in counts.items():
                group_fpr[grp][action] = hits / total
                group_fpr[grp]["n"] = total
    return Report(len(y), sum(y), auc, at, dict(group_fpr), calibrated, target_precision,
                  calibrated_hide, hide_precision)


def threshold_tables(report: Report, ceil_digits: int = 4) -> dict[str, dict[str, float]]:
    """{"escalate": {label: t}, "hide": {label: t}} from a report's calibration, each ``t``
    rounded up (so the precision it was calibrated for holds); labels never reaching their
    precision, and "any", are left out."""
    import math

    def table(cal: Mapping[str, float | None]) -> dict[str, float]:
        step = 10 ** ceil_digits
        return {k: min(math.ceil(v * step - 1e-9) / step, 1.0)
                for k, v in sorted(cal.items()) if v is not None and k != "any"}

    return {"escalate": table(report.calibrated), "hide": table(report.calibrated_hide)}


def plot(report: Report, data: Dataset, scores: Sequence[Mapping[str, float]], out: str | Path,
         title: str) -> Path:
    """A small PNG: precision-recall per label, and false-positive rate per functionality."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    panels = 2 if report.group_fpr else 1
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.5), squeeze=False)
    ax = axes[0][0]
    y = [int(g) for g in data.gold]
    if 0 < sum(y) < len(y):
        for label in sorted({k for s in scores for k in s}):
            prec, rec, _ = precision_recall_curve(y, [s.get(label, 0.0) for s in scores])
            ax.plot(rec, prec, label=f"{label} (AUC {report.auc.get(label, float('nan')):.2f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("precision-recall")
    ax.legend(fontsize=7)
    if report.group_fpr:
        ax2 = axes[0][1]
        groups = sorted(report.group_fpr, key=lambda g: report.group_fpr[g].get("escalate", 0.0))
        ax2.barh(groups, [report.group_fpr[g].get("escalate", 0.0) for g in groups],
                 label="escalated", color="#e0a030")
        ax2.barh(groups, [report.group_fpr[g].get("hide", 0.0) for g in groups], label="hidden",
                 color="#c03030")
        ax2.set_xlabel("false-positive rate (non-hateful cases)")
        ax2.tick_params(axis="y", labelsize=7)
        ax2.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def as_dict(report: Report) -> dict[str, Any]:
    return {
        "n": report.n, "positives": report.positives, "auc": report.auc,
        "at_thresholds": report.at_thresholds, "fpr_by_functionality": report.group_fpr,
        "calibrated_thresholds": report.calibrated, "target_precision": report.target_precision,
        "calibrated_hide_thresholds": report.calibrated_hide, "hide_precision": report.hide_precision,
    }
