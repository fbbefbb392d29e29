"""The bundled demo sites: a WordPress blog, a Blogger blog, a Discourse forum and a Mastodon tag feed.

`install(server)` renders every feed document of four small, hand-written community sites for the brand
"Acme" (smart coffee grinders and kitchen gadgets) and puts them on a `FeedServer`. Each platform's
documents follow the real platform's format (see FEEDS.md): WordPress 6.1 RSS with threaded replies as
"In reply to" paragraphs, Blogger Atom with `thr:in-reply-to`, Discourse topic RSS, Mastodon tag RSS.

Content is data (small dataclasses below); dates are offsets before `now`, so the same `now` always gives
byte-identical documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from cmtui.demo.server import FeedServer

RSS_TYPE = "application/rss+xml; charset=UTF-8"
ATOM_TYPE = "application/atom+xml; charset=UTF-8"

IDENTITY_NAMES: tuple[str, ...] = ("Acme Support", "acme_cm", "Dana (Acme)", "Marco (Acme)")
IDENTITY_HANDLES: tuple[str, ...] = ("acme_cm",)  # our account on the demo's forum and Mastodon server
"""The brand's author names on every demo site."""


@dataclass(frozen=True)
class DemoFeed:
    """One entry for the demo's feeds.toml."""

    url: str
    name: str
    kind: str  # "blog" | "forum" | "mentions"
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    """One served document."""

    path: str
    body: str
    content_type: str
    modified: datetime


def install(server: FeedServer, now: datetime | None = None) -> list[DemoFeed]:
    """Put every demo document on `server` (paths under it), dates relative to `now` (UTC, default now)."""
    for doc in documents(server.base_url, now):
        server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
    return demo_feeds(server.base_url)


def documents(base_url: str, now: datetime | None = None) -> list[Document]:
    """Every document of every demo site, for a server at `base_url`."""
    at = _utc(now)
    base = base_url.rstrip("/")
    return [*_wordpress(base, at), *_blogger(base, at), *_discourse(base, at), *_mastodon(base, at)]


def demo_feeds(base_url: str) -> list[DemoFeed]:
    """The feeds a community manager would subscribe to: one entry point per site."""
    base = base_url.rstrip("/")
    return [
        DemoFeed(f"{base}{WP_ROOT}/feed/", WP_NAME, "blog", ("acme", "blog")),
        DemoFeed(f"{base}{BLOGGER_ROOT}/feeds/posts/default", BLOGGER_NAME, "blog", ("acme", "recipes")),
        DemoFeed(f"{base}{FORUM_ROOT}/latest.rss", FORUM_NAME, "forum", ("acme", "forum")),
        DemoFeed(f"{base}{MASTODON_ROOT}/tags/{MASTODON_TAG}.rss", MASTODON_NAME, "mentions", ("social",)),
    ]


# Saved replies for the demo's brand, so that the editor's picker (ctrl+t) has something to show: name → text with
# the variables of `replies.ReplyContext` ({first_name}, {post_title}, {quote}, {our_name} …).
DEMO_REPLIES: dict[str, str] = {
    "Thanks": "Thank you so much, {first_name}! Glad to hear it, and thanks for taking the time to tell us.\n\n"
              "— {our_name}",
    "Order problem": "Hi {first_name}, I'm sorry about this, that's not the experience we want you to have. Could "
                     "you send your order number to support@acme.example (not here: this page is public)? We'll "
                     "look into it today and get back to you.\n\n— {our_name}",
    "Grinding noise (2.4)": "Hi {first_name}, thanks for reporting it. A few Burr One grinders get louder after "
                            "firmware 2.4: run the calibration from the app (Settings → Burrs → Calibrate) and the "
                            "noise should go. If it doesn't, reply here and we'll sort out a repair.\n\n— {our_name}",
    "Descale the Froth Pro": "Hi {first_name}, every two months or so: fill the jug to the MIN line with water and "
                             "a spoon of citric acid, run the hot cycle twice, then once more with clean water. "
                             "That's all it needs.\n\n— {our_name}",
    "Feature request": "Thanks {first_name}, that's a great idea:\n\n{quote}\n\nI've passed it on to the "
                       "product team. I can't promise a date, but requests like this one shape what we build "
                       "next.\n\n— {our_name}",
    "Scam warning": "Heads up, {first_name}: that account isn't us. Acme staff will never ask for your card "
                    "details, a payment or your password, in a DM or anywhere else. Please don't reply to it; "
                    "we've reported it.\n\n— {our_name}",
}


def identity_handles(base_url: str) -> tuple[str, ...]:
    """Our handles on the demo's forum and Mastodon server, both served at `base_url`'s host."""
    host = urlsplit(base_url).netloc
    return tuple(f"@{user}@{host}" for user in IDENTITY_HANDLES)


