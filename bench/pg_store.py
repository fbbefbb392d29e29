#!/usr/bin/env python3
"""The PostgreSQL store against SQLite, same corpus, one run: `cmtui sync` cold and warm, then reads.

    CMTUI_BENCH_POSTGRES='postgresql://user:pw@127.0.0.1:5432/db' python3 bench/pg_store.py \\
        --cmtui /work/benchvenv/bin/cmtui

The corpus is the one `run.py --only inbox` uses (--sites x (--posts + --comments): 1,000 sites, 100k messages,
10k conversations), reused from bench/data when its shape matches and it is at most a week old, else generated.
It is served by bench/serve.py on 127.0.0.1..--hosts (no latency). For each backend, a fresh store: a new SQLite
file in a temp dir, and a new schema on the PostgreSQL server (chosen by the URL's `options=-csearch_path=...`):

  sync-cold   `cmtui sync` filling the empty store          sync-warm   `cmtui sync` right after (all 304)
  assign      `cmtui assign` of --assign waiting conversations (every n-th of the inbox) to "bench"
  inbox-json  `cmtui inbox --json > /dev/null`, --reps times   inbox-mine  `inbox --json --mine > /dev/null` as bench

The reads alternate between the backends (which goes first changes every round), so a slow stretch of the
machine hits both. Every run is under `/usr/bin/time -v` (run.py's `timed`: wall, CPU, peak RSS, the process
tree). When the server runs on this machine its CPU is counted too (its postmaster and backends, read from
/proc): with PostgreSQL part of the store's work leaves cmtui's process. Password: from the URL, handed to
cmtui and psycopg as $PGPASSWORD, never printed nor put on a command line.

Writes --out (default bench/out/pg-store): raw.tsv (run.py's columns; server CPU in `note`), summary.md,
log.txt, logs/. The schema and the SQLite file are removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HERE, REPO, Bench, Server, check_tools, clean_env, count, git_head, log, src_digest, timed  # noqa: E402

BACKENDS = ("sqlite", "postgresql")
USER = "bench"  # $CMTUI_USER of every run: whom `assign` gives to and `--mine` reads
PG_ADMIN = """
import json, os, sys
import psycopg
with psycopg.connect(os.environ["BENCH_PG_URL"], autocommit=True, connect_timeout=15) as conn:
    cur = conn.execute(sys.argv[1], sys.argv[2:] or None)
    print(json.dumps(cur.fetchall() if cur.description else [], default=str))
