"""Read and check `feeds.toml` into named tuples: immutable values, quicker to import and to create than frozen
dataclasses on a config of thousands of feeds (see bench/RESULTS.md, session 7).

Every problem becomes a `ConfigError` that names the file, the key and why, so the
CLI can print one line and exit 2 instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import tomli  # the stdlib's tomllib, compiled: reads large configs faster (see bench/RESULTS.md, session 7)

from cmtui import platforms, text
from cmtui.identity import Identity
from cmtui.identity import account as identity_account
from cmtui.snoozing import duration

FEED_KINDS = ("blog", "forum", "mentions")


class ConfigError(Exception):
    def __init__(self, path: Path | str, key: str, why: str) -> None:
        self.path, self.key, self.why = str(path), key, why
        super().__init__(f"{self.path}: {key}: {why}" if key else f"{self.path}: {why}")


POSTING_TYPES = ("wordpress", "discourse")


class PostingConfig(NamedTuple):
    """Direct posting for one feed's site. The secret is never in the file: it is read from the environment
    variable `secret_env`, or from the system keyring (service "cmtui", entry `user@site`) when `keyring`."""

    type: str  # "wordpress" (REST API + Application Password) | "discourse" (API key)
    site: str  # the site's base URL, e.g. https://blog.example.com
    user: str  # WordPress user name / Discourse Api-Username
    secret_env: str = ""
    keyring: bool = False


class BrandConfig(NamedTuple):
    """One brand we speak for: its name, and who it is (`[identity]` is the first brand, `[[brands]]` the others)."""

    name: str = ""  # "" for `[identity]` without a `brand` name
    names: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()


class FeedConfig(NamedTuple):
    url: str
    name: str = ""
    kind: str = "blog"  # "blog" | "forum" | "mentions"; Discourse is detected as forum
    follow_comments: bool = True
    tags: tuple[str, ...] = ()
    kind_set: bool = False  # whether `kind` was written in the file (else detection may override)
    posting: PostingConfig | None = None
    brand: str = ""  # the brand the feed is watched for (a `[[brands]]` name; "" is `[identity]`'s)
    mute: bool = False  # its conversations wait only for messages that name us (unless one is unmuted by hand)

    @property
    def label(self) -> str:
        return self.name or self.url


class SyncConfig(NamedTuple):
    concurrency: int = 64  # requests in flight in total (at most per_host to one host)
    per_host: int = 4  # requests in flight per host (be polite)
    timeout: float = 30.0  # total seconds per request, trickling servers included
    connect_timeout: float = 10.0
    comments_days: int = 30  # per-post comment feeds of posts this recent are polled on fallback
    max_body_mb: float = 15.0
    backlog_days: float = 14.0  # on a feed's first sync, older messages are stored but do not wait
    threads_per_host: int = 20  # reply trees (Mastodon, Bluesky) asked of one API host per sync; 0 turns them off
    thread_feeds_per_host: int = 3  # threads of listed posts (Reddit's .rss) fetched per host per sync; 0 = off
    bluesky_appview: str = "https://public.api.bsky.app"  # where Bluesky reply trees are asked (social.BLUESKY_APPVIEW)


DEFAULT_WEIGHTS: dict[str, float] = {
    "needs_reply": 10,  # every waiting conversation starts here
    "waiting": 15,  # grows with the wait, reaching this at the SLA
    "sla_breached": 15,  # once the oldest unanswered message is older than sla_hours
    "complaint": 30,  # complaint vocabulary (refund, never arrived, charged twice, …)
    "negative": 100,  # times the model's estimate that the worst waiting message is a complaint or negative (0…1)
    "turning_negative": 20,  # recent messages more negative than earlier ones
    "sarcasm": 20,  # "#sarcasm", praise wrapped round a complaint ("Great, another delay. Thanks a lot.")
    "question": 15,  # a question mark or a question form
    "mention": 15,  # names one of our names or handles
    "sales_lead": 15,  # price, availability, "worth it?", "where can I buy"
    "between_customers": -20,  # replies to another customer that neither name us nor ask anything
    "follow_up": 25,  # the same person wrote again after we answered them
    "pile_on": 15,  # three or more different people waiting in one conversation
    "profanity": 40,  # guideline breach: profanity
    "scam": 300,  # an author imitating us who posts links or asks for DMs, card, order number, payment, login
    "impersonation": 50,  # a name close to ours that is not ours
    "vip": 25,  # a configured VIP
    "regular": 10,  # someone we have seen often across feeds
    "stuck": 10,  # a question nobody at all answered for more than a day
    "hot": 10,  # many new messages in a short time
    "praise": -20,  # times the model's estimate that every waiting message is praise: ranks low
}


class RuleConfig(NamedTuple):
    reason: str
    weight: float
    pattern: str | None = None  # a regular expression (case-insensitive) …
    words: tuple[str, ...] = ()  # … or whole words and phrases
    action: str = ""  # "tag:LABEL" | "hide" | "done" (see RULE_ACTIONS), or none: points only


class TriageConfig(NamedTuple):
    sla_hours: float = 24.0
    thanks_closes: bool = True  # a thank-you after our reply closes the conversation
    complaint_words: tuple[str, ...] = ()  # added to the built-in list
    vip: tuple[str, ...] = ()
    regular_messages: int = 10  # people with this many messages count as regulars
    # The dicts of a default are shared between configs: nothing changes a config once made.
    aliases: dict[str, str] = {}  # other name -> the person's main name
    weights: dict[str, float] = DEFAULT_WEIGHTS
    rules: tuple[RuleConfig, ...] = ()


class NotifyConfig(NamedTuple):
    command: str = ""  # run after a sync with the newly urgent conversations as JSON on stdin
    min_priority: float = 50.0
    desktop: bool = False  # also a desktop notification (notify-send)


class ViewConfig(NamedTuple):
    """A saved view (`[views.NAME]`): the inbox narrowed by what a community manager filters on every day. Every
    filter given must hold."""

    name: str
    feed: str = ""  # a configured feed's name or URL
    tag: str = ""  # a feed tag or a conversation label
    reason: str = ""  # a signal's name ("complaint", "question", "scam", …) or words of its reason
    person: str = ""  # someone who wrote in the conversation (as `cmtui people` names them)
    kind: str = ""  # blog / forum / mentions
    brand: str | None = None  # a brand's name ("" is [identity]'s when it has no name)
    waiting_longer_than: float = 0.0  # hours the oldest unanswered message has waited, at least


class TeamConfig(NamedTuple):
    me: str = ""  # who I am on the team (assignment, notes); $CMTUI_USER wins, else the login name


class UiConfig(NamedTuple):
    sync_every: float = 15.0  # minutes between the app's own syncs; 0 turns them off
    theme: str = ""  # a Textual theme name; "" keeps the default
    sync_on_open: bool = True  # sync as the app opens on a never-synced or stale store


class Config(NamedTuple):
    path: Path
    names: tuple[str, ...] = ()  # who we are where there are no accounts: a blog's comment form
    handles: tuple[str, ...] = ()  # our accounts on platforms that have them, as `identity.account` writes them
    home: str = ""  # our own fediverse server (https://…): replies to fediverse posts are written there
    brand: str = ""  # `[identity] brand`: the name of the brand `names` and `handles` are (with several brands)
    other_brands: tuple[BrandConfig, ...] = ()  # `[[brands]]`: more brands, each its own names and handles
    feeds: tuple[FeedConfig, ...] = ()
    sync: SyncConfig = SyncConfig()
    ui: UiConfig = UiConfig()
    triage: TriageConfig = TriageConfig()
    notify: NotifyConfig = NotifyConfig()
    keymap: dict[str, str] = {}  # binding id -> keys, e.g. "inbox.done" = "x"
    templates: dict[str, str] = {}  # saved replies: name -> text with {variables}
    views: dict[str, ViewConfig] = {}  # saved views: name -> filters
    team: TeamConfig = TeamConfig()
    warnings: tuple[str, ...] = ()  # what the check found odd but usable (`file: key: why`): the CLI prints them

    @property
    def templates_dir(self) -> Path:
        """One saved reply per file (name.txt), next to feeds.toml."""
        return self.path.parent / "templates"

    @property
    def brands(self) -> tuple[BrandConfig, ...]:
        """Every brand we speak for, `[identity]`'s first."""
        return (BrandConfig(self.brand, self.names, self.handles), *self.other_brands)

    @property
    def our_names(self) -> frozenset[str]:
        """The names of every brand: a reply by any of them is ours."""
        return frozenset(normalise_name(n) for brand in self.brands for n in brand.names)

    @property
    def identity(self) -> Identity:
        return Identity(self.our_names, frozenset(h for brand in self.brands for h in brand.handles))

    def brand_of(self, fc: FeedConfig) -> str:
        """The brand feed `fc` is watched for (a feed that names none is `[identity]`'s)."""
        return fc.brand or self.brand

    def brand_feeds(self, brand: str) -> tuple[str, ...]:
        """The addresses of the feeds watched for `brand`."""
        return tuple(fc.url for fc in self.feeds if self.brand_of(fc) == brand)


