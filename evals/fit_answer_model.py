"""Fit the offline answerer's two decisions and write rag/data/answer_model.json (a script, not a test).

    python -m evals.fit_answer_model --bench ../shared/bench [--squad-index DIR]

1. Which sentence answers. Every answerable SQuAD 2.0 dev question is retrieved over the 646
   paragraphs as users' questions are (hybrid, the default k); each candidate sentence gets the features of
   rag/answer/sentence_features.py and the label "holds a gold answer". So do the answerable dev questions
   over the five articles, labelled "holds a key fact" (SQuAD alone never names a period or a
   publication date, so it cannot teach what those mean in news). A pairwise logistic regression
   (answer against non-answer of the same question) is scored by 5-fold cross-validation, SQuAD
   grouped by article and the dev questions by question, as precision at 1 beside the model fitted
   on SQuAD alone and the hand-weighted score it replaces (0.7 x similarity + 0.3 x coverage), then
   fitted on all of them.
2. Whether to answer. Every dev question of evals/questions.jsonl (never the test split) gets the
   question features of rag/answer/answer_model.py from its candidates, scored by the sentence model of
   step 1, and so do 150 SQuAD 2.0 questions asked of the articles (off topic: unanswerable); a
   logistic regression separates answerable from unanswerable, each weight kept on the side of 0
   its feature's meaning gives it (fit_signed). Its threshold is chosen on 5-fold
   cross-validated probabilities of the dev questions (and of the off-topic ones, in folds of their own):
   the one that refuses the most unanswerable dev questions while wrongly refusing at most
   MAX_FALSE_REFUSALS of the answerable ones; of thresholds refusing as many, the one refusing more
   off-topic questions. The whole trade-off curve is printed and kept in the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from tqdm import tqdm

from evals.dataset import load_questions
from evals.external import _squad_norm, build, squad_set
from evals.metrics import norm
from evals.refusal_curve import choose_threshold, trade_off
from rag.answer.answer_model import MODEL_PATH, MODEL_VERSION, QUESTION_FEATURES, AnswerModel, Logistic
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.sentence_features import FEATURES
from rag.assistant import Assistant
from rag.settings import DEFAULT_CORPUS_DIR

MAX_FALSE_REFUSALS = 0.02
NEWS_WEIGHT = 3.0  # a dev question's sentence pairs count this many times a SQuAD question's
L2 = 0.01
# How each question feature may move the answerable probability (fit_signed): only unknown words lower it.
QUESTION_SIGNS = tuple(-1 if name == "unknown_share" else 1 for name in QUESTION_FEATURES)
FOLDS = 5
SEED = 7


def standardise(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def fit_signed(
    rows: np.ndarray, labels: np.ndarray, signs: tuple[int, ...], weights: np.ndarray | None = None
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """A logistic regression whose weights keep the signs their features' meanings give them.

    signs[i] = +1: more of feature i can only make "answerable" likelier (a better match); -1: only less
    likely (more unknown words). Fitted freely, near-miss questions, which match the articles' words well
    by design, taught a negative weight to coverage: a rule for this question set, not for news.
    Minimises the mean log-loss plus a small L2 penalty, with L-BFGS-B keeping each weight on its side of 0.
    """
    mean, scale = standardise(rows)
    x = (rows - mean) / scale
    y = labels.astype(float)
    w_rows = np.ones(len(y)) if weights is None else weights

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ theta[:-1] + theta[-1]
        p = 1.0 / (1.0 + np.exp(-z))
        eps = 1e-12
        value = -np.sum(w_rows * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))) / w_rows.sum()
        value += 0.5 * L2 * np.sum(theta[:-1] ** 2)
        gradient_z = w_rows * (p - y) / w_rows.sum()
        return value, np.append(x.T @ gradient_z + L2 * theta[:-1], gradient_z.sum())

    bounds = [(0.0, None) if sign > 0 else (None, 0.0) for sign in signs] + [(None, None)]
    theta = minimize(loss, np.zeros(len(signs) + 1), jac=True, method="L-BFGS-B", bounds=bounds).x
    return theta[:-1], float(theta[-1]), mean, scale


def fit_pairwise(
    rows: np.ndarray, labels: np.ndarray, owners: np.ndarray, weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights w such that sigmoid(w . (a - b)) is the chance that sentence a, not b, holds the answer.

    Each question's sentences holding a gold answer are paired with those that do not, both ways:
    rows [p, n1, n2] of one question -> differences p-n1, p-n2 (label 1) and n1-p, n2-p (label 0).
    `weight` (one per row, read from a question's first row) counts some questions' pairs more.
    """
    mean, scale = standardise(rows)
    scaled = (rows - mean) / scale
    differences, wins, counts = [], [], []
    for owner in np.unique(owners):
        mine = np.flatnonzero(owners == owner)
        positive, negative = mine[labels[mine] == 1], mine[labels[mine] == 0]
        for p in positive:
            for n in negative:
                differences += [scaled[p] - scaled[n], scaled[n] - scaled[p]]
                wins += [1, 0]
                counts += [1.0 if weight is None else weight[mine[0]]] * 2
    model = LogisticRegression(C=1.0, max_iter=1000, fit_intercept=False)
    model.fit(np.array(differences), wins, sample_weight=np.array(counts))
    return model.coef_[0], mean, scale


