"""What a parse worker process does first (kept apart: a worker imports this and `parse`, not the sync engine)."""

from __future__ import annotations

import os
import threading
import time


def exit_with_parent(parent: int) -> None:
    """End this worker when the sync that started it is gone. A sync killed with -9 cannot stop its workers,
    and one blocked on a pipe to it would wait forever (seen after such kills)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="cmtui-parent-watch", daemon=True).start()
