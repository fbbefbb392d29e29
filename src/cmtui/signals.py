"""What a single message says, as plain features: sentiment, complaint words, question, thanks, profanity,
rule matches, names that imitate ours. Pure functions on text; `triage.py` turns them into priorities.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from importlib import resources

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

SENTIMENT_CHARS = 2000  # long texts: the opening says enough, and VADER's cost grows with length

COMPLAINT_WORDS = (
    "refund", "money back", "chargeback", "cancel", "cancelled", "broken", "broke", "damage",
    "defective", "faulty", "crack", "never arrived", "not arrived", "hasn't arrived", "still waiting",
    "not impressed", "disappointed", "disappointing", "unacceptable", "ridiculous", "terrible", "awful",
    "worst", "scam", "rip-off", "ripoff", "waste of money", "doesn't work", "does not work", "not working",
    "stopped working", "stopped heating", "no response", "no reply", "unanswered", "ignored", "complaint",
    "return it", "returning it", "warranty", "ticket", "brick", "jam", "didn't help", "did not help",
    "waste your money", "thanks for nothing", "caught fire", "overheat", "dangerous", "unsafe",
    "recall", "escalate", "do not buy", "don't buy",
    "lawsuit", "fraud", "overcharged", "charged twice", "error", "bug", "fails", "failed", "crash",
    "noise", "noisy", "squeal", "leak", "won't turn on", "dead on arrival", "missing",
    # a few common non-English ones
    "remboursement", "rembourser", "cassé", "arnaque", "erstattung", "kaputt", "reembolso", "roto", "estafa",
)

QUESTION_STARTS = re.compile(
    r"(?:^|[.!\n]\s*)(who|what|when|where|why|how|which|can|could|would|will|should|is|are|am|do|does|did|has|"
    r"have|any|anyone|anybody|is there|est-ce|pourquoi|comment|quand|wie|warum|wann|gibt es|cómo|cuándo|"
    r"por qué|dónde)\b[^.!?\n]{3,}",
    re.IGNORECASE,
)
INDIRECT_QUESTION = re.compile(
    r"\b(wondering|wonder if|would like to know|i'?d like to know|do you know|let me know|any idea|"
    r"can someone|could someone|is it possible|please advise|je voudrais savoir|ich frage mich)\b",
    re.IGNORECASE,
)
THANKS = re.compile(
    r"\b(thanks?|thank you|thx|ty|tysm|cheers|appreciated?|much appreciated|got it|perfect|great|awesome|"
    r"brilliant|solved|sorted|works now|that worked|all good|ok|okay|will do|understood|noted|merci|danke|"
    r"dankeschön|vielen dank|gracias|grazie|obrigad[oa])\b|"
    r"[👍🙏🙌❤️💯✅😊🙂]",
    re.IGNORECASE,
)
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """VADER's compound score, -1 (very negative) … +1 (very positive)."""
    if not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text[:SENTIMENT_CHARS])["compound"])


def _phrase_pattern(phrases: tuple[str, ...], inflect: bool = False) -> re.Pattern[str]:
    """Whole words and phrases, case-insensitive; with `inflect`, single words also match with -s, -ed, -ing."""
    words = sorted({p.strip().lower() for p in phrases if p.strip()}, key=len, reverse=True)
    if not words:
        return re.compile(r"(?!x)x")

    def one(word: str) -> str:
        body = re.escape(word).replace(r"\ ", r"\s+")
        return body + "(?:s|es|ed|d|ing)?" if inflect and " " not in word and word.isalpha() else body

    return re.compile(r"(?<!\w)(" + "|".join(one(w) for w in words) + r")(?!\w)", re.IGNORECASE)


@functools.cache
def complaint_pattern(extra: tuple[str, ...] = ()) -> re.Pattern[str]:
    return _phrase_pattern(COMPLAINT_WORDS + extra, inflect=True)


