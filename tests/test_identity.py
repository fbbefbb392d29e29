"""Who "us" is: handles read in every form, accounts read from profile and post URLs, and which messages are ours."""

from __future__ import annotations

import pytest

from cmtui.identity import Identity, account, account_of_url, shown


@pytest.mark.parametrize(("written", "acct"), [
    ("@acme@mastodon.social", "acme@mastodon.social"),
    ("acme@Mastodon.Social", "acme@mastodon.social"),
    ("@acme@127.0.0.1:8080", "acme@127.0.0.1:8080"),
    ("u/acme_cm", "acme_cm@reddit.com"),
    ("/u/Acme_CM", "acme_cm@reddit.com"),
    ("@acme.bsky.social", "acme.bsky.social@bsky.app"),
    ("https://mastodon.social/@acme", "acme@mastodon.social"),
    ("https://mastodon.social/users/acme", "acme@mastodon.social"),
    ("https://lemmy.ml/u/acme", "acme@lemmy.ml"),
    ("https://old.reddit.com/user/acme_cm", "acme_cm@reddit.com"),
    ("https://bsky.app/profile/acme.com", "acme.com@bsky.app"),
    ("https://forum.acme.com/u/acme_team/summary", "acme_team@forum.acme.com"),
    ("acme", None), ("Acme Support", None), ("@acme", None), ("", None), ("https://acme.com/blog/", None),
])
def test_handles_as_people_write_them(written: str, acct: str | None) -> None:
    assert account(written) == acct


@pytest.mark.parametrize(("url", "acct"), [
    ("https://mastodon.social/@bob/111222333", "bob@mastodon.social"),
    ("https://mastodon.social/@bob@other.example/111", "bob@other.example"),  # a remote account seen from here
    ("https://mastodon.social/users/bob/statuses/111", "bob@mastodon.social"),
    ("https://bsky.app/profile/did:plc:abc123/post/3kxyz", None),  # a DID names no handle in this form
    ("https://bsky.app/profile/bob.bsky.social/post/3kxyz", "bob.bsky.social@bsky.app"),
    ("https://www.reddit.com/r/acme/comments/abc/title/", None),  # a post's URL names no author
    ("https://misskey.io/notes/9abc", None), ("javascript:alert(1)//@x", None), (None, None),
])
def test_accounts_read_from_post_urls(url: str | None, acct: str | None) -> None:
    assert account_of_url(url) == acct


def test_shown_as_each_platform_writes_it() -> None:
    assert [shown(a) for a in ("acme@mastodon.social", "acme_cm@reddit.com", "acme.bsky.social@bsky.app")] == [
        "@acme@mastodon.social", "u/acme_cm", "@acme.bsky.social"]


def test_an_account_is_ours_only_when_it_is_one_of_our_handles() -> None:
    us = Identity(frozenset({"acme_cm", "acme support"}), frozenset({"acme_cm@mastodon.social", "acme_cm@reddit.com"}))
    assert us.is_ours("acme_cm", "acme_cm@mastodon.social") and us.is_ours("whatever", "acme_cm@reddit.com")
    assert not us.is_ours("acme_cm", "acme_cm@evil.example")  # our name, another server: not us
    assert us.is_ours("acme support", None)  # a blog comment form: the name is all there is
    assert not us.is_ours("someone", None)
    assert us.copies("acme_cm", "acme_cm@evil.example") == "@acme_cm@mastodon.social"
    assert us.copies("acme support", "bob@evil.example") == "acme support"  # our exact name, someone's account
    assert us.copies("bob", "bob@mastodon.social") is None and us.copies("acme_cm", "acme_cm@reddit.com") is None
    assert us.copies("acme support", None) is None  # without accounts, our name is us


def test_label_shows_the_account_unless_the_name_adds_nothing() -> None:
    from cmtui.identity import label

    assert label("Acme Support", None) == "Acme Support" and label("", None) == ""  # no account: the name
    assert label("@acme_cm", "acme_cm@evil.example") == "@acme_cm@evil.example"  # the impostor, in full
    assert [label(n, "acme_cm@mastodon.social") for n in ("", " acme_cm ", "Acme_CM", "@acme_cm@mastodon.social")] \
        == ["@acme_cm@mastodon.social"] * 4
    assert label("u/dana", "dana@reddit.com") == label("/u/dana", "dana@reddit.com") == "u/dana"
    assert label("@acme.bsky.social", "acme.bsky.social@bsky.app") == "@acme.bsky.social"
    assert label("Dana K.", "dana@reddit.com") == "Dana K. (u/dana)"
    assert label("Dana", "dana@reddit.com") == "u/dana"  # the account's own name, capitalised, adds nothing
    assert label("Acme Support Team", "acme_support_team@evil.example") == \
        "Acme Support Team (@acme_support_team@evil.example)"
    # a name that writes another account is not that account
    assert label("@acme_cm@mastodon.social", "acme_cm@evil.example") == \
        "@acme_cm@mastodon.social (@acme_cm@evil.example)"
    assert label("u/acme_cm", "acme_cm@mastodon.social") == "@acme_cm@mastodon.social"  # the same name part