"""


# -- the PostgreSQL side ------------------------------------------------------------------------------------------


class Postgres:
    """A schema of this run's own on the server of `url`; the password apart, for $PGPASSWORD only."""

    def __init__(self, python: str, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres"):
            raise SystemExit("--pg-url: a postgresql://user[:password]@host[:port]/database URL, please")
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        self.password = unquote(password) if password else None
        self.server = urlunsplit(parts._replace(netloc=f"{user}@{hostport}" if user else hostport))
        self.python = python
        self.host, self.port = parts.hostname or "", parts.port or 5432
        self.schema = f"cmtui_bench_{datetime.now(UTC):%Y%m%d%H%M%S}_{os.getpid()}"
        option = "options=" + quote(f"-csearch_path={self.schema}")
        self.url = f"{self.server}{'&' if '?' in self.server else '?'}{option}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a child that talks to the server: the password in $PGPASSWORD."""
        return clean_env(**extra, **({"PGPASSWORD": self.password} if self.password is not None else {}))

    def query(self, sql: str, *params: str, in_schema: bool = True) -> list[list[Any]]:
        """Rows of one statement, run by cmtui's Python (psycopg is there, not necessarily in this one)."""
        env = self.env(BENCH_PG_URL=self.url if in_schema else self.server)
        done = subprocess.run([self.python, "-c", PG_ADMIN, sql, *params], env=env, capture_output=True, text=True,
                              timeout=300)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or ["(no message)"]
            raise SystemExit(f"PostgreSQL at {self.server}: {lines[-1]}")
        rows: list[list[Any]] = json.loads(done.stdout)
        return rows

    def create(self) -> str:
        """Make the schema; the server's version and the settings that weigh on writes, as one line."""
        version, fsync, commit, buffers = self.query(
            "SELECT split_part(version(), ' ', 2), current_setting('fsync'), current_setting('synchronous_commit'),"
            " current_setting('shared_buffers')", in_schema=False)[0]
        self.query(f"CREATE SCHEMA {self.schema}", in_schema=False)
        return f"PostgreSQL {version} (fsync={fsync}, synchronous_commit={commit}, shared_buffers={buffers})"

    def drop(self) -> None:
        self.query(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE", in_schema=False)

    def count(self, table: str) -> int | str:
        with contextlib.suppress(SystemExit):
            return int(self.query(f"SELECT count(*) FROM {table}")[0][0])
        return "NA"

    def size_mib(self) -> float:
        """Tables with their indexes and TOAST, in the schema."""
        rows = self.query("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n"
                          " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'm')", self.schema)
        return int(rows[0][0]) / 2**20


class ServerCpu:
    """CPU seconds of a PostgreSQL server on this machine: its postmaster, the backends alive now, and (in the
    postmaster's cutime/cstime) the backends that ended. Found by the process listening on the port; None
    when the server is elsewhere or not visible from here."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, host: str, port: int) -> None:
        self.pid = self._listener(port) if host in ("127.0.0.1", "localhost", "::1", "") else None

    @staticmethod
    def _listener(port: int) -> int | None:
        inodes: set[str] = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError), open(table) as fh:
                for line in list(fh)[1:]:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                        inodes.add(f"socket:[{fields[9]}]")
        pids = []
        for pid in filter(str.isdigit, os.listdir("/proc")) if inodes else ():
            with contextlib.suppress(OSError):
                if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in os.listdir(f"/proc/{pid}/fd")):
                    pids.append(int(pid))
        return min(pids) if pids else None

    def seconds(self) -> float | None:
        if self.pid is None:
            return None
        try:
            ticks = self._ticks(self.pid, with_children=True)
            for tid in os.listdir(f"/proc/{self.pid}/task"):
                with open(f"/proc/{self.pid}/task/{tid}/children") as fh:
                    for child in fh.read().split():
                        with contextlib.suppress(OSError):
                            ticks += self._ticks(int(child), with_children=False)
        except OSError:
            return None
        return ticks / self.TICK

    @staticmethod
    def _ticks(pid: int, with_children: bool) -> int:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15 if with_children else 13])  # utime stime [cutime cstime]


# -- one run ----------------------------------------------------------------------------------------------------


class Runner:
    """Runs and records the timed commands against both stores."""

    def __init__(self, bench: Bench, pg: Postgres, stores: dict[str, str], config: Path, timeout: float) -> None:
        self.bench, self.pg, self.stores, self.config, self.timeout = bench, pg, stores, config, timeout
        self.server_cpu = ServerCpu(pg.host, pg.port)
        self.env = pg.env(CMTUI_USER=USER)
        self.rows: list[dict[str, Any]] = []

    def cmd(self, backend: str, *words: str) -> list[str]:
        return [self.bench.cmtui, *words, "--config", str(self.config), "--db", self.stores[backend]]

    def run(self, backend: str, phase: str, cmd: list[str], rep: int = 1, srv: Server | None = None,
            items: bool = False) -> dict[str, Any]:
        """`cmd` under `time -v`; its figures, the feed server's counters and the PostgreSQL server's CPU."""
        if srv:
            srv.stats()
        cpu_before = self.server_cpu.seconds()
        res = timed(cmd, self.bench.logs / f"pg_store-{backend}-{phase}-r{rep}.txt", self.timeout, env=self.env)
        cpu_after = self.server_cpu.seconds()
        st = srv.stats() if srv else {}
        server_s = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
        row: dict[str, Any] = {**res, "scenario": "pg-store", "tool": backend, "phase": phase, "rep": rep,
                               "latency_ms": "0" if srv else "", "server_cpu_s": server_s,
                               "http_200": st.get("200", ""), "http_304": st.get("304", ""),
                               "requests": st.get("requests", ""), "connections": st.get("connections", ""),
                               "bytes": st.get("bytes", "")}
        if items:
            row["items"] = self.count(backend, "messages")
        row["note"] = "pg_server_cpu_s=" + ("NA" if server_s is None else f"{server_s:.2f}")
        self.rows.append(row)
        self.bench.record(row)
        if row["rc"] != 0:
            log(self.bench.out, f"{backend} {phase}: exit {row['rc']}, see {self.bench.logs}")
        return row

    def count(self, backend: str, table: str) -> int | str:
        if backend == "sqlite":
            return count(Path(self.stores[backend]), f"SELECT count(*) FROM {table}")
        return self.pg.count(table)

    def listing(self, backend: str, *flags: str) -> list[dict[str, Any]]:
        """The objects `inbox --json` lists (untimed)."""
        done = subprocess.run(self.cmd(backend, "inbox", "--json", *flags), capture_output=True, env=self.env,
                              timeout=self.timeout)
        try:
            return list(json.loads(done.stdout))
        except ValueError:
            log(self.bench.out, f"{backend}: inbox --json {' '.join(flags)} gave no JSON (exit {done.returncode})")
            return []

    def to_null(self, backend: str, *words: str) -> list[str]:
        """`cmtui WORDS > /dev/null`: the time report and stderr still go to the run's log."""
        return ["sh", "-c", 'exec "$0" "$@" > /dev/null', *self.cmd(backend, *words)]


def measure(runner: Runner, srv_factory: Callable[[], Server], reps: int, assign: int) -> dict[str, Any]:
    """Every step, both backends; what the listings showed (for the summary's checks)."""
    facts: dict[str, Any] = {}
    with srv_factory() as srv:
        srv.stats()
        for backend in BACKENDS:
            for phase in ("sync-cold", "sync-warm"):
                runner.run(backend, phase, runner.cmd(backend, "sync", "--quiet"), srv=srv, items=True)
    listed: dict[str, list[dict[str, Any]]] = {}
    for backend in BACKENDS:
        listed[backend] = runner.listing(backend)
        step = max(1, len(listed[backend]) // assign) if assign else 0
        ids = [str(item["id"]) for item in listed[backend][::step][:assign]] if step else []
        if ids:
            runner.run(backend, "assign", runner.to_null(backend, "assign", *ids, USER))
        facts[backend] = {"messages": runner.count(backend, "messages"),
                          "conversations": runner.count(backend, "conversations"),
                          "listed": len(listed[backend]), "assigned": len(ids),
                          "mine": len(runner.listing(backend, "--mine")),
                          "size_mib": (Path(runner.stores[backend]).stat().st_size / 2**20 if backend == "sqlite"
                                       else runner.pg.size_mib())}
        (runner.bench.out / f"inbox-{backend}.json").write_text(json.dumps(listed[backend], indent=0))
    urls = {b: [str(item.get("url")) for item in listed[b]] for b in BACKENDS}
    facts["same_set"] = sorted(urls["sqlite"]) == sorted(urls["postgresql"])
    facts["same_order"] = next((i for i, (x, y) in enumerate(zip(*urls.values(), strict=False)) if x != y), None)
    for rep in range(1, reps + 1):
        for backend in BACKENDS if rep % 2 else BACKENDS[::-1]:
            runner.run(backend, "inbox-json", runner.to_null(backend, "inbox", "--json"), rep=rep)
            if assign:
                runner.run(backend, "inbox-mine", runner.to_null(backend, "inbox", "--json", "--mine"), rep=rep)
    return facts


# -- the summary ----------------------------------------------------------------------------------------------


def _num(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _med(rows: list[dict[str, Any]], key: str, scale: float = 1.0) -> float | None:
    vals = [v / scale for v in (_num(r.get(key)) for r in rows) if v is not None]
    return statistics.median(vals) if vals else None


def _fmt(v: float | None, spec: str = ".2f") -> str:
    return "NA" if v is None else format(v, spec)


def _spread(rows: list[dict[str, Any]]) -> str:
    walls = [v for v in (_num(r.get("wall_s")) for r in rows) if v is not None]
    return f" ({min(walls):.2f}–{max(walls):.2f})" if len(walls) > 1 else ""


def _table_row(label: str, by: dict[str, list[dict[str, Any]]], tree_cpu: bool) -> str:
    """One step's line: medians per backend and the ratio of the wall times. A sync's CPU is its process tree's
    (parse workers included, as run.py's table shows it); another command's is user + sys."""
    wall = {b: _med(by[b], "wall_s") for b in BACKENDS}
    ratio = (wall["postgresql"] / wall["sqlite"]) if wall["sqlite"] and wall["postgresql"] else None
    if tree_cpu:
        cpu = {b: _med(by[b], "tree_cpu_s") for b in BACKENDS}
    else:
        cpu = {b: _med([{"c": (_num(r["user_s"]) or 0) + (_num(r["sys_s"]) or 0)} for r in by[b]], "c")
               for b in BACKENDS}
    rss = {b: _fmt(_med(by[b], "maxrss_kb", 1024), ".1f") for b in BACKENDS}
    server = {b: _fmt(_med(by[b], "server_cpu_s")) for b in BACKENDS}
    return (f"| {label} | {len(by['sqlite'])} + {len(by['postgresql'])} | {_fmt(wall['sqlite'])}{_spread(by['sqlite'])}"
            f" | {_fmt(wall['postgresql'])}{_spread(by['postgresql'])} | **{_fmt(ratio)}×** | {rss['sqlite']} / "
            f"{rss['postgresql']} | {_fmt(cpu['sqlite'])} / {_fmt(cpu['postgresql'])} | {server['sqlite']} / "
            f"{server['postgresql']} |")


def summary(rows: list[dict[str, Any]], facts: dict[str, Any], meta: dict[str, str]) -> str:
    """The markdown table (medians; PG/SQLite ratios of the wall times) and what both stores held."""
    steps = {"sync-cold": "`cmtui sync`, cold (fills the store)", "sync-warm": "`cmtui sync`, warm (all 304)",
             "assign": f"`cmtui assign` of {facts['sqlite']['assigned']} conversations",
             "inbox-json": "`cmtui inbox --json > /dev/null`",
             "inbox-mine": f"`cmtui inbox --json --mine > /dev/null` ({facts['sqlite']['mine']} listed)"}
    lines = [f"Run {meta['date']}, code {meta['code']} (src/ digest {meta['src']}), {meta['machine']}; "
             f"{meta['postgres']}, on {meta['pg_where']}; SQLite {meta['sqlite']}, Python {meta['python']}, "
             f"psycopg {meta['psycopg']}. cmtui: {meta['cmtui']}. Corpus {meta['corpus']}.", "",
             "| step | runs | SQLite wall s | PostgreSQL wall s | **PG / SQLite** | peak RSS MiB SQLite / PG "
             "(`time -v`) | cmtui CPU s SQLite / PG | PG server CPU s, during SQLite / PG runs |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for phase, label in steps.items():
        by = {b: [r for r in rows if r["tool"] == b and r["phase"] == phase] for b in BACKENDS}
        if by["sqlite"] or by["postgresql"]:
            lines.append(_table_row(label, by, tree_cpu=phase.startswith("sync")))
    held = "; ".join(f"{b}: {f['messages']} messages, {f['conversations']} conversations, {f['listed']} listed by "
                     f"`inbox --json`, store {f['size_mib']:.0f} MiB" for b, f in ((b, facts[b]) for b in BACKENDS))
    bad = [r for r in rows if r["rc"] != 0]
    lines += ["", f"Stores after the warm sync: {held}. Same conversations listed: "
              f"{'yes' if facts['same_set'] else '**no**'}, in the same order: "
              + ("yes." if facts["same_order"] is None else f"up to position {facts['same_order']} (listings in "
                 "out/inbox-*.json).")
              + (f" **{len(bad)} runs failed** (rc≠0): see logs/." if bad else ""), ""]
    return "\n".join(lines)


def venv_versions(python: str) -> dict[str, str]:
    code = ("import sys, sqlite3, psycopg, cmtui; print(sys.version.split()[0], sqlite3.sqlite_version, "
            "psycopg.__version__, cmtui.__file__)")
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, env=clean_env())
    if done.returncode != 0:
        raise SystemExit(f"{python} cannot import psycopg (or cmtui): {Path(python).parent / 'pip'} install "
                         "'psycopg[binary,pool]'")
    py, sqlite, psycopg, where = done.stdout.split()
    return {"python": py, "sqlite": sqlite, "psycopg": psycopg, "cmtui_file": where}


# -- main -------------------------------------------------------------------------------------------------------


def corpus(bench: Bench, a: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """run.py's inbox corpus: reused when its shape matches and it is at most a week old, else generated."""
    name = f"inbox-n{a.sites}-p{a.posts}-m{a.comments}-s{a.seed}"
    manifest_path = Path(a.data) / name / "manifest.json"
    want = {"sites": a.sites, "posts": a.posts, "comments": a.comments, "seed": a.seed, "port": a.port,
            "hosts": a.hosts, "per_post_feeds": False}
    if not a.regen and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        age = (date.fromisoformat(a.ref_date) - date.fromisoformat(manifest.get("ref_date", "1970-01-01"))).days
        if all(manifest.get(k) == v for k, v in want.items()) and 0 <= age <= 7:
            log(bench.out, f"reusing {manifest_path.parent} (ref date {manifest['ref_date']})")
            return manifest_path.parent, manifest
    return bench.gen(name, "-n", str(a.sites), "-p", str(a.posts), "-m", str(a.comments), "--no-per-post")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg-url", default=os.environ.get("CMTUI_BENCH_POSTGRES"),
                    help="a PostgreSQL server this run may make a schema on (default: $CMTUI_BENCH_POSTGRES)")
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--posts", type=int, default=10)
    ap.add_argument("--comments", type=int, default=90)
    ap.add_argument("--hosts", type=int, default=20, help="loopback hosts 127.0.0.1..K (default 20)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ref-date", default=datetime.now(UTC).date().isoformat(), help="default: today (UTC)")
    ap.add_argument("--regen", action="store_true", help="generate the corpus even if a matching one exists")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--reps", type=int, default=5, help="runs of each read, per backend (default 5)")
    ap.add_argument("--assign", type=int, default=1000, help="conversations to assign for --mine (0: skip)")
    ap.add_argument("--run-timeout", type=float, default=3600, help="seconds before one run is killed")
    ap.add_argument("--cmtui", default=str(REPO / ".venv" / "bin" / "cmtui"),
                    help="the cmtui to measure (a venv made as users make it: psycopg in, numpy out)")
    ap.add_argument("--out", default=str(HERE / "out" / "pg-store"))
    ap.add_argument("--data", default=str(HERE / "data"))
    ap.add_argument("--live-src", action="store_true",
                    help="run cmtui from the work tree's src/ (default: from a copy taken at start)")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema and the SQLite file")
    a = ap.parse_args(argv)
    if not a.pg_url:
        ap.error("no PostgreSQL server given: pass --pg-url postgresql://user[:password]@host[:port]/database or set "
                 "$CMTUI_BENCH_POSTGRES (the run makes a schema of its own there, and drops it at the end)")
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    check_tools(False, a.cmtui)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("raw.tsv", "log.txt", "summary.md"):
        (out / stale).unlink(missing_ok=True)
    bench = Bench(argparse.Namespace(out=a.out, cmtui=a.cmtui, live_src=a.live_src, data=a.data, seed=a.seed,
                                     port=a.port, hosts=a.hosts, ref_date=a.ref_date, run_timeout=a.run_timeout))
    versions = venv_versions(bench.python)
    code, digest = git_head().split()[0][:7], src_digest(bench.src)  # what the runs import: HEAD may move meanwhile
    pg = Postgres(bench.python, a.pg_url)
    started = time.monotonic()
    data, manifest = corpus(bench, a)
    postgres = pg.create()
    log(out, f"{postgres}; schema {pg.schema} on {pg.server}")
    work = Path(tempfile.mkdtemp(prefix="pg-store-bench."))
    runner = Runner(bench, pg, {"sqlite": str(work / "cmtui.db"), "postgresql": pg.url}, data / "feeds.toml",
                    a.run_timeout)
    try:
        facts = measure(runner, lambda: Server(data, a.port, a.hosts, 0, False, out), a.reps, a.assign)
    finally:
        if a.keep:
            log(out, f"kept: {work / 'cmtui.db'} and schema {pg.schema}")
        else:
            shutil.rmtree(work, ignore_errors=True)
            pg.drop()
        if bench.src != REPO / "src":
            shutil.rmtree(bench.src.parent, ignore_errors=True)
    where = "this machine" if runner.server_cpu.pid is not None else f"{pg.host} (its CPU not measured)"
    meta = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "code": code,
            "src": digest,
            "machine": f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs, load1 "
                       f"{min(_num(r['load1']) or 0 for r in runner.rows):.1f}–"
                       f"{max(_num(r['load1']) or 0 for r in runner.rows):.1f}",
            "postgres": postgres, "pg_where": where, "cmtui": f"{a.cmtui} ({versions['cmtui_file']})",
            "corpus": f"{manifest['sites']} sites × ({manifest['posts']} posts + {manifest['comments']} comments), "
                      f"ref date {manifest['ref_date']}, sha256 {manifest['sha256']}", **versions}
    text = summary(runner.rows, facts, meta)
    (out / "summary.md").write_text(text + "\n")
    print(text)
    log(out, f"done in {time.monotonic() - started:.0f} s; {out / 'summary.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
