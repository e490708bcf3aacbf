"""Hostile dependency files, made by the tests themselves: a repository with a secret next to it,
include bombs, FIFOs, sparse files; and a way to run `tracker deps` in a child process that can be
stopped if it never finishes (a guard against hangs, not a timing assertion)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.gitrepo import GitRepo

TOKEN = "ghp_" + "A1b2C3d4E5" * 4        # the shape of a GitHub token (not a real one)
SECRET_LINES = f"GITHUB_TOKEN={TOKEN}\nroot:x:0:0:root:/root:/bin/bash\nDB_PASSWORD=hunter2-very-secret\n"
LEAKS = (TOKEN, "root:x:0:0", "hunter2-very-secret")
HANG_GUARD = 120   # seconds; the fixed code takes a second or two, the broken one never ends

_RUN = ("import resource, sys\n"
        "from tracker.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "sys.stderr.write(f'\\nmaxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')\n"
        "sys.exit(code)\n")


@dataclass
class Layout:
    root: Path          # tmp_path
    repo: Path          # a git repository (the pull request's checkout)
    outside: Path       # a folder beside it holding a secret
    secret: Path


def make_layout(tmp_path: Path) -> Layout:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.env"
    secret.write_text(SECRET_LINES)
    repo = GitRepo(tmp_path / "repo").path
    (tmp_path / "cwd").mkdir()
    return Layout(tmp_path, repo, outside, secret)


def no_leak(*texts: str) -> None:
    for text in texts:
        for leak in LEAKS:
            assert leak not in text, f"{leak!r} leaked into the output"


def include_bomb(folder: Path, files: int = 21, times: int = 3, cycle: bool = False) -> Path:
    """files f0..f20: each pins one package and includes the next file `times` times
    (3**20 paths if every include is followed again); the last one may include the first."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        lines = [f"pkg{i}==1.0"]
        if i + 1 < files:
            lines += [f"-r f{i + 1}.txt"] * times
        elif cycle:
            lines.append("-r f0.txt")
        (folder / f"f{i}.txt").write_text("\n".join(lines) + "\n")
    return folder / "f0.txt"


def sparse(path: Path, size: int) -> Path:
    """A file that claims `size` bytes but takes no disk (and no memory unless someone reads it)."""
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


@dataclass
class Run:
    code: int
    out: str
    err: str
    maxrss_kb: int | None


def run_tracker(db: Path, *args: str, cwd: Path) -> Run:
    """`tracker --db DB ARGS` in a child process (own memory figures; can be stopped if it hangs)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, "-c", _RUN, "--db", str(db), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=HANG_GUARD)
    err, _, tail = proc.stderr.rpartition("\nmaxrss_kb=")
    rss = int(tail.strip()) if tail.strip().isdigit() else None
    return Run(proc.returncode, proc.stdout, err if rss is not None else proc.stderr, rss)