# Words of better-profanity's list that are everyday words in product communities (a moka pot, fat-free milk,
# a kill switch, a screw, God, drunk, vodka) or that name people (gay, queer, lesbian): flagging them would
# shame ordinary customers, so they never count as a breach.
NOT_PROFANE = frozenset("""
pot fat kill screw screwed god drunk ugly dummy organ strip stroke heroin uzi vodka weed rum wad slave gay gays
queer queers homo lesbian lesbians lesbos lezbian lezbians dyke dykes murder snatch sniper seaman seamen sandbar
vomit urine erect erection naked nude nudes oral orally ovary ovum ovums labia revue maxi pawn paddy omg lmao lmfao
herp herpy hemp ganja opium meth hooch hookah junky junkie pms pee peepee poop potty lube lust lusty lusting racy
prude punky pasty tramp thug souse soused steamy tampon teat menses menstruate menstruation breasts nipple
nipples crotch penetrate penetration playboy foobar fubar nimrod doofus reich napalm sadism sadist masochist
stoned reefer peyote opiate inbred leper wazoo whiz woody willy vixen yury xx toots titi herpes hiv hump humped
humping enlargement fondle seduce sleaze sleazy tawdry stiffy spac hooter hooters booty drunk dopey ninny prig
sissy bimbo bimbos gigolo floozy quicky scantily steamy strip stripclub heshe hebe massa negro organ hymen
""".split())


@functools.cache
def profanity_pattern() -> re.Pattern[str]:
    """better-profanity's word list without `NOT_PROFANE`, matched as whole words with one compiled regex
    (its own matcher costs tens of milliseconds per comment, too slow for a sync)."""
    words = (resources.files("better_profanity") / "profanity_wordlist.txt").read_text(encoding="utf-8")
    return _phrase_pattern(tuple(w for w in words.splitlines()
                                 if len(w.strip()) > 2 and w.strip().lower() not in NOT_PROFANE))


def complaints(text: str, extra: tuple[str, ...] = ()) -> list[str]:
    return list(dict.fromkeys(m.group(1).lower() for m in complaint_pattern(extra).finditer(text)))


def profanities(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(1).lower() for m in profanity_pattern().finditer(text)))


def is_question(text: str) -> bool:
    """A question mark that ends a sentence, or a sentence that opens like a question."""
    without_quotes = re.sub(r"(?m)^>.*$", "", text)  # quoted text asks nothing of us
    if re.search(r"\?(\s|$|[)\"'»])", without_quotes + " ") or INDIRECT_QUESTION.search(without_quotes):
        return True
    return bool(QUESTION_STARTS.search(without_quotes)) and not without_quotes.rstrip().endswith(".")


def is_acknowledgement(text: str, extra_complaints: tuple[str, ...] = ()) -> bool:
    """A thank-you or 👍 that asks nothing and complains about nothing ("Got it, thank you so much!")."""
    body = text.strip()
    if not body or len(body) > 400:
        return False
    if not THANKS.search(body) or is_question(body) or complaints(body, extra_complaints):
        return False
    return sentiment(body) >= 0


def has_link(text: str) -> bool:
    return bool(LINK.search(text))


ROLE_WORDS = frozenset({
    "support", "help", "helpdesk", "desk", "team", "official", "care", "service", "services", "customer",
    "admin", "staff", "cm", "community", "moderator", "mod", "billing", "refund", "refunds", "hq", "info",
})


def _squash(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def imitates(author: str, ours: frozenset[str]) -> str | None:
    """The name of ours that `author` imitates without being it, or None: the same letters spelled
    differently ("Acme-Support", "acme_support"), a near miss ("Acme Suport"), one containing the other
    ("Acme Support Team"), or our brand word with a staff-sounding word ("Acme Help Desk")."""
    norm = " ".join(author.split()).casefold()
    if not norm or norm in ours:
        return None
    mine = _squash(author)
    words = set(re.findall(r"[^\W_]+", norm))
    for name in sorted(ours):
        theirs = _squash(name)
        if len(theirs) < 3:
            continue
        if mine == theirs or (len(theirs) >= 4 and theirs in mine):
            return name
        if len(mine) >= 4 and mine in theirs and len(mine) >= len(theirs) - 2:
            return name
        if difflib.SequenceMatcher(None, mine, theirs).ratio() >= 0.85:
            return name
        brand = re.findall(r"[^\W_]+", name)
        if brand and len(brand[0]) >= 3 and brand[0] in words and (words - {brand[0]}) & ROLE_WORDS:
            return name
    return None


@dataclass(frozen=True)
class Rule:
    """A user-defined guideline from `[[triage.rules]]`: a regex or a word list, a reason and a weight."""

    reason: str
    weight: float
    pattern: re.Pattern[str]

    def matches(self, text: str) -> bool:
        return bool(self.pattern.search(text))


def make_rule(reason: str, weight: float, regex: str | None = None, words: tuple[str, ...] = ()) -> Rule:
    pattern = re.compile(regex, re.IGNORECASE) if regex else _phrase_pattern(words)
    return Rule(reason=reason, weight=weight, pattern=pattern)