def normalise_name(name: str | None) -> str:
    """Case-insensitive, whitespace-trimmed and -collapsed: how authors are compared."""
    return " ".join((name or "").split()).casefold()


def check_url(url: str) -> str | None:
    """Why `url` is not a usable http(s) feed address, or None (`text.url_problem`: the one check)."""
    return text.url_problem(url)


# -- checking ----------------------------------------------------------------------


class _Table:
    """A TOML table being read: typed getters that raise ConfigError naming the key."""

    def __init__(self, path: Path, prefix: str, data: Any, allowed: set[str] | frozenset[str]) -> None:
        if not isinstance(data, dict):
            raise ConfigError(path, prefix, "must be a table")
        self.path, self.prefix, self.data = path, prefix, data
        if data.keys() - allowed:
            unknown = next(key for key in data if key not in allowed)  # the first one in the file
            known = ", ".join(sorted(allowed))
            raise ConfigError(path, self.key(unknown), f"unknown key (known keys: {known})")

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def get(self, name: str, kind: type | tuple[type, ...], default: Any) -> Any:
        if name not in self.data:
            return default
        value = self.data[name]
        if type(value) is kind:  # exactly the type asked for: the usual case, no further check
            return value
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise ConfigError(self.path, self.key(name), f"must be {_kind_name(kinds)}, not a boolean")
        if not isinstance(value, kinds):
            raise ConfigError(self.path, self.key(name), f"must be {_kind_name(kinds)}, not {value!r}")
        return value

    def number(self, name: str, default: float, minimum: float) -> Any:
        value = self.get(name, (int, float), default)
        if value < minimum:
            raise ConfigError(self.path, self.key(name), f"must be at least {minimum}")
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.get(name, list, [])
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise ConfigError(self.path, f"{self.key(name)}[{i}]", f"must be a string, not {item!r}")
        return tuple(value)


