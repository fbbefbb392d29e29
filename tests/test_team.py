"""A team on one store: who I am, assignment (`cmtui assign`), and notes seen by everyone (`inbox --json`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cmtui.cli import cli
from cmtui.config import Config
from cmtui.demo import sites
from cmtui.demo.server import FeedServer
from tests.helpers import sync, write_config


@pytest.fixture
def team(server: FeedServer, tmp_path: Path, db: Path) -> tuple[Config, Path]:
    """The demo sites synced into a store, on each backend."""
    feeds = sites.install(server)
    config = write_config(tmp_path / "feeds.toml", [{"url": f.url, "name": f.name, "kind": f.kind} for f in feeds],
                          names=sites.IDENTITY_NAMES, handles=sites.identity_handles(server.base_url),
                          extra="\n[sync]\nthreads_per_host = 0\n")
    sync(config, db)
    return config, db


def cmtui(config: Config, db: Path, user: str, *args: str) -> Result:
    return CliRunner(env={"CMTUI_USER": user}).invoke(cli, [*args, "--config", str(config.path), "--db", str(db)])


def listed(config: Config, db: Path, user: str, *args: str) -> list[dict[str, object]]:
    out = cmtui(config, db, user, "inbox", "--json", *args)
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_an_assignment_and_a_note_are_seen_by_both_teammates(team: tuple[Config, Path]) -> None:
    config, db = team
    first, second, third = (o["id"] for o in listed(config, db, "maya")[:3])
    out = cmtui(config, db, "maya", "assign", str(first))
    assert out.exit_code == 0 and f"Assigned {first} to maya" in out.output
    assert cmtui(config, db, "maya", "assign", str(second), str(third), "ravi").exit_code == 0
    assert cmtui(config, db, "ravi", "note", str(first), "asked", "billing").exit_code == 0
    for user in ("maya", "ravi"):
        objects = {o["id"]: o for o in listed(config, db, user)}
        assert objects[first]["assigned_to"] == "maya" and objects[second]["assigned_to"] == "ravi"
        assert [(n["author"], n["text"]) for n in objects[first]["notes"]] == [("ravi", "asked billing")]
    assert [o["id"] for o in listed(config, db, "maya", "--mine")] == [first]
    assert [o["id"] for o in listed(config, db, "ravi", "--mine")] == [second, third]
    assert [o["id"] for o in listed(config, db, "maya", "--assigned", "RAVI")] == [second, third]
    nobody = [o["id"] for o in listed(config, db, "maya", "--unassigned")]
    assert nobody and not {first, second, third} & set(nobody)
    assert cmtui(config, db, "ravi", "unassign", str(third)).exit_code == 0
    assert [o["id"] for o in listed(config, db, "ravi", "--mine")] == [second]


def test_team_me_names_me_when_cmtui_user_does_not(team: tuple[Config, Path]) -> None:
    config, db = team
    config.path.write_text(config.path.read_text() + '\n[team]\nme = "lee"\n')
    first = listed(config, db, "")[0]["id"]
    out = cmtui(config, db, "", "assign", str(first))
    assert out.exit_code == 0 and "to lee" in out.output
    assert [o["id"] for o in listed(config, db, "", "--mine")] == [first]


def test_assign_mistakes_change_nothing(team: tuple[Config, Path]) -> None:
    config, db = team
    assert cmtui(config, db, "maya", "assign", "maya").exit_code == 2  # no id
    assert cmtui(config, db, "maya", "assign", "99999").exit_code == 2  # no such conversation
    assert cmtui(config, db, "maya", "inbox", "--mine", "--unassigned").exit_code == 2
    assert all(o["assigned_to"] is None for o in listed(config, db, "maya"))


def test_a_teammate_replying_shows_in_the_others_inbox(team: tuple[Config, Path]) -> None:
    from cmtui.store import Store

    config, db = team
    first = listed(config, db, "maya")[0]["id"]
    with Store.open(db) as store:
        store.start_replying(first, "maya")  # maya's editor is open on it
    assert {o["id"]: o["replying"] for o in listed(config, db, "ravi")}[first] == ["maya"]
    assert {o["id"]: o["replying"] for o in listed(config, db, "maya")}[first] == []  # not to herself
    with Store.open(db) as store:
        store.stop_replying(first, "maya")
    assert {o["id"]: o["replying"] for o in listed(config, db, "ravi")}[first] == []
