"""The fast reader and feedparser agree (the whole corpora: test_feedparser_suite.py), the fast reader declines
what it cannot read as feedparser does, and both keep threading, authors and links."""

from __future__ import annotations

import dataclasses

import pytest

from cmtui import fastxml, workers
from cmtui.demo import sites
from cmtui.identity import Identity
from cmtui.parse import parse

BASE = "http://127.0.0.1:9/feed/"


def same(body: bytes, headers: dict[str, str] | None = None) -> tuple[bool, dict[str, object], dict[str, object]]:
    fast = dataclasses.asdict(parse(body, BASE, headers, now=1.8e9, fast=True))
    slow = dataclasses.asdict(parse(body, BASE, headers, now=1.8e9, fast=False))
    return fast == slow, fast, slow


def test_demo_documents_parse_the_same_both_ways() -> None:
    for doc in sites.documents("http://127.0.0.1:9"):
        body = doc.body.encode()
        assert fastxml.read(body, BASE) is not None, doc.path  # the common case takes the fast path
        equal, fast, slow = same(body)
        assert equal, (doc.path, fast, slow)


def test_unusual_documents_are_left_to_feedparser() -> None:
    assert fastxml.read(b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">]><rss version="2.0"/>', BASE) is None
    assert fastxml.read(b"<rss version='2.0'><channel><item><title>x</title>", BASE) is None  # truncated
    assert fastxml.read(b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>", BASE) is None
    mixed = b"<rss version='2.0'><channel><item><description>a <b>raw</b> tag</description></item></channel></rss>"
    assert fastxml.read(mixed, BASE) is None  # unescaped HTML inside an element
    odd_date = b"<rss version='2.0'><channel><item><pubDate>yesterday-ish</pubDate></item></channel></rss>"
    assert fastxml.read(odd_date, BASE) is None


def rss(item: str, channel: str = "<title>t</title>", head: str = "") -> bytes:
    return (f"{head}<rss version='2.0' xmlns:dcterms='http://purl.org/dc/terms/' xmlns:x='http://x.test/'>"
            f"<channel>{channel}<item>{item}</item></channel></rss>").encode()


ATOM_HEAD = "<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
# Shapes feedparser reads differently from what the fast reader would make of them (issue 16), each from a file
# of feedparser's test suite. The fast reader declines them all, so both paths give the same entries.
DECLINED = {
    "unknown element": rss("<title>a</title><x:madeup>test</x:madeup>"),
    "dcterms date": rss("<title>a</title><dcterms:issued>2003-12-31T10:14:55Z</dcterms:issued>"),
    "RSS modules without a namespace": rss("<title>a</title><issued>2003-12-31T10:14:55Z</issued>"),
    "author with an e-mail": rss("<title>a</title><author>bob@example.com (Bob)</author>"),
    "dc:creator with an e-mail": rss("<title>a</title><dc:creator xmlns:dc='http://purl.org/dc/elements/1.1/'>"
                                     "Bob (bob@example.com)</dc:creator>"),
    "xhtml body": rss("<title>a</title><body xmlns='http://www.w3.org/1999/xhtml'><p>x</p></body>"),
    "two titles": rss("<title>a</title><title>b</title>"),
    "dc:title in the channel": rss("<title>a</title>", "<dc:title xmlns:dc='http://purl.org/dc/elements/1.1/'>"
                                   "t</dc:title>"),
    "C1 control (windows-1252 quote)": rss("<description>don\u0092t</description>"),
    "mojibake as character references": rss("<description>&#226;&#128;&#166;</description>"),
    "link without href": f"{ATOM_HEAD}<entry><title>a</title><link rel='alternate'/></entry></feed>".encode(),
    "two alternate links": (f"{ATOM_HEAD}<entry><title>a</title><link href='http://a.test/1'/>"
                            "<link href='http://a.test/2'/></entry></feed>").encode(),
    "base64 title": f"{ATOM_HEAD}<entry><title mode='base64'>YQ==</title></entry></feed>".encode(),
    "two authors": (f"{ATOM_HEAD}<entry><title>a</title><author><name>A</name></author>"
                    "<author><name>B</name></author></entry></feed>").encode(),
    "xhtml content": (f"{ATOM_HEAD}<entry><title>a</title><content type='xhtml'><div "
                      "xmlns='http://www.w3.org/1999/xhtml'><b>x</b></div></content></entry></feed>").encode(),
    "text content with brackets": (f"{ATOM_HEAD}<entry><title>a</title><content type='text'>the &lt;blink&gt; "
                                   "tag</content></entry></feed>").encode(),
    "an item outside the Atom namespace": (b"<feed xmlns='http://www.w3.org/2005/Atom' xmlns:m='http://m.test'>"
                                           b"<item><m:e>test</m:e></item></feed>"),
}


@pytest.mark.parametrize("shape", list(DECLINED))
def test_shapes_feedparser_reads_otherwise_are_left_to_it(shape: str) -> None:
    body = DECLINED[shape]
    assert fastxml.read(body, BASE) is None
    equal, fast, slow = same(body)
    assert equal, (fast, slow)


def test_the_encoding_is_read_as_feedparser_reads_it() -> None:
    """feedparser lets an HTTP charset override the declared encoding, and reads text/xml without one as
    US-ASCII: the fast reader takes only bodies whose encoding both read the same way."""
    head = "<?xml version='1.0' encoding='iso-8859-1'?>"
    quoted = rss("<description>\xa3\x93test.\x94</description>", head=head).decode().encode("latin-1")
    latin = rss("<description>\xa3 caf\xe9</description>", head=head).decode().encode("latin-1")
    for body in (quoted, latin):  # windows-1252's quotes are C1 controls in latin-1: feedparser maps them
        assert fastxml.read(body, BASE, {"content-type": "text/xml; charset=windows-1252"}) is None
        assert fastxml.read(body, BASE, {"content-type": "application/rss+xml; charset=utf-8"}) is None
        assert fastxml.read(body, BASE, {"content-type": "text/xml"}) is None
    assert fastxml.read(quoted, BASE, {"content-type": "application/rss+xml"}) is None
    assert fastxml.read(latin, BASE, {"content-type": "application/rss+xml"}) is not None  # the declaration rules
    for body in (quoted, latin):
        for headers in ({"Content-Type": "text/xml; charset=windows-1252"}, {"Content-Type": "application/rss+xml"}):
            equal, fast, slow = same(body, headers)
            assert equal, (headers, fast, slow)
    cp1252 = parse(quoted, BASE, {"Content-Type": "text/xml; charset=windows-1252"})
    assert "\u201ctest.\u201d" in cp1252.entries[0].text  # the "£test." kept its quotes
    plain = rss("<title>caf\u00e9</title><link>http://a.test/1</link>")
    for ctype in ("application/rss+xml; charset=UTF-8", "text/xml; charset=utf-8", "application/xml"):
        assert fastxml.read(plain, BASE, {"content-type": ctype}) is not None, ctype
    assert fastxml.read("\ufeff".encode("utf-16-le") + plain.decode().encode("utf-16-le"), BASE) is None


def test_an_id_without_a_link_is_the_link_as_feedparser_makes_it() -> None:
    """A permalink guid (RSS) or an id (Atom) is the entry's link when it has none; its feed's id likewise."""
    bodies = [rss("<title>a</title><guid>http://a.test/p/1</guid>"),
              f"{ATOM_HEAD}<id>http://a.test/</id><entry><title>a</title><id>http://a.test/p/1</id></entry></feed>"
              .encode()]
    for body in bodies:
        assert fastxml.read(body, BASE) is not None
        equal, fast, slow = same(body)
        assert equal, (fast, slow)
        assert parse(body, BASE).entries[0].url == "http://a.test/p/1"
    assert parse(rss("<title>a</title><guid isPermaLink='false'>x1</guid>"), BASE).entries[0].url is None


def test_relative_links_in_content_become_absolute() -> None:
    body = (b"<rss version='2.0'><channel><title>t</title><item><link>http://forum.example/t/x/1/2</link>"
            b"<description>&lt;a href='/u/bob'&gt;@bob&lt;/a&gt; &lt;a href='javascript:x'&gt;no&lt;/a&gt;"
            b"</description></item></channel></rss>")
    for fast in (True, False):
        html = parse(body, BASE, fast=fast).entries[0].html
        assert 'href="http://forum.example/u/bob"' in html and "javascript" not in html


REDDIT_POST = b"""<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Burr One jams every morning : coffee</title>
<entry><author><name>/u/bean_counter</name></author><id>t1_c2</id><updated>2026-11-24T10:00:00+00:00</updated>
<link href="https://www.reddit.com/r/coffee/comments/abc123/burr_one_jams/c2/"/>
<title>/u/bean_counter on Burr One jams</title>
<content type="html">same here</content></entry>
<entry><author><name>/u/grinder_fan</name></author><id>t3_abc123</id><updated>2026-11-24T09:00:00+00:00</updated>
<link href="https://www.reddit.com/r/coffee/comments/abc123/burr_one_jams/"/><title>Burr One jams every morning</title>
<content type="html">It jams. Any fix?</content></entry>
</feed>"""


def test_a_reddit_post_feed_is_one_flat_conversation_opened_by_the_post() -> None:
    for fast in (True, False):
        feed = parse(REDDIT_POST, "https://www.reddit.com/r/coffee/comments/abc123/burr_one_jams/.rss", fast=fast)
        assert (feed.platform, feed.role) == ("reddit", "topic")
        opening = [e for e in feed.entries if e.is_post]
        assert [e.author for e in opening] == ["/u/grinder_fan"]
        assert len({tuple(e.conv_keys) for e in feed.entries}) == 1  # one conversation
        assert all(e.parent_ref is None for e in feed.entries)  # flat
        assert all(e.conv_title == "Burr One jams every morning" for e in feed.entries)


def test_only_messages_that_can_wait_get_a_sentiment_score() -> None:
    """VADER and the word features are most of the parsing cost: comments by others get them; posts (scored
    later, only where they wait) and our own replies (they never wait for us) do not."""
    body = b"""<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
    <title>Comments on: Hello</title><link>http://b.example/hello/</link>
    <item><title>By: Ann</title><link>http://b.example/hello/#comment-1</link><guid>c1</guid>
      <dc:creator>Ann</dc:creator><description>This is terrible, it broke again.</description></item>
    <item><title>By: Acme Support</title><link>http://b.example/hello/#comment-2</link><guid>c2</guid>
      <dc:creator>  acme   SUPPORT </dc:creator><description>So sorry, Ann! We will fix it.</description></item>
    </channel></rss>"""
    url, us = "http://b.example/hello/feed/", Identity(frozenset({"acme support"}))
    parsed = workers.parse_feed(body, url, us=us)
    scores = {e.author.casefold(): e.sentiment for e in parsed.entries}
    assert scores["ann"] is not None and scores["ann"] < -0.3
    assert scores["acme support"] is None
    features = {e.author.casefold(): e.features for e in parsed.entries}
    assert features["ann"] is not None and features["ann"]["complaints"] and features["acme support"] is None
    # parse itself is pure: entries only, no scores
    assert all(e.sentiment is None and e.features is None for e in parse(body, url).entries)


def test_opening_posts_of_topic_feeds_are_scored_in_the_workers() -> None:
    """On a forum the opening post of a topic waits for a reply like any other: the workers score it; a blog's
    posts (context, long texts) are not scored."""
    topic = workers.parse_feed(REDDIT_POST, "https://www.reddit.com/r/coffee/comments/abc123/burr_one_jams/.rss")
    assert topic.role == "topic" and any(e.is_post for e in topic.entries)
    assert all(e.sentiment is not None and e.features is not None for e in topic.entries)
    blog = workers.parse_feed(rss("<title>Hello</title><link>http://a.test/p/1</link><description>Great news, "
                                  "we love it</description>"), BASE)
    assert blog.role == "posts" and blog.entries[0].sentiment is None and blog.entries[0].features is None


@pytest.mark.parametrize(("url", "kept", "dropped"), [
    ("http://a.example:80/x/", "a.example/x", "a.example/x"),  # default port and trailing slash
    ("https://a.example:8443/x/#c", "a.example:8443/x#c", "a.example:8443/x"),
    ("http://a.example/p?a=1&utm_medium=2&b=", "a.example/p?a=1&b=", "a.example/p?a=1&b="),  # tracking out
    ("http://a.example/p?replytocom=5#respond", "a.example/p#respond", "a.example/p"),
    ("HTTP://A.Example/P", "a.example/P", "a.example/P"),  # the host's case only
    ("http://a.example/p?x=a+b&y=%20", "a.example/p?x=a+b&y=+", "a.example/p?x=a+b&y=+"),  # one encoding
    (" http://a.example/p ", "a.example/p", "a.example/p"),
    ("http://a.example:99999/x", None, None),  # not a URL
])
def test_url_keys_normalise_what_varies_between_feeds(url: str, kept: str | None, dropped: str | None) -> None:
    """The same page linked from two feeds gets one key: scheme, default port, trailing slash and tracking
    parameters dropped; the fragment (a comment's anchor) kept only when asked."""
    from cmtui.urlkeys import url_key

    assert (url_key(url), url_key(url, keep_fragment=False)) == (kept, dropped)


# -- undeclared encodings (the feeds over HTTP: test_encodings.py) --------------------------------------------------


def test_an_undeclared_body_that_is_not_utf8_is_detected_and_read_as_utf8() -> None:
    import feedparser

    from cmtui.charsets import undeclared_to_utf8

    from .test_encodings import JA_ITEMS, RU_ITEMS
    from .test_encodings import rss as topics

    for items, encoding, ctype in ((RU_ITEMS, "koi8-r", "application/rss+xml"), (JA_ITEMS, "shift_jis", "text/xml")):
        body = topics("Feed", items).encode(encoding)
        assert feedparser.parse(body).entries[0].title != items[0][0]  # what feedparser alone makes of it
        converted, headers = undeclared_to_utf8(body, {"content-type": ctype})
        assert converted == topics("Feed", items).encode("utf-8")
        assert headers == {"content-type": f"{ctype}; charset=utf-8"}
        assert undeclared_to_utf8(body, {}) == (converted, {})  # without a Content-Type, none is added
        for fast in (True, False):
            feed = parse(body, BASE, {"Content-Type": ctype}, fast=fast)
            assert [(e.title, e.text) for e in feed.entries] == items


def test_declared_encodings_and_utf8_are_never_second_guessed() -> None:
    """A charset in the Content-Type, an XML declaration's encoding, a byte order mark or an HTML meta charset is
    taken as it is, even when it is wrong; UTF-8 needs no detection; undeclared bytes that windows-1252 reads as
    well as any guess are left to feedparser, whose fallback is windows-1252. The very same bytes come back."""
    from cmtui.charsets import declares_encoding, undeclared_to_utf8

    from .test_encodings import FR_ITEMS, RU_ITEMS
    from .test_encodings import rss as topics

    koi8 = topics("Feed", RU_ITEMS).encode("koi8-r")
    cases = [
        (koi8, {"content-type": "application/rss+xml; charset=windows-1252"}),  # wrong, but declared
        (koi8, {"Content-Type": "text/xml; Charset=\"KOI8-R\""}),
        (topics("Feed", RU_ITEMS, ' encoding="windows-1251"').encode("koi8-r"), {}),
        (topics("Café", FR_ITEMS, " encoding='windows-1252'").encode("cp1252"), {"content-type": "text/xml"}),
        (b"\xef\xbb\xbf" + koi8, {}),
        ("<html><head><meta charset='koi8-r'><title>Кофе</title></head></html>".encode("koi8-r"), {}),
        (topics("Feed", RU_ITEMS).encode("utf-8"), {"content-type": "text/xml"}),
        (topics("Feed", RU_ITEMS).encode("utf-16"), {}),
        (topics("Café", FR_ITEMS).encode("cp1252"), {"content-type": "application/rss+xml"}),
        (b"", {}),
    ]
    for body, headers in cases:
        same_body, same_headers = undeclared_to_utf8(body, headers)
        assert same_body is body and same_headers is headers, body[:80]
    assert not declares_encoding(koi8[:1024], {"content-type": "application/rss+xml"})
    cp1252 = parse(topics("Café", FR_ITEMS).encode("cp1252"), BASE, {"Content-Type": "application/rss+xml"})
    assert [(e.title, e.text) for e in cp1252.entries] == FR_ITEMS


def test_detection_reads_a_bounded_prefix_of_a_large_body() -> None:
    """A 15 MiB body costs the detector what its first `DETECT_BYTES` cost; the whole body is converted."""
    from cmtui.charsets import DETECT_BYTES, detect_encoding, undeclared_to_utf8

    from .test_encodings import JA_ITEMS
    from .test_encodings import rss as topics

    many = JA_ITEMS * 3000
    body = topics("Feed", many).encode("shift_jis")
    assert len(body) > 4 * DETECT_BYTES
    assert detect_encoding(body) in ("shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213")
    converted, _ = undeclared_to_utf8(body, {})
    assert converted.decode("utf-8").count(JA_ITEMS[2][1]) == 3000


def test_feedparsers_own_undeclared_encoding_files_are_detected() -> None:
    """feedparser's test suite has a document in each of eight encodings without any declaration (its `Expect:`
    line names the encoding; feedparser itself needs chardet for them): each is detected as that encoding."""
    import codecs

    from cmtui.charsets import detect_encoding, undeclared_to_utf8

    from .test_feedparser_suite import SUITE

    folder = SUITE / "tests" / "illformed" / "chardet"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here: feedparser's test suite is only in the project's CI")
    files = sorted(folder.glob("*.xml"))
    assert len(files) >= 8
    for path in files:
        body = path.read_bytes()
        expected = body.split(b"encoding == '")[1].split(b"'")[0].decode()
        detected = detect_encoding(body)
        assert detected is not None and codecs.lookup(detected).name == codecs.lookup(expected).name, path.name
        assert undeclared_to_utf8(body, {})[0] != body


# -- titles and names with markup -----------------------------------------------------------------------------------

GOOGLE_ALERTS = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">
<id>tag:google.com,2005:reference/alerts/feed:06848252415931853745/10859633596958498393</id>
<title>Google Alert - Slack</title>
<link href="https://www.google.com/alerts/feeds/06848252415931853745/10859633596958498393" rel="self"></link>
<updated>2026-11-24T10:12:43Z</updated>
<entry><id>tag:google.com,2013:googlealerts/feed:12345678901234567890</id>
<title type="html">&lt;b&gt;Slack&lt;/b&gt; outage leaves teams scrambling for hours</title>
<link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example.com/2026/11/slack-outage&amp;ct=ga&amp;cd=CAIyGjA&amp;usg=AOvVaw0a"></link>
<published>2026-11-24T09:40:11Z</published><updated>2026-11-24T09:40:11Z</updated>
<content type="html">Users said &lt;b&gt;Slack&lt;/b&gt; messages failed to send &amp;amp; calls dropped ...</content>
<author><name></name></author></entry>
<entry><id>tag:google.com,2013:googlealerts/feed:12345678901234567891</id>
<title type="html">Why we moved from &lt;b&gt;Slack&lt;/b&gt; &amp;amp; Teams to email &amp;#8211; a review</title>
<link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://blog.example.org/why-we-moved&amp;ct=ga&amp;cd=CAIyGjB&amp;usg=AOvVaw0b"></link>
<published>2026-11-24T08:00:00Z</published><updated>2026-11-24T08:00:00Z</updated>
<content type="html">&lt;b&gt;Slack&lt;/b&gt; was loud.</content>
<author><name></name></author></entry>
</feed>"""


def test_google_alerts_titles_with_markup_are_plain_text() -> None:
    """Google Alerts writes its titles as HTML (`<b>Slack</b>`, `&amp;`): they are stored as the text they read
    as, by either reader; a link through google.com/url is the page it leads to (one copy of each message)."""
    assert fastxml.read(GOOGLE_ALERTS, BASE) is not None
    equal, fast, slow = same(GOOGLE_ALERTS)
    assert equal, (fast, slow)
    feed = parse(GOOGLE_ALERTS, "https://www.google.com/alerts/feeds/06848252415931853745/10859633596958498393")
    assert feed.title == "Google Alert - Slack"
    assert [e.title for e in feed.entries] == ["Slack outage leaves teams scrambling for hours",
                                               "Why we moved from Slack & Teams to email \u2013 a review"]
    first = feed.entries[0]
    assert first.text == "Users said Slack messages failed to send & calls dropped ..."
    assert first.url == "https://news.example.com/2026/11/slack-outage"
    assert first.author == "" and first.conv_title == first.title


def test_names_with_markup_are_plain_text_and_plain_text_stays_as_it_is() -> None:
    """Markup is what a closing tag or a character reference makes: `a < b`, `AT&T` and a lone `<b>` are text."""
    items = {
        "<b>Slack</b> is down": ("&lt;i&gt;Ann&lt;/i&gt; Lee", "Slack is down", "Ann Lee"),
        "Tom &amp;amp; Jerry &amp;#8212; again": ("Bob", "Tom & Jerry \u2014 again", "Bob"),
        "a &lt; b, and use &lt;b&gt; for bold": ("R&amp;D team", "a < b, and use <b> for bold", "R&D team"),
        "AT&amp;T [bold]rocks[/]": ("[link=x]eve[/link]", "AT&T [bold]rocks[/]", "[link=x]eve[/link]"),
    }
    body = "".join(f"<item><title>{title}</title><link>http://a.test/{i}</link><dc:creator>{author}</dc:creator>"
                   "</item>" for i, (title, (author, _, _)) in enumerate(items.items()))
    doc = (b"<rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/'><channel><title>"
           b"Acme &amp;lt;3 news</title>" + body.encode() + b"</channel></rss>")
    equal, fast, slow = same(doc)
    assert equal, (fast, slow)
    feed = parse(doc, BASE)
    assert feed.title == "Acme <3 news"
    assert [(e.title, e.author) for e in feed.entries] == [(t, a) for _, t, a in items.values()]
    atom_text = (f"{ATOM_HEAD}<entry><title type='text'>x &lt; y &amp;&amp; y &gt; z</title>"
                 "<author><name>&lt;b&gt;Kim&lt;/b&gt;</name></author></entry></feed>").encode()
    [entry] = parse(atom_text, BASE).entries
    assert (entry.title, entry.author) == ("x < y && y > z", "Kim")