def _handles(path: Path, written: tuple[str, ...], key: str = "identity.handles") -> tuple[str, ...]:
    """Handles as accounts (`identity.account`); a handle it cannot read is an error naming it."""
    found: list[str] = []
    for i, handle in enumerate(written):
        acct = identity_account(handle)
        if acct is None:
            raise ConfigError(path, f"{key}[{i}]", f"{handle!r} is not a handle: write @name@server "
                              "(Mastodon and the fediverse, Lemmy, a Discourse forum), u/name (Reddit), "
                              "@name.bsky.social (Bluesky) or the account's profile URL")
        found.append(acct)
    return tuple(dict.fromkeys(found))


def _brands(path: Path, raw: list[Any], main: str) -> tuple[BrandConfig, ...]:
    """`[[brands]]`: each a name (unique, not `[identity] brand`'s) and its own names and handles."""
    found: list[BrandConfig] = []
    for i, item in enumerate(raw):
        table = _Table(path, f"brands[{i}]", item, {"name", "names", "handles"})
        name = table.get("name", str, "").strip()
        if not name:
            raise ConfigError(path, table.key("name"), "missing: every [[brands]] entry needs a name")
        if name == main or any(b.name == name for b in found):
            raise ConfigError(path, table.key("name"), f"{name!r} is already a brand's name")
        names = tuple(n.strip() for n in table.strings("names") if n.strip())
        found.append(BrandConfig(name, names, _handles(path, table.strings("handles"), table.key("handles"))))
    if found and not main:
        raise ConfigError(path, "identity.brand", "missing: with [[brands]], name [identity]'s brand too")
    return tuple(found)


def _check_brands(path: Path, feeds: tuple[FeedConfig, ...], known: list[str]) -> None:
    """Every feed's `brand` names a brand; without one a feed is `[identity]`'s."""
    for i, fc in enumerate(feeds):
        if fc.brand and fc.brand not in known:
            listed = ", ".join(repr(k) for k in known if k) or "none: add [[brands]] tables"
            raise ConfigError(path, f"feeds[{i}].brand", f"unknown brand {fc.brand!r} (brands: {listed})")


