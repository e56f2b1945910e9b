"""The answer-or-refuse trade-off at each threshold, and the threshold the project ships.

    trade_off(dev probabilities, dev labels, off-topic probabilities)
        -> [{"threshold": 0.4, "refusal_recall": 0.19, "off_topic_refusal_recall": 0.99,
             "false_refusal_rate": 0.018}, ...]
    choose_threshold(curve, 0.02) -> the point refusing the most near misses with at most 2% of
        answerable questions refused; of points refusing as many, the one refusing more off-topic
        questions, then the one refusing fewer answerable ones.

Near misses decide first because they are what news readers ask; the dev questions hold few questions
about something else entirely, so those only break ties, where they keep the threshold from sliding
down to where a question about bitcoin miners is answered from an article about small caps.
"""

from __future__ import annotations

import numpy as np

THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def trade_off(probabilities: np.ndarray, labels: np.ndarray, off_topic: np.ndarray) -> list[dict[str, float]]:
    """Refusals of the near misses (labels 0), of the off-topic questions and of the answerable ones (labels 1)."""
    curve = []
    for threshold in THRESHOLDS:
        refused = probabilities < threshold
        curve.append({
            "threshold": float(threshold),
            "refusal_recall": round(float(refused[labels == 0].mean()), 3),
            "off_topic_refusal_recall": round(float((off_topic < threshold).mean()), 3) if len(off_topic) else 0.0,
            "false_refusal_rate": round(float(refused[labels == 1].mean()), 3),
        })  # fmt: skip
    return curve


def choose_threshold(curve: list[dict[str, float]], max_false_refusals: float) -> dict[str, float]:
    """The point of `curve` to ship; the lowest threshold when none keeps false refusals within the bound."""
    allowed = [p for p in curve if p["false_refusal_rate"] <= max_false_refusals]
    if not allowed:
        return curve[0]
    return max(allowed, key=lambda p: (p["refusal_recall"], p["off_topic_refusal_recall"], -p["false_refusal_rate"]))