def to_json(logistic: Logistic) -> dict[str, Any]:
    return {"features": list(logistic.features), "weights": logistic.weights.round(6).tolist(),
            "bias": round(logistic.bias, 6), "mean": logistic.mean.round(6).tolist(),
            "scale": logistic.scale.round(6).tolist()}  # fmt: skip


# -- 1. the sentence model, on SQuAD 2.0 -------------------------------------------------------------


def squad_rows(assistant: Assistant, limit: int | None) -> tuple[np.ndarray, np.ndarray, list[int], list[str]]:
    """Candidate features, labels, the question each row belongs to, and each question's article."""
    answerer: ExtractiveAnswerer = assistant.answerer  # type: ignore[assignment]
    _, questions = squad_set(BENCH / "squad_v2")
    answerable = [(qa, pid) for qa, pid in questions if not qa["is_impossible"]][:limit]
    rows, labels, owners, articles = [], [], [], []
    for number, (qa, pid) in enumerate(tqdm(answerable, desc="SQuAD candidates", leave=False, mininterval=10)):
        question = assistant.read(qa["question"])
        found, table = answerer.candidate_features(question, assistant.retrieve(question, k=assistant.settings.top_k))
        golds = {_squad_norm(a["text"]) for a in qa["answers"]} - {""}
        for candidate, row in zip(found, table):
            rows.append(row)
            labels.append(any(g in _squad_norm(candidate.sentence) for g in golds))
            owners.append(number)
        articles.append(pid.rsplit("-", 1)[0])
    return np.array(rows), np.array(labels, dtype=int), owners, articles


def precision_at_1(scores: np.ndarray, labels: np.ndarray, owners: list[int], questions: set[int]) -> float:
    """Share of the questions (with some sentence holding the answer) whose top-scored sentence holds it."""
    best: dict[int, tuple[float, int]] = {}
    has_answer = set()
    for score, label, owner in zip(scores, labels, owners):
        if owner not in questions:
            continue
        has_answer |= {owner} if label else set()
        if owner not in best or score > best[owner][0]:
            best[owner] = (score, label)
    return sum(best[o][1] for o in has_answer) / len(has_answer) if has_answer else 0.0


def news_rows(assistant: Assistant) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dev questions' candidates: features, label "holds one of the question's key facts", question."""
    answerer: ExtractiveAnswerer = assistant.answerer  # type: ignore[assignment]
    rows, labels, owners = [], [], []
    answerable = [q for q in load_questions() if q.split == "dev" and q.answerable]
    for number, q in enumerate(tqdm(answerable, desc="dev candidates", leave=False, mininterval=10)):
        question = assistant.read(q.question)
        found, table = answerer.candidate_features(question, assistant.retrieve(question, k=assistant.settings.top_k))
        for candidate, row in zip(found, table):
            text = norm(candidate.text)
            rows.append(row)
            labels.append(any(norm(v) in text for fact in q.key_facts for v in fact))
            owners.append(number)
    return np.array(rows), np.array(labels, dtype=int), np.array(owners)