_VIEW_KEYS = frozenset(ViewConfig._fields) - {"name"}


def _views(path: Path, raw: dict[str, Any], feeds: tuple[FeedConfig, ...], brands: list[str]) -> dict[str, ViewConfig]:
    """`[views.NAME]` tables: each filter checked against what the config knows (feeds, kinds, brands)."""
    found: dict[str, ViewConfig] = {}
    for name, item in raw.items():
        table = _Table(path, f"views.{name}", item, _VIEW_KEYS)
        values = {key: table.get(key, str, "").strip() for key in ("feed", "tag", "reason", "person", "kind")}
        if values["feed"] and not any(values["feed"] in (fc.name, fc.url) for fc in feeds):
            raise ConfigError(path, table.key("feed"), f"no feed called {values['feed']!r} in this file")
        if values["kind"] and values["kind"] not in FEED_KINDS:
            raise ConfigError(path, table.key("kind"), f"must be one of {', '.join(FEED_KINDS)}")
        brand = table.get("brand", str, None)
        if brand is not None and brand.strip() not in brands:
            raise ConfigError(path, table.key("brand"), f"unknown brand {brand!r}")
        waited = table.get("waiting_longer_than", str, "").strip()
        length = duration(waited) if waited else None
        if waited and length is None:
            raise ConfigError(path, table.key("waiting_longer_than"), "a number and h, d or w, e.g. \"2d\"")
        found[name] = ViewConfig(name, **values, brand=brand.strip() if brand is not None else None,
                                 waiting_longer_than=length.total_seconds() / 3600 if length else 0.0)
    return found


def _home(path: Path, url: str) -> str:
    """`[identity] home`: an http(s) address, or ""."""
    problem = check_url(url) if url else None
    if problem:
        raise ConfigError(path, "identity.home", f"{problem}: write your server's address, e.g. https://mastodon.social")
    return url.rstrip("/")


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", bool: "true or false", int: "a number", float: "a number", list: "a list"}
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def parse(text: str, path: Path) -> Config:
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None
    top = _Table(path, "", data, {"identity", "brands", "feeds", "sync", "ui", "keymap", "triage", "notify",
                                  "templates", "views", "team"})
    templates = top.get("templates", dict, {})
    for name, body in templates.items():
        if not isinstance(body, str):
            raise ConfigError(path, f"templates.{name}", "must be a string: the reply's text")
    notify = _Table(path, "notify", top.get("notify", dict, {}), set(NotifyConfig._fields))
    ui = _Table(path, "ui", top.get("ui", dict, {}), set(UiConfig._fields))
    keymap_table = top.get("keymap", dict, {})
    keymap = {}
    for binding_id, keys in keymap_table.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(path, f"keymap.{binding_id}", "must be a string of keys, e.g. \"x\" or \"x,ctrl+d\"")
        keymap[binding_id] = keys.strip()
    identity = _Table(path, "identity", top.get("identity", dict, {}), {"brand", "names", "handles", "home"})
    brand = identity.get("brand", str, "").strip()
    others = _brands(path, top.get("brands", list, []), brand)
    sync = _Table(path, "sync", top.get("sync", dict, {}), set(SyncConfig._fields))
    feeds, warnings = _unique_feeds(path, [_feed(path, i, raw) for i, raw in enumerate(top.get("feeds", list, []))])
    _check_brands(path, feeds, [brand, *(b.name for b in others)])
    views = _views(path, top.get("views", dict, {}), feeds, [brand, *(b.name for b in others)])
    dflt_sync, dflt_ui, dflt_notify = SyncConfig(), UiConfig(), NotifyConfig()  # as the records declare them
    appview = sync.get("bluesky_appview", str, dflt_sync.bluesky_appview).strip().rstrip("/")
    if why := check_url(appview):
        raise ConfigError(path, "sync.bluesky_appview", why)
    return Config(
        path=path,
        names=tuple(n.strip() for n in identity.strings("names") if n.strip()),
        handles=_handles(path, identity.strings("handles")),
        home=_home(path, identity.get("home", str, "").strip()),
        brand=brand,
        other_brands=others,
        feeds=feeds,
        sync=SyncConfig(
            concurrency=int(sync.number("concurrency", dflt_sync.concurrency, 1)),
            per_host=int(sync.number("per_host", dflt_sync.per_host, 1)),
            timeout=float(sync.number("timeout", dflt_sync.timeout, 1)),
            connect_timeout=float(sync.number("connect_timeout", dflt_sync.connect_timeout, 0.5)),
            comments_days=int(sync.number("comments_days", dflt_sync.comments_days, 0)),
            max_body_mb=float(sync.number("max_body_mb", dflt_sync.max_body_mb, 0.1)),
            backlog_days=float(sync.number("backlog_days", dflt_sync.backlog_days, 0)),
            threads_per_host=int(sync.number("threads_per_host", dflt_sync.threads_per_host, 0)),
            thread_feeds_per_host=int(sync.number("thread_feeds_per_host", dflt_sync.thread_feeds_per_host, 0)),
            bluesky_appview=appview,
        ),
        ui=UiConfig(sync_every=float(ui.number("sync_every", dflt_ui.sync_every, 0)),
                    theme=ui.get("theme", str, dflt_ui.theme),
                    sync_on_open=ui.get("sync_on_open", bool, dflt_ui.sync_on_open)),
        triage=_triage(path, top.get("triage", dict, {})),
        notify=NotifyConfig(command=notify.get("command", str, dflt_notify.command).strip(),
                            min_priority=float(notify.number("min_priority", dflt_notify.min_priority, -1000)),
                            desktop=notify.get("desktop", bool, dflt_notify.desktop)),
        keymap=keymap,
        templates=dict(templates),
        views=views,
        team=TeamConfig(me=_Table(path, "team", top.get("team", dict, {}), {"me"}).get("me", str, "").strip()),
        warnings=warnings,
    )


