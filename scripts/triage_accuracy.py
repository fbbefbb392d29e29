"""Measure the triage: on the 66 labelled comments written for it (a regression set), and on real messages
labelled by people that nothing in cmtui was trained or tuned on.

    .venv/bin/python scripts/triage_accuracy.py [--verbose]            # the 66 comments
    .venv/bin/python scripts/triage_accuracy.py --real DIR             # and the held-out real sets in DIR
    .venv/bin/python scripts/triage_accuracy.py --dev DIR              # the dev sets the weights were set on

Each real message is scored as the opening post of its own conversation in a `kind = "mentions"` feed, by a
stranger, as `cmtui inbox` would rank it (the points without the clock, which is the same for all of them).
Reported per class: the AUC (the chance that a message of the class ranks above one of the other) and the
share caught at a 5 % false-alarm rate (ranked above 95 % of the others). The files in DIR, as published:

    uci_amazon_cells.txt, uci_yelp.txt             UCI Sentiment Labelled Sentences (CC BY 4.0): pos / neg
    dynasent_round01-yelp-{dev,test}.jsonl         DynaSent v1.1 round 1 (CC BY 4.0): neg / neu / pos
    goemotions_group_test.tsv, goemotions_labels.txt  GoEmotions test split, its authors' sentiment groups
    banking_test.csv                               BANKING77 test split (CC BY 4.0): problem reports / others
    goemotions_group_dev.tsv, banking_train.csv    (--dev) the dev sets: GoEmotions dev, every tenth row
"""

from __future__ import annotations

import csv
import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

from cmtui.config import Config
from cmtui.triage import Settings, classify, urgency

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_triage import AMBIGUOUS_INTENTS, PROBLEM_INTENTS, auc  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "labelled_comments.toml"


def evaluate(config: Config | None = None) -> dict[str, dict[str, tuple[int, int]]]:
    """{"needs_reply": {class: (right, total)}, "urgency": {class: (right, total)}}, and misses on stdout."""
    settings = Settings(config or Config(path=Path("-"), names=("Acme Support", "acme_cm")))
    items = tomllib.loads(DATA.read_text(encoding="utf-8"))["comment"]
    right: dict[str, Counter[str]] = {"needs_reply": Counter(), "urgency": Counter()}
    total: dict[str, Counter[str]] = {"needs_reply": Counter(), "urgency": Counter()}
    misses = []
    for item in items:
        # Written after our reply in the same thread: by the person we answered, so also a follow-up.
        after = item.get("after_reply", False)
        needs, points, found = classify(settings, item["text"], author=item.get("author", "someone"),
                                        after_our_reply=after, follow_up=after)
        guess = {"needs_reply": "yes" if needs else "no", "urgency": urgency(points) if needs else "low"}
        truth = {"needs_reply": "yes" if item["needs_reply"] else "no", "urgency": item["urgency"]}
        for axis in ("needs_reply", "urgency"):
            total[axis][truth[axis]] += 1
            right[axis][truth[axis]] += guess[axis] == truth[axis]
        if guess != truth:
            misses.append((item["text"], truth, guess, [s.reason for s in found if s.reason]))
    if "--verbose" in sys.argv:
        for text, truth, guess, reasons in misses:
            print(f"MISS {text!r}\n     truth {truth} guess {guess} {reasons}")
    return {axis: {c: (right[axis][c], total[axis][c]) for c in sorted(total[axis])} for axis in total}


Labelled = list[tuple[str, str]]  # text, class


def caught_at(scores: list[float], labels: list[int], false_alarms: float = 0.05) -> float:
    """Share of the positives ranked above (1 - false_alarms) of the negatives."""
    negatives = sorted(s for s, y in zip(scores, labels, strict=True) if not y)
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    if not negatives or not positives:
        return float("nan")
    import bisect

    above = sum(bisect.bisect_left(negatives, s) >= (1 - false_alarms) * len(negatives) for s in positives)
    return above / len(positives)


