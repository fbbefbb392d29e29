from __future__ import annotations

from cmtui import text


def test_escape_sequences_and_controls_are_removed() -> None:
    hostile = "a\x1b[2Jb\x1b]0;pwned\x07c\x1b]8;;http://x\x1b\\d\x00e\x07f\x9b31mg\u202eh"
    assert text.clean(hostile) == "abcdefgh"
    assert text.clean("keep\ttabs\nand lines\r\n") == "keep\ttabs\nand lines\n"


def test_rich_markup_is_kept_as_literal_text() -> None:
    assert text.to_text("<p>use [bold]this[/] and [link=file:///etc/passwd]x[/link]</p>") == (
        "use [bold]this[/] and [link=file:///etc/passwd]x[/link]"
    )


def test_html_becomes_readable_text() -> None:
    html = "<p>First&nbsp;para &amp; more</p><p>Second<br />line</p><ul><li>one</li><li>two</li></ul>"
    assert text.to_text(html) == "First para & more\n\nSecond\nline\n\n• one\n• two"
    assert text.to_text("<script>alert(1)</script><style>p{}</style>visible") == "visible"
    assert text.to_text("plain &lt;tag&gt; text") == "plain <tag> text"


def test_safe_html_drops_scripts_handlers_and_javascript_links() -> None:
    html = ('<p onclick="x()">hi</p><script>alert(1)</script><a href="javascript:alert(1)">a</a>'
            '<a href="https://ok.example/">b</a><img src=x onerror="alert(1)">')
    clean = text.safe_html(html)
    assert "script" not in clean and "onclick" not in clean and "onerror" not in clean
    assert "javascript:" not in clean
    assert 'href="https://ok.example/"' in clean


def test_formatting_markup_is_kept_and_written_one_way() -> None:
    plain = ["<p>Hello &amp; welcome&nbsp;back</p><p>Line<br>two<br />three</p>", "no markup at all > nor tags",
             "<P>Caps</P><EM>em</EM>", "<ul><li>one</li><li>two &#8217;quoted&#8217;</li></ul><pre>a  b</pre>",
             "&lt;script&gt;alert(1)&lt;/script&gt; &amp legacy &copy", "<b><i>misnested</b></i> ünïcödé 😀",
             "<blockquote><p>quoted</p></blockquote>\n<p>\tspaced   out </p>"]
    for html in plain:
        assert text.safe_html(html).count("<") == html.count("<"), html  # the same tags, kept
    assert text.safe_html("a &amp; b & c &#38; d > e") == text.safe_html("a & b &amp; c & d &gt; e")  # one spelling


def test_hostile_markup_is_sanitised() -> None:
    hostile = ['<p onclick="x()">hi</p>', "<p/onmouseover=alert(1)>x</p>", "<script>alert(1)</script>",
               "<!-- hidden --><p>x</p>", '<a href="javascript:alert(1)">a</a>', "<br/ onload=x>", "<p>a < b</p>",
               "<style>p{}</style><p>x</p>", "<svg><p>x</p></svg>", "<p>x</p><iframe src=//evil>"]
    for html in hostile:
        assert text.safe_html(html) != html, html
        assert not any(bad in text.safe_html(html) for bad in ("onclick", "onmouseover", "<script", "javascript:",
                                                                "<!--", "onload", "<style", "<svg", "<iframe"))


def test_only_http_urls_are_safe() -> None:
    assert text.safe_url("https://example.com/a?b#c") == "https://example.com/a?b#c"
    assert text.safe_url("HTTP://example.com/") == "HTTP://example.com/"
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "//example.com/x",
                "https://exa\x1bmple.com/", "https://a b.com/", "", None, "mailto:x@y.z"):
        assert text.safe_url(bad) is None


def test_one_line_cuts_long_text() -> None:
    assert text.one_line("a\n\nb   c", 0) == "a b c"
    assert text.one_line("x" * 50, 10) == "x" * 9 + "…"