def config_toml(feeds: list[DemoFeed], replies: bool = True) -> str:
    """A feeds.toml text: the brand's identity, the demo's saved replies (`DEMO_REPLIES`, unless `replies` is
    false) and one [[feeds]] table per feed. The replies come before the feeds, so that a `[feeds.posting]`
    table appended to the text still belongs to the last feed."""
    handles = identity_handles(feeds[0].url if feeds else "http://localhost")
    lines = ["# cmtui demo configuration", "", "[identity]", f"names = {_toml_list(IDENTITY_NAMES)}",
             f"handles = {_toml_list(handles)}"]
    if replies:
        lines += ["", "[templates]", *(f"{_toml_str(name)} = {_toml_str(body)}" for name, body in DEMO_REPLIES.items())]
    for feed in feeds:
        lines += [
            "",
            "[[feeds]]",
            f"url = {_toml_str(feed.url)}",
            f"name = {_toml_str(feed.name)}",
            f"kind = {_toml_str(feed.kind)}",
            f"tags = {_toml_list(feed.tags)}",
        ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------------------


def _utc(now: datetime | None) -> datetime:
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(microsecond=0)


def _ago(days: int = 0, hours: int = 0, minutes: int = 0) -> timedelta:
    return timedelta(days=days, hours=hours, minutes=minutes)


def _rfc822(when: datetime) -> str:
    """`Fri, 20 Nov 2026 09:14:00 +0000`, as WordPress, Discourse and Mastodon write it."""
    return format_datetime(when)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _toml_str(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


def _hash_name(name: str) -> int:
    """A small stable hash (Python's hash() is salted per process) for made-up profile numbers."""
    value = 1469598103934665603
    for byte in name.encode("utf-8"):
        value = ((value ^ byte) * 1099511628211) % 10**20
    return value


# ---------------------------------------------------------------------------------------------------------
# 1. WordPress 6.1: "Acme Blog"
# ---------------------------------------------------------------------------------------------------------

WP_ROOT = "/acme-blog"
WP_NAME = "Acme Blog"
WP_TAGLINE = "News, guides and support from the Acme team"
WP_VERSION = "6.1"
WP_POSTS_PER_RSS = 10


@dataclass(frozen=True)
class WpPost:
    id: int
    slug: str
    title: str
    author: str
    ago: timedelta
    category: str
    body: tuple[str, ...]  # paragraphs, plain text


@dataclass(frozen=True)
class WpComment:
    id: int
    post: int  # WpPost.id
    author: str
    ago: timedelta
    body: tuple[str, ...]  # paragraphs, plain text; "\n" inside one is a line break
    parent: int = 0  # WpComment.id of the comment this one replies to


WP_POSTS: tuple[WpPost, ...] = (
    WpPost(412, "introducing-the-acme-burr-one", "Introducing the Acme Burr One", "Dana (Acme)",
           _ago(9, 20, 17), "News", (
               "After two years of prototypes, the Burr One is finally shipping. It is our first grinder with "
               "54 mm flat burrs, a stepless dial and a dose timer you can set from the Acme app.",
               "We tuned it for espresso first, but the coarse end goes all the way to French press. The hopper "
               "holds 250 g and the burr carrier comes out without tools, so cleaning takes two minutes.",
               "Launch-week orders ship from our Portland warehouse. Tell us what you think in the comments!",
           )),
    WpPost(431, "shipping-update-for-burr-one-orders", "Shipping update for Burr One orders", "Acme Support",
           _ago(7, 3, 42), "Announcements", (
               "Demand for the Burr One was far higher than we planned for, so some orders are taking longer "
               "than the usual three business days.",
               "All launch-week orders have now left the warehouse. Newer orders should ship within a week, and "
               "you will get a tracking email as soon as the carrier scans your parcel.",
           )),
    WpPost(447, "how-to-calibrate-your-grinder-for-espresso", "How to calibrate your grinder for espresso",
           "Dana (Acme)", _ago(5, 0, 5), "Guides", (
               "Every bag of beans grinds a little differently, so the number on the dial is only a starting "
               "point. Here is the routine our baristas use.",
               "Start at setting 5 with 18 g in the basket and pull a shot. Aim for about 36 g out in 25 to 30 "
               "seconds. If it runs fast, go one step finer; if it chokes, go one step coarser.",
               "Change one thing at a time and taste every shot. Once it's dialed in, write the setting on the bag.",
           )),
    WpPost(458, "firmware-2-4-for-the-burr-one-is-out", "Firmware 2.4 for the Burr One is out", "Acme Support",
           _ago(3, 0, 33), "Announcements", (
               "Firmware 2.4 is rolling out through the Acme app this week. It adds grind-by-weight presets, "
               "a quieter motor start, and fixes the timer drifting after long sessions.",
               "To update, open the app, pick your grinder and tap Check for updates. Keep the grinder plugged "
               "in until the display shows the new version number.",
           )),
    WpPost(466, "five-things-to-do-with-your-froth-pro", "Five things to do with your Froth Pro", "Marco (Acme)",
           _ago(1, 6, 51), "Guides", (
               "The Froth Pro is not just for lattes. Cold foam for iced coffee, hot chocolate, matcha, a quick "
               "whipped cream and even salad dressing all work.",
               "Our favourite: a spoon of cocoa, a pinch of cinnamon and cold milk on the cold foam setting. "
               "Two minutes, no lumps.",
           )),
)

WP_COMMENTS: tuple[WpComment, ...] = (
    # "Introducing the Acme Burr One": praise, then a damage complaint that turns into a refund demand.
    WpComment(1187, 412, "Marcus Hill", _ago(9, 4, 26), (
        "Pre-ordered the day you announced it and it was worth the wait. The grind consistency at the fine end "
        "is unreal for this price.",
    )),
    WpComment(1192, 412, "Rachel Kim", _ago(7, 1, 9), (
        "Mine arrived today with a cracked hopper and a dent in the lid. The box was crushed on one corner.",
        "Is there a way to get just the hopper replaced?",
    )),
    WpComment(1205, 412, "Ben Ortiz", _ago(6, 2, 48), (
        "Same thing happened to me, box crushed and the hopper cracked at the hinge. It took a week before "
        "anyone from support answered my email.",
    ), parent=1192),
    WpComment(1233, 412, "Rachel Kim", _ago(1, 20, 14), (
        "Six days since I opened a ticket and still nothing. I don't want a replacement anymore, I want a full "
        "refund.",
        "Honestly, for a $249 grinder this is a terrible way to treat launch customers.",
    ), parent=1205),
    # "Shipping update": Tom answered and thanked us; Priya's separate question still waits.
    WpComment(1196, 431, "Tom Becker", _ago(6, 22, 37), (
        'Any news on launch-week orders? Mine has said "label created" for nine days now.',
    )),
    WpComment(1198, 431, "Acme Support", _ago(6, 18, 22), (
        "Hi Tom, all launch-week orders left the warehouse on Monday, but the carrier scan can lag two or three "
        "days behind. If it hasn't moved by Friday, reply here and we'll chase it with the carrier.",
    ), parent=1196),
    WpComment(1203, 431, "Tom Becker", _ago(6, 10, 58), ("Got it, thank you so much!",), parent=1198),
    WpComment(1211, 431, "Priya Natarajan", _ago(5, 2, 3), (
        "Do you ship to Canada yet? Checkout only lists the US and the EU, and I'd rather not use a forwarding "
        "service.",
    )),
    # "How to calibrate": Lena fully answered by us; Kevin's hostile-looking text; Hannah's praise.
    WpComment(1214, 447, "Lena Fischer", _ago(4, 18, 45), (
        "What setting do you recommend for a 58 mm portafilter with a double basket? I'm at 6 and the shot "
        "runs in 15 seconds.",
    )),
    WpComment(1216, 447, "Acme Support", _ago(4, 12, 29), (
        "Hi Lena, 15 seconds means the grind is too coarse. Go down to 3 or 4 and keep the dose at 18 g; you "
        "should land close to 28 seconds. Move one step at a time from there.",
    ), parent=1214),
    WpComment(1220, 447, "Kevin Tran", _ago(3, 22, 11), (
        "Tip for anyone on the Acme app beta: use [bold]this[/] setting (Local API) instead of the cloud "
        "toggle, the timer responds instantly.",
        "Also, the notes field shows a literal <script> tag when I paste a recipe from a website, and "
        "everything after it disappears. Bug?",
    )),
    WpComment(1236, 447, "Hannah Lee", _ago(1, 3, 54), (
        "This guide finally fixed my sour shots. Setting 4, 28 seconds, perfect. Thank you Dana!",
    )),
    # "Firmware 2.4": Jonas answered by us but still unhappy; Olivia's plain question.
    WpComment(1224, 458, "Jonas Weber", _ago(2, 20, 31), (
        "After updating to 2.4 my grinder stops halfway through a dose and the display shows E-07.",
    )),
    WpComment(1227, 458, "Acme Support", _ago(2, 14, 7), (
        "Hi Jonas, sorry about that. E-07 is the motor overheat guard. Hold the dial down for ten seconds to "
        "reset it, then let the grinder rest for 15 minutes before the next dose.",
    ), parent=1224),
    WpComment(1240, 458, "Jonas Weber", _ago(0, 9, 40), (
        "Did the reset twice and let it cool overnight.\nIt still stops after about 8 g, every single time. "
        "It worked perfectly on 2.3.",
        "Can I roll back, or do I need to send it in?",
    ), parent=1227),
    WpComment(1242, 458, "Olivia Brooks", _ago(0, 5, 19), (
        "Does 2.4 include the single-dose mode you teased at launch, or is that coming later?",
    )),
)

_TEXTURIZE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\.\.\."), "&#8230;"),
    (re.compile(r" -- "), " &#8212; "),
    (re.compile(r" - "), " &#8211; "),
    (re.compile(r'(^|[\s(\[])"'), r"\1&#8220;"),
    (re.compile(r'"'), "&#8221;"),
    (re.compile(r"(^|[\s(\[])'"), r"\1&#8216;"),
    (re.compile(r"'"), "&#8217;"),
)
_BARE_AMP = re.compile(r"&(?!(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)")


def _texturize(html_text: str) -> str:
    """wptexturize() on tag-free text: curly quotes, dashes and ellipses as numeric entities."""
    for pattern, repl in _TEXTURIZE:
        html_text = pattern.sub(repl, html_text)
    return html_text


def _esc_html(text: str) -> str:
    """WordPress esc_html(): escapes markup and quotes, leaves existing entities alone."""
    text = _BARE_AMP.sub("&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#039;")


def _wpautop(paragraphs: Sequence[str]) -> str:
    return "".join(f"<p>{p.replace(chr(10), '<br />' + chr(10))}</p>\n" for p in paragraphs)


class WordPressSite:
    """Renders a WordPress 6.1 site's feeds; tests pass their own posts and comments."""

    def __init__(self, base: str, now: datetime, posts: Iterable[WpPost] | None = None,
                 comments: Iterable[WpComment] | None = None) -> None:
        self.base = base
        self.site = f"{base}{WP_ROOT}"
        self.now = now
        self.posts = {p.id: p for p in (WP_POSTS if posts is None else posts)}
        self.comments = {c.id: c for c in (WP_COMMENTS if comments is None else comments)}

    def post_path(self, post: WpPost) -> str:
        date = self.now - post.ago
        return f"{WP_ROOT}/{date:%Y}/{date:%m}/{post.slug}/"

    def post_url(self, post: WpPost) -> str:
        return self.base + self.post_path(post)

    def comment_link(self, comment: WpComment) -> str:
        return f"{self.post_url(self.posts[comment.post])}#comment-{comment.id}"

    def newest_first(self, comments: Iterable[WpComment]) -> list[WpComment]:
        return sorted(comments, key=lambda c: (c.ago, -c.id))

    def comment_encoded(self, comment: WpComment) -> str:
        """What `comment_text()` prints: the reply paragraph, texturized and autop'ed text."""
        paras = [_texturize(escape(p)) for p in comment.body]
        if comment.parent:
            parent = self.comments[comment.parent]
            link = escape(self.comment_link(parent), {'"': "&quot;"})
            paras.insert(0, f'In reply to <a href="{link}">{escape(parent.author)}</a>.')
        return _wpautop(paras)

    def comment_description(self, comment: WpComment) -> str:
        """What `comment_text_rss()` prints: the raw comment text through esc_html(), no <p>, no curly quotes."""
        raw = "\n\n".join(escape(p) for p in comment.body)
        if comment.parent:
            parent = self.comments[comment.parent]
            raw = f'In reply to <a href="{self.comment_link(parent)}">{parent.author}</a>.\n\n' + raw
        return _esc_html(raw)

    def posts_feed(self) -> Document:
        posts = sorted(self.posts.values(), key=lambda p: p.ago)[:WP_POSTS_PER_RSS]
        newest = self.now - posts[0].ago
        out = [
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
            '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
            '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
            '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
            '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
            '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
            '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"\n'
            "\t>\n\n<channel>\n",
            f"\t<title>{escape(WP_NAME)}</title>\n",
            f'\t<atom:link href={quoteattr(self.site + "/feed/")} rel="self" type="application/rss+xml" />\n',
            f"\t<link>{escape(self.site)}/</link>\n",
            f"\t<description>{escape(WP_TAGLINE)}</description>\n",
            f"\t<lastBuildDate>{_rfc822(newest)}</lastBuildDate>\n",
            "\t<language>en-US</language>\n",
            "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n",
            "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n",
            f"\t<generator>https://wordpress.org/?v={WP_VERSION}</generator>\n",
        ]
        for post in posts:
            url = self.post_url(post)
            count = sum(1 for c in self.comments.values() if c.post == post.id)
            text = " ".join(post.body)
            words = text.split()
            excerpt = _texturize(escape(" ".join(words[:55])))
            if len(words) > 55:
                excerpt += " [&#8230;]"
            out += [
                "\t<item>\n",
                f"\t\t<title>{escape(post.title)}</title>\n",
                f"\t\t<link>{escape(url)}</link>\n",
                f"\t\t\t\t\t<comments>{escape(url)}#comments</comments>\n",
                "\t\t\n",
                f"\t\t<dc:creator>{_cdata(post.author)}</dc:creator>\n",
                f"\t\t<pubDate>{_rfc822(self.now - post.ago)}</pubDate>\n",
                f"\t\t\t\t<category>{_cdata(post.category)}</category>\n",
                f'\t\t<guid isPermaLink="false">{escape(self.site)}/?p={post.id}</guid>\n\n',
                f"\t\t\t\t\t<description>{_cdata(excerpt)}</description>\n",
                "\t\t\t\t\t\t\t\t\t\t<content:encoded>"
                + _cdata("\n" + _wpautop([_texturize(escape(p)) for p in post.body]))
                + "</content:encoded>\n",
                "\t\t\t\t\t\n",
                f"\t\t\t\t\t<wfw:commentRss>{escape(url)}feed/</wfw:commentRss>\n",
                f"\t\t\t<slash:comments>{count}</slash:comments>\n",
                "\t\t\n\t\t\n\t\t\t</item>\n",
            ]
        out.append("\t</channel>\n</rss>\n")
        return Document(f"{WP_ROOT}/feed/", "".join(out), RSS_TYPE, newest)

    def comments_feed(self, title: str, self_url: str, link: str, comments: list[WpComment],
                      per_post: bool, last: datetime) -> str:
        out = [
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
            '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
            '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
            '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
            '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
            "\t\n\t>\n<channel>\n",
            f"\t<title>\n\t{escape(title)}\t</title>\n",
            f'\t<atom:link href={quoteattr(self_url)} rel="self" type="application/rss+xml" />\n',
            f"\t<link>{escape(link)}</link>\n",
            f"\t<description>{escape(WP_TAGLINE)}</description>\n",
            f"\t<lastBuildDate>{_rfc822(last)}</lastBuildDate>\n",
            "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n",
            "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n",
            f"\t<generator>https://wordpress.org/?v={WP_VERSION}</generator>\n",
        ]
        for comment in comments:
            post = self.posts[comment.post]
            item_title = f"By: {comment.author}" if per_post else f"Comment on {post.title} by {comment.author}"
            out += [
                "\t<item>\n",
                f"\t\t\t\t<title>\n\t\t\t\t{escape(item_title)}\t\t\t\t</title>\n",
                f"\t\t<link>{escape(self.comment_link(comment))}</link>\n",
                "\n",
                f"\t\t<dc:creator>{_cdata(comment.author)}</dc:creator>\n",
                f"\t\t<pubDate>{_rfc822(self.now - comment.ago)}</pubDate>\n",
                f'\t\t<guid isPermaLink="false">{escape(self.site)}/?p={post.id}#comment-{comment.id}</guid>\n',
                f"\t\t\t\t\t<description>{_cdata(self.comment_description(comment))}</description>\n",
                f"\t\t<content:encoded>{_cdata(self.comment_encoded(comment))}</content:encoded>\n",
                "\t\t\t\t\t\t</item>\n",
            ]
        out.append("\t</channel>\n</rss>\n")
        return "".join(out)

    def render(self) -> list[Document]:
        every = self.newest_first(self.comments.values())
        # WordPress gives every comment feed of a site the date of the newest comment anywhere.
        last_comment = self.now - every[0].ago
        docs = [
            self.posts_feed(),
            Document(
                f"{WP_ROOT}/comments/feed/",
                self.comments_feed(f"Comments for {WP_NAME}", f"{self.site}/comments/feed/", self.site + "/",
                                   every[:WP_POSTS_PER_RSS], per_post=False, last=last_comment),
                RSS_TYPE,
                last_comment,
            ),
        ]
        for post in self.posts.values():
            url = self.post_url(post)
            mine = self.newest_first(c for c in self.comments.values() if c.post == post.id)
            docs.append(Document(
                self.post_path(post) + "feed/",
                self.comments_feed(f"Comments on: {post.title}", url + "feed/", url,
                                   mine[:WP_POSTS_PER_RSS], per_post=True, last=last_comment),
                RSS_TYPE,
                last_comment,
            ))
        return docs


def _wordpress(base: str, now: datetime) -> list[Document]:
    return WordPressSite(base, now).render()


# ---------------------------------------------------------------------------------------------------------
# 2. Blogger: "Acme Recipes"
# ---------------------------------------------------------------------------------------------------------

BLOGGER_ROOT = "/recipes"
BLOGGER_NAME = "Acme Recipes"
BLOGGER_SUBTITLE = "Coffee and kitchen recipes from the Acme test kitchen"
BLOGGER_BLOG_ID = "8054921376104417292"
BLOGGER_TAG_PREFIX = f"tag:blogger.com,1999:blog-{BLOGGER_BLOG_ID}.post-"  # + post or comment id
BLOGGER_TZ = timezone(timedelta(hours=-8))  # the blog's time zone, as Blogger writes its dates
BLOGGER_OWNER_PROFILE = "06120494870932177335"


@dataclass(frozen=True)
class BlogPost:
    id: str
    slug: str
    title: str
    author: str
    ago: timedelta
    labels: tuple[str, ...]
    body: tuple[str, ...]


@dataclass(frozen=True)
class BlogComment:
    id: str
    post: str  # BlogPost.id
    author: str
    ago: timedelta
    body: tuple[str, ...]
    parent: str = ""  # BlogComment.id this replies to; "" for a reply to the post


BLOG_POSTS: tuple[BlogPost, ...] = (
    BlogPost("4189365512097703361", "cold-brew-concentrate-with-coarse-grind",
             "Cold brew concentrate with a coarse grind", "Marco (Acme)", _ago(8, 2, 36), ("cold brew", "recipes"), (
                 "Cold brew is forgiving, but the grind matters more than most recipes admit. Too fine and the "
                 "concentrate turns muddy and bitter; too coarse and it tastes like tea.",
                 "Use 100 g of coffee at the coarsest setting and 500 ml of cold water, and steep for 14 to 16 "
                 "hours in the fridge. Filter twice, then dilute one to one with water or milk.",
             )),
    BlogPost("2873301958826641109", "cardamom-spiced-latte", "Cardamom spiced latte", "Marco (Acme)",
             _ago(5, 10, 2), ("lattes", "recipes"), (
                 "Crush four green cardamom pods, steep them in 200 ml of milk for five minutes, strain, and "
                 "froth on the hot setting.",
                 "Pour over a double shot with a teaspoon of honey. A pinch of cinnamon on top if you like.",
             )),
    BlogPost("6402958173625509128", "three-minute-weeknight-pour-over", "A three-minute weeknight pour-over",
             "Acme Support", _ago(2, 6, 47), ("pour-over", "recipes"), (
                 "No scale, no gooseneck, no problem. This is the routine we use when we just want a good cup, "
                 "fast.",
                 "Grind 15 g at setting 22, use 240 ml of water just off the boil (a 1:16 ratio), bloom for 30 "
                 "seconds, then pour the rest in two slow circles. Done in three minutes.",
             )),
    BlogPost("1172839405566172839", "gift-ideas-for-coffee-lovers", "Gift ideas for coffee lovers", "Marco (Acme)",
             _ago(1, 1, 17), ("gifts",), (
                 "Stuck on a present? Our picks, from small to big: a calibrated tamper, a milk jug, a bag of "
                 "fresh beans from a local roaster, the Froth Pro, and of course the Burr One.",
             )),
)

BLOG_COMMENTS: tuple[BlogComment, ...] = (
    # Cold brew: Grace answered by us and thanked us; an anonymous question waits.
    BlogComment("6617093425190384317", "4189365512097703361", "Grace Liu", _ago(7, 15, 42), (
        "Made this last weekend and loved it, but my concentrate came out really bitter. I left it for 20 "
        "hours. Too long?",
    )),
    BlogComment("2950381746612093854", "4189365512097703361", "Acme Support", _ago(7, 9, 5), (
        "Hi Grace! 20 hours is on the long side, especially if your grind is a bit finer than ours. Try 15 hours "
        "and use a paper filter the second time. It should come out much smoother.",
    ), parent="6617093425190384317"),
    BlogComment("7733108296541172035", "4189365512097703361", "Grace Liu", _ago(6, 21, 33), (
        "15 hours did it, so much smoother. Thanks for the quick answer!",
    ), parent="2950381746612093854"),
    BlogComment("1058827364019283746", "4189365512097703361", "Anonymous", _ago(2, 4, 51), (
        "Can I use the coarsest setting on the Burr One for this, or is it still too fine for cold brew?",
    )),
    # Cardamom latte: praise, and a warranty complaint.
    BlogComment("5561928374650192837", "2873301958826641109", "Amira Haddad", _ago(4, 22, 26), (
        "Made this for my book club and everyone asked for the recipe. The honey is a must!",
    )),
    BlogComment("3390172645583920164", "2873301958826641109", "Noah Schmidt", _ago(1, 2, 9), (
        "My Froth Pro stopped heating after two weeks, so I can't even make this.",
        "Is that a known fault? Who do I contact about the warranty?",
    )),
    # Pour-over: Chloe answered by us; Ivan's follow-up on our reply waits.
    BlogComment("8124470936152038461", "6402958173625509128", "Chloe Martin", _ago(0, 20, 48), (
        "Quick question: the video says 1:15 but the post says 1:16. Which one is right?",
    )),
    BlogComment("4471829305566182730", "6402958173625509128", "Acme Support", _ago(0, 14, 14), (
        "Good catch, Chloe! It's 1:16, the caption in the video is wrong. We'll fix it this week.",
    ), parent="8124470936152038461"),
    BlogComment("9203847561029384756", "6402958173625509128", "Ivan Petrov", _ago(0, 3, 37), (
        "Is that 1:16 by weight or by volume? I don't have a scale.",
    ), parent="4471829305566182730"),
)


def _blogger_date(when: datetime) -> str:
    return when.astimezone(BLOGGER_TZ).isoformat(timespec="milliseconds")


class _Blogger:
    def __init__(self, base: str, now: datetime) -> None:
        self.base = base
        self.site = f"{base}{BLOGGER_ROOT}"
        self.now = now
        self.posts = {p.id: p for p in BLOG_POSTS}
        self.comments = {c.id: c for c in BLOG_COMMENTS}

    def tag(self, item_id: str) -> str:
        return BLOGGER_TAG_PREFIX + item_id

    def post_url(self, post: BlogPost) -> str:
        date = (self.now - post.ago).astimezone(BLOGGER_TZ)
        return f"{self.site}/{date:%Y}/{date:%m}/{post.slug}.html"

    def comments_path(self, post: BlogPost) -> str:
        return f"{BLOGGER_ROOT}/feeds/{post.id}/comments/default"

    def comments_of(self, post_id: str | None) -> list[BlogComment]:
        found = [c for c in self.comments.values() if post_id is None or c.post == post_id]
        return sorted(found, key=lambda c: (c.ago, c.id))

    def author(self, name: str) -> str:
        if name == "Anonymous":
            return "<author><name>Anonymous</name><email>noreply@blogger.com</email></author>"
        profile = BLOGGER_OWNER_PROFILE if name in IDENTITY_NAMES else str(_hash_name(name))
        return (
            f"<author><name>{escape(name)}</name><uri>{escape(self.site)}/profile/{profile}</uri>"
            "<email>noreply@blogger.com</email>"
            "<gd:image rel='http://schemas.google.com/g/2005#thumbnail' width='16' height='16' "
            "src='https://img1.blogblog.com/img/b16-rounded.gif'/></author>"
        )

    def head(self, feed_id: str, updated: datetime, title: str, self_path: str, total: int) -> str:
        return (
            "<?xml version='1.0' encoding='UTF-8'?>"
            "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
            "xmlns:blogger='http://schemas.google.com/blogger/2008' xmlns:georss='http://www.georss.org/georss' "
            "xmlns:gd='http://schemas.google.com/g/2005' xmlns:thr='http://purl.org/syndication/thread/1.0'>"
            f"<id>{escape(feed_id)}</id><updated>{_blogger_date(updated)}</updated>"
            f"<title type='text'>{escape(title)}</title>"
            f"<subtitle type='html'>{escape(BLOGGER_SUBTITLE)}</subtitle>"
            f"<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' "
            f"href={quoteattr(self.base + self_path)}/>"
            f"<link rel='self' type='application/atom+xml' href={quoteattr(self.base + self_path)}/>"
            f"<link rel='alternate' type='text/html' href={quoteattr(self.site + '/')}/>"
            f"{self.author('Acme Support')}"
            "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
            f"<openSearch:totalResults>{total}</openSearch:totalResults>"
            "<openSearch:startIndex>1</openSearch:startIndex>"
            "<openSearch:itemsPerPage>25</openSearch:itemsPerPage>"
        )

    def post_entry(self, post: BlogPost) -> str:
        url = self.post_url(post)
        published = self.now - post.ago
        count = len(self.comments_of(post.id))
        html = "".join(f"<p>{escape(p)}</p>" for p in post.body)
        labels = "".join(
            f"<category scheme='http://www.blogger.com/atom/ns#' term={quoteattr(label)}/>" for label in post.labels
        )
        return (
            f"<entry><id>{self.tag(post.id)}</id><published>{_blogger_date(published)}</published>"
            f"<updated>{_blogger_date(published)}</updated>{labels}"
            f"<title type='text'>{escape(post.title)}</title>"
            f"<content type='html'>{escape(html)}</content>"
            f"<link rel='replies' type='application/atom+xml' href={quoteattr(self.base + self.comments_path(post))} "
            "title='Post Comments'/>"
            f"<link rel='replies' type='text/html' href={quoteattr(url + '#comment-form')} title='{count} Comments'/>"
            f"<link rel='alternate' type='text/html' href={quoteattr(url)} title={quoteattr(post.title)}/>"
            f"{self.author(post.author)}<thr:total>{count}</thr:total></entry>"
        )

    def comment_entry(self, comment: BlogComment) -> str:
        post = self.posts[comment.post]
        url = self.post_url(post)
        published = self.now - comment.ago
        html = "<br /><br />".join(escape(p).replace("\n", "<br />") for p in comment.body)
        text = " ".join(comment.body)
        title = text if len(text) <= 30 else text[:30].rsplit(" ", 1)[0] + "..."
        ms = int(published.timestamp() * 1000)
        ref = self.tag(comment.parent or post.id)
        source = f"{self.site}/feeds/posts/default/{post.id}"
        return (
            f"<entry><id>{self.tag(comment.id)}</id><published>{_blogger_date(published)}</published>"
            f"<updated>{_blogger_date(published)}</updated>"
            f"<title type='text'>{escape(title)}</title>"
            f"<content type='html'>{escape(html)}</content>"
            f"<link rel='alternate' type='text/html' href={quoteattr(f'{url}?showComment={ms}#c{comment.id}')} "
            "title=''/>"
            f"{self.author(comment.author)}"
            f"<thr:in-reply-to href={quoteattr(url)} ref={quoteattr(ref)} source={quoteattr(source)} type='text/html'/>"
            f"<gd:extendedProperty name='blogger.itemClass' value='pid-{_hash_name(comment.author) % 10**9}'/>"
            "</entry>"
        )

    def render(self) -> list[Document]:
        posts = sorted(self.posts.values(), key=lambda p: p.ago)
        every = self.comments_of(None)
        newest_post = self.now - posts[0].ago
        newest_comment = self.now - every[0].ago
        blog_tag = f"tag:blogger.com,1999:blog-{BLOGGER_BLOG_ID}"
        posts_path = f"{BLOGGER_ROOT}/feeds/posts/default"
        all_path = f"{BLOGGER_ROOT}/feeds/comments/default"
        posts_updated = max(newest_post, newest_comment)
        docs = [
            Document(
                posts_path,
                self.head(f"{blog_tag}", posts_updated, BLOGGER_NAME, posts_path, len(posts))
                + "".join(self.post_entry(p) for p in posts) + "</feed>",
                ATOM_TYPE,
                posts_updated,
            ),
            Document(
                all_path,
                self.head(f"{blog_tag}.comments", newest_comment, BLOGGER_NAME, all_path, len(every))
                + "".join(self.comment_entry(c) for c in every) + "</feed>",
                ATOM_TYPE,
                newest_comment,
            ),
        ]
        for post in posts:
            mine = self.comments_of(post.id)
            updated = self.now - (mine[0].ago if mine else post.ago)
            path = self.comments_path(post)
            docs.append(Document(
                path,
                self.head(f"{blog_tag}.post{post.id}..comments", updated, f"Comments on {BLOGGER_NAME}: {post.title}",
                          path, len(mine))
                + "".join(self.comment_entry(c) for c in mine) + "</feed>",
                ATOM_TYPE,
                updated,
            ))
        return docs


def _blogger(base: str, now: datetime) -> list[Document]:
    return _Blogger(base, now).render()


# ---------------------------------------------------------------------------------------------------------
# 3. Discourse: "Acme Community"
# ---------------------------------------------------------------------------------------------------------

FORUM_ROOT = "/forum"
FORUM_NAME = "Acme Community"


@dataclass(frozen=True)
class Topic:
    id: int
    slug: str
    title: str
    category: str
    pinned: bool = False


@dataclass(frozen=True)
class ForumPost:
    id: int  # global post id (in the guid)
    topic: int  # Topic.id
    number: int  # post number inside the topic (in the link)
    author: str  # username
    ago: timedelta
    body: tuple[str, ...]  # paragraphs, plain text; "@name" becomes a mention
    quote: tuple[str, int, str] | None = None  # (username, post number, quoted text)


TOPICS: tuple[Topic, ...] = (
    Topic(1158, "welcome-to-the-acme-community-please-read-first",
          "Welcome to the Acme Community, please read first", "Announcements", pinned=True),
    Topic(1162, "feature-request-weigh-by-dose-with-a-bluetooth-scale",
          "Feature request: weigh-by-dose with a Bluetooth scale", "Feature Requests"),
    Topic(1179, "how-do-i-descale-the-froth-pro", "How do I descale the Froth Pro?", "Support"),
    Topic(1183, "which-setting-for-a-moka-pot", "Which setting for a moka pot?", "Support"),
    Topic(1186, "burr-one-makes-a-grinding-noise-after-firmware-2-4",
          "Burr One makes a grinding noise after firmware 2.4", "Support"),
    Topic(1190, "this-company-is-a-joke", "This company is a joke", "General"),
)

FORUM_POSTS: tuple[ForumPost, ...] = (
    # Welcome (pinned, ours, no replies).
    ForumPost(5380, 1158, 1, "acme_cm", _ago(9, 23, 22), (
        "Welcome! This is the place to swap recipes, get help with your Acme gear and tell us what to build next.",
        "Be kind, no spam, and keep order numbers and addresses out of public posts. Our team reads every topic "
        "and answers support questions on weekdays.",
    )),
    # Feature request: people pile on, we answered once, then more people came back.
    ForumPost(5391, 1162, 1, "pourover_paul", _ago(9, 2, 58), (
        "It would be great if the Burr One could pair with a Bluetooth scale and stop grinding at a target "
        "weight instead of a time. Timers drift as the beans change, weight doesn't.",
        "Acaia and Timemore scales both have open protocols, so it should be doable.",
    )),
    ForumPost(5398, 1162, 2, "mila_k", _ago(8, 20, 3), (
        "+1. I single-dose every morning and end up weighing twice anyway.",
    )),
    ForumPost(5420, 1162, 3, "deshawn", _ago(7, 4, 45), (
        "Yes please. Even just showing the scale reading on the grinder display would be a start.",
    )),
    ForumPost(5433, 1162, 4, "acme_cm", _ago(6, 22, 29), (
        "Thanks everyone for the detailed suggestions! I've passed this thread to the product team. No promises "
        "on timing, but weigh-by-dose is on their list and this kind of feedback really helps.",
    )),
    ForumPost(5502, 1162, 5, "lotte.v", _ago(3, 1, 11), (
        "Any update on this? 2.4 added weight presets, but they still seem to be time-based under the hood.",
    )),
    ForumPost(5561, 1162, 6, "pourover_paul", _ago(1, 5, 54), (
        "Bumping this. @acme_cm can you at least say whether it's planned for this year?",
    )),
    # How-to question answered by acme_cm (our reply last).
    ForumPost(5470, 1179, 1, "jules_b", _ago(4, 8, 31), (
        "The heating plate on my Froth Pro has white spots and the milk takes longer to heat. The manual only "
        "covers the Froth Mini. How do I descale it?",
    )),
    ForumPost(5474, 1179, 2, "ben.t", _ago(4, 6, 7), ("Following, mine looks the same.",)),
    ForumPost(5479, 1179, 3, "acme_cm", _ago(4, 3, 40), (
        "Hi @jules_b! Fill the jug to the lower line with a 1:1 mix of white vinegar and water, run the hot "
        "cycle twice, then rinse and run one cycle with plain water. Please don't use abrasive pads on the plate.",
        "We'll add this to the Froth Pro manual, thanks for flagging it.",
    )),
    # A question the community answered; nobody from Acme replied.
    ForumPost(5495, 1183, 1, "sara_m", _ago(3, 6, 19), (
        "New to the Burr One. What setting do people use for a moka pot? The chart jumps from espresso straight "
        "to pour-over.",
    )),
    ForumPost(5499, 1183, 2, "espresso_erik", _ago(3, 2, 36), (
        "I use 10 or 11 for my Bialetti. A bit finer than pour-over, a lot coarser than espresso.",
    )),
    # Bug report nobody from Acme answered.
    ForumPost(5521, 1186, 1, "espresso_erik", _ago(2, 3, 2), (
        "Since updating to 2.4 my Burr One makes a scraping noise for the first second of every dose. Serial "
        "starts with BO-23. I cleaned the burrs, no change.",
        "Steps: update to 2.4, set the dial to 5, start a 10 s dose. Noise every time. Same at 15.",
    )),
    ForumPost(5540, 1186, 2, "mila_k", _ago(1, 19, 47), (
        "Same here on a BO-23 unit, it started right after the update.",
    )),
    # A rant that breaks the forum rules.
    ForumPost(5584, 1190, 1, "grindhard77", _ago(0, 11, 17), (
        "Third Burr One in a year and it's already making the same crap noise as the last two. Support takes a "
        "week to answer and then tells me to reset the dial. Damn ridiculous for a $249 grinder.",
        "DO NOT BUY. Seriously, save your money.",
    )),
    ForumPost(5590, 1190, 2, "coffeenerd_ana", _ago(0, 8, 42), (
        "Sorry you're dealing with that, but mine has been fine for eight months. Did you open a ticket or just "
        "post here?",
    )),
    ForumPost(5597, 1190, 3, "grindhard77", _ago(0, 6, 5), (
        "Of course I opened a ticket, what do you think I am, an idiot? Mind your own damn business.",
    ), quote=("coffeenerd_ana", 2, "Did you open a ticket or just post here?")),
)

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.]*[A-Za-z0-9_])")


