"""The cmtui app: one `Store` on the main thread, the inbox as the base screen, sync in a thread worker, and a
poller that notices a cron `cmtui sync` and an edit of feeds.toml.

The app syncs as it opens when the store never synced (or a feed was never fetched) or its last sync is older
than `[ui] sync_every`, unless `[ui] sync_on_open = false`; the header says when it last synced and how many
feeds fail (`data.SyncStatus`, read by a worker at the start, after each sync and, at most every
`STATUS_SECONDS`, after another program's writes).

What every screen shares lives beside it: `marks.py` (done, snooze, mute, undo) as `app.marks`, and
`replying.py` (the reply editor, the draft worker, posting through the site's API or the hand-off: clipboard +
the reply page in the browser) as `app.replying`."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from cmtui import paths, team, text, triage
from cmtui.config import Config, ConfigError
from cmtui.store import Store
from cmtui.triage import InboxItem
from cmtui.ui import drafting, render
from cmtui.ui.commands import CmtuiCommands
from cmtui.ui.config_watch import ConfigWatch, describe_change
from cmtui.ui.data import SyncStatus, alert_after_sync, sync_status
from cmtui.ui.marks import Marks
from cmtui.ui.messages import (
    ClipboardCopied,
    ConfigRead,
    FeedSynced,
    ReplyPosted,
    StoreChanged,
    SyncAlerted,
    SyncFinished,
    SyncStatusRead,
)
from cmtui.ui.render import Clock, make_clock
from cmtui.ui.replying import Replying
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.screens.drafts import DraftsScreen
from cmtui.ui.screens.feeds import FeedsScreen
from cmtui.ui.screens.help import HelpScreen
from cmtui.ui.screens.inbox import InboxScreen
from cmtui.ui.screens.report import ReportScreen

SWITCH_INTERVAL = 0.001  # seconds a thread holds the GIL while another waits for it (Python's default: 0.005)


USER_SYSTEM_COMMANDS = ("Theme", "Quit")


class CmtuiApp(App[None]):
    """A terminal inbox of the conversations that wait for the brand's reply."""

    CSS_PATH = "cmtui.tcss"
    TITLE = "cmtui"
    COMMANDS = App.COMMANDS | {CmtuiCommands}
    HELP_SECTION: ClassVar[str] = "Everywhere"
    _switch_interval = sys.getswitchinterval()  # the process's own, put back when the app ends
    POLL_SECONDS: ClassVar[float] = 2.0
    NOTIFICATION_TIMEOUT: ClassVar[float] = 4.0  # seconds a toast stays (Textual's default: 5)
    ERROR_TIMEOUT: ClassVar[float] = 8.0  # an error's toast, unless told otherwise: long enough to be read
    STATUS_SECONDS: ClassVar[float] = 30.0  # another program's writes re-read the sync status at most this often
    PRESENCE_SECONDS: ClassVar[float] = 60.0  # a "maya is replying" shown is checked again this often (it goes stale)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("R", "sync", "Sync", id="app.sync"),
        Binding("F", "feeds", "Feeds", id="app.feeds"),
        Binding("D", "drafts", "Drafts", id="app.drafts"),
        Binding("P", "report", "Report", show=False, id="app.report"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True, id="app.palette"),
    ]

    def __init__(self, config: Config, db_path: Path | str, *, now: Clock | datetime | None = None,
                 sync_options: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.config = config
        self.db_path: Path | str = db_path if paths.is_url(db_path) else Path(db_path)
        self.now: Clock = make_clock(now)
        self.sync_options: dict[str, Any] = dict(sync_options or {})
        self.store = Store.open(self.db_path)
        self.syncing = False
        self.sync_ending = False  # our sync ended and its status is being read: the empty inbox still says syncing
        self.sync_progress: tuple[int, int] = (0, 0)
        self.waiting = 0
        self.sync_status: SyncStatus | None = None  # None until a worker has read it
        self.config_watch = ConfigWatch(config.path)
        self._status_version = -1  # the store's data_version when the sync status was last read
        self._status_read_at = 0.0  # time.monotonic() of that read
        self._presence_checked_at = time.monotonic()  # when a shown "is replying" was last checked
        self._opened = False  # the first sync status decides whether the app syncs as it opens
        self._auto_sync: Timer | None = None
        self._config_reads = 0  # reads of an edited feeds.toml started …
        self._config_used = 0  # … and the last one whose result came back
        self._sync_after_config: bool | None = None  # R pressed while feeds.toml was being read (its `quiet`)
        self.marks = Marks(self)
        self.replying = Replying(self)
        self._data_version = self.store.data_version()  # the store as the poller last saw it
        self._writers: set[Worker[None]] = set()  # our workers that write on connections of their own
        self.set_keymap(config.keymap)
        if config.ui.theme and config.ui.theme in self.available_themes:
            self.theme = config.ui.theme

    # -- lifecycle ---------------------------------------------------------------------
    def _fatal_error(self) -> None:
        """An unhandled exception: exit showing its traceback without the frames' local variables. Textual's own
        `_fatal_error` renders `Traceback(show_locals=True)`, and locals can hold a secret (an API key, a header
        being sent) or a reply being written. Same bell and exit, through the public `panic`."""
        import rich
        from rich.traceback import Traceback

        self.bell()
        self.panic(Traceback(show_locals=False, width=None, suppress=[rich]))

    def get_default_screen(self) -> Screen[Any]:
        return InboxScreen()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Of Textual's own palette commands, those a community manager needs (theme, quit); not its developer
        tools (the widget help panel, maximize, SVG screenshots). cmtui's help is `?`."""
        for command in super().get_system_commands(screen):
            if command.title in USER_SYSTEM_COMMANDS:
                yield command

    def on_mount(self) -> None:
        # Workers (the inbox's 50,000 rows, a 10,000-comment thread) hold the GIL for 5 ms at a time by default: the
        # UI thread waited that long each time it wanted it back, and a frame took twice as long. 1 ms is enough.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._update_sub_title()
        self.set_interval(self.POLL_SECONDS, self.poll_store, name="poll-store")
        self._schedule_auto_sync()
        self.read_sync_status()  # then `on_sync_status_read` syncs if the store never synced or is stale

    def _schedule_auto_sync(self) -> None:
        """The app's own sync every `[ui] sync_every` minutes (none when 0), from now."""
        if self._auto_sync is not None:
            self._auto_sync.stop()
            self._auto_sync = None
        if self.config.ui.sync_every > 0:
            self._auto_sync = self.set_interval(self.config.ui.sync_every * 60, self.auto_sync, name="auto-sync")

    def on_unmount(self) -> None:
        self.replying.save_drafts()  # the editors saved when their screens closed; this is the last word
        self.store.close()
        sys.setswitchinterval(self._switch_interval)

    async def action_quit(self) -> None:
        """q on the inbox, ctrl+q anywhere: quit at once, an open reply saved first. While a reply is being
        posted, the first ctrl+q only warns: quitting then loses the site's answer."""
        if self.replying.may_quit():
            self.replying.save_drafts()
            self.exit()

    @property
    def inbox(self) -> InboxScreen:
        screen = self.screen_stack[0] if self.screen_stack else None
        assert isinstance(screen, InboxScreen)
        return screen

    def _update_sub_title(self) -> None:
        """The header: "12 waiting · 4 feeds, 1 failing · synced 3 min ago" (or "syncing 2/4 feeds…"), short
        enough for 80 columns."""
        feeds = len(self.config.feeds)
        status = self.sync_status
        failing = f", {status.failing} failing" if status is not None and status.failing and feeds else ""
        parts = [f"{self.waiting} waiting", f"{feeds} feed{'s' if feeds != 1 else ''}{failing}"]
        if self.syncing:
            done, total = self.sync_progress
            parts.append(f"syncing {done}/{total} feeds…")
        elif status is not None and feeds and not self.sync_ending:
            parts.append(render.synced_label(status.last_synced, self.now()))
        self.sub_title = " · ".join(parts)

    def _sync_state_changed(self) -> None:
        """A sync started, moved on or ended, or the status was read: the header and the inbox's empty state."""
        self._update_sub_title()
        if self.screen_stack:
            self.inbox.show_sync_state()

    def set_waiting(self, waiting: int) -> None:
        self.waiting = waiting
        self._update_sub_title()

    # -- reading -----------------------------------------------------------------------
    def inbox_items(self, *, view: str = "needs_reply", feed_id: int | None = None, tag: str | None = None,
                    search: str | None = None, limit: int | None = None) -> list[InboxItem]:
        """`triage.inbox` with our config (its triage settings) and clock: the first `limit` or all."""
        return triage.inbox(self.store, self.config, view=view, feed_id=feed_id, tag=tag, search=search or None,
                            now=self.now(), limit=limit)

    @property
    def me(self) -> str:
        """Who I am on the team (`team.me`): my "replying" is not shown to me, my assignments are mine."""
        return team.me(self.config)

    @property
    def drafts_author(self) -> str | None:
        """Whose drafts the editor keeps: mine when I named myself (`$CMTUI_USER`, `[team] me`: a team shares
        the store); without a name, drafts are nobody's in particular, as on one person's store."""
        return team.named(self.config) or None

    def item(self, conversation_id: int) -> InboxItem | None:
        """One conversation as the inbox sees it (any view), with every signal."""
        return triage.item(self.store, self.config, conversation_id, now=self.now())

    def tags(self) -> list[str]:
        """The feeds' tags and the user's labels (`l`, `cmtui tag`): what `t` and the palette filter by."""
        return sorted({t for f in self.config.feeds for t in f.tags} | set(self.store.labels_in_use()),
                      key=str.casefold)

    def brands(self) -> list[str]:
        """The names of the brands we speak for, `[identity]`'s first (one unnamed brand without `[[brands]]`)."""
        return [b.name for b in self.config.brands]

    def feed_choices(self) -> list[tuple[int, str]]:
        """(feed id, name) of every configured feed that has been synced."""
        configured = {f.url: f for f in self.config.feeds}
        out = []
        for row in self.store.feeds_health():
            fc = configured.get(row.url)
            if fc is not None:
                out.append((int(row.id), fc.name or row.title or fc.url))
        return out

    # -- refresh -----------------------------------------------------------------------
    def refresh_inbox(self, keep_id: int | None = None) -> None:
        """Reload the inbox table (even under another screen: it does not disturb what is on top)."""
        self.inbox.reload(keep_id)

    def store_seen(self) -> int:
        """The store's `data_version` now, taken as seen by the poller: a reload starting now reads it all."""
        self._data_version = self.store.data_version()
        return self._data_version

    def poll_store(self) -> None:
        """Another connection (a cron `cmtui sync`, the sync worker) committed: reload. Not while one of our
        writers runs (a draft saved as the user types, an opening): `_writer_done` looks when it has ended.
        Also: the header's "synced 3 min ago" follows the clock, and an edited feeds.toml is read again."""
        version = self.store.data_version()
        if version != self._data_version and not self._writers:
            self._data_version = version
            self.inbox.post_message(StoreChanged())
        elif self._replying_may_be_stale():  # a teammate's editor that went away without a word (a crash)
            self.inbox.post_message(StoreChanged())
        if (version != self._status_version and not self.syncing
                and time.monotonic() - self._status_read_at >= self.STATUS_SECONDS):
            self.read_sync_status()  # a cron sync: its feeds' health (our own sync reads it when it ends)
        self._update_sub_title()
        if self.config_watch.changed():
            self.read_config()

    def _replying_may_be_stale(self) -> bool:
        """Every `PRESENCE_SECONDS`, whether the inbox shows a teammate replying: their heartbeat may have
        stopped without a change to the store, so a reload checks it."""
        if time.monotonic() - self._presence_checked_at < self.PRESENCE_SECONDS:
            return False
        self._presence_checked_at = time.monotonic()
        return any(getattr(getattr(item, "conversation", item), "replying", None) for item in self.inbox.table.items)

    def run_writer(self, work: Callable[[], None], *, group: str, description: str) -> None:
        """Run `work` in a thread worker that writes on a connection of its own. Its commits change the store's
        `data_version` as a cron sync's do: the poller leaves them to `_writer_done`."""
        self._writers.add(self.run_worker(work, thread=True, group=group, exit_on_error=False,
                                          description=description))

    def _writer_done(self, worker: Worker[None]) -> None:
        """Once our last writer has ended, what changed meanwhile is taken as ours: the inbox reloads now if it
        is on top, else when it is back (`InboxScreen.on_screen_resume`). Another program's commit that landed
        meanwhile is read the same way."""
        self._writers.discard(worker)
        if self._writers or not self.screen_stack or self.store.data_version() == self._data_version:
            return
        if isinstance(self.screen_stack[-1], InboxScreen):
            self.refresh_inbox()
        else:
            self.store_seen()

    # -- screens -----------------------------------------------------------------------
    def _to_inbox(self) -> InboxScreen:
        while len(self.screen_stack) > 1:
            self.pop_screen()
        return self.inbox

    def open_conversation(self, conversation_id: int, message_id: int | None = None) -> None:
        """The conversation's screen, at `message_id` if given."""
        self.push_screen(ConversationScreen(conversation_id, message_id))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    def action_feeds(self) -> None:
        if isinstance(self.screen, FeedsScreen):
            return
        self.push_screen(FeedsScreen())

    def action_drafts(self) -> None:
        if isinstance(self.screen, DraftsScreen | ModalScreen):
            return
        self.push_screen(DraftsScreen())

    def action_report(self) -> None:
        if isinstance(self.screen, ReportScreen | ModalScreen):
            return
        self.push_screen(ReportScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "drafts" and isinstance(self.screen, DraftsScreen):
            return False  # already there: not in the footer (the help modal still lists it)
        return True

    def show_view(self, view: str) -> None:
        self._to_inbox().set_filters(view=view)

    def show_feed(self, feed_id: int, name: str) -> None:
        self._to_inbox().set_filters(feed_id=feed_id, feed_name=name)

    def show_tag(self, tag: str) -> None:
        self._to_inbox().set_filters(tag=tag)

    def show_brand(self, brand: str | None) -> None:
        """One brand's feeds (None: every brand's)."""
        self._to_inbox().set_filters(brand=brand)

    def clear_filters(self) -> None:
        self._to_inbox().clear_filters()

    def show_by_message(self, on: bool) -> None:
        """The inbox with a row per waiting message (`on`), or per conversation."""
        self._to_inbox().set_by_message(on)

    # -- shared by every screen (done, snooze, mute and undo are `self.marks`) ----------
    def say(self, message: str, severity: SeverityLevel = "information", timeout: float | None = None) -> None:
        """A notification; never markup (titles and errors come from feeds and servers). A toast stays
        `NOTIFICATION_TIMEOUT` seconds, an error `ERROR_TIMEOUT`."""
        if timeout is None and severity == "error":
            timeout = self.ERROR_TIMEOUT
        self.notify(message, severity=severity, timeout=timeout, markup=False)

    def open_in_browser(self, url: str | None) -> None:
        """o: an http(s) address in the browser; where there is none, it goes to the clipboard instead."""
        safe = text.safe_url(url)
        if safe is None:
            self.say("No web address to open here (only http and https links are opened)", severity="warning")
            return
        if not (self.is_web or drafting.browser_available()):  # over ssh, on a server: opening does nothing
            self.replying.copy_text(safe, note=f"No web browser found to open\n{text.one_line(safe, 300)}\n"
                                               "so the address is on the clipboard.")
            return
        self.open_url(safe)
        self.say(f"Opening {text.one_line(safe, 100)}")

    # -- replies (`self.replying`: the editor, the draft worker, posting, the hand-off) --
    def reply(self, conversation_id: int, message_id: int | None = None) -> None:
        self.replying.reply(conversation_id, message_id)

    def on_reply_posted(self, message: ReplyPosted) -> None:
        self.replying.posted(message)

    def on_clipboard_copied(self, message: ClipboardCopied) -> None:
        self.replying.copied(message)

    # -- the sync status and feeds.toml, read by workers ---------------------------------
    def read_sync_status(self) -> None:
        """When the store last synced and how many feeds fail, read in a worker (`on_sync_status_read`):
        `Store.feeds_health` goes through every message."""
        self._status_version = self.store.data_version()
        self._status_read_at = time.monotonic()
        config = self.config
        self.run_worker(lambda: self.post_message(SyncStatusRead(self._read_sync_status(config))), thread=True,
                        exclusive=True, group="sync-status", exit_on_error=False,
                        description="Reading when the store last synced")

    def _read_sync_status(self, config: Config) -> SyncStatus:
        with Store.open(self.db_path) as store:
            return sync_status(store, config)

    def on_sync_status_read(self, message: SyncStatusRead) -> None:
        self.sync_status = message.status
        self.sync_ending = False
        self._sync_state_changed()
        if not self._opened:
            self._opened = True
            if self.config.ui.sync_on_open and message.status.due(self.now(), self.config.ui.sync_every):
                self.auto_sync()

    def read_config(self) -> None:
        """feeds.toml changed: read it again in a worker (`on_config_read`); a sync asked for meanwhile waits."""
        self._config_reads += 1
        read, watch = self._config_reads, self.config_watch
        self.run_worker(lambda: self.post_message(ConfigRead(watch.read(), read)), thread=True, exclusive=True,
                        group="config", exit_on_error=False, description="Reading feeds.toml")

    def on_config_read(self, message: ConfigRead) -> None:
        if message.read != self._config_reads:
            return  # the file changed again: a newer read is on its way
        found = message.found
        if isinstance(found, ConfigError):
            self.say(f"{text.one_line(str(found), 300)}\nStill using the config read before.", severity="error",
                     timeout=12)
        else:
            self.use_config(found)
        self._config_read_done()

    def _config_read_done(self) -> None:
        """The last read of feeds.toml is over: a sync asked for meanwhile runs now, on what it found."""
        self._config_used = self._config_reads
        quiet, self._sync_after_config = self._sync_after_config, None
        if quiet is not None:
            self.action_sync(quiet=quiet)

    def use_config(self, config: Config) -> None:
        """A new feeds.toml: its feeds, rules, names and keys from now on (a running sync keeps the one it began
        with); the inbox, the feeds screen and the header follow."""
        self.say(describe_change(self.config, config))
        every = self.config.ui.sync_every
        self.config = config
        if config.ui.sync_every != every:
            self._schedule_auto_sync()
        self.set_keymap(config.keymap)
        if config.ui.theme and config.ui.theme in self.available_themes:
            self.theme = config.ui.theme
        for warning in config.warnings:
            self.say(f"config warning: {text.one_line(warning, 300)}", severity="warning")
        self._update_sub_title()
        self.refresh_inbox()
        for screen in self.screen_stack:
            if isinstance(screen, FeedsScreen):
                screen.reload()
        self.read_sync_status()

    # -- sync --------------------------------------------------------------------------
    def auto_sync(self) -> None:
        if not self.syncing:
            self.action_sync(quiet=True)

    def action_sync(self, quiet: bool = False) -> None:
        if self.syncing:
            if not quiet:
                self.say("A sync is already running")
            return
        if self.config_watch.changed():  # `cmtui add` or an editor changed feeds.toml: read it, then sync
            self.read_config()
        if self._config_used != self._config_reads:
            # it runs once the config is read; asked for with R (not quiet) even once, it says how it went
            self._sync_after_config = quiet and self._sync_after_config is not False
            return
        if not self.config.feeds:
            if not quiet:
                self.say(f"No feeds to sync: add one with `cmtui add URL` (config: {self.config.path})",
                         severity="warning")
            return
        self.syncing = True
        self.sync_progress = (0, len(self.config.feeds))
        self._sync_state_changed()
        self.sync_feeds(self.config)

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False, description="Syncing feeds")
    def sync_feeds(self, config: Config) -> None:
        """Thread worker: its own Store (SQLite connections are per thread) and the cross-process sync lock."""
        from cmtui.sync import SyncBusy, run_sync, sync_lock  # the HTTP stack: imported at the first sync

        worker = get_current_worker()
        total = len(config.feeds)
        done = 0

        def on_feed(report: Any) -> None:
            nonlocal done
            done += 1
            self.post_message(FeedSynced(report, done, total))

        with Store.open(self.db_path) as store:
            try:
                with sync_lock(self.db_path, wait=0):
                    report = run_sync(config, store, on_feed=on_feed, cancelled=lambda: worker.is_cancelled,
                                      **self.sync_options)
            except SyncBusy:
                self.post_message(SyncFinished(None, "Another sync is running (cron?): try again in a moment"))
                return
        self.post_message(SyncFinished(report))

    def on_feed_synced(self, message: FeedSynced) -> None:
        self.sync_progress = (message.done, message.total)
        self._update_sub_title()

    def on_sync_finished(self, message: SyncFinished) -> None:
        self.syncing = False
        self.sync_ending = True
        self.read_sync_status()
        self._sync_state_changed()
        if message.report is None:
            self.say(message.error or "The sync did not run", severity="warning")
            return
        report = message.report
        failed = report.failed
        summary = (f"Synced {len(report.feeds)} feed{'s' if len(report.feeds) != 1 else ''} in {report.seconds:.1f} s: "
                   f"{report.new} new message{'s' if report.new != 1 else ''}")
        self.say(summary + (f", {len(failed)} failed" if failed else ""))
        if failed:
            lines = []
            for f in failed:
                why = f.error or (f.comment_errors[0] if f.comment_errors else f.status)
                lines.append(f"{text.one_line(f.name, 40)}: {text.one_line(why, 160)}")
            self.say("\n".join(lines), severity="error", timeout=12)
        self.refresh_inbox()
        for screen in self.screen_stack:
            if isinstance(screen, FeedsScreen):
                screen.reload()
        if report.touched:
            self.alert_after_sync(report.touched)

    def alert_after_sync(self, touched: set[int]) -> None:
        """After a sync, off the UI thread: `notify.after_sync` (`[notify] command` and `desktop`, as after `cmtui
        sync`), then one toast for what it made urgent (`on_sync_alerted`). Its own worker, started once the sync
        has been shown: the header and the inbox do not wait for the command (up to 30 s). Not exclusive: when the
        next sync ends while this one's command still runs, neither alert is dropped."""
        config = self.config
        self.run_worker(partial(self._alert, config, set(touched)), thread=True, group="notify", exit_on_error=False,
                        description="Telling about the urgent conversations")

    def _alert(self, config: Config, touched: set[int]) -> None:
        with Store.open(self.db_path) as store:
            self.post_message(SyncAlerted(alert_after_sync(store, config, touched)))

    def on_sync_alerted(self, message: SyncAlerted) -> None:
        alert = message.alert
        if alert.urgent:
            self.say(alert.toast())
        if alert.error:
            self.say(text.one_line(alert.error, 300), severity="error")

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        if event.worker in self._writers and event.state in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                             WorkerState.CANCELLED):
            self._writer_done(event.worker)
        if self.replying.worker_failed(event):
            return
        if event.worker.group == "sync-status" and event.state == WorkerState.ERROR:
            self.sync_ending = False  # the header and the inbox say what they knew before
            self._sync_state_changed()
        if event.worker.group == "notify" and event.state == WorkerState.ERROR:
            self.say(f"Could not tell about the urgent conversations: {type(event.worker.error).__name__}: "
                     f"{text.one_line(str(event.worker.error), 200)}", severity="error")
        if event.worker.group == "config" and event.state == WorkerState.ERROR:
            self.say(f"Could not read {text.one_line(str(self.config.path), 200)}: "
                     f"{text.one_line(str(event.worker.error), 200)}", severity="error")
            self._config_read_done()
        if event.worker.group == "sync" and event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.syncing = False
            self._sync_state_changed()
            if event.state == WorkerState.ERROR:
                error = event.worker.error
                self.say(f"Sync failed: {type(error).__name__}: {text.one_line(str(error), 200)}", severity="error")


def make_app(config: Config, db_path: Path | str, *, now: Clock | datetime | None = None,
             sync_options: dict[str, Any] | None = None) -> CmtuiApp:
    """The app for `config` on the store at `db_path`. `now` (a callable or a fixed time) drives every
    "waiting 3 h" label and the times written by actions, so tests and screenshots are deterministic;
    `sync_options` go to `run_sync` (tests pass an httpx transport)."""
    return CmtuiApp(config, db_path, now=now, sync_options=sync_options)

