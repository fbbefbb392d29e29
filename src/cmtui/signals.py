"""What a single message says, as plain features: sentiment, complaint words, question, thanks, profanity,
rule matches, names that imitate ours. Pure functions on text; `triage/scoring.py` turns them into signals.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import regex

SENTIMENT_CHARS = 600  # long texts: the opening says enough, and VADER's cost grows with length

# Whole words and phrases, each form written out (nothing is derived from them: "jam" must never find "james").
COMPLAINT_WORDS = (
    "refund", "refunds", "refunded", "money back", "chargeback", "cancelled", "canceled", "cancellation",
    "broken", "broke down", "damaged", "defective", "faulty", "cracked", "cracking", "cracks", "never arrived",
    "not arrived", "hasn't arrived", "has not arrived", "never came", "never got", "never received", "didn't receive",
    "did not receive", "still waiting", "still haven't", "still hasn't", "not impressed", "disappointed",
    "disappointing", "unacceptable", "ridiculous", "terrible", "awful", "worst", "scam", "scammed", "rip-off",
    "ripoff", "ripped off", "waste of money", "doesn't work", "does not work", "don't work", "not working",
    "stopped working", "stopped heating", "no response", "no reply", "no answer", "unanswered", "ignored",
    "ignoring", "complaint", "return it", "returning it", "sent it back", "didn't help", "did not help",
    "waste your money", "thanks for nothing", "caught fire", "overheats", "overheating", "dangerous", "unsafe",
    "escalate", "do not buy", "don't buy", "lawsuit", "fraud", "overcharged", "charged twice", "double charged",
    "charged me", "crashes", "crashed", "crashing", "keeps crashing", "noisy", "squeals", "leaks", "leaking",
    "won't turn on", "dead on arrival", "bricked", "jammed", "jamming", "hung up", "on hold", "lost my",
    "delayed", "delay", "can't log in", "cannot log in", "can't login", "locked out", "where is my",
    "wrong order", "wrong item", "missing item", "missing items", "gave my seat away", "messed up",
    "bricks my", "logged me out", "closed my ticket", "without even reading", "strange noise", "weird noise",
    "loud noise", "grinding noise", "clicking noise", "makes a noise", "stopped responding",
    "stranded", "rude", "unhelpful", "not helpful", "poor service", "bad service", "lost luggage",
    "lost my luggage", "lost my bag", "no refund",
    # a few common non-English ones
    "remboursement", "rembourser", "cassé", "arnaque", "jamais reçu", "jamais arrivé", "ne marche pas",
    "ne fonctionne pas", "déçu", "déçue", "décevant", "erstattung", "kaputt", "nie angekommen", "nicht angekommen",
    "funktioniert nicht", "enttäuscht", "enttäuschend", "reembolso", "roto", "estafa", "nunca llegó",
    "no funciona", "no ha llegado", "decepcionado", "decepcionada",
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
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # loads its lexicon: only when needed

    class Windowed(SentimentIntensityAnalyzer):  # type: ignore[misc]
        """VADER with the same scores, in time linear in the text's length. Two of its checks look at most three
        words before and two after word `i`, but lower-case the whole text's words each time they run (several
        times a word): they are handed that window instead (`tests/test_triage.py` checks the scores match)."""

        @staticmethod
        def _negation_check(valence: float, words: list[str], start_i: int, i: int) -> float:
            lo = max(0, i - 3)
            return float(SentimentIntensityAnalyzer._negation_check(valence, words[lo:i + 3], start_i, i - lo))

        @staticmethod
        def _special_idioms_check(valence: float, words: list[str], i: int) -> float:
            lo = max(0, i - 3)
            return float(SentimentIntensityAnalyzer._special_idioms_check(valence, words[lo:i + 3], i - lo))

    return Windowed()


def sentiment(text: str) -> float:
    """VADER's compound score of the opening (up to `SENTIMENT_CHARS`, cut at a sentence end), -1 (very
    negative) … +1 (very positive). VADER's cost grows with the square of a text's length."""
    body = text[:SENTIMENT_CHARS]
    if len(text) > SENTIMENT_CHARS:
        cut = max(body.rfind(". "), body.rfind("! "), body.rfind("? "))
        body = body[: cut + 1] if cut > SENTIMENT_CHARS // 2 else body
    if not body.strip():
        return 0.0
    return round(float(_analyzer().polarity_scores(body)["compound"]), 4)


_WORD = re.compile(r"\w+(?:['’-]\w+)*")
def words(text: str) -> list[str]:
    """Lower-case words, apostrophes and hyphens kept inside them ("didn't", "rip-off")."""
    return _WORD.findall(text.lower().replace("’", "'"))


class PhraseSet:
    """Whole words and phrases, found by looking words up in a set (one pass, whatever the list's size). Only
    what is listed matches: no prefixes, no derived forms."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.single: set[str] = set()
        self.multi: dict[str, list[tuple[str, ...]]] = {}  # first word -> longer phrases, longest first
        for phrase in phrases:
            tokens = tuple(words(phrase))
            if len(tokens) == 1:
                self.single.add(tokens[0])
            elif tokens:
                self.multi.setdefault(tokens[0], []).append(tokens)
        for options in self.multi.values():
            options.sort(key=len, reverse=True)

    def find(self, text: str) -> list[str]:
        """The phrases found, as written in the text (lower-case), first occurrence first."""
        return self.find_in(words(text))

    def find_in(self, tokens: list[str]) -> list[str]:
        """`find` on the text's `words`, for callers that look for several sets in one text."""
        found: list[str] = []
        multi, single = self.multi, self.single
        for i, token in enumerate(tokens):
            hit = None
            if token in multi:
                hit = next((" ".join(p) for p in multi[token] if tuple(tokens[i:i + len(p)]) == p), None)
            if hit is None and token in single:
                hit = token
            if hit is not None and hit not in found:
                found.append(hit)
        return found


@functools.cache
def complaint_words(extra: tuple[str, ...] = ()) -> PhraseSet:
    return PhraseSet(COMPLAINT_WORDS + extra)


# Words of better-profanity's list that are everyday words in product communities (a moka pot, fat-free milk,
# a kill switch, a screw, a door knob, a facial, God, drunk, vodka), names of brands, places and people
# (Virgin, Dick, Fanny, Wang), words that name groups of people (gay, queer, lesbian), and mild words that
# say a feeling rather than break a rule (damn, hell, crap, sucks: the model reads them as negative).
# Flagging them would shame ordinary customers, so they never count as a breach.
NOT_PROFANE = frozenset("""
virgin virgins dick dicks fanny wang cock knob facial hell damn crap suck sucks sucked stupid jerk kinky sex tit
tits shag
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
def profane_words() -> PhraseSet:
    """better-profanity's word list without `NOT_PROFANE`, looked up as whole words (its own matcher costs
    tens of milliseconds per comment, too slow for a sync)."""
    # The file is read directly: importing better_profanity would build its own slow matcher first.
    spec = importlib.util.find_spec("better_profanity")
    assert spec is not None and spec.origin is not None, "better-profanity is not installed"
    listed = (Path(spec.origin).parent / "profanity_wordlist.txt").read_text(encoding="utf-8")
    return PhraseSet(w for w in listed.splitlines() if len(w.strip()) > 2 and w.strip().lower() not in NOT_PROFANE)


def complaints(text: str, extra: tuple[str, ...] = ()) -> list[str]:
    return complaint_words(tuple(extra)).find(text)


def profanities(text: str) -> list[str]:
    return profane_words().find(text)


def is_question(text: str) -> bool:
    """A question mark that ends a sentence, or a sentence that opens like a question."""
    without_quotes = re.sub(r"(?m)^>.*$", "", text)  # quoted text asks nothing of us
    if re.search(r"\?(\s|$|[)\"'»])", without_quotes + " ") or INDIRECT_QUESTION.search(without_quotes):
        return True
    return bool(QUESTION_STARTS.search(without_quotes)) and not without_quotes.rstrip().endswith(".")


def is_acknowledgement(text: str, extra_complaints: tuple[str, ...] = (), *, asks: bool | None = None,
                       complains: bool | None = None, score: float | None = None) -> bool:
    """A thank-you or 👍 that asks nothing and complains about nothing ("Got it, thank you so much!").
    `asks`, `complains` and `score` are the text's `is_question`, complaints and `sentiment` when the caller
    has them already."""
    body = text.strip()
    if not body or len(body) > 400 or not THANKS.search(body):
        return False
    if (is_question(body) if asks is None else asks):
        return False
    if (bool(complaints(body, extra_complaints)) if complains is None else complains):
        return False
    return (sentiment(body) if score is None else score) >= 0


def has_link(text: str) -> bool:
    return bool(LINK.search(text))


ROLE_WORDS = frozenset({
    "support", "help", "helpdesk", "desk", "team", "official", "care", "service", "services", "customer",
    "admin", "staff", "cm", "community", "moderator", "mod", "billing", "refund", "refunds", "hq", "info",
})


def _squash(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


@functools.lru_cache(maxsize=4096)
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


RULE_TIMEOUT = 0.05  # seconds a user rule may search one conversation's waiting text for (per match)
RULE_GIVE_UP = 3  # timeouts after which a rule is no longer tried (for the rest of that sync, or that refresh)


@dataclass(frozen=True)
class Rule:
    """A user-defined guideline from `[[triage.rules]]`: a regex or a word list, a reason and a weight. Compiled
    with the `regex` module, whose searches take a time limit: a user's pattern can backtrack catastrophically
    (`^(\\w|\\w\\w)+$` on 35 letters runs for hours), and must never hang a sync."""

    reason: str
    weight: float
    pattern: regex.Pattern[str]
    action: str = ""  # "tag:LABEL", "hide", "done" or "" (`config.RULE_ACTIONS`): `triage` applies it
    timeouts: list[int] = field(default_factory=lambda: [0], compare=False)  # how many so far, in a list: frozen

    def matches(self, text: str) -> bool | None:
        """Whether the rule matches `text`; None when its search took longer than `RULE_TIMEOUT` (it does not
        count as a match, and the triage reports it). A search that times out takes about twice the limit (the
        `regex` module checks the clock now and then): after `RULE_GIVE_UP` timeouts the rule answers None
        without searching, so a broken rule costs a sync of thousands of conversations a third of a second,
        not minutes."""
        if self.timeouts[0] >= RULE_GIVE_UP:
            return None
        try:
            return self.pattern.search(text, timeout=RULE_TIMEOUT) is not None
        except TimeoutError:
            self.timeouts[0] += 1
            return None


def compile_rule_pattern(pattern: str) -> regex.Pattern[str]:
    """A rule's pattern as the triage runs it (case-insensitive, the `regex` module's syntax: Python's `re`
    plus `\\p{...}` classes and more); raises `regex.error` when it is not valid (the config says so)."""
    import regex  # slow to import: only for configs with rule patterns

    return regex.compile(pattern, regex.IGNORECASE)


def make_rule(reason: str, weight: float, pattern: str | None = None, phrases: tuple[str, ...] = (),
              action: str = "") -> Rule:
    if pattern:
        return Rule(reason=reason, weight=weight, pattern=compile_rule_pattern(pattern), action=action)
    listed = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in listed) or r"(?!x)x"
    return Rule(reason=reason, weight=weight, pattern=compile_rule_pattern(rf"(?<!\w)(?:{body})(?!\w)"),
                action=action)


def features(text: str, score: float | None = None) -> dict[str, Any]:
    """What a message's text says, with the built-in vocabularies and the triage model: computed once, where the
    feed is parsed (in a worker process during a sync, which keeps the model's cost off the process that
    downloads and stores), and stored with the message. Keys: complaints, profanity, question, thanks (a closing
    acknowledgement, if it follows our reply), attention and positive (the model's estimates) and words (what
    drove attention). `score`: the text's `sentiment`, if known."""
    from cmtui import model

    if score is None:
        score = sentiment(text)
    tokens = words(text)
    found = complaint_words().find_in(tokens)
    question = is_question(text)
    thanks = not found and is_acknowledgement(text, asks=question, complains=False, score=score)
    estimate = model.estimate(text, score)
    return {"complaints": found, "profanity": profane_words().find_in(tokens), "question": question,
            "thanks": thanks, "attention": round(estimate.attention, 4), "positive": round(estimate.positive, 4),
            "words": list(estimate.words)}


