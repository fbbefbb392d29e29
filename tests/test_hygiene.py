"""The headless core never imports Textual: `cmtui sync` from cron stays light."""

from __future__ import annotations

import subprocess
import sys


def test_headless_modules_do_not_import_textual() -> None:
    modules = ["cmtui.config", "cmtui.fetch", "cmtui.parse", "cmtui.store", "cmtui.sync", "cmtui.triage",
               "cmtui.threads", "cmtui.text", "cmtui.paths", "cmtui.cli"]
    code = (f"import sys\nfor m in {modules!r}: __import__(m)\n"
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