def _unique_feeds(path: Path, feeds: list[FeedConfig]) -> tuple[tuple[FeedConfig, ...], tuple[str, ...]]:
    """The feeds with each URL once (the first entry wins: it is fetched once, its messages counted once), and a
    warning for every later entry with the same URL."""
    first: dict[str, int] = {}
    warnings = []
    for i, fc in enumerate(feeds):
        if fc.url in first:
            why = f"the same URL as feeds[{first[fc.url]}]: fetched once, as feeds[{first[fc.url]}] (remove one)"
            warnings.append(str(ConfigError(path, f"feeds[{i}].url", why)))
        else:
            first[fc.url] = i
    if not warnings:
        return tuple(feeds), ()
    return tuple(feeds[i] for i in first.values()), tuple(warnings)


def _triage(path: Path, raw: dict[str, Any]) -> TriageConfig:
    table = _Table(path, "triage", raw, {"sla_hours", "thanks_closes", "complaint_words", "vip",
                                          "regular_messages", "aliases", "weights", "rules"})
    weights = _Table(path, "triage.weights", table.get("weights", dict, {}), set(DEFAULT_WEIGHTS))
    aliases_raw = table.get("aliases", dict, {})
    for alias, main in aliases_raw.items():
        if not isinstance(main, str):
            raise ConfigError(path, f"triage.aliases.{alias}", "must be a string: the person's main name")
    rules = []
    for i, rule_raw in enumerate(table.get("rules", list, [])):
        rule = _Table(path, f"triage.rules[{i}]", rule_raw, {"reason", "weight", "pattern", "words", "action"})
        reason = rule.get("reason", str, "").strip()
        if not reason:
            raise ConfigError(path, rule.key("reason"), "missing: the text shown in the inbox when the rule matches")
        pattern = rule.get("pattern", str, None)
        words = rule.strings("words")
        if not pattern and not words:
            raise ConfigError(path, rule.key("pattern"), "a rule needs a pattern (regex) or words")
        if pattern:
            from cmtui.signals import compile_rule_pattern

            try:  # with the engine the triage runs it with (the `regex` module), so what passes here compiles there
                compile_rule_pattern(pattern)
            except Exception as exc:  # regex.error, and whatever else its compiler raises on odd input
                raise ConfigError(path, rule.key("pattern"), f"not a valid regular expression: {exc}") from None
        action = _rule_action(path, rule)
        rules.append(RuleConfig(reason=reason, weight=float(rule.number("weight", 0 if action else 20, -1000)),
                                pattern=pattern, words=words, action=action))
    dflt = TriageConfig()
    return TriageConfig(
        sla_hours=float(table.number("sla_hours", dflt.sla_hours, 0.1)),
        thanks_closes=table.get("thanks_closes", bool, dflt.thanks_closes),
        complaint_words=table.strings("complaint_words"),
        vip=table.strings("vip"),
        regular_messages=int(table.number("regular_messages", dflt.regular_messages, 1)),
        aliases={normalise_name(k): v.strip() for k, v in aliases_raw.items()},
        weights={**DEFAULT_WEIGHTS, **{k: float(weights.number(k, DEFAULT_WEIGHTS[k], -1000)) for k in weights.data}},
        rules=tuple(rules),
    )


