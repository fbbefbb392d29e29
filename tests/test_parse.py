"""The fast reader and feedparser agree on real feeds, and both keep threading, authors and links."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cmtui import fastxml
from cmtui.demo import sites
from cmtui.parse import parse

BASE = "http://127.0.0.1:9/feed/"
# Known, accepted differences: feedparser serialises reddit's XHTML tables with one more line break, and
# picks the last of several <author>s where the fast reader takes the first; one feed's channel link.
KNOWN = {"reddit-home.rss", "atom10_feed_authors.xml", "feed-escape-malformed.xml"}


def same(body: bytes) -> tuple[bool, dict[str, object], dict[str, object]]:
    fast = dataclasses.asdict(parse(body, BASE, now=1.8e9, fast=True))
    slow = dataclasses.asdict(parse(body, BASE, now=1.8e9, fast=False))
    return fast == slow, fast, slow


def test_demo_documents_parse_the_same_both_ways() -> None:
    for doc in sites.documents("http://127.0.0.1:9"):
        body = doc.body.encode()
        assert fastxml.read(body, BASE) is not None, doc.path  # the common case takes the fast path
        equal, fast, slow = same(body)
        assert equal, (doc.path, fast, slow)


def test_real_corpus_parses_the_same_both_ways(corpus: Path) -> None:
    fast_count = 0
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".md"):
        body = path.read_bytes()
        fast_count += fastxml.read(body, BASE) is not None
        if path.name in KNOWN:
            continue
        equal, fast, slow = same(body)
        assert equal, path
    assert fast_count >= 25  # most real feeds are well-formed RSS 2.0 or Atom


def test_unusual_documents_are_left_to_feedparser() -> None:
    assert fastxml.read(b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">]><rss version="2.0"/>', BASE) is None
    assert fastxml.read(b"<rss version='2.0'><channel><item><title>x</title>", BASE) is None  # truncated
    assert fastxml.read(b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>", BASE) is None
    mixed = b"<rss version='2.0'><channel><item><description>a <b>raw</b> tag</description></item></channel></rss>"
    assert fastxml.read(mixed, BASE) is None  # unescaped HTML inside an element
    odd_date = b"<rss version='2.0'><channel><item><pubDate>yesterday-ish</pubDate></item></channel></rss>"
    assert fastxml.read(odd_date, BASE) is None


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
    parsed = parse(body, "http://b.example/hello/feed/", ours=frozenset({"acme support"}))
    scores = {e.author.casefold(): e.sentiment for e in parsed.entries}
    assert scores["ann"] is not None and scores["ann"] < -0.3
    assert scores["acme support"] is None
    features = {e.author.casefold(): e.features for e in parsed.entries}
    assert features["ann"] is not None and features["ann"]["complaints"] and features["acme support"] is None


def test_url_keys_of_the_common_shape_equal_the_general_path(corpus: Path) -> None:
    """`url_key` takes a shortcut for plain URLs; it must give exactly what urlsplit and the query's decoding
    and encoding give, on every URL of the real-world corpus and the demo, and on awkward ones."""
    import re

    from cmtui.parse import _url_key, url_key

    texts = [p.read_text("utf-8", errors="replace") for p in corpus.rglob("*") if p.is_file()]
    texts += [doc.body for doc in sites.documents("http://127.0.0.1:9")]
    urls = {u for t in texts for u in re.findall(r"""https?://[^\s"'<>]+""", t)}
    urls |= {
        "http://a.example", "http://a.example/", "http://a.example:80/x/", "https://a.example:443/x",
        "http://a.example:0/x", "http://a.example:00080/x", "http://a.example:99999/x", "https://a.example:8443/x/#c",
        "http://a.example?x=1", "http://a.example/p?utm_source=x", "http://a.example/p?a=1&utm_medium=2&b=",
        "http://a.example/p?a=1&&b=2", "http://a.example/p?a", "http://a.example/p?", "http://a.example/p#",
        "http://a.example/p?x=a+b&y=%20", "http://a.example/p?replytocom=5#respond", "HTTP://A.Example/P",
        "http://user@a.example/", "http://a.example/p q", "http://a.example/p\tq", "http://a_b.example/",
        "http://a.example/ü/?q=é#frag#more", "http://a.example/p;x=1/", "http://127.0.0.1:8080//x//",
        " http://a.example/p ", "http://[::1]:8080/x",
    }
    assert len(urls) > 200
    for url in urls:
        for keep in (True, False):
            assert url_key(url, keep) == _url_key(url, keep), (url, keep)
