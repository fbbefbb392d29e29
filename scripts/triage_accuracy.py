"""Measure the triage on the labelled comments: accuracy per class for needs-reply and for urgency.

    .venv/bin/python scripts/triage_accuracy.py [--verbose]
"""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from pathlib import Path

from cmtui.config import Config
from cmtui.triage import Settings, classify, urgency

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


def main() -> None:
    result = evaluate()
    for axis, classes in result.items():
        all_right = sum(r for r, _ in classes.values())
        all_total = sum(t for _, t in classes.values())
        print(f"{axis}: {all_right}/{all_total} = {all_right / all_total:.0%}")
        for name, (r, t) in classes.items():
            print(f"  {name:<7} {r:>3}/{t:<3} {r / t:.0%}")


if __name__ == "__main__":
    main()