RULE_ACTIONS = ("tag:LABEL", "hide", "done")  # what a matching `[[triage.rules]]` does besides its weight


def _rule_action(path: Path, rule: _Table) -> str:
    """A rule's `action`, checked: "tag:LABEL" (the label is added to the conversation), "hide" (it leaves the
    needs-reply inbox, listed under --all with the rule's reason), "done" (marked done; a later message that does
    not match reopens it), or "" (none)."""
    action: str = rule.get("action", str, "").strip()
    if action.startswith("tag:"):
        label = text.clean(action[4:]).strip()
        if not label:
            raise ConfigError(path, rule.key("action"), "tag: needs a label, e.g. \"tag:billing\"")
        return f"tag:{label}"
    if action not in ("", "hide", "done"):
        raise ConfigError(path, rule.key("action"), f"must be one of {', '.join(RULE_ACTIONS)}, not {action!r}")
    return action


_FEED_KEYS = frozenset({"url", "name", "kind", "follow_comments", "tags", "posting", "brand", "mute"})


def _feed(path: Path, index: int, raw: Any) -> FeedConfig:
    table = _Table(path, f"feeds[{index}]", raw, _FEED_KEYS)
    url = table.get("url", str, None)
    if url is None:
        raise ConfigError(path, table.key("url"), "missing: every [[feeds]] entry needs a url")
    url = url.strip()
    if why := check_url(url):
        raise ConfigError(path, table.key("url"), why)
    kind = table.get("kind", str, "") or platforms.default_kind(url)  # a search or a tag feed: mentions
    if kind not in FEED_KINDS:
        raise ConfigError(path, table.key("kind"), f"must be one of {', '.join(FEED_KINDS)}, not {kind!r}")
    return FeedConfig(
        url=url,
        name=table.get("name", str, "").strip(),
        kind=kind,
        follow_comments=table.get("follow_comments", bool, True),
        tags=table.strings("tags"),
        kind_set="kind" in raw,
        posting=_posting(path, table.key("posting"), raw["posting"]) if "posting" in raw else None,
        brand=table.get("brand", str, "").strip(),
        mute=table.get("mute", bool, False),
    )


def _posting(path: Path, key: str, raw: Any) -> PostingConfig:
    table = _Table(path, key, raw, {"type", "site", "user", "secret_env", "keyring", "password", "api_key"})
    for secret in ("password", "api_key"):
        if secret in table.data:
            raise ConfigError(path, f"{key}.{secret}", "secrets never go in this file: put it in an environment "
                              "variable named by secret_env, or in the system keyring with keyring = true")
    kind = table.get("type", str, "")
    if kind not in POSTING_TYPES:
        raise ConfigError(path, f"{key}.type", f"must be one of {', '.join(POSTING_TYPES)}")
    site = table.get("site", str, "").strip().rstrip("/")
    if why := check_url(site):
        raise ConfigError(path, f"{key}.site", why)
    user = table.get("user", str, "").strip()
    if not user:
        raise ConfigError(path, f"{key}.user", "missing: the account that posts")
    secret_env = table.get("secret_env", str, "").strip()
    use_keyring = table.get("keyring", bool, False)
    if not secret_env and not use_keyring:
        raise ConfigError(path, key, "say where the secret is: secret_env = \"VARIABLE\" or keyring = true")
    return PostingConfig(type=kind, site=site, user=user, secret_env=secret_env, keyring=use_keyring)


def load(path: Path) -> Config:
    """Read `path`; a missing file is an error the CLI explains (with `cmtui add` / the example)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        why = "no such file (start from the example feeds.toml, or run `cmtui add URL`)"
        raise ConfigError(path, "", why) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"cannot read: {exc}") from None
    return parse(text, path)