# -- cues the triage reads besides the model -------------------------------------------------

SARCASM_TAG = re.compile(r"#sarcasm\b|#not\b|(?:^|\s)/s\s*$|\bthanks for nothing\b|\bwhat a joke\b|"
                         r"\b(?:yeah|oh) (?:right|great|sure|wonderful|perfect|joy)\b|\blove that for me\b|"
                         r"^\W*(?:great|wonderful|awesome|fantastic|perfect|brilliant|lovely)\W+(?:another|yet another|"
                         r"again|more)\b", re.IGNORECASE)
PRAISE_OPENING = re.compile(r"^\W*(?:great|wonderful|awesome|fantastic|perfect|brilliant|lovely|nice|thanks|"
                            r"thank you|love|loving|gotta love|so glad|well done|good job|way to go)\b",
                            re.IGNORECASE)
THANKS_A_LOT = re.compile(r"\bthanks? (?:a lot|a bunch|so much|again)\b|\bthis is (?:awesome|great|fantastic)\b|"
                          r"\bjust what i needed\b", re.IGNORECASE)


def sarcasm(text: str, complains: bool) -> bool:
    """The common cues of sarcasm: a tag ("#sarcasm", "/s"), a stock phrase ("what a joke", "Great, another
    …"), or praise wrapped round a complaint ("Called and was hung up on. This is awesome."). `complains`:
    the text reports a problem (words or the model)."""
    if SARCASM_TAG.search(text):
        return True
    return complains and bool(PRAISE_OPENING.search(text) or THANKS_A_LOT.search(text))