def sentence_model(
    squad: Assistant, own: Assistant, limit: int | None, cache: Path | None
) -> tuple[Logistic, dict[str, Any]]:
    if cache and cache.exists():
        saved = np.load(cache, allow_pickle=True)
        rows, labels, owners, articles = saved["rows"], saved["labels"], list(saved["owners"]), list(saved["articles"])
    else:
        rows, labels, owners, articles = squad_rows(squad, limit)
        if cache:
            np.savez(cache, rows=rows, labels=labels, owners=np.array(owners), articles=np.array(articles))
    squad_owners = np.array(owners)
    groups = np.array([articles[o] for o in owners])
    news, news_labels, news_questions = news_rows(own)
    news_owners = news_questions + squad_owners.max() + 1  # question numbers apart from SQuAD's

    def both(squad_part: np.ndarray, news_part: np.ndarray) -> tuple[np.ndarray, ...]:
        """SQuAD rows `squad_part` with news rows `news_part`: rows, labels, owners and pair weights."""
        weight = np.concatenate([np.ones(len(squad_part)), np.full(len(news_part), NEWS_WEIGHT)])
        stacked_labels = np.concatenate([labels[squad_part], news_labels[news_part]])
        stacked_owners = np.concatenate([squad_owners[squad_part], news_owners[news_part]])
        return np.vstack([rows[squad_part], news[news_part]]), stacked_labels, stacked_owners, weight

    def p_at_1(scores: np.ndarray, y: np.ndarray, who: np.ndarray) -> float:
        return precision_at_1(scores, y, list(who), set(who))

    everything = np.arange(len(news))
    results: dict[str, list[float]] = {key: [] for key in ("squad", "squad_only", "squad_hand", "news",
                                                            "news_squad_only", "news_hand")}  # fmt: skip
    for train, held in GroupKFold(n_splits=FOLDS).split(rows, labels, groups):  # SQuAD articles held out
        w, mean, scale = fit_pairwise(*both(train, everything))
        results["squad"].append(p_at_1(((rows[held] - mean) / scale) @ w, labels[held], squad_owners[held]))
        w, mean, scale = fit_pairwise(rows[train], labels[train], squad_owners[train])
        results["squad_only"].append(p_at_1(((rows[held] - mean) / scale) @ w, labels[held], squad_owners[held]))
        results["squad_hand"].append(p_at_1(hand_weighted(rows[held]), labels[held], squad_owners[held]))
    all_squad = np.arange(len(rows))
    squad_only, squad_mean, squad_scale = fit_pairwise(rows, labels, squad_owners)
    for train, held in GroupKFold(n_splits=FOLDS).split(news, news_labels, news_questions):  # dev questions held out
        w, mean, scale = fit_pairwise(*both(all_squad, train))
        results["news"].append(p_at_1(((news[held] - mean) / scale) @ w, news_labels[held], news_owners[held]))
        squad_scores = ((news[held] - squad_mean) / squad_scale) @ squad_only
        results["news_squad_only"].append(p_at_1(squad_scores, news_labels[held], news_owners[held]))
        results["news_hand"].append(p_at_1(hand_weighted(news[held]), news_labels[held], news_owners[held]))
    weights, mean, scale = fit_pairwise(*both(all_squad, everything))
    scores = {key: round(float(np.mean(values)), 3) for key, values in results.items()}
    record = {
        "trained_on": f"SQuAD 2.0 dev (16 articles in shared/bench/squad_v2): {len(set(owners))} answerable "
                      f"questions, {len(rows)} retrieved candidate sentences, label = holds a gold answer; and the "
                      f"{len(set(news_questions))} answerable dev questions of evals/questions.jsonl, "
                      f"{len(news)} candidates, label = holds a key fact, their pairs counted {NEWS_WEIGHT} times",
        "cross_validation": f"{FOLDS}-fold: SQuAD grouped by article, the dev questions by question",
        "precision_at_1": {"squad": scores["squad"], "squad_fitted_on_squad_only": scores["squad_only"],
                           "squad_hand_weighted": scores["squad_hand"], "news_dev": scores["news"],
                           "news_dev_fitted_on_squad_only": scores["news_squad_only"],
                           "news_dev_hand_weighted": scores["news_hand"]},
    }  # fmt: skip
    print("sentence model, precision at 1 (cross-validated):")
    for name, value in record["precision_at_1"].items():
        print(f"  {name:<32} {value:.3f}")
    return Logistic(FEATURES, weights, 0.0, mean, scale), record


def hand_weighted(rows: np.ndarray) -> np.ndarray:
    """The score the fitted model replaces: 0.7 x similarity + 0.3 x coverage."""
    return 0.7 * rows[:, FEATURES.index("similarity")] + 0.3 * rows[:, FEATURES.index("coverage")]


# -- 2. the answer-or-refuse model, on the dev questions ---------------------------------------------


def question_rows(assistant: Assistant, sentence: Logistic, questions: list[str]) -> np.ndarray:
    answerer: ExtractiveAnswerer = assistant.answerer  # type: ignore[assignment]
    placeholder = Logistic(QUESTION_FEATURES, np.zeros(len(QUESTION_FEATURES)), 0.0,
                           np.zeros(len(QUESTION_FEATURES)), np.ones(len(QUESTION_FEATURES)))  # fmt: skip
    answerer.model = AnswerModel(sentence, placeholder, 0.0, {})
    rows = []
    for asked in tqdm(questions, desc="questions", leave=False, mininterval=10):
        question = assistant.read(asked)
        ranked = answerer.rank_sentences(question, assistant.retrieve(question, k=assistant.settings.top_k))
        rows.append(answerer.question_features(question, ranked) if ranked else [0.0] * len(QUESTION_FEATURES))
    return np.array(rows)


