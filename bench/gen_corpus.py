#!/usr/bin/env python3
"""Deterministic synthetic WordPress-like sites for cmtui's sync benchmark (standard library only).

For every site i (1..N), below --out:

  sNNNN/feed/index.xml                          posts feed: RSS 2.0, P items with <comments>,
                                                wfw:commentRss, slash:comments, dc:creator,
                                                <generator>https://wordpress.org/?v=6.1</generator>
  sNNNN/comments/feed/index.xml                 site-wide comments feed ("Comments for <site>"),
                                                the M newest comments, "Comment on <post> by <author>",
                                                links <post-url>#comment-<id>; replies start with
                                                WordPress's "In reply to <a ...>X</a>." paragraph
  sNNNN/YYYY/MM/DD/<slug>/feed/index.xml        one comments feed per post ("Comments on: <title>")

and, in --out:

  urls.txt            posts feed + site-wide comments feed of every site (2N lines)
  urls-all.txt        the same plus every per-post comments feed
  feeds.toml          cmtui config: the 2N feeds of urls.txt, follow_comments = false
  feeds-follow.toml   cmtui config: the N posts feeds only, follow_comments = true
  feeds-all.toml      cmtui config: every URL of urls-all.txt, follow_comments = false
  manifest.json       the arguments and the totals (expected items, bytes, content digest)

Every date lies in the 30 days before --ref-date (default: today, 00:00 UTC), so cmtui's
"posts of the last comments_days days" logic applies. The output is a pure function of the
arguments (seed, sizes, port, hosts, ref-date): same arguments, byte-identical files and mtimes,
so ETag / Last-Modified stay stable across server restarts. With --hosts K site i is served from
127.0.0.(1 + (i-1) % K): all loopback, nothing leaves the machine.

A share of the replies (--ours-share) is written by "Acme Support", the identity configured in
feeds.toml, so some conversations count as answered.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

OURS = "Acme Support"
WP_GENERATOR = "https://wordpress.org/?v=6.1"

GIVEN = ["Ada", "Bruno", "Camille", "Dario", "Elif", "Farid", "Greta", "Hana", "Iker", "Jonas", "Kasia",
         "Lars", "Mireille", "Noor", "Otto", "Paula", "Quim", "Renée", "Sven", "Tereza", "Ugo", "Valeria",
         "Wiktor", "Ximena", "Yann", "Zuzana", "Ana-Lucía", "Bjørn", "Çağla", "Đorđe", "Étienne", "Jiří"]
FAMILY = ["Moreau", "Lindqvist", "Okafor", "Petrović", "Schneider", "Tanaka", "Vasquez", "O'Neill",
          "van Dijk", "Nowak", "Haddad", "Ferreira", "Kowalczyk", "Ahmed", "Brennan", "Šimková"]
NICKS = ["packet_loss", "tabs>spaces", "night-owl", "quietreader", "dev/null", "üser", "R&D guy",
         "<b>bold</b>", "feedfan99", "the 'real' one", "mod_rewrite", "🐧 penguin"]
SUBJECTS = ["backups", "the new dashboard", "pricing", "the mobile app", "dark mode", "exporting data",
            "the API", "two-factor login", "release 4.2", "keyboard shortcuts", "search", "sync conflicts",
            "notifications", "the migration guide", "offline mode", "accessibility", "import from CSV",
            "the roadmap", "self-hosting", "rate limits", "webhooks", "the changelog"]
TITLES = ["What's new in {a}", "A closer look at {a}", "How we rebuilt {a}", "{a}: frequently asked questions",
          "Five tips for {a}", "Changes to {a} & {b}", "Why {a} matters", "From {a} to {b}",
          "Postmortem: {a}", "Ask us anything about {a}", "“{a}” explained", "Notes on {a}, {b} and more"]
PHRASES = ["Thanks for the detailed write-up.", "Does {a} work with {b} yet?",
           "I ran into trouble with {a} after the update.", "Any plans to improve {a}?",
           "This broke {a} for our team & we had to roll back.", "Where can I find the docs for {b}?",
           "Great news, we've been waiting for {a}.", "Is {a} included in the free plan?",
           "The screenshot in the second section doesn't load.", "How does this compare to {b}?",
           "We use {a} every day; {b} less so.", "Could you add an option to turn off {a}?",
           "Still seeing the bug with {b} on Firefox.", "Love it. The old {a} was confusing.",
           "Small typo: “recieve” in the last paragraph.", "Is there an ETA for {b}?",
           "Our admin says {a} < {b} in priority — is that right?", "Works for me now, thanks!"]
OPENERS = ["Thanks!", "Good question.", "Same problem here.", "Following up on this:", "I disagree.",
           "+1", "Any news?", "That fixed it."]
BRAND_REPLIES = ["Thanks for flagging this, we're on it.", "Good catch — fixed in the next release.",
                 "Could you email us the details so we can look into {a}?", "{a} is on the roadmap for Q3."]
TAGLINES = ["News and updates", "From the team", "Product notes", "Release notes and tips"]


@dataclass
class Comment:
    cid: int
    author: str
    when: datetime
    paras: list[str]
    parent: Comment | None = None


@dataclass
class Post:
    pid: int
    title: str
    slug: str
    link: str
    author: str
    when: datetime
    cats: list[str]
    paras: list[str]
    comments: list[Comment] = field(default_factory=list)


def rfc822(dt: datetime) -> str:
    return format_datetime(dt, usegmt=True)


def cdata(s: str) -> str:
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def slug_of(title: str) -> str:
    chars = [c if c.isascii() and c.isalnum() else "-" for c in title.lower()]
    return "-".join(p for p in "".join(chars).split("-") if p)[:50] or "post"


class SiteGen:
    def __init__(self, index: int, seed: int, base: str, ref: datetime, posts: int, comments: int,
                 ours_share: float) -> None:
        self.rng = rng = random.Random(f"cmtui-bench/{seed}/{index}")
        self.sid = f"s{index:04d}"
        self.root = f"{base}/{self.sid}"
        self.base = base
        self.title = f"{rng.choice(SUBJECTS).capitalize()} blog #{index}"
        self.tagline = rng.choice(TAGLINES)
        self.ours_share = ours_share
        # "now" of this site: up to a day before the reference date; everything older, within ~28 days
        self.now = ref - timedelta(minutes=rng.randint(5, 24 * 60))
        span = timedelta(days=27) - (ref - self.now)
        gap = span / max(posts, 1)
        self.posts: list[Post] = []
        when = self.now - timedelta(minutes=rng.randint(60, 600))
        used_slugs: set[str] = set()
        pid = rng.randint(100, 9000)
        for _ in range(posts):
            a, b = rng.sample(SUBJECTS, 2)
            title = rng.choice(TITLES).format(a=a, b=b)
            slug = slug_of(title)
            n = 2
            while slug in used_slugs:
                slug, n = f"{slug_of(title)}-{n}", n + 1
            used_slugs.add(slug)
            self.posts.append(Post(pid=pid, title=title, slug=slug, link=f"{self.root}/{when:%Y/%m/%d}/{slug}/",
                                   author=rng.choice(GIVEN).lower(), when=when, cats=rng.sample(SUBJECTS, 2),
                                   paras=[self.sentences(3, 7) for _ in range(rng.randint(3, 6))]))
            pid -= rng.randint(2, 9)
            when -= gap * rng.uniform(0.6, 1.0)
        self.comments = self._make_comments(comments)

    def sentences(self, lo: int, hi: int, pool: list[str] = PHRASES) -> str:
        rng = self.rng
        return " ".join(rng.choice(pool).format(a=rng.choice(SUBJECTS), b=rng.choice(SUBJECTS))
                        for _ in range(rng.randint(lo, hi)))

    def person(self) -> str:
        r = self.rng.random()
        if r < 0.6:
            return f"{self.rng.choice(GIVEN)} {self.rng.choice(FAMILY)}"
        return self.rng.choice(GIVEN) if r < 0.85 else self.rng.choice(NICKS)

    def _make_comments(self, count: int) -> list[Comment]:
        rng = self.rng
        if not self.posts:
            return []
        weights = [1 / (k + 1) for k in range(len(self.posts))]  # newer posts get more comments
        made: list[tuple[Post, Comment]] = []
        for _ in range(count):
            post = rng.choices(self.posts, weights)[0]
            lag = max(120, int((self.now - post.when).total_seconds()) - 60)
            when = post.when + timedelta(seconds=rng.randint(60, lag))
            earlier = [c for c in post.comments if c.when < when]
            parent = rng.choice(earlier) if earlier and rng.random() < 0.35 else None
            if parent is not None and rng.random() < self.ours_share:
                author, paras = OURS, [self.sentences(1, 2, BRAND_REPLIES)]
            else:
                author = self.person()
                paras = [self.sentences(1, 4) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
                if parent is not None:
                    paras.insert(0, rng.choice(OPENERS))
            c = Comment(cid=0, author=author, when=when, paras=paras, parent=parent)
            post.comments.append(c)
            made.append((post, c))
        # WordPress comment ids grow with time
        made.sort(key=lambda pc: pc[1].when)
        cid = rng.randint(1000, 60000)
        self.post_of: dict[int, Post] = {}
        for post, c in made:
            cid += rng.randint(1, 5)
            c.cid = cid
            self.post_of[id(c)] = post
        for p in self.posts:
            p.comments.sort(key=lambda c: c.when)
        return [c for _, c in reversed(made)]  # newest first, as in the feed

    # -- XML -------------------------------------------------------------------------------
    def comment_link(self, c: Comment) -> str:
        return f"{self.post_of[id(c)].link}#comment-{c.cid}"

    def comment_html(self, c: Comment) -> str:
        out = []
        if c.parent is not None:
            out.append(f"<p>In reply to <a href={quoteattr(self.comment_link(c.parent))}>"
                       f"{escape(c.parent.author)}</a>.</p>")
        out += [f"<p>{escape(p)}</p>" for p in c.paras]
        return "\n".join(out) + "\n"

    def comment_plain(self, c: Comment) -> str:
        lead = f"In reply to {c.parent.author}. " if c.parent is not None else ""
        return lead + " ".join(c.paras)

    def _channel_head(self, title: str, self_url: str, link: str, updated: datetime, posts: bool) -> list[str]:
        ns = ['xmlns:content="http://purl.org/rss/1.0/modules/content/"',
              'xmlns:dc="http://purl.org/dc/elements/1.1/"', 'xmlns:atom="http://www.w3.org/2005/Atom"',
              'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"']
        if posts:
            ns += ['xmlns:wfw="http://wellformedweb.org/CommentAPI/"',
                   'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"']
        return [
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n\t' + "\n\t".join(ns) + "\n\t>\n\n<channel>\n",
            f"\t<title>{escape(title)}</title>\n",
            f'\t<atom:link href={quoteattr(self_url)} rel="self" type="application/rss+xml" />\n',
            f"\t<link>{escape(link)}</link>\n",
            f"\t<description>{escape(self.tagline)}</description>\n",
            f"\t<lastBuildDate>{rfc822(updated)}</lastBuildDate>\n",
            "\t<language>en-US</language>\n" if posts else "",
            "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n",
            f"\t<generator>{WP_GENERATOR}</generator>\n",
        ]

    def posts_feed(self) -> str:
        updated = self.posts[0].when if self.posts else self.now
        out = self._channel_head(self.title, f"{self.root}/feed/", self.root, updated, posts=True)
        for p in self.posts:
            body = "\n".join(f"<p>{escape(x)}</p>" for x in p.paras)
            summary = escape(" ".join(p.paras)[:220]) + " [&#8230;]"
            out.append("\t<item>\n"
                       f"\t\t<title>{escape(p.title)}</title>\n"
                       f"\t\t<link>{escape(p.link)}</link>\n"
                       f"\t\t<comments>{escape(p.link)}#comments</comments>\n"
                       f"\t\t<dc:creator>{cdata(p.author)}</dc:creator>\n"
                       f"\t\t<pubDate>{rfc822(p.when)}</pubDate>\n"
                       + "".join(f"\t\t<category>{cdata(c)}</category>\n" for c in p.cats) +
                       f'\t\t<guid isPermaLink="false">{escape(self.root)}/?p={p.pid}</guid>\n'
                       f"\t\t<description>{cdata(summary)}</description>\n"
                       f"\t\t<content:encoded>{cdata(body)}</content:encoded>\n"
                       f"\t\t<wfw:commentRss>{escape(p.link)}feed/</wfw:commentRss>\n"
                       f"\t\t<slash:comments>{len(p.comments)}</slash:comments>\n"
                       "\t</item>\n")
        out.append("\t</channel>\n</rss>\n")
        return "".join(out)

    def _comment_items(self, comments: list[Comment], per_post: bool) -> str:
        out = []
        for c in comments:
            post = self.post_of[id(c)]
            title = f"By: {c.author}" if per_post else f"Comment on {post.title} by {c.author}"
            out.append("\t<item>\n"
                       f"\t\t<title>{escape(title)}</title>\n"
                       f"\t\t<link>{escape(self.comment_link(c))}</link>\n"
                       f"\t\t<dc:creator>{cdata(c.author)}</dc:creator>\n"
                       f"\t\t<pubDate>{rfc822(c.when)}</pubDate>\n"
                       f'\t\t<guid isPermaLink="false">{escape(self.root)}/?p={post.pid}#comment-{c.cid}</guid>\n'
                       f"\t\t<description>{cdata(self.comment_plain(c))}</description>\n"
                       f"\t\t<content:encoded>{cdata(self.comment_html(c))}</content:encoded>\n"
                       "\t</item>\n")
        return "".join(out)

    def site_comments_feed(self) -> str:
        updated = self.comments[0].when if self.comments else self.now
        out = self._channel_head(f"Comments for {self.title}", f"{self.root}/comments/feed/", self.root,
                                 updated, posts=False)
        return "".join(out) + self._comment_items(self.comments, per_post=False) + "</channel>\n</rss>\n"

    def post_comments_feed(self, p: Post) -> str:
        newest_first = list(reversed(p.comments))
        updated = newest_first[0].when if newest_first else p.when
        out = self._channel_head(f"Comments on: {p.title}", f"{p.link}feed/", p.link, updated, posts=False)
        return "".join(out) + self._comment_items(newest_first, per_post=True) + "</channel>\n</rss>\n"


def write_file(path: str, text: str, mtime: datetime) -> int:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode("utf-8")
    with open(path, "wb") as fh:
        fh.write(data)
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return len(data)


def toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def toml_config(feeds: list[tuple[str, str]], follow: bool) -> str:
    lines = ["# generated by bench/gen_corpus.py", "[identity]", f"names = [{toml_str(OURS)}]", ""]
    for url, name in feeds:
        lines += ["[[feeds]]", f"url = {toml_str(url)}", f"name = {toml_str(name)}",
                  f"follow_comments = {'true' if follow else 'false'}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--sites", type=int, default=200, help="number of sites (default 200)")
    ap.add_argument("-m", "--comments", type=int, default=50, help="comments per site-wide comments feed (50)")
    ap.add_argument("-p", "--posts", type=int, default=10, help="posts per posts feed (default 10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--port", type=int, default=8765, help="port written into the URLs (default 8765)")
    ap.add_argument("--hosts", type=int, default=1, help="spread sites over 127.0.0.1..127.0.0.K (default 1)")
    ap.add_argument("--ref-date", default=None,
                    help="YYYY-MM-DD: every date lies in the 30 days before this day, 00:00 UTC (default: today)")
    ap.add_argument("--ours-share", type=float, default=0.15,
                    help=f"share of replies written by {OURS!r} (default 0.15)")
    ap.add_argument("--no-per-post", action="store_true", help="do not write the per-post comment feeds")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "corpus"))
    args = ap.parse_args(argv)
    if not 1 <= args.sites <= 9999:
        ap.error("--sites must be 1..9999")
    if not 1 <= args.hosts <= 254:
        ap.error("--hosts must be 1..254")
    ref_day = date.fromisoformat(args.ref_date) if args.ref_date else datetime.now(UTC).date()
    ref = datetime(ref_day.year, ref_day.month, ref_day.day, tzinfo=UTC)

    os.makedirs(args.out, exist_ok=True)
    urls: list[str] = []
    urls_all: list[str] = []
    posts_feeds: list[tuple[str, str]] = []
    all_feeds: list[tuple[str, str]] = []
    every_feeds: list[tuple[str, str]] = []  # as urls-all.txt
    digest = hashlib.sha256()
    nbytes = nfiles = 0
    oldest = ref
    for i in range(1, args.sites + 1):
        base = f"http://127.0.0.{1 + (i - 1) % args.hosts}:{args.port}"
        site = SiteGen(i, args.seed, base, ref, args.posts, args.comments, args.ours_share)
        docs = [(f"{site.sid}/feed/index.xml", site.posts_feed(), site.posts[0].when if site.posts else site.now),
                (f"{site.sid}/comments/feed/index.xml", site.site_comments_feed(),
                 site.comments[0].when if site.comments else site.now)]
        for rel, text, mtime in docs:
            nbytes += write_file(os.path.join(args.out, rel), text, mtime)
            digest.update(text.encode())
            nfiles += 1
        posts_url, comments_url = f"{site.root}/feed/", f"{site.root}/comments/feed/"
        urls += [posts_url, comments_url]
        urls_all += [posts_url, comments_url]
        posts_feeds.append((posts_url, site.title))
        all_feeds += [(posts_url, site.title), (comments_url, f"Comments for {site.title}")]
        every_feeds += all_feeds[-2:]
        oldest = min([oldest] + [p.when for p in site.posts])
        if not args.no_per_post:
            for p in site.posts:
                rel = p.link[len(base) + 1:] + "feed/index.xml"
                updated = p.comments[-1].when if p.comments else p.when
                nbytes += write_file(os.path.join(args.out, rel), site.post_comments_feed(p), updated)
                nfiles += 1
                urls_all.append(f"{p.link}feed/")
                every_feeds.append((f"{p.link}feed/", f"Comments on: {p.title}"))

    def put(name: str, text: str) -> None:
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as fh:
            fh.write(text)

    put("urls.txt", "\n".join(urls) + "\n")
    put("urls-all.txt", "\n".join(urls_all) + "\n")
    put("feeds.toml", toml_config(all_feeds, follow=False))
    put("feeds-follow.toml", toml_config(posts_feeds, follow=True))
    put("feeds-all.toml", toml_config(every_feeds, follow=False))
    manifest = {
        "sites": args.sites, "posts": args.posts, "comments": args.comments, "seed": args.seed,
        "port": args.port, "hosts": args.hosts, "ref_date": ref_day.isoformat(), "ours_share": args.ours_share,
        "per_post_feeds": not args.no_per_post, "files": nfiles, "bytes": nbytes,
        "urls": len(urls), "urls_all": len(urls_all),
        "expected_items": args.sites * (args.posts + args.comments),
        "expected_conversations": args.sites * args.posts,
        "oldest_post": oldest.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sha256": digest.hexdigest()[:16],
    }
    put("manifest.json", json.dumps(manifest, indent=2) + "\n")
    print(" ".join(f"{k}={v}" for k, v in manifest.items()) + f" out={args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
