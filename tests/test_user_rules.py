"""`[[triage.rules]]`: a user's pattern runs with a time limit (it can never hang a sync), a pattern that runs out
of time is reported, and a pattern that does not compile is a config error."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmtui.cli import cli
from cmtui.config import ConfigError, RuleConfig, parse
from cmtui.demo.server import FeedServer
from cmtui.store import Store
from cmtui.triage import classify, inbox

from .helpers import write_config
from .test_triage import COMMUNITY, ITEM, NOW, settings

# 35 characters. Python's `re` backtracks through every way of splitting the letters among the groups of both
# patterns below (2^34 and fib(35) tries): hours, not seconds.
STUTTER = "Whyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy?"
RULES = """
[[triage.rules]]
reason = "one-liner"
pattern = '^(\\w+\\s?)+$'
[[triage.rules]]
reason = "stutter"
pattern = '^(\\w|\\w\\w)+$'
weight = 40
[[triage.rules]]
reason = "legal threat"
pattern = 'lawyer|attorney'
"""


def run_cli(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cmtui", *args], capture_output=True, text=True, timeout=timeout)


def test_a_rule_that_backtracks_cannot_hang_a_sync_and_is_reported(db: Path, server: FeedServer,
        tmp_path: Path) -> None:
    assert len(STUTTER) == 35
    date = "Wed, 25 Nov 2026 06:00:00 +0000"
    server.set("/m.rss", COMMUNITY.format(items="".join([
        ITEM.format(id=1, title="", author="ann", date=date, body=STUTTER),
        ITEM.format(id=2, title="", author="bob", date=date, body="My lawyer will hear about the grinder."),
    ])))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "mentions"}], extra=RULES)
    args = ["--config", str(config.path), "--db", str(db)]
    started = time.monotonic()
    # Before the time limit, this sync ran for hours on the first waiting comment: killed after 60 s, it fails.
    result = run_cli("sync", *args, timeout=60)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert took < 30, took
    # `regex` searches the first pattern in linear time; the second one runs out of time, so it is named once.
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith('cmtui: warning: rule "stutter" timed out (50 ms): not applied in 1 conversation (')

    store = Store.open(db)
    items = {i.latest.author: i for i in inbox(store, config, now=NOW)}
    store.close()
    assert set(items) == {"ann", "bob"}
    assert items["bob"].reasons[:1] == ["legal threat"]  # the other rules still apply
    assert not any("rule" in r or r in ("stutter", "one-liner") for r in items["ann"].reasons)  # not in the inbox
    explained = CliRunner().invoke(cli, ["explain", str(items["ann"].id), *args])
    assert explained.exit_code == 0, explained.output
    assert 'rule_timeout       rule "stutter" timed out (50 ms): not applied' in explained.output
    assert "stutter" not in CliRunner().invoke(cli, ["explain", str(items["bob"].id), *args]).output


def test_a_rule_stops_searching_after_its_time_limit() -> None:
    ruled = settings(rules=(RuleConfig(reason="stutter", weight=40, pattern=r"^(\w|\w\w)+$"),
                            RuleConfig(reason="price", weight=10, pattern=r"\p{Sc}\s?\d")))  # regex's syntax
    started = time.monotonic()
    needs, points, found = classify(ruled, STUTTER)
    assert time.monotonic() - started < 2  # 50 ms and the rest of the triage
    assert needs and ("rule_timeout", 'rule "stutter" timed out (50 ms): not applied', 0.0) in found
    assert not any(s.name == "rule" for s in found)
    assert any(s.reason == "price" for s in classify(ruled, "Is it still €120 in Berlin?")[2])


@pytest.mark.parametrize(("pattern", "why"), [
    ("(unclosed", "missing )"),
    ("[z-a]", "bad character range"),
    ("\\p{Nope}", "unknown property"),
    ("a{99999999999999}", "repeat count too big"),
])
def test_a_pattern_that_does_not_compile_is_a_config_error(pattern: str, why: str, tmp_path: Path) -> None:
    text = f"[[triage.rules]]\nreason = 'x'\npattern = '{pattern}'\n"
    with pytest.raises(ConfigError) as err:
        parse(text, Path("/tmp/feeds.toml"))
    assert err.value.key == "triage.rules[0].pattern"
    assert why in err.value.why and err.value.why.startswith("not a valid regular expression")
    path = tmp_path / "feeds.toml"
    path.write_text("[identity]\nnames = ['Acme']\n" + text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["inbox", "--config", str(path), "--db", str(tmp_path / "db")])
    assert result.exit_code == 2
    assert f"{path}: triage.rules[0].pattern: not a valid regular expression: {why}" in result.output


def test_a_rule_that_keeps_timing_out_is_given_up() -> None:
    """A timeout costs about twice the limit (the `regex` module reads the clock now and then): after three, the
    rule is no longer tried by that round of triage, so a broken rule cannot slow a sync of many conversations
    down by a tenth of a second each."""
    from cmtui.signals import RULE_GIVE_UP

    ruled = settings(rules=(RuleConfig(reason="stutter", weight=40, pattern=r"^(\w|\w\w)+$"),
                            RuleConfig(reason="legal threat", weight=30, pattern=r"lawyer")))
    started = time.monotonic()
    found = [classify(ruled, STUTTER + f" lawyer {i}\n" + STUTTER)[2] for i in range(40)]
    took = time.monotonic() - started
    assert took < 0.1 * 40 / 2, took  # 40 timeouts would take 4 s
    assert all(('rule_timeout', 'rule "stutter" timed out (50 ms): not applied', 0.0) in f for f in found)
    assert all(any(s.reason == "legal threat" for s in f) for f in found)  # the other rule is still applied
    assert ruled.rules[0].timeouts == [RULE_GIVE_UP] and ruled.rules[1].timeouts == [0]
