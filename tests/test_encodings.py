"""Feeds that do not say their encoding (no charset in the Content-Type, no XML declaration's encoding) and are not
UTF-8: their encoding is detected (charset-normalizer) and they are read as UTF-8; a declared charset and UTF-8 are
never second-guessed. Pure-function tests are in test_parse.py; here the bodies come over HTTP into the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cmtui.demo.server import FeedServer

from .helpers import sync, write_config

RU_ITEMS = [
    ("Кофемолка сломалась через неделю",
     "Купил кофемолку в прошлый вторник, а сегодня она перестала молоть. Где гарантийный сервис?"),
    ("Как почистить жернова?",
     "Подскажите, пожалуйста, как правильно чистить жернова и как часто это нужно делать."),
    ("Спасибо за быструю доставку", "Заказ пришёл на следующий день, всё упаковано аккуратно. Очень доволен!"),
]
JA_ITEMS = [
    ("グラインダーが一週間で壊れました",
     "先週の火曜日に買ったグラインダーが、今日から豆を挽かなくなりました。保証修理はどこで受けられますか？"),
    ("刃の掃除方法を教えてください", "刃の正しい掃除の仕方と、どのくらいの頻度で掃除すればよいか教えてください。"),
    ("迅速な配送ありがとうございます", "注文の翌日に届き、梱包も丁寧でした。とても満足しています！"),
]
FR_ITEMS = [
    ("Ma machine à café ne s’allume plus", "J’ai acheté la machine la semaine dernière — elle ne démarre plus. "
                                            "« Que faire ? » Merci d’avance…"),
]


def rss(title: str, items: list[tuple[str, str]], declaration: str = "", site: str = "http://forum.example") -> str:
    """A feed of mentions, its XML declaration naming no encoding unless `declaration` does."""
    body = "".join(
        f"<item><title>{t}</title><link>{site}/posts/{i}</link><guid>{site}/posts/{i}</guid>"
        f"<dc:creator>user{i}</dc:creator><pubDate>Tue, 24 Nov 2026 10:0{i}:00 +0000</pubDate>"
        f"<description>{d}</description></item>\n" for i, (t, d) in enumerate(items))
    return (f'<?xml version="1.0"{declaration}?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>{title}</title><link>{site}/</link>\n{body}</channel></rss>\n")


def stored(db: Path) -> dict[str, str]:
    """title → text of every stored message."""
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT title, text FROM messages").fetchall())


def test_undeclared_koi8r_and_shift_jis_feeds_come_out_readable(server: FeedServer, tmp_path: Path) -> None:
    served = {
        "/koi8.rss": (rss("Форум кофеманов", RU_ITEMS, site="http://ru.example").encode("koi8-r"),
                      "application/rss+xml"),
        "/sjis.rss": (rss("コーヒー愛好会", JA_ITEMS, site="http://ja.example").encode("shift_jis"), "text/xml"),
        "/sjis-no-type.rss": (rss("コーヒー愛好会", JA_ITEMS[:1], site="http://jb.example").encode("shift_jis"), ""),
    }
    for path, (body, ctype) in served.items():
        assert b"encoding=" not in body and not body.isascii()
        server.set(path, body, content_type=ctype)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url(p), "kind": "mentions"} for p in served])
    report = sync(config, tmp_path / "db.sqlite")
    assert not report.failed, report
    messages = stored(tmp_path / "db.sqlite")
    for title, text in RU_ITEMS + JA_ITEMS:
        assert messages.get(title) == text, (title, sorted(messages))
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        feeds = {row[0] for row in conn.execute("SELECT title FROM feeds")}
    assert {"Форум кофеманов", "コーヒー愛好会"} <= feeds


def test_a_declared_windows_1252_feed_is_read_as_declared(server: FeedServer, tmp_path: Path) -> None:
    """windows-1252 said in the Content-Type, or in the XML declaration: never second-guessed (a short text might
    look like another encoding to a detector), and an undeclared one reads as it always did."""
    by_header = rss("Café", FR_ITEMS, site="http://a.example").encode("cp1252")
    by_declaration = rss("Café", FR_ITEMS, ' encoding="windows-1252"', site="http://b.example").encode("cp1252")
    undeclared = rss("Café", FR_ITEMS, site="http://c.example").encode("cp1252")
    server.set("/header.rss", by_header, content_type="application/rss+xml; charset=windows-1252")
    server.set("/declaration.rss", by_declaration, content_type="application/rss+xml")
    server.set("/undeclared.rss", undeclared, content_type="application/rss+xml")
    config = write_config(tmp_path / "feeds.toml", [
        {"url": server.url(p), "kind": "mentions"} for p in ("/header.rss", "/declaration.rss", "/undeclared.rss")])
    report = sync(config, tmp_path / "db.sqlite")
    assert not report.failed, report
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        rows = conn.execute("SELECT title, text FROM messages").fetchall()
    assert len(rows) == 3
    assert set(rows) == {FR_ITEMS[0]}