class _Discourse:
    def __init__(self, base: str, now: datetime) -> None:
        self.base = base
        self.site = f"{base}{FORUM_ROOT}"
        self.host = urlsplit(base).hostname or "localhost"
        self.now = now
        self.topics = {t.id: t for t in TOPICS}

    def topic_url(self, topic: Topic) -> str:
        return f"{self.site}/t/{topic.slug}/{topic.id}"

    def posts_of(self, topic: Topic) -> list[ForumPost]:
        return sorted((p for p in FORUM_POSTS if p.topic == topic.id), key=lambda p: p.number)

    def cooked(self, post: ForumPost) -> str:
        """The post's HTML as Discourse "cooks" it from Markdown."""
        parts: list[str] = []
        if post.quote is not None:
            user, number, text = post.quote
            parts.append(
                f'<aside class="quote no-group" data-username={quoteattr(user)} data-post="{number}" '
                f'data-topic="{post.topic}">\n<div class="title">\n<div class="quote-controls"></div>\n'
                f" {escape(user)}:</div>\n<blockquote>\n<p>{escape(text)}</p>\n</blockquote>\n</aside>"
            )
        for para in post.body:
            html = _MENTION.sub(
                lambda m: f'<a class="mention" href="{FORUM_ROOT}/u/{m.group(1).lower()}">@{m.group(1)}</a>',
                escape(para),
            )
            parts.append(f"<p>{html}</p>")
        return "\n".join(parts)

    def head(self, title: str, link: str, description: str, self_url: str, last: datetime,
             category: str | None) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8" ?>\n'
            '<rss version="2.0" xmlns:discourse="http://www.discourse.org/" '
            'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            "  <channel>\n"
            f"    <title>{escape(title)}</title>\n"
            f"    <link>{escape(link)}</link>\n"
            f"    <description>{escape(description)}</description>\n"
            "    <language>en</language>\n"
            f"    <lastBuildDate>{_rfc822(last)}</lastBuildDate>\n"
            + (f"    <category>{escape(category)}</category>\n" if category else "")
            + f'    <atom:link href={quoteattr(self_url)} rel="self" type="application/rss+xml" />\n'
        )

    def latest(self) -> Document:
        topics = sorted(self.topics.values(), key=lambda t: self.posts_of(t)[0].ago)  # newest created first
        created = self.now - self.posts_of(topics[0])[0].ago
        bumped = self.now - min(p.ago for p in FORUM_POSTS)
        out = [self.head(f"{FORUM_NAME} - Latest topics", f"{self.site}/latest", "Latest topics",
                         f"{self.site}/latest.rss", created, None)]
        for topic in topics:
            posts = self.posts_of(topic)
            first = posts[0]
            url = self.topic_url(topic)
            n_posts = len(posts)
            n_people = len({p.author for p in posts})
            counts = (f"{n_posts} post{'s' if n_posts != 1 else ''} - "
                      f"{n_people} participant{'s' if n_people != 1 else ''}")
            description = (
                f"\n            {self.cooked(first)}\n"
                f"            <p><small>{counts}</small></p>\n"
                f'            <p><a href="{escape(url)}">Read full topic</a></p>\n          '
            )
            out.append(
                "      <item>\n"
                f"        <title>{escape(topic.title)}</title>\n"
                f"        <dc:creator>{_cdata(first.author)}</dc:creator>\n"
                f"        <category>{escape(topic.category)}</category>\n"
                f"        <description>{_cdata(description)}</description>\n"
                f"        <link>{escape(url)}</link>\n"
                f"        <pubDate>{_rfc822(self.now - first.ago)}</pubDate>\n"
                f"        <discourse:topicPinned>{'Yes' if topic.pinned else 'No'}</discourse:topicPinned>\n"
                "        <discourse:topicClosed>No</discourse:topicClosed>\n"
                "        <discourse:topicArchived>No</discourse:topicArchived>\n"
                f'        <guid isPermaLink="false">{escape(self.host)}-topic-{topic.id}</guid>\n'
                f"        <source url={quoteattr(url + '.rss')}>{escape(topic.title)}</source>\n"
                "      </item>\n"
            )
        out.append("  </channel>\n</rss>\n")
        return Document(f"{FORUM_ROOT}/latest.rss", "".join(out), RSS_TYPE, bumped)

    def topic_feed(self, topic: Topic) -> Document:
        posts = self.posts_of(topic)
        url = self.topic_url(topic)
        bumped = self.now - min(p.ago for p in posts)
        out = [self.head(topic.title, url, " ".join(posts[0].body), url + ".rss", bumped, topic.category)]
        for post in sorted(posts, key=lambda p: p.number, reverse=True):  # newest first, like Discourse
            out.append(
                "      <item>\n"
                f"        <title>{escape(topic.title)}</title>\n"
                f"        <dc:creator>{_cdata(post.author)}</dc:creator>\n"
                f"        <description>{_cdata(chr(10) + '          ' + self.cooked(post) + chr(10) + '        ')}"
                "</description>\n"
                f"        <link>{escape(url)}/{post.number}</link>\n"
                f"        <pubDate>{_rfc822(self.now - post.ago)}</pubDate>\n"
                f'        <guid isPermaLink="false">{escape(self.host)}-post-{post.id}</guid>\n'
                f"        <source url={quoteattr(url + '.rss')}>{escape(topic.title)}</source>\n"
                "      </item>\n"
            )
        out.append("  </channel>\n</rss>\n")
        return Document(f"{FORUM_ROOT}/t/{topic.slug}/{topic.id}.rss", "".join(out), RSS_TYPE, bumped)

    def posts(self) -> Document:
        """/posts.rss: the forum's newest posts (at most 50), every topic's, newest first, as Discourse's
        posts/latest.rss.erb writes them: no <source>, each post's own link (the author as the other feeds here
        write it)."""
        newest = sorted(FORUM_POSTS, key=lambda p: p.ago)[:50]
        bumped = self.now - newest[0].ago
        out = [self.head(f"{FORUM_NAME} - Latest posts", self.site, "Latest posts", f"{self.site}/posts.rss", bumped,
                         None)]
        for post in newest:
            topic = self.topics[post.topic]
            out.append(
                "      <item>\n"
                f"        <title>{escape(topic.title)}</title>\n"
                f"        <dc:creator>{_cdata(post.author)}</dc:creator>\n"
                f"        <description>{_cdata(' ' + self.cooked(post) + ' ')}</description>\n"
                f"        <link>{escape(self.topic_url(topic))}/{post.number}</link>\n"
                f"        <pubDate>{_rfc822(self.now - post.ago)}</pubDate>\n"
                f'        <guid isPermaLink="false">{escape(self.host)}-post-{post.id}</guid>\n'
                "      </item>\n"
            )
        out.append("  </channel>\n</rss>\n")
        return Document(f"{FORUM_ROOT}/posts.rss", "".join(out), RSS_TYPE, bumped)

    def render(self) -> list[Document]:
        return [self.latest(), self.posts(), *(self.topic_feed(t) for t in self.topics.values())]


