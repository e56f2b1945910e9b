"""The offline answerer's two fitted decisions, read from rag/data/answer_model.json.

- Which sentence answers: a linear score over the candidate features of
  rag/answer/sentence_features.py, fitted on SQuAD 2.0 as a pairwise logistic regression (each sentence
  holding a gold answer against each retrieved sentence that does not, cross-validated by
  article), so that sigmoid(score_a - score_b) is the chance that a answers rather than b.
- Whether to answer at all: a logistic regression over what the best candidates say about
  the question (QUESTION_FEATURES), fitted on the project's dev questions, answerable against
  near-miss unanswerable, with the threshold chosen on cross-validated predictions.

    score = weights . (features - mean) / scale + bias        p = 1 / (1 + exp(-score))

The file records what each model was trained on and how it scored; evals/fit_answer_model.py
writes it, and nothing else does. The runtime needs only numpy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.answer.sentence_features import FEATURES
from rag.errors import ConfigError

MODEL_PATH = Path(__file__).parent.parent / "data" / "answer_model.json"
MODEL_VERSION = 1
QUESTION_FEATURES = (
    "best_score",  # the sentence model's best score
    "best_similarity",  # the best cosine of any candidate
    "best_coverage",  # the best idf-weighted share of the question's terms in any candidate
    "names_found",  # share of the question's names and figures in the best candidate, its chunk or its source's
    # title and publisher
    "unknown_share",  # share of the question's terms no indexed article uses (glossary short forms read out)
    "period_fit",  # whether the best candidate's chunk reports on or mentions a period the question names
    "answer_type_fit",  # whether the best candidate holds the kind of answer asked for
    "period_in_sentence",  # whether the best candidate itself names a period the question names (or none is)
)


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    weights: np.ndarray
    bias: float
    mean: np.ndarray  # features are standardised with the training set's mean and scale
    scale: np.ndarray

    def score(self, rows: np.ndarray) -> np.ndarray:
        scores: np.ndarray = ((rows - self.mean) / self.scale) @ self.weights + self.bias
        return scores

    def probability(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.score(rows))))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Logistic:
        return cls(tuple(data["features"]), np.array(data["weights"]), float(data["bias"]),
                   np.array(data["mean"]), np.array(data["scale"]))  # fmt: skip


@dataclass(frozen=True)
class AnswerModel:
    sentence: Logistic
    answerable: Logistic
    threshold: float  # answer when the answerable probability is at least this
    record: dict[str, Any]  # what it was trained on, and how it scored

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> AnswerModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != MODEL_VERSION:
                raise ValueError(f"version {data.get('version')!r}, expected {MODEL_VERSION}")
            model = cls(Logistic.from_json(data["sentence"]), Logistic.from_json(data["answerable"]),
                        float(data["answerable"]["threshold"]), data)  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"The answer model {path.name} cannot be read ({exc}); run python -m evals.fit_answer_model."
            ) from exc
        if model.sentence.features != FEATURES or model.answerable.features != QUESTION_FEATURES:
            raise ConfigError(
                f"The answer model {path.name} was fitted on other features; run python -m evals.fit_answer_model."
            )
        return model


@cache
def default_model() -> AnswerModel:
    return AnswerModel.load()