def off_topic_questions(count: int) -> list[str]:
    """SQuAD 2.0 questions (about Normans, the Amazon, chemistry ...): unanswerable from any news article here.

    The dev questions' unanswerable ones are near misses, which name what the articles name; without
    questions about something else entirely, the model would never learn that unknown words mean refuse.
    """
    _, questions = squad_set(BENCH / "squad_v2")
    return [qa["question"] for qa, _ in questions[:: max(1, len(questions) // count)]][:count]


def answerable_model(
    assistant: Assistant, sentence: Logistic, off_topic: int
) -> tuple[Logistic, float, dict[str, Any]]:
    dev = [q for q in load_questions() if q.split == "dev"]
    rows = question_rows(assistant, sentence, [q.question for q in dev])
    labels = np.array([int(q.answerable) for q in dev])
    extra = question_rows(assistant, sentence, off_topic_questions(off_topic)) if off_topic else rows[:0]
    held_out, extra_held_out = np.zeros(len(labels)), np.zeros(len(extra))
    # The off-topic questions are held out in folds of their own alongside the dev questions'.
    extra_folds = np.arange(len(extra)) % FOLDS
    dev_folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED).split(rows, labels)
    for fold, (train, held) in enumerate(dev_folds):
        extra_train = extra[extra_folds != fold]
        fitted = Logistic(
            QUESTION_FEATURES,
            *_signed_fit(
                np.vstack([rows[train], extra_train]), np.concatenate([labels[train], np.zeros(len(extra_train))])
            ),
        )
        held_out[held] = fitted.probability(rows[held])
        extra_held_out[extra_folds == fold] = fitted.probability(extra[extra_folds == fold])
    curve = trade_off(held_out, labels, extra_held_out)
    chosen = choose_threshold(curve, MAX_FALSE_REFUSALS)
    print(f"\nanswer-or-refuse, {FOLDS}-fold cross-validated on {len(labels)} dev questions "
          f"({int(labels.sum())} answerable):")  # fmt: skip
    print(f"{'threshold':>10} {'refusal recall':>15} {'off-topic refused':>18} {'false refusals':>15}")
    for point in curve:
        mark = "  <- chosen" if point is chosen else ""
        print(
            f"{point['threshold']:>10.2f} {point['refusal_recall']:>15.3f} {point['off_topic_refusal_recall']:>18.3f}"
            f" {point['false_refusal_rate']:>15.3f}{mark}"
        )
    final = Logistic(
        QUESTION_FEATURES, *_signed_fit(np.vstack([rows, extra]), np.concatenate([labels, np.zeros(len(extra))]))
    )
    record = {
        "trained_on": f"evals/questions.jsonl dev split: {len(labels)} questions, {int(labels.sum())} answerable, "
                      f"{int((labels == 0).sum())} unanswerable (the test split is never used); and {len(extra)} "
                      "SQuAD 2.0 questions asked of the five articles, as off-topic unanswerable ones",
        "cross_validation": f"{FOLDS}-fold stratified, seed {SEED}",
        "threshold_rule": f"most unanswerable refused with at most {MAX_FALSE_REFUSALS:.0%} of answerable refused",
        "trade_off": curve,
    }  # fmt: skip
    return final, chosen["threshold"], record


def _signed_fit(rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    return fit_signed(rows, labels, QUESTION_SIGNS)


def main() -> None:
    global BENCH
    parser = argparse.ArgumentParser(prog="python -m evals.fit_answer_model", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--bench", type=Path, default=Path("../shared/bench"))
    parser.add_argument("--squad-index", type=Path, help="keep (or reuse) the SQuAD index here")
    parser.add_argument("--limit", type=int, help="only the first N answerable SQuAD questions (for a quick try)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--off-topic", type=int, default=150, help="SQuAD questions added as off-topic unanswerable")
    parser.add_argument("--cache", type=Path, help="keep the SQuAD features here (.npz) and reuse them next time")
    args = parser.parse_args()
    BENCH = args.bench
    with tempfile.TemporaryDirectory() as tmp:
        squad_dir = args.squad_index or Path(tmp) / "squad"
        articles, _ = squad_set(BENCH / "squad_v2")
        squad = build("squad", articles, squad_dir)
        own = Assistant(data_dir=Path(tmp) / "own", corpus_dir=DEFAULT_CORPUS_DIR, show_progress=False,
                        openai_api_key="", openai_base_url="")  # fmt: skip
        sentence, sentence_record = sentence_model(squad, own, args.limit, args.cache)
        answerable, threshold, answerable_record = answerable_model(own, sentence, args.off_topic)
    data = {
        "version": MODEL_VERSION,
        "written": dt.date.today().isoformat(),
        "written_by": "python -m evals.fit_answer_model",
        "sentence": {**to_json(sentence), **sentence_record},
        "answerable": {**to_json(answerable), "threshold": threshold, **answerable_record},
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"\nwrote {args.out}")


BENCH = Path("../shared/bench")

if __name__ == "__main__":
    main()