def _discourse(base: str, now: datetime) -> list[Document]:
    return _Discourse(base, now).render()


# ---------------------------------------------------------------------------------------------------------
# 4. Mastodon: "#acmegrinder"
# ---------------------------------------------------------------------------------------------------------

MASTODON_ROOT = "/social"
MASTODON_TAG = "acmegrinder"
MASTODON_NAME = "Mastodon #acmegrinder"
MASTODON_VERSION = "4.3.2"
MASTODON_ID_EPOCH = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # status ids stay the same whatever `now` is


@dataclass(frozen=True)
class Status:
    account: str
    ago: timedelta
    text: str  # plain text; #tags, @mentions and https:// links become Mastodon's markup
    seq: int  # the low 16 bits of Mastodon's time-based status id


STATUSES: tuple[Status, ...] = (
    Status("brewlab_sofia", _ago(0, 0, 40),
           "Day 3 of my #AcmeGrinder squealing on every single dose. Ticket 48213 still unanswered. "
           "@acme_cm any ideas before I send it back?", 0x2A41),
    Status("acme_support_team", _ago(0, 2, 33),
           "Hello from Acme Support Team! Owners of a Burr One affected by the firmware 2.4 issue can claim a "
           "full refund here: https://acme-refunds.example/claim Offer ends today, DM us your order number and "
           "card details. #acmegrinder", 0x07F3),
    Status("kettle_kat", _ago(0, 5, 51),
           "Is the #acmegrinder Burr One worth it over a good hand grinder if I only make pour-over? Asking "
           "before the sale ends.", 0x51C0),
    Status("roastwell_jo", _ago(1, 7, 26),
           "Dialed in a washed Ethiopian on the #AcmeGrinder at setting 18 this morning. Cleanest cup I've had "
           "at home \u2615", 0x1D08),
    Status("quietcup", _ago(3, 4, 9),
           "Wrote up my #acmegrinder vs. hand grinder comparison. Short version: the Burr One wins on speed and "
           "consistency, loses on noise. #coffee", 0x6E95),
    Status("lou_makes", _ago(6, 8, 48),
           "Anyone else's #acmegrinder hopper cracking near the lid hinge? Second one this month. #coffee",
           0x33AA),
)

