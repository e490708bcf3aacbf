"""Run the `tracker` CLI with the git collector pausing once at a chosen point (crash/signal tests).

PAUSE_AT=read   pause in the fetch, before anything is written (no DuckDB connection should be open);
PAUSE_AT=write  pause inside the save's transaction (commits inserted, not committed).
On pausing the process writes PAUSE_DIR/paused; it goes on when PAUSE_DIR/resume exists.

    python -m tests.fakes.paused_git --db DB schedule ...
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import collectors.git.source as git_source
from tracker.cli import main
from tracker.store import Store

PAUSE_DIR = Path(os.environ["PAUSE_DIR"])
PAUSE_AT = os.environ["PAUSE_AT"]
_state = {"paused": False}


def pause(where: str) -> None:
    if _state["paused"]:
        return
    _state["paused"] = True
    (PAUSE_DIR / "paused").write_text(f"{os.getpid()} {where}")
    deadline = time.monotonic() + 120
    while not (PAUSE_DIR / "resume").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


if PAUSE_AT == "read":
    _read_tags = git_source.read_tags

    def read_tags(repo):  # called by every git fetch, before the save's transaction
        pause("read")
        return _read_tags(repo)

    git_source.read_tags = read_tags
elif PAUSE_AT == "write":
    _save = git_source.save

    def save(store: Store, project, batch):
        counters = _save(store, project, batch)   # every row written, the transaction still open
        if store._in_tx:
            pause("write")
        return counters

    git_source.save = save
else:
    raise SystemExit(f"PAUSE_AT={PAUSE_AT!r}: expected read or write")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