SCAM_REQUEST = re.compile(
    r"\b(?:dm|dms|direct message|pm|inbox|message) (?:us|me)\b|\bsend (?:us|me) (?:a )?(?:dm|pm|message)\b|"
    r"\bwhats ?app\b|\btelegram\b|\bcard (?:number|details|info)\b|\bcredit card\b|\bcvv\b|\bbank details\b|"
    r"\b(?:account|order) (?:number|details)\b|\bpayment\b|\bpassword\b|\blog ?in (?:details|here)\b|"
    r"\bverify your (?:account|identity|details)\b|\bclaim your\b|\bgift card\b|\bwallet\b|\bseed phrase\b",
    re.IGNORECASE)


def asks_for_details(text: str) -> bool:
    """A request for DMs, card or account details, payment or a login: what a scammer posing as us asks."""
    return bool(SCAM_REQUEST.search(text))


SALES_LEAD = re.compile(
    r"\b(?:how much|what(?:'s| is) the price|price|pricing|cost|costs|discount|coupon|promo code|in stock|"
    r"back in stock|available in|availability|where (?:can|do) i (?:buy|get|order)|want to (?:buy|order)|"
    r"looking to buy|thinking (?:of|about) (?:buying|getting)|worth it|worth the (?:money|price)|"
    r"ship to|ships to|do you ship|shipping to|pre-?order|bulk order|quote for|free trial|demo)\b",
    re.IGNORECASE)


def sales_lead(text: str) -> bool:
    """Someone weighing a purchase: price, availability, "worth it?", "where can I buy"."""
    return bool(SALES_LEAD.search(text))


def names_us(text: str, ours: Iterable[str]) -> bool:
    """Whether the text names one of our names or handles as a whole word ("@acme_cm please answer")."""
    folded = text.casefold()
    for name in ours:
        name = name.casefold().lstrip("@")
        if len(name) >= 3 and re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", folded):
            return True
    return False