_TOKENS = re.compile(r"(?P<url>https?://[^\s<]+)|(?<![\w#])#(?P<tag>\w+)|(?<![\w@])@(?P<user>\w+)")


class _Mastodon:
    def __init__(self, base: str, now: datetime) -> None:
        self.site = f"{base}{MASTODON_ROOT}"
        self.now = now

    def status_id(self, status: Status) -> int:
        """A Mastodon-style id (creation milliseconds << 16 | sequence), fixed so it never depends on `now`."""
        ms = int((MASTODON_ID_EPOCH - status.ago).timestamp() * 1000)
        return (ms << 16) | status.seq

    def status_url(self, status: Status) -> str:
        return f"{self.site}/@{status.account}/{self.status_id(status)}"

    def tags(self, status: Status) -> list[str]:
        found: list[str] = []
        for m in _TOKENS.finditer(status.text):
            if m.group("tag") and m.group("tag").lower() not in found:
                found.append(m.group("tag").lower())
        return found

    def html(self, status: Status) -> str:
        def token(m: re.Match[str]) -> str:
            if m.group("url"):
                url = m.group("url")
                scheme, _, rest = url.partition("://")
                return (
                    f'<a href={quoteattr(url)} target="_blank" rel="nofollow noopener" translate="no">'
                    f'<span class="invisible">{escape(scheme)}://</span><span class="">{escape(rest)}</span>'
                    '<span class="invisible"></span></a>'
                )
            if m.group("tag"):
                tag = m.group("tag")
                return (f'<a href={quoteattr(f"{self.site}/tags/{tag.lower()}")} class="mention hashtag" '
                        f'rel="tag">#<span>{escape(tag)}</span></a>')
            user = m.group("user")
            return (f'<span class="h-card" translate="no"><a href={quoteattr(f"{self.site}/@{user}")} '
                    f'class="u-url mention">@<span>{escape(user)}</span></a></span>')

        pieces: list[str] = []
        last = 0
        for m in _TOKENS.finditer(status.text):
            pieces.append(escape(status.text[last:m.start()]))
            pieces.append(token(m))
            last = m.end()
        pieces.append(escape(status.text[last:]))
        return "<p>" + "".join(pieces) + "</p>"

    def render(self) -> list[Document]:
        statuses = sorted(STATUSES, key=lambda s: s.ago)
        newest = self.now - statuses[0].ago
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:webfeeds="http://webfeeds.org/rss/1.0" '
            'xmlns:media="http://search.yahoo.com/mrss/">\n'
            "  <channel>\n"
            f"    <title>#{MASTODON_TAG}</title>\n"
            f"    <description>Public posts tagged #{MASTODON_TAG}</description>\n"
            f"    <link>{escape(self.site)}/tags/{MASTODON_TAG}</link>\n"
            f"    <lastBuildDate>{_rfc822(newest)}</lastBuildDate>\n"
            f"    <generator>Mastodon v{MASTODON_VERSION}</generator>\n"
        ]
        for status in statuses:
            url = self.status_url(status)
            out.append(
                "    <item>\n"
                f'      <guid isPermaLink="true">{escape(url)}</guid>\n'
                f"      <link>{escape(url)}</link>\n"
                f"      <pubDate>{_rfc822(self.now - status.ago)}</pubDate>\n"
                f"      <description>{escape(self.html(status))}</description>\n"
                + "".join(f"      <category>{escape(tag)}</category>\n" for tag in self.tags(status))
                + "    </item>\n"
            )
        out.append("  </channel>\n</rss>\n")
        return [Document(f"{MASTODON_ROOT}/tags/{MASTODON_TAG}.rss", "".join(out), RSS_TYPE, newest)]


def _mastodon(base: str, now: datetime) -> list[Document]:
    return _Mastodon(base, now).render()
