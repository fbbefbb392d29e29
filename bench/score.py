"""Cost of scoring one message: the model's estimate alone, and the whole single-message triage.

    .venv/bin/python bench/score.py

Texts: the 66 labelled comments and the demo's messages, each scored 20 times (VADER's score given, as the
triage has it already from the parse).
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

from cmtui import model, signals
from cmtui.config import Config
from cmtui.demo import sites
from cmtui.triage import Settings, classify

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    texts = [c["text"] for c in tomllib.loads((ROOT / "tests/data/labelled_comments.toml").read_text())["comment"]]
    texts += [" ".join(c.body) for c in sites.WP_COMMENTS]
    scores = [signals.sentiment(t) for t in texts]
    model.load()
    settings = Settings(Config(path=Path("-"), names=("Acme Support",)))
    classify(settings, texts[0])
    reps = 20
    start = time.perf_counter()
    for _ in range(reps):
        for text, score in zip(texts, scores, strict=True):
            model.estimate(text, score)
    per_estimate = (time.perf_counter() - start) / (reps * len(texts))
    start = time.perf_counter()
    for _ in range(reps):
        for text in texts:
            classify(settings, text)
    per_classify = (time.perf_counter() - start) / (reps * len(texts))
    chars = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} texts, {chars:.0f} characters on average")
    print(f"model.estimate: {per_estimate * 1e3:.3f} ms a message")
    print(f"classify (VADER, rules and the model): {per_classify * 1e3:.3f} ms a message")


if __name__ == "__main__":
    main()
