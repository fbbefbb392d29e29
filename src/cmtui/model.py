"""The learned part of the triage: how likely a message is to be a complaint, a problem report or a negative
message that needs our attention, with the words that drove the estimate.

A logistic regression over word unigrams and bigrams plus VADER's compound score, trained by
`scripts/train_triage.py` on public, human-labelled data (the model card is in the README). Its weights
ship as JSON beside this module and are read once, on first use. Scoring a message is a few hundred dict
lookups: no numerical library at run time.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("triage_model.json")
MAX_CHARS = 600  # the opening says enough (as for VADER's score); keeps the cost bounded

_LINKS = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLES = re.compile(r"[@＠][\w.]+")
_TOKEN = re.compile(r"<link>|<user>|\w+(?:'\w+)*|[\U0001F300-\U0001FAFF\u2600-\u27BF]")  # words, emoji one by one
_NUMBER = "<num>"


def tokens(text: str) -> list[str]:
    """Lower-case tokens: words (apostrophes kept), emoji, and placeholders for links, handles and numbers."""
    body = text[:MAX_CHARS].lower().replace("’", "'")
    if "http" in body or "www." in body:
        body = _LINKS.sub(" <link> ", body)
    if "@" in body or "＠" in body:
        body = _HANDLES.sub(" <user> ", body)
    return [_NUMBER if tok.isdigit() else tok for tok in _TOKEN.findall(body)]


def ngrams(toks: list[str]) -> list[str]:
    """The model's text features: every token, and every pair of adjacent tokens ("hung up")."""
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]


def vader_features(compound: float) -> dict[str, float]:
    """VADER's compound score as two features: how negative, how positive."""
    return {"vader_neg": max(0.0, -compound), "vader_pos": max(0.0, compound)}


@dataclass(frozen=True)
class Head:
    """One logistic regression: the log-odds are the intercept plus the weights of the features present."""

    intercept: float
    dense: dict[str, float]
    weights: dict[str, float]

    def log_odds(self, grams: set[str], dense: dict[str, float]) -> tuple[float, dict[str, float]]:
        weights = self.weights
        found = {g: weights[g] for g in grams & weights.keys()}
        z = self.intercept + sum(found.values()) + sum(self.dense.get(k, 0.0) * v for k, v in dense.items())
        return z, found


@dataclass(frozen=True)
class Model:
    attention: Head  # a complaint, a problem report or a negative message
    positive: Head  # praise, thanks, enthusiasm


@dataclass(frozen=True)
class Estimate:
    attention: float  # 0 … 1: how likely the message is a complaint, a problem report or negative
    positive: float  # 0 … 1: how likely it is praise or thanks
    words: tuple[str, ...]  # the phrases that pushed `attention` up most, strongest first


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@functools.cache
def load(path: Path = MODEL_FILE) -> Model:
    heads = json.loads(path.read_text(encoding="utf-8"))["heads"]
    return Model(**{name: Head(float(h["intercept"]), h["dense"], h["weights"]) for name, h in heads.items()})


def estimate(text: str, compound: float, model: Model | None = None, top: int = 3) -> Estimate:
    """The model's estimate for one message, given its text and VADER compound score."""
    model = model or load()
    grams = set(ngrams(tokens(text)))
    dense = vader_features(compound)
    z, found = model.attention.log_odds(grams, dense)
    zp, _ = model.positive.log_odds(grams, dense)
    return Estimate(attention=_sigmoid(z), positive=_sigmoid(zp), words=_drivers(found, top) if z > 0 else ())


# Words that carry weight only beside others ("not working"): alone they explain nothing to a reader.
FUNCTION_WORDS = frozenset("""
not no never don't can't won't didn't doesn't isn't wasn't aren't haven't hasn't couldn't wouldn't shouldn't
i me my you your we our it its this that the a an and or but to of for on in at with is was are be been so just
""".split())


def _drivers(found: dict[str, float], top: int) -> tuple[str, ...]:
    """The strongest positive features, as phrases a person reads: a word already inside a chosen pair, and
    placeholders, are left out."""
    chosen: list[str] = []
    for gram, weight in sorted(found.items(), key=lambda kv: (-kv[1], kv[0])):
        if weight < 0.5 or len(chosen) == top:
            break
        if "<" in gram or gram in FUNCTION_WORDS or any(gram in c.split(" ") or c in gram.split(" ") for c in chosen):
            continue
        chosen.append(gram)
    return tuple(chosen)
