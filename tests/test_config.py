from __future__ import annotations

import re
from pathlib import Path

import pytest

from cmtui.config import ConfigError, load, normalise_name, parse

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_is_valid() -> None:
    config = load(ROOT / "feeds.toml")
    assert config.names == ("Acme Support", "acme_cm")
    assert [f.kind for f in config.feeds] == ["blog", "forum", "mentions"]
    assert config.feeds[0].follow_comments is True


def test_readme_states_the_defaults_the_code_applies() -> None:
    """Every number and true/false default in the README's configuration table (`sync.concurrency` 64,
    `sync.per_host` 4, `triage.sla_hours` 24, …) is the value an empty config gets."""
    config = parse("", Path("feeds.toml"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_]+)\.([a-z_]+)` \| [^|]+ \| `?(true|false|[\d.]+)`? \|", readme, re.M)
    assert len(rows) >= 10, rows
    for section, key, stated in rows:
        expected = stated == "true" if stated in ("true", "false") else float(stated)
        assert getattr(getattr(config, section), key) == expected, f"{section}.{key}"


def test_minimal_form_from_the_issue() -> None:
    config = parse(
        '[identity]\nnames = ["Acme Support", "acme_cm"]\n\n'
        '[[feeds]]\nurl = "https://blog.example.com/feed/"\nname = "Acme blog"\n',
        Path("feeds.toml"),
    )
    assert config.feeds[0].url == "https://blog.example.com/feed/"
    assert config.feeds[0].kind == "blog" and config.feeds[0].tags == ()
    ours = config.identity
    assert ours.is_ours(normalise_name("  acme SUPPORT "), None) and ours.is_ours(normalise_name("ACME_CM"), None)
    assert not ours.is_ours(normalise_name("Acme Support Team"), None)


@pytest.mark.parametrize(
    ("text", "key", "why"),
    [
        ("[[feeds]]\nurl = ", "", "not valid TOML"),
        ("[[feeds]]\nname = 'x'\n", "feeds[0].url", "missing"),
        ("[[feeds]]\nurl = 'file:///etc/passwd'\n", "feeds[0].url", "not an http(s) URL"),
        ("[[feeds]]\nurl = 'javascript:alert(1)'\n", "feeds[0].url", "not an http(s) URL"),
        ("[[feeds]]\nurl = 'https://x.example/'\nfollow_comments = 'yes'\n", "feeds[0].follow_comments",
         "true or false"),
        ("[[feeds]]\nurl = 'https://x.example/'\ncolour = 'red'\n", "feeds[0].colour", "unknown key"),
        ("[[feeds]]\nurl = 'https://x.example/'\nkind = 'podcast'\n", "feeds[0].kind", "must be one of"),
        ("[identity]\nnames = 'Acme'\n", "identity.names", "must be a list"),
        ("[identity]\nnames = ['Acme', 3]\n", "identity.names[1]", "must be a string"),
        ("[sync]\nper_host = 0\n", "sync.per_host", "at least"),
        ("feeds = 3\n", "feeds", "must be a list"),
        ("[surprise]\n", "surprise", "unknown key"),
    ],
)
def test_config_errors_name_the_key_and_why(text: str, key: str, why: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(text, Path("/tmp/feeds.toml"))
    assert err.value.key == key
    assert why in err.value.why
    assert str(err.value).startswith("/tmp/feeds.toml")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load(tmp_path / "nope.toml")


def test_handles_in_every_form_people_write_them() -> None:
    config = parse(
        '[identity]\nnames = ["Acme Support"]\nhandles = ["@Acme@Mastodon.Social", "u/acme_cm", "/u/Acme_CM",\n'
        '  "@acme.bsky.social", "acme_team@forum.acme.com", "https://lemmy.ml/u/acme",\n'
        '  "https://www.reddit.com/user/acme_help/", "https://bsky.app/profile/help.acme.com"]\n',
        Path("feeds.toml"),
    )
    assert config.handles == ("acme@mastodon.social", "acme_cm@reddit.com", "acme.bsky.social@bsky.app",
                              "acme_team@forum.acme.com", "acme@lemmy.ml", "acme_help@reddit.com",
                              "help.acme.com@bsky.app")


def test_a_handle_that_is_not_one_names_the_key_and_the_forms() -> None:
    with pytest.raises(ConfigError) as caught:
        parse('[identity]\nhandles = ["acme_cm"]\n', Path("feeds.toml"))
    assert "identity.handles[0]" in str(caught.value) and "@name@server" in str(caught.value)


def test_home_is_an_address() -> None:
    config = parse('[identity]\nhome = "https://mastodon.social/"\n', Path("feeds.toml"))
    assert config.home == "https://mastodon.social"
    with pytest.raises(ConfigError) as caught:
        parse('[identity]\nhome = "mastodon.social"\n', Path("feeds.toml"))
    assert "identity.home" in str(caught.value)