def real_sets(d: Path, dev: bool = False) -> dict[str, Labelled]:
    """The labelled real messages: {set name: [(text, class)]}."""
    out: dict[str, Labelled] = {}
    groups = ["ambiguous", "negative", "neutral", "positive"]
    split = "dev" if dev else "test"
    rows = []
    for line in (d / f"goemotions_group_{split}.tsv").read_text(encoding="utf-8").splitlines():
        text, ids, _ = line.split("\t")
        found = {groups[int(i)] for i in ids.split(",")}
        if len(found) == 1 and "ambiguous" not in found:
            rows.append((text, found.pop()))
    out[f"GoEmotions {split} (Reddit comments)"] = rows
    with (d / ("banking_train.csv" if dev else "banking_test.csv")).open(encoding="utf-8", newline="") as f:
        bank = [(r["text"], "complaint" if r["category"] in PROBLEM_INTENTS else "other")
                for r in csv.DictReader(f) if r["category"] not in AMBIGUOUS_INTENTS]
    out[f"BANKING77 {split} (messages to a bank)"] = bank[9::10] if dev else bank
    if dev:
        return out
    rows = []
    for name in ("dynasent_round01-yelp-dev.jsonl", "dynasent_round01-yelp-test.jsonl"):
        for line in (d / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["gold_label"] in ("negative", "neutral", "positive"):
                rows.append((row["sentence"], row["gold_label"]))
    out["DynaSent round 1 (Yelp sentences chosen to fool a model)"] = rows
    rows = []
    for name in ("uci_amazon_cells.txt", "uci_yelp.txt"):
        for line in (d / name).read_text(encoding="utf-8").splitlines():
            text, _, label = line.rpartition("\t")
            rows.append((text.strip(), "positive" if label.strip() == "1" else "negative"))
    out["UCI labelled sentences (Amazon and Yelp reviews)"] = rows
    return out


PAIRS = (("complaint", "other"), ("negative", "neutral"), ("negative", "positive"))


Ranked = dict[str, dict[str, tuple[float, float, int]]]


def rank_real(sets: dict[str, Labelled], config: Config | None = None) -> Ranked:
    """{set: {"a > b": (AUC, share caught at 5 % false alarms, messages)}} for the pairs of classes it has."""
    settings = Settings(config or Config(path=Path("-"), names=("Acme Support", "acme_cm")))
    result: dict[str, dict[str, tuple[float, float, int]]] = {}
    for name, rows in sets.items():
        points = [classify(settings, text, author=f"person{i}")[1] for i, (text, _) in enumerate(rows)]
        result[name] = {}
        for a, b in PAIRS:
            pair = [(p, int(c == a)) for p, (_, c) in zip(points, rows, strict=True) if c in (a, b)]
            if pair and 0 < sum(y for _, y in pair) < len(pair):
                scores, labels = [p for p, _ in pair], [y for _, y in pair]
                result[name][f"{a} > {b}"] = (auc(scores, labels), caught_at(scores, labels), len(pair))
    return result


def print_real(result: Ranked) -> None:
    print("\n| set | classes | messages | AUC | caught at 5 % false alarms |\n| --- | --- | --- | --- | --- |")
    for name, pairs in result.items():
        for pair, (a, c, n) in pairs.items():
            print(f"| {name} | {pair} | {n:,} | {a:.3f} | {c:.0%} |")


def main() -> None:
    result = evaluate()
    for axis, classes in result.items():
        all_right = sum(r for r, _ in classes.values())
        all_total = sum(t for _, t in classes.values())
        print(f"{axis}: {all_right}/{all_total} = {all_right / all_total:.0%}")
        for name, (r, t) in classes.items():
            print(f"  {name:<7} {r:>3}/{t:<3} {r / t:.0%}")
    for flag in ("--real", "--dev"):
        if flag in sys.argv:
            print_real(rank_real(real_sets(Path(sys.argv[sys.argv.index(flag) + 1]), dev=flag == "--dev")))


if __name__ == "__main__":
    main()
