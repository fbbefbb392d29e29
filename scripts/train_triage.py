"""Train the triage model (`src/cmtui/triage_model.json`) from public, human-labelled data.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python scripts/train_triage.py --data DIR [--out src/cmtui/triage_model.json]

DIR holds these files, exactly as published (plain copies; the README's model card names each source, its
commit and its licence):

    goemotions_train.tsv, goemotions_dev.tsv        GoEmotions, data/original/{train,dev}.tsv (Apache-2.0)
    banking_train.csv                               BANKING77, banking_data/train.csv (CC BY 4.0)
    dynasent_round02-dynabench-{dev,test}.jsonl     DynaSent v1.1 round 2 (CC BY 4.0)

Nothing of the evaluation set (`scripts/triage_accuracy.py --real`) is read here. The positive class is
"needs attention as a complaint or a negative message": a negative emotion (GoEmotions), a problem report
(BANKING77's intents where something went wrong, against its plain questions), a negative sentence
(DynaSent). The run is deterministic: the same files give the same weights.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cmtui import model, signals  # noqa: E402

# GoEmotions' negative emotions (label names in data/original/labels.txt).
NEGATIVE_EMOTIONS = {"anger", "annoyance", "disappointment", "disapproval", "disgust", "sadness", "grief", "fear"}
POSITIVE_EMOTIONS = {"admiration", "amusement", "approval", "excitement", "gratitude", "joy", "love", "optimism",
                     "pride", "relief"}

# BANKING77 intents where something went wrong for the customer (a broken expectation) ...
PROBLEM_INTENTS = {
    "card_arrival", "card_payment_wrong_exchange_rate", "extra_charge_on_statement", "pending_cash_withdrawal",
    "card_not_working", "lost_or_stolen_card", "pin_blocked", "contactless_not_working", "pending_top_up",
    "wrong_amount_of_cash_received", "card_payment_fee_charged", "transfer_not_received_by_recipient",
    "top_up_reverted", "balance_not_updated_after_cheque_or_cash_deposit", "card_payment_not_recognised",
    "unable_to_verify_identity", "compromised_card", "direct_debit_payment_not_recognised",
    "declined_cash_withdrawal", "pending_card_payment", "lost_or_stolen_phone", "declined_transfer",
    "Refund_not_showing_up", "declined_card_payment", "pending_transfer", "card_swallowed",
    "transaction_charged_twice", "reverted_card_payment?", "transfer_fee_charged", "failed_transfer",
    "virtual_card_not_working", "wrong_exchange_rate_for_cash_withdrawal", "top_up_failed",
    "balance_not_updated_after_bank_transfer", "cash_withdrawal_not_recognised", "beneficiary_not_allowed",
}
# ... and intents that could be either (left out); every other intent is a plain question or request.
AMBIGUOUS_INTENTS = {"passcode_forgotten", "request_refund", "cancel_transfer", "terminate_account",
                     "exchange_charge", "top_up_by_card_charge", "cash_withdrawal_charge"}

MIN_COUNT = 3  # a feature must occur in this many training texts
MAX_FEATURES = 10_000  # per head, the largest weights: 20,000 cost the sync 3 MiB more for the same AUCs
C_GRID = (0.1, 0.2, 0.5)


Example = tuple[str, int, int]  # text, needs attention (negative or a problem), positive


def goemotions(path: Path, labels: list[str]) -> list[Example]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text, ids, _ = line.split("\t")
        names = {labels[int(i)] for i in ids.split(",")}
        negative = bool(names & NEGATIVE_EMOTIONS)
        out.append((text, int(negative), int(not negative and bool(names & POSITIVE_EMOTIONS))))
    return out


def banking(path: Path) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [(r["text"], int(r["category"] in PROBLEM_INTENTS), 0) for r in rows
            if r["category"] not in AMBIGUOUS_INTENTS]


def dynasent(path: Path) -> list[Example]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["gold_label"] in ("negative", "neutral", "positive"):
            out.append((row["sentence"], int(row["gold_label"] == "negative"), int(row["gold_label"] == "positive")))
    return out


def features(text: str) -> dict[str, float]:
    found: dict[str, float] = dict.fromkeys(model.ngrams(model.tokens(text)), 1.0)
    found.update(model.vader_features(signals.sentiment(text)))
    return found


def auc(scores: list[float], labels: list[int]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    pairs = sorted(zip(scores, labels, strict=True))
    ranks_pos, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # average rank of the tied run, 1-based
        ranks_pos += mid * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    pos = sum(labels)
    neg = len(labels) - pos
    return (ranks_pos - pos * (pos + 1) / 2) / (pos * neg) if pos and neg else float("nan")


def fit(x: Any, y: list[int], dev: dict[str, tuple[Any, list[int]]], head: str) -> Any:
    """The logistic regression whose C gives the best mean AUC on the dev sets."""
    from sklearn.linear_model import LogisticRegression

    best = None
    for c in C_GRID:
        clf = LogisticRegression(C=c, max_iter=3000, solver="lbfgs")
        clf.fit(x, y)
        aucs = {name: auc(list(clf.decision_function(dx)), dy)
                for name, (dx, dy) in dev.items() if 0 < sum(dy) < len(dy)}
        mean = sum(aucs.values()) / len(aucs)
        print(f"{head} C={c}: " + ", ".join(f"{k} AUC {v:.3f}" for k, v in aucs.items()) + f" (mean {mean:.3f})")
        if best is None or mean > best[0]:
            best = (mean, c, clf)
    assert best is not None
    print(f"{head}: C={best[1]}")
    return best[2]


def export(clf: Any, names: list[str]) -> dict[str, Any]:
    coef = clf.coef_[0]
    dense = {n: round(float(w), 4) for n, w in zip(names, coef, strict=True) if n.startswith("vader_")}
    text_weights = sorted(((n, float(w)) for n, w in zip(names, coef, strict=True) if not n.startswith("vader_")),
                          key=lambda nw: (-abs(nw[1]), nw[0]))[:MAX_FEATURES]
    return {"intercept": round(float(clf.intercept_[0]), 4), "dense": dense,
            "weights": {n: round(w, 3) for n, w in sorted(text_weights) if round(w, 3)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path(model.MODEL_FILE))
    args = parser.parse_args()

    from sklearn.feature_extraction import DictVectorizer

    d = args.data
    labels = (d / "goemotions_labels.txt").read_text(encoding="utf-8").split()
    bank = banking(d / "banking_train.csv")
    bank_dev = bank[9::10]  # every tenth row (the file is ordered by intent) tunes C
    bank_train = [row for i, row in enumerate(bank) if i % 10 != 9]
    train = (goemotions(d / "goemotions_train.tsv", labels) + bank_train
             + dynasent(d / "dynasent_round02-dynabench-dev.jsonl")
             + dynasent(d / "dynasent_round02-dynabench-test.jsonl"))
    dev = {"goemotions dev": goemotions(d / "goemotions_dev.tsv", labels), "banking77 dev": bank_dev}

    counts: dict[str, int] = {}
    train_x = [features(t) for t, _, _ in train]
    for row in train_x:
        for k in row:
            counts[k] = counts.get(k, 0) + 1
    kept = {k for k, n in counts.items() if n >= MIN_COUNT}
    vec = DictVectorizer()
    x = vec.fit_transform([{k: v for k, v in row.items() if k in kept} for row in train_x])
    dev_x = {name: vec.transform([features(t) for t, _, _ in rows]) for name, rows in dev.items()}
    names = list(vec.get_feature_names_out())
    heads = {}
    for i, head in ((1, "attention"), (2, "positive")):
        dev_sets = {name: (dev_x[name], [row[i] for row in rows]) for name, rows in dev.items()}
        heads[head] = export(fit(x, [row[i] for row in train], dev_sets, head), names)
    out = {"about": "cmtui triage model: logistic regressions, see scripts/train_triage.py and the README's model card",
           "trained_on": len(train), "heads": heads}
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    size = args.out.stat().st_size / 1024
    print(f"{sum(len(h['weights']) for h in heads.values())} weights, {size:.0f} KiB -> {args.out}")


if __name__ == "__main__":
    main()
