"""Reading a git repository with the `git` binary: history, tags and governance files in HEAD.

Never needs file contents for history, so it works on blob-less partial clones and on mirrors that
lack large blobs:

* a local path (bare or not) is read in place and never modified (no fetch, no lazy blob fetch);
* a URL is cloned once into the cache as a bare partial clone (`--filter=blob:none`) and fetched
  incrementally afterwards.

One `git log --name-status -z` pass over the default branch (HEAD) gives every commit with its
parents, author (after .mailmap), dates and paths, parsed while git still writes; renames (git's
default 50% similarity) are found in that pass for a repository read in place, and afterwards,
only where they can be (commits that both add and delete files, one `git diff-tree -M --stdin`),
for a partial clone, whose compared blobs are fetched first in one request, and for a repository
whose compared blobs are missing (a mirror without its large files: exact renames only in the
commits concerned, said, never a failed collection; `read_history`, `find_renames`). Only
the few governance and funding files of HEAD are read as blobs (`read_head_files`); in a clone
they are fetched explicitly, in one request, since lazy fetching is switched off.

The owner's `.github` repository supplies default community health files to every repository of
the owner that lacks its own (GitHub's rule): `pick_org_defaults` chooses them from its listings.
"""

from __future__ import annotations

import os
import posixpath
import re
import selectors
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None

from tracker.errors import CollectionError
from tracker.identity import author_key, is_bot
from tracker.registry import Project

FIELD = "\x1f"
RECORD = b"\x1e"
LOG_FORMAT = "%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%at%x1f%ct"
READ_CHUNK = 1 << 20
# Commits dated before this, or more than a day after the collection, are kept (they count in
# commits_total) but flagged and left out of every time-based metric.
EARLIEST_PLAUSIBLE = int(datetime(1990, 1, 1, tzinfo=UTC).timestamp())
FUTURE_SLACK_SECONDS = 86_400

FILE_CAP_BYTES = 256 * 1024          # content stored per governance file
README_CAP_BYTES = 16 * 1024         # only the README's start is read (tracker/metrics/notice.py)
FILE_READ_LIMIT = 8 * 1024 * 1024    # larger blobs are not read at all

# Governance and funding files looked for in HEAD: kind -> (folders, name pattern).
HEAD_FILES: dict[str, tuple[tuple[str, ...], re.Pattern[str]]] = {
    "funding_yml": ((".github",), re.compile(r"^funding\.ya?ml$", re.I)),
    "funding_json": (("",), re.compile(r"^funding\.json$", re.I)),
    "security": (("", ".github", "docs"), re.compile(r"^security(\.(md|rst|txt|markdown))?$", re.I)),
    "code_of_conduct": (("", ".github", "docs"),
                        re.compile(r"^code[_-]of[_-]conduct(\.(md|rst|txt|markdown))?$", re.I)),
    "contributing": (("", ".github", "docs"), re.compile(r"^contributing(\.(md|rst|txt|markdown))?$", re.I)),
    "governance": (("", ".github", "docs"), re.compile(r"^governance(\.(md|rst|txt|markdown))?$", re.I)),
    "support": (("", ".github", "docs"), re.compile(r"^support(\.(md|rst|txt|markdown))?$", re.I)),
    "codeowners": (("", ".github", "docs"), re.compile(r"^codeowners$", re.I)),
    "license": (("",), re.compile(r"^(licen[cs]e|copying)([._-].*)?$", re.I)),
    # Not governance: read for a deprecation / end-of-life notice (tracker/metrics/notice.py), which
    # maintainers put at the top of the README. Not listed in the repo_files metric.
    "readme": (("",), re.compile(r"^readme(\.(md|rst|txt|markdown))?$", re.I)),
}

# GitHub's default community health files (docs.github.com, "Creating a default community health
# file"): a repository without its own file of a kind uses the one of its owner's public `.github`
# repository, looked for there in the `.github/` folder, then the root, then `docs/`. A default
# LICENSE, CODEOWNERS or funding.json does not exist.
ORG_DEFAULTS_REPO = ".github"
ORG_DEFAULT_KINDS = ("funding_yml", "security", "contributing", "code_of_conduct", "support", "governance")
ORG_DEFAULT_FOLDERS = (".github", "", "docs")

_PRERELEASE = re.compile(r"(?i)\d[._-]?(rc|alpha|beta|a|b|c|dev|pre|preview)[._-]?\d*$")
_NON_RELEASE = re.compile(r"(?i)/|nightly|snapshot|latest|^stable$|^test|^tmp|wip")
_HAS_DIGIT = re.compile(r"\d")

def is_release_tag(name: str) -> bool:
    """A tag that marks a release: carries a version number, is not a pre-release (rc, alpha,
    beta, aN, bN, dev, pre) and is not a namespaced/CI tag (ciflow/..., nightly, latest)."""
    return bool(_HAS_DIGIT.search(name)) and not _PRERELEASE.search(name) and not _NON_RELEASE.search(name)


# -- running git ------------------------------------------------------------------------------
def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_TERMINAL_PROMPT="0",      # a missing/private repo must fail, not ask for a password
        GIT_ASKPASS="",
        SSH_ASKPASS="",
        GIT_OPTIONAL_LOCKS="0",       # read-only commands must not touch the index
        GIT_NO_LAZY_FETCH="1",        # git >= 2.44; older versions are stopped by protocol.allow
        LC_ALL="C",
        LANG="C",
    )
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


_BASE_CONFIG = [
    "-c", "log.showSignature=false",
    "-c", "core.quotePath=false",
    "-c", "log.mailmap=true",
    "-c", "color.ui=never",
    "-c", "http.lowSpeedLimit=1000",
    "-c", "http.lowSpeedTime=60",
]


class GitError(CollectionError):
    """A git command failed; `stderr` is everything it said."""

    def __init__(self, message: str, stderr: bytes = b""):
        super().__init__(message)
        self.stderr = stderr


@dataclass
class GitRepo:
    """A repository git runs in. `offline` forbids every transport (used for the user's paths)."""

    path: Path
    offline: bool = True
    # Known from `open_local`'s one `rev-parse` (None: not asked yet; the callers ask git then).
    shallow: bool | None = None
    common_dir: str | None = None

    def _cmd(self, args: list[str]) -> list[str]:
        extra = ["-c", "protocol.allow=never"] if self.offline else []
        return ["git", *_BASE_CONFIG, *extra, "-C", str(self.path), *args]

    def run(self, *args: str, check: bool = True, input: bytes | None = None) -> bytes:
        try:
            proc = subprocess.run(self._cmd(list(args)), input=input, capture_output=True,
                                  env=_git_env(), check=False)
        except FileNotFoundError:
            raise CollectionError("the git program is not installed (apt-get install git)") from None
        if check and proc.returncode != 0:
            raise GitError(f"git {args[0]} failed in {self.path}: {_last_line(proc.stderr)}", proc.stderr)
        return proc.stdout

    def text(self, *args: str, check: bool = True) -> str:
        return self.run(*args, check=check).decode("utf-8", "replace").strip()

    def ok(self, *args: str) -> bool:
        proc = subprocess.run(self._cmd(list(args)), capture_output=True, env=_git_env(), check=False)
        return proc.returncode == 0

    def stream(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self._cmd(list(args)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=_git_env())


def _last_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    hints = [ln for ln in lines if ln.lower().startswith(("fatal:", "error:"))]
    return (hints or lines or ["no message"])[-1]


def _decode(raw: bytes) -> str:
    """Names are bytes in git: UTF-8 when valid, else Latin-1 (every byte maps), NULs dropped."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.replace("\x00", "")


# -- opening a source -------------------------------------------------------------------------
def is_url(source: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://", source) or re.match(r"^[\w.-]+@[\w.-]+:", source))


def refuse_option(value: str) -> str:
    """`value` (a URL or path given to git) unless git could read it as an option: a value starting
    with '-' (`-u...` is --upload-pack) is refused before any git runs. Commands also put it after
    `--`. The registry refuses such values when a project is added (tracker.registry)."""
    if value.lstrip().startswith("-"):
        raise CollectionError(f"git source {value[:80]!r} starts with '-', which git would read as an option;"
                              " refused (fix it with: tracker add OWNER/REPO --git URL_OR_PATH)")
    return value


def open_local(path: str) -> GitRepo:
    p = Path(path)
    if not p.exists():
        raise CollectionError(f"{path}: no such path")
    if not p.is_dir():
        raise CollectionError(f"{path}: not a directory, so not a git repository")
    repo = GitRepo(p, offline=True)
    # One `rev-parse` for three answers: is it a repository, is it shallow, where its refs live
    # (the data date reads them). Each git process started from the writer costs about 0.3 ms of
    # its CPU and 1 ms of git's (docs/performance.md, Scale).
    proc = subprocess.run(repo._cmd(["rev-parse", "--git-dir", "--is-shallow-repository", "--git-common-dir"]),
                          capture_output=True, env=_git_env(), check=False)
    if proc.returncode != 0:
        raise CollectionError(f"{path}: not a git repository")
    lines = proc.stdout.decode("utf-8", "replace").split("\n")
    if len(lines) == 4 and lines[3] == "" and lines[1] in ("true", "false"):  # else asked one by one later
        repo.shallow, repo.common_dir = lines[1] == "true", lines[2].strip()
    return repo


class RepositoryNotFound(CollectionError):
    """The server answered that the repository does not exist (or is private, or was renamed)."""


def cache_dir(cache: Path, owner: str, name: str) -> Path:
    """Where the bare clone of owner/name lives in the git cache."""
    return cache / f"{owner}+{name}.git"


def clone_or_fetch(url: str, cache: Path, project: Project, progress) -> GitRepo:
    """Clone `url` once as a bare blob-less partial clone; afterwards fetch what is new."""
    return clone_or_fetch_into(url, cache_dir(cache, project.owner, project.name), progress)


def clone_or_fetch_into(url: str, target: Path, progress) -> GitRepo:
    """Clone `url` once into `target` as a bare blob-less partial clone; afterwards fetch what is
    new. RepositoryNotFound when the server says there is no such repository."""
    refuse_option(url)
    cache = target.parent
    if (target / "HEAD").exists():
        repo = GitRepo(target, offline=False)
        if repo.text("config", "--get", "remote.origin.url", check=False) != url:
            repo.run("remote", "set-url", "--", "origin", url)
        progress(f"fetching {url}")
        try:
            repo.run("fetch", "--quiet", "--prune", "--no-tags", "--filter=blob:none", "origin",
                     "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
        except GitError as exc:
            error = RepositoryNotFound if _says_not_found(exc.stderr) else CollectionError
            raise error(f"cannot fetch {url}: {_strip_prefix(exc)}") from None
        head = repo.text("ls-remote", "--symref", "origin", "HEAD", check=False)
        m = re.match(r"ref:\s+(refs/heads/\S+)\s+HEAD", head)
        if m and repo.text("symbolic-ref", "-q", "HEAD", check=False) != m.group(1):
            repo.run("symbolic-ref", "HEAD", m.group(1))
        return repo
    cache.mkdir(parents=True, exist_ok=True)
    stem = target.name.removesuffix(".git")
    for stale in cache.glob(f".clone-{stem}-*"):  # left by a killed clone
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".clone-{stem}-", dir=cache))
    progress(f"cloning {url} (bare, without file contents)")
    try:
        proc = subprocess.run(
            ["git", *_BASE_CONFIG, "clone", "--quiet", "--bare", "--filter=blob:none", "--", url, str(tmp / "r")],
            capture_output=True, env=_git_env(), check=False,
        )
        if proc.returncode != 0:
            error = RepositoryNotFound if _says_not_found(proc.stderr) else CollectionError
            raise error(f"cannot clone {url}: {_friendly_clone_error(proc.stderr)}")
        os.replace(tmp / "r", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return GitRepo(target, offline=False)


def _strip_prefix(exc: Exception) -> str:
    return str(exc).split(": ", 1)[-1]


_NOT_FOUND = ("repository not found", "' not found", "could not read username", "authentication failed",
              "does not appear to be a git repository", "error: 404", "http 404")


def _says_not_found(stderr: bytes) -> bool:
    """git's words, anywhere in what it said, for "there is no such repository here" (GitHub asks
    for a password for a repository that does not exist; a file:// forge says it is not a git
    repository); network failures are not that."""
    low = stderr.decode("utf-8", "replace").lower()
    return any(words in low for words in _NOT_FOUND)


def _friendly_clone_error(stderr: bytes) -> str:
    msg = _last_line(stderr)
    low = msg.lower()
    if "could not read username" in low or "authentication failed" in low or "not found" in low:
        return "repository not found, private, or renamed (" + msg + ")"
    if "could not resolve host" in low or "failed to connect" in low or "network is unreachable" in low:
        return "network unreachable (" + msg + ")"
    return msg


# -- the date of a snapshot --------------------------------------------------------------------
DATA_DATE_KEY = "tracker.dataDate"   # `git config tracker.dataDate 2024-03-28` dates a copy explicitly


def data_date(repo: GitRepo, now: datetime, progress=None, head_time: int | None = None) -> datetime:
    """When a local repository's history was current (naive UTC): its `tracker.dataDate` setting if
    set, else the newest change of its refs (packed-refs, files under refs/, FETCH_HEAD), never
    older than HEAD's commit and never later than `now`. A mirror or a copy is a snapshot: what
    happened upstream after this date is unknown. `head_time`: HEAD's committer time when already
    read (`read_head`), else git is asked."""
    text = repo.text("config", "--get", DATA_DATE_KEY, check=False)
    if text:
        try:
            when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            if progress is not None:
                progress.warn(f"{DATA_DATE_KEY} = {text!r} is not an ISO date; dating the data by its refs")
        else:
            when = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
            return min(when, now)
    common = (repo.common_dir if repo.common_dir is not None
              else repo.text("rev-parse", "--git-common-dir", check=False)) or ".git"
    git_dir = Path(common) if os.path.isabs(common) else repo.path / common
    stamps = []
    for path in (git_dir / "packed-refs", git_dir / "FETCH_HEAD"):
        try:
            stamps.append(path.stat().st_mtime)
        except OSError:
            pass
    for folder, _dirs, files in os.walk(git_dir / "refs"):
        for name in files:
            try:
                stamps.append(os.stat(os.path.join(folder, name)).st_mtime)
            except OSError:
                pass
    head = str(head_time) if head_time is not None else repo.text("log", "-1", "--format=%ct", "HEAD", check=False)
    if head.isdigit():
        stamps.append(float(head))
    if not stamps:
        return now
    newest = datetime.fromtimestamp(max(stamps), UTC).replace(tzinfo=None)
    return min(newest, now)


# -- reading history --------------------------------------------------------------------------
@dataclass
class History:
    """Columns of commits and of the paths they touched, ready for a bulk insert."""

    sha: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    is_merge: list[bool] = field(default_factory=list)
    author_name: list[str] = field(default_factory=list)
    author_email: list[str] = field(default_factory=list)
    author_key: list[str] = field(default_factory=list)
    author_at: list[int] = field(default_factory=list)
    committer_at: list[int] = field(default_factory=list)
    is_bot: list[bool] = field(default_factory=list)
    date_suspect: list[bool] = field(default_factory=list)
    file_sha: list[str] = field(default_factory=list)
    file_change: list[str] = field(default_factory=list)      # A, M, D, T; R for a rename
    file_path: list[str] = field(default_factory=list)
    file_old_path: list[str | None] = field(default_factory=list)   # a rename's old path, else None
    renames: str = "not looked for"    # detected | exact only (...) | not looked for

    def __len__(self) -> int:
        return len(self.sha)


def _parse_records(records: list[bytes], h: History, latest_ok: int, people: dict, starts: list[int]) -> None:
    """Append each `git log` record (header, then its NUL-separated file list) to `h`, and where
    each commit's path rows start to `starts`. One loop with the columns' appends bound locally:
    this runs once per commit (41,819 times for numpy), beside git on the other core."""
    sha_a, parents_a, merge_a = h.sha.append, h.parents.append, h.is_merge.append
    name_a, email_a, key_a = h.author_name.append, h.author_email.append, h.author_key.append
    a_at_a, c_at_a, bot_a, suspect_a = h.author_at.append, h.committer_at.append, h.is_bot.append, h.date_suspect.append
    fsha, fchange, fpath, fold = h.file_sha, h.file_change, h.file_path, h.file_old_path
    start_a = starts.append
    for rec in records:
        if not rec:
            continue
        head, _, rest = rec.partition(b"\x00")
        parts = head.split(b"\x1f")
        if len(parts) != 6:
            raise CollectionError(f"unexpected git log output near {head[:60]!r}")
        sha = parts[0].decode("ascii")
        parents = parts[1].decode("ascii")
        ident = (parts[2], parts[3])
        known = people.get(ident)
        if known is None:
            name, email = _decode(parts[2]), _decode(parts[3])
            known = people[ident] = (name, email, author_key(name, email), is_bot(name, email))
        try:
            a_at, c_at = int(parts[4] or 0), int(parts[5] or 0)
        except ValueError:
            a_at = c_at = 0
        start_a(len(fsha))
        sha_a(sha)
        parents_a(parents)
        merge_a(" " in parents)
        name_a(known[0])
        email_a(known[1])
        key_a(known[2])
        a_at_a(a_at)
        c_at_a(c_at)
        bot_a(known[3])
        suspect_a(c_at < EARLIEST_PLAUSIBLE or c_at > latest_ok)
        if not rest:
            continue
        try:  # fast path: the whole file list is valid UTF-8 without NULs inside names
            fields = rest.lstrip(b"\n").decode("utf-8").split("\x00")
        except UnicodeDecodeError:
            fields = [_decode(f) for f in rest.lstrip(b"\n").split(b"\x00")]
        changes = fields[0:-1:2]
        if all(len(c) == 1 for c in changes):  # no rename: (status, path) pairs
            paths = fields[1::2]
            n = min(len(changes), len(paths))
            fsha.extend([sha] * n)
            fchange.extend(changes[:n])
            fpath.extend(paths[:n])
            fold.extend([None] * n)
            continue
        i = 0
        while i + 1 < len(fields):  # a rename (R097) or copy is followed by two paths: old, new
            status = fields[i]
            two = status[:1] in ("R", "C") and i + 2 < len(fields)
            fsha.append(sha)
            fchange.append("R" if status[:1] == "R" else "A" if status[:1] == "C" else status[:1])
            fpath.append(fields[i + 2] if two else fields[i + 1])
            fold.append(fields[i + 1] if two and status[:1] == "R" else None)
            i += 3 if two else 2


def _widen_pipe(stream) -> None:
    """Let git write ahead while we parse: a 1 MiB pipe instead of 64 KiB (Linux only)."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl else None
    if setpipe is None:
        return
    try:
        fcntl.fcntl(stream.fileno(), setpipe, READ_CHUNK)
    except OSError:
        pass


def read_history(repo: GitRepo, rev_range: str, now: datetime, renames: bool = True) -> History:
    """The commits of `rev_range` with their paths, and unless `renames` is false their renames.

    A repository read in place has its blobs: one `git log -M` pass finds renames on the way (if a
    blob it compares is missing, the pass is made again without, and renames are looked for commit
    by commit). A partial clone lacks them: one `--no-renames` pass, then `find_renames` over the
    commits that add and delete files, after fetching the blobs compared in one request."""
    if renames and repo.offline:
        try:
            h = _read_log(repo, rev_range, now, "-M", _reverse_after(repo, rev_range))
            h.renames = "detected"
            return h
        except CollectionError:
            pass
    h = _read_log(repo, rev_range, now, "--no-renames", _reverse_after(repo, rev_range))
    if renames:
        _apply_renames(repo, h)
    return h


# A history git has not finished writing after this long is also read from its oldest end, by a
# second `git log --reverse` on the other core, until the two meet (`_read_log`). Small
# repositories (nearly all) finish well before and start one git process, as before. A repository
# whose packs hold at least BIG_PACK_BYTES is read from both ends at once.
REVERSE_AFTER_SECONDS = 0.1
BIG_PACK_BYTES = 64 * 1024 * 1024


def _reverse_after(repo: GitRepo, rev_range: str) -> float | None:
    """When to start the reverse pass: at once for the whole history of a big object store
    (numpy's packs: 300 MB), after REVERSE_AFTER_SECONDS otherwise (None: never), so also for new
    commits (`old..new`). One directory listing, no git run."""
    if REVERSE_AFTER_SECONDS is None or ".." in rev_range:
        return REVERSE_AFTER_SECONDS
    for objects in (repo.path / "objects", repo.path / ".git" / "objects"):
        try:
            packs = sum(e.stat().st_size for e in os.scandir(objects / "pack") if e.name.endswith(".pack"))
        except OSError:
            continue
        return 0.0 if packs >= BIG_PACK_BYTES else REVERSE_AFTER_SECONDS
    return REVERSE_AFTER_SECONDS


class _LogReader:
    """One `git log` process whose output is parsed as it arrives, with where each commit's
    paths start (to cut the history at a commit)."""

    def __init__(self, proc: subprocess.Popen[bytes] | None, latest_ok: int, people: dict) -> None:
        self.proc, self.fd = proc, -1        # no process: parse what `feed` is given (tests)
        if proc is not None and proc.stdout is not None:
            _widen_pipe(proc.stdout)
            self.fd = proc.stdout.fileno()
        self.latest_ok, self.people = latest_ok, people
        self.h = History()
        self.starts: list[int] = []      # index of each commit's first path row
        self.seen: set[str] = set()
        self.pending = b""
        self.done = False                # git closed its output (finished or failed)

    def parse(self, records: list[bytes]) -> list[str]:
        h = self.h
        _parse_records(records, h, self.latest_ok, self.people, self.starts)
        new = h.sha[len(self.seen):]
        self.seen.update(new)
        return new

    def feed(self, chunk: bytes) -> list[str]:
        """Parse the whole records in what arrived; the commits they were."""
        if not chunk:
            self.done = True
            rest, self.pending = self.pending, b""
            return self.parse([rest])
        self.pending += chunk
        records = self.pending.split(RECORD)
        self.pending = records.pop()
        return self.parse(records)

    def finish(self, repo: GitRepo) -> None:
        """Wait for git; a failure (not our own stop) is an error."""
        assert self.proc is not None
        stderr = self.proc.stderr.read() if self.proc.stderr else b""
        if self.proc.wait() != 0:
            raise CollectionError(f"git log failed in {repo.path}: {_last_line(stderr)}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


_COMMIT_COLUMNS = ("sha", "parents", "is_merge", "author_name", "author_email", "author_key",
                   "author_at", "committer_at", "is_bot", "date_suspect")
_FILE_COLUMNS = ("file_sha", "file_change", "file_path", "file_old_path")


def _joined(fwd: _LogReader, rev: _LogReader) -> History:
    """The history in `git log`'s order from the newest commits `fwd` read and the oldest ones
    `rev` read (oldest first): `fwd`'s commits up to the first one `rev` also read, then `rev`'s
    from the newest it read to the oldest, less any `fwd` kept. Each commit's record is the same in
    both (one commit, one diff), so the result is the single pass's, commit for commit."""
    a, b = fwd.h, rev.h
    k = next((i for i, sha in enumerate(a.sha) if sha in rev.seen), len(a.sha))
    kept = set(a.sha[:k])
    take = len(b.sha)
    while take and b.sha[take - 1] in kept:   # rev's newest commits, if fwd kept them too
        take -= 1
    cut = fwd.starts[k] if k < len(fwd.starts) else len(a.file_sha)
    out = History()
    for col in _COMMIT_COLUMNS:
        setattr(out, col, getattr(a, col)[:k] + getattr(b, col)[take - 1::-1] if take else getattr(a, col)[:k])
    # rev's path rows, commit by commit from its newest to its oldest, each commit's in git's order
    starts = rev.starts
    ends = [*starts[1:take], starts[take] if take < len(starts) else len(b.file_sha)]
    rows = [r for i in range(take - 1, -1, -1) for r in range(starts[i], ends[i])]
    for col in _FILE_COLUMNS:
        mine, theirs = getattr(a, col)[:cut], getattr(b, col)
        mine.extend([theirs[r] for r in rows])
        setattr(out, col, mine)
    return out


def _read_log(repo: GitRepo, rev_range: str, now: datetime, renames_option: str,
              reverse_after: float | None) -> History:
    """One `git log` pass over `rev_range`, parsed while git is still writing.

    A long history is read from both ends: when git has not finished after `reverse_after`
    seconds, a second `git log --reverse` (the same commits, oldest first) starts, and both are
    read until one of them gives a commit the other already gave; then both stop. Git is
    single-threaded, so on a machine with two cores or more this takes about half of git's time
    for the history (numpy: 41,819 commits). `reverse_after=None` reads one pass only."""
    latest_ok = int(now.replace(tzinfo=UTC).timestamp()) + FUTURE_SLACK_SECONDS
    args = ["log", renames_option, "--name-status", "-z", "--no-color", f"--format={LOG_FORMAT}"]
    people: dict[tuple[bytes, bytes], tuple[str, str, str, bool]] = {}
    fwd = _LogReader(repo.stream(*args, rev_range, "--"), latest_ok, people)
    if reverse_after is None or not hasattr(selectors, "PollSelector"):   # no pipe polling on Windows
        try:
            while not fwd.done:
                fwd.feed(os.read(fwd.fd, READ_CHUNK))
            fwd.finish(repo)
        finally:
            fwd.stop()
        return fwd.h
    rev: _LogReader | None = None
    deadline = time.monotonic() + reverse_after
    sel = selectors.PollSelector()
    sel.register(fwd.fd, selectors.EVENT_READ, fwd)
    try:
        met = False
        while not met and not fwd.done and not (rev is not None and rev.done):
            wait = None if rev is not None else max(0.0, deadline - time.monotonic())
            events = sel.select(wait)
            if not events and rev is None:
                rev = _LogReader(repo.stream(*args, "--reverse", rev_range, "--"), latest_ok, people)
                sel.register(rev.fd, selectors.EVENT_READ, rev)
                continue
            for key, _ in events:
                reader: _LogReader = key.data
                new = reader.feed(os.read(reader.fd, READ_CHUNK))
                if reader.done:
                    reader.finish(repo)     # git failed (e.g. a blob -M compares is missing): an error
                    sel.unregister(reader.fd)
                other = rev if reader is fwd else fwd
                if other is not None and any(sha in other.seen for sha in new):
                    met = True
        if fwd.done and not met:
            return fwd.h                    # it read every commit
        assert rev is not None
        if rev.done and not met:            # rev read every commit: all of it, newest first
            fwd.h, fwd.starts = History(), []
        return _joined(fwd, rev)
    finally:
        sel.close()
        fwd.stop()
        if rev is not None:
            rev.stop()


def _rename_candidates(h: History) -> list[str]:
    """Commits that add a file and delete one: the only ones where a rename can hide."""
    added: set[str] = set()
    deleted: set[str] = set()
    for sha, change in zip(h.file_sha, h.file_change, strict=True):
        if change == "A":
            added.add(sha)
        elif change == "D":
            deleted.add(sha)
    return [sha for sha in dict.fromkeys(h.file_sha) if sha in added and sha in deleted]


def _diff_tree(repo: GitRepo, shas: list[str], *options: str) -> bytes:
    return repo.run("diff-tree", "-r", "--name-status", "-z", *options, "--stdin",
                    input=("\n".join(shas) + "\n").encode())


def _parse_renames(out: bytes) -> dict[str, list[tuple[str, str]]]:
    """`diff-tree -z --stdin` output -> {commit: [(old path, new path), ...]}."""
    tokens = out.split(b"\x00")
    found: dict[str, list[tuple[str, str]]] = {}
    sha = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if re.fullmatch(rb"[0-9a-f]{40}|[0-9a-f]{64}", token.strip()):
            sha, i = token.strip().decode(), i + 1
        elif token[:1] in (b"R", b"C") and i + 2 < len(tokens):
            if token[:1] == b"R" and sha:
                found.setdefault(sha, []).append((_decode(tokens[i + 1]), _decode(tokens[i + 2])))
            i += 3
        else:
            i += 2 if token else 1
    return found


def find_renames(repo: GitRepo, shas: list[str]) -> tuple[dict[str, list[tuple[str, str]]], str]:
    """The renames in `shas` ({commit: [(old, new)]}) and how they were found: "detected" (git's
    rename detection), or "exact only (...)" when the blobs it compares are not all here (a
    mirror without its large blobs): then in the commits concerned a file whose blob is missing
    is seen as renamed only if moved unchanged (the others as usual), and the batch resumes after
    each of them (two more `git` runs per such
    commit, none per other commit). A commit where even that fails has no renames ("none looked
    for in N commit(s)"); nothing here fails a collection."""
    if not shas:
        return {}, "detected"
    if not repo.offline:  # a partial clone: fetch the blobs rename detection compares, in one request
        raw = repo.run("diff-tree", "-r", "--raw", "--no-renames", "-z", "--stdin",
                       input=("\n".join(shas) + "\n").encode(), check=False)
        oids = {m.group(2) if m.group(3) == b"A" else m.group(1)
                for m in re.finditer(rb":\d+ \d+ ([0-9a-f]{40,64}) ([0-9a-f]{40,64}) ([AD])\x00", raw)}
        oids.discard(b"0" * 40)
        if oids:
            repo.run("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--filter=blob:none", "--stdin",
                     "origin", input=b"\n".join(sorted(oids)) + b"\n", check=False)
    found: dict[str, list[tuple[str, str]]] = {}
    exact = none = 0
    todo = list(shas)
    while todo:  # one batch; a commit whose compared blobs are missing stops git, the rest goes on
        proc = subprocess.run(repo._cmd(["diff-tree", "-r", "--name-status", "-z", "-M", "--stdin"]),
                              input=("\n".join(todo) + "\n").encode(), capture_output=True,
                              env=_git_env(), check=False)
        batch = _parse_renames(proc.stdout)
        found.update(batch)
        if proc.returncode == 0:
            break
        # git prints a commit only once its renames are found: the one that failed is the first
        # after the last one printed (a commit printed without a rename is not in `batch`, so
        # look at every commit id in the output)
        printed = set(re.findall(rb"(?:^|\x00)([0-9a-f]{40}|[0-9a-f]{64})(?=\x00)", proc.stdout))
        last = max((i for i, sha in enumerate(todo) if sha.encode() in printed), default=-1)
        failed = todo[last + 1] if last + 1 < len(todo) else None
        if failed is None:  # git failed after its last commit: nothing is left to look at
            break
        try:
            found.update(_renames_without_missing_blobs(repo, failed))
            exact += 1
        except CollectionError:
            none += 1
        todo = todo[last + 2:]
    if not exact and not none:
        return found, "detected"
    said = [f"exact only for the files whose blobs are missing, in {exact:,} commit(s)"] if exact else []
    if none:
        said.append(f"none looked for in {none:,} commit(s) git could not compare")
    return found, "; ".join(said)


MISSING_CHECK_CAP = 200   # files added or deleted in one commit checked one by one for a missing blob


def _renames_without_missing_blobs(repo: GitRepo, sha: str) -> dict[str, list[tuple[str, str]]]:
    """The renames of one commit whose compared blobs are not all here: git's detection over the
    files whose blobs are here, and exact renames (`-M100%`: same object id, no blob read) for the
    others. With more than MISSING_CHECK_CAP files added or deleted, exact renames only."""
    exact = _parse_renames(_diff_tree(repo, [sha], "-M100%"))
    raw = repo.run("diff-tree", "-r", "--raw", "--no-renames", "-z", sha, check=False)
    changed = [(m.group(3), m.group(2) if m.group(3) == b"A" else m.group(1), _decode(m.group(4)))
               for m in re.finditer(rb":\d+ \d+ ([0-9a-f]{40,64}) ([0-9a-f]{40,64}) ([AD])\x00([^\x00]*)\x00", raw)]
    if not changed or len(changed) > MISSING_CHECK_CAP:
        return exact
    here = GitRepo(repo.path, offline=True)   # never a lazy fetch while checking
    missing = {path for _, oid, path in changed if not here.ok("cat-file", "-e", oid.decode())}
    if not missing:
        return exact
    try:
        rest = _parse_renames(repo.run("diff-tree", "-r", "--name-status", "-z", "-M", sha, "--",
                                       *(f":(exclude,literal){path}" for path in sorted(missing))))
    except CollectionError:
        return exact
    pairs = exact.get(sha, [])   # git matches identical files first, then the others by similarity
    used = {path for pair in pairs for path in pair}
    pairs += [(old, new) for old, new in rest.get(sha, []) if old not in used and new not in used]
    return {sha: pairs} if pairs else {}


def _apply_renames(repo: GitRepo, h: History) -> None:
    """Turn each detected rename's delete + add into one R row (new path, old path)."""
    renames, h.renames = find_renames(repo, _rename_candidates(h))
    if not renames:
        return
    gone = {(sha, old) for sha, pairs in renames.items() for old, _ in pairs}
    moved = {(sha, new): old for sha, pairs in renames.items() for old, new in pairs}
    sha_col, change_col, path_col, old_col = [], [], [], []
    for sha, change, path, old in zip(h.file_sha, h.file_change, h.file_path, h.file_old_path, strict=True):
        if change == "D" and (sha, path) in gone:
            continue
        if change == "A" and (sha, path) in moved:
            change, old = "R", moved[(sha, path)]
        sha_col.append(sha)
        change_col.append(change)
        path_col.append(path)
        old_col.append(old)
    h.file_sha, h.file_change, h.file_path, h.file_old_path = sha_col, change_col, path_col, old_col


# -- tags and HEAD files ----------------------------------------------------------------------
@dataclass
class Tag:
    name: str
    sha: str | None
    tagged_at: int | None
    is_release: bool


def read_tags(repo: GitRepo) -> list[Tag]:
    fmt = ("%(refname:lstrip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"
           "%00%(taggerdate:unix)%00%(committerdate:unix)%00%(*committerdate:unix)")
    out = repo.run("for-each-ref", f"--format={fmt}", "refs/tags")
    tags = []
    for line in out.split(b"\n"):
        if not line:
            continue
        f = [_decode(x) for x in line.split(b"\x00")]
        if len(f) != 8:
            continue
        name, otype, oid, ptype, poid, tagger_at, commit_at, pcommit_at = f
        sha, when = None, None
        if otype == "commit":
            sha, when = oid, commit_at
        elif otype == "tag":
            if ptype == "commit":
                sha = poid
            elif ptype == "tag":  # a tag of a tag: peel it all the way
                sha = repo.text("rev-parse", "-q", "--verify", f"{oid}^{{commit}}", check=False) or None
            when = tagger_at or pcommit_at
        tags.append(Tag(name, sha, int(when) if when and when.lstrip("-").isdigit() else None,
                        sha is not None and is_release_tag(name)))
    return tags


@dataclass
class HeadFile:
    kind: str
    path: str
    size_bytes: int | None
    content: str | None
    truncated: bool
    problem: str | None
    blob_sha: str | None
    source_repo: str | None = None   # None: the project's own repository; else e.g. 'pallets/.github'


def _ls_tree(repo: GitRepo, folder: str, rev: str = "HEAD") -> list[tuple[str, str, str, int | None, str]]:
    """The entries of a folder of HEAD (or of commit `rev`): (mode, type, oid, size, name). No size
    here: `ls-tree -l` needs every blob of the folder, which a partial clone or a mirror may not have
    (`_sizes`)."""
    spec = f"{rev}:{folder}" if folder else rev
    out = repo.run("ls-tree", "-z", spec, check=False)
    entries = []
    for item in out.split(b"\x00"):
        if not item or b"\t" not in item:
            continue
        meta, name = item.split(b"\t", 1)
        mode, otype, oid = meta.decode().split()
        entries.append((mode, otype, oid, None, _decode(name)))
    return entries


def _sizes(repo: GitRepo, oids: list[str]) -> dict[str, int | None]:
    """The size of each object that is here (None for one that is missing): one `cat-file
    --batch-check` for all of them; it can give up at the first blob a partial clone lacks, so
    whatever it did not answer with a size is asked with one `cat-file -s` each."""
    wanted = list(dict.fromkeys(oids))
    sizes: dict[str, int | None] = {}
    if not wanted:
        return sizes
    out = repo.run("cat-file", "--batch-check", input=("\n".join(wanted) + "\n").encode(), check=False)
    for oid, line in zip(wanted, out.split(b"\n"), strict=False):
        parts = line.decode("utf-8", "replace").split()
        if len(parts) == 3 and parts[0] == oid and parts[2].isdigit():
            sizes[oid] = int(parts[2])
    for oid in wanted:
        if oid not in sizes:
            out = repo.text("cat-file", "-s", oid, check=False)
            sizes[oid] = int(out) if out.isdigit() else None
    return sizes


def _batch_answers(out: bytes, count: int) -> list[tuple[str, str, bytes] | None]:
    """The answers of `git cat-file --batch` to `count` requests, in order: (object id, type,
    content), None for an object that is missing (or a malformed answer). Shorter than `count` when
    git stopped before answering them all."""
    answers: list[tuple[str, str, bytes] | None] = []
    pos = 0
    for _ in range(count):
        nl = out.find(b"\n", pos)
        if nl < 0:
            break
        header = out[pos:nl].decode("utf-8", "replace").split()
        pos = nl + 1
        if len(header) != 3 or header[1] == "missing" or not header[2].isdigit():
            answers.append(None)
            continue
        size = int(header[2])
        answers.append((header[0], header[1], out[pos:pos + size]))
        pos += size + 1
    return answers


def _cat_blobs(repo: GitRepo, specs: list[str]) -> dict[str, bytes | None]:
    """Read blobs (by sha or HEAD:path) in one `git cat-file --batch`; None where missing."""
    if not specs:
        return {}
    out = repo.run("cat-file", "--batch", input=("\n".join(specs) + "\n").encode(), check=False)
    answers = _batch_answers(out, len(specs))
    return {spec: answers[i][2] if i < len(answers) and answers[i] is not None else None
            for i, spec in enumerate(specs)}


def _fetch_missing(repo: GitRepo, oids: list[str]) -> None:
    """In a partial clone, fetch the blobs of `oids` that are not here yet, in one request (lazy
    fetching is switched off, so nothing else would). A local path is never fetched into."""
    if repo.offline or not oids:
        return
    missing = [oid for oid in dict.fromkeys(oids) if not repo.ok("cat-file", "-e", oid)]
    if missing:
        repo.run("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--filter=blob:none", "origin",
                 *missing, check=False)


Listing = dict[str, list[tuple[str, str, str, int | None, str]]]   # folder -> (mode, type, oid, size, name)
HEAD_FOLDERS = ("", ".github", "docs")   # where governance files are looked for (HEAD_FILES' folders)


@dataclass
class Head:
    """HEAD as one `git cat-file --batch` read it (`read_head`)."""

    sha: str | None                 # the commit (None: no commits yet)
    committed: int | None = None    # its committer time (`%ct`); None when not read
    listings: Listing | None = None  # the entries of HEAD_FOLDERS, as `_ls_tree` gives them


def read_head(repo: GitRepo) -> Head:
    """HEAD's commit, its committer time and the listings of the folders governance files are
    looked for in, from one `git cat-file --batch` (the same answers as `rev-parse --verify
    HEAD^{commit}`, `log -1 --format=%ct` and one `ls-tree` per folder: 5 git processes fewer per
    collection). Whatever that one read cannot answer is asked the old way, one command each."""
    specs = ["HEAD^{commit}", "HEAD^{tree}"] + [f"HEAD:{folder}" for folder in HEAD_FOLDERS if folder]
    out = repo.run("cat-file", "--batch", input=("\n".join(specs) + "\n").encode(), check=False)
    answers = _batch_answers(out, len(specs))
    answers += [False] * (len(specs) - len(answers))     # not answered: git stopped
    commit = answers[0]
    if commit is None:
        return Head(None)                                # no commit: nothing else is read
    if commit is False or commit[1] != "commit":
        sha = repo.text("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False) or None
        return Head(sha, None, None)
    listings: Listing = {}
    for folder, answer in zip(HEAD_FOLDERS, answers[1:], strict=True):
        if answer is None or (answer is not False and answer[1] == "blob"):
            listings[folder] = []                        # no such folder (ls-tree fails: nothing listed)
            continue
        entries = _tree_entries(answer[2], len(answer[0]) // 2) if answer and answer[1] == "tree" else None
        listings[folder] = entries if entries is not None else _ls_tree(repo, folder)
    return Head(commit[0], _committer_time(commit[2]), listings)


def _tree_entries(data: bytes, oid_bytes: int) -> list[tuple[str, str, str, int | None, str]] | None:
    """A tree object's entries as `ls-tree` prints them (mode made canonical as git does: 100664
    is listed as 100644); None if the object cannot be parsed."""
    entries = []
    pos = 0
    try:
        while pos < len(data):
            space = data.index(b" ", pos)
            nul = data.index(b"\x00", space)
            mode = int(data[pos:space], 8)
            oid = data[nul + 1:nul + 1 + oid_bytes]
            if len(oid) != oid_bytes:
                return None
            kind = mode & 0o170000
            if kind == 0o100000:
                mode, otype = 0o100000 | (0o755 if mode & 0o100 else 0o644), "blob"
            elif kind in (0o120000, 0o040000):
                mode, otype = kind, "blob" if kind == 0o120000 else "tree"
            else:
                mode, otype = 0o160000, "commit"
            entries.append((f"{mode:06o}", otype, oid.hex(), None, _decode(data[space + 1:nul])))
            pos = nul + 1 + oid_bytes
    except ValueError:
        return None
    return entries


def _committer_time(commit: bytes) -> int | None:
    """The committer time of a raw commit object (what `%ct` prints); None if it cannot be read."""
    header = commit.split(b"\n\n", 1)[0]
    for line in header.split(b"\n"):
        if line.startswith(b"committer "):
            when = line[line.rfind(b">") + 1:].split()
            return int(when[0]) if when and when[0].isdigit() else None
    return None


def pick_head_files(listings: Listing) -> list[tuple[str, str, str, str, int | None]]:
    """Every governance or funding file of a project's own HEAD: (kind, path, mode, oid, size)."""
    picked = []
    for kind, (folders, pattern) in HEAD_FILES.items():
        for folder in folders:
            for mode, otype, oid, size, name in listings.get(folder, []):
                if otype == "blob" and pattern.match(name):
                    picked.append((kind, posixpath.join(folder, name), mode, oid, size))
    return picked


def pick_org_defaults(listings: Listing) -> list[tuple[str, str, str, str, int | None]]:
    """The default community health files of an owner's `.github` repository, one per kind, as
    GitHub picks them: the first match in `.github/`, then the root, then `docs/` (within a folder,
    in name order). (kind, path, mode, oid, size)."""
    picked = []
    for kind in ORG_DEFAULT_KINDS:
        pattern = HEAD_FILES[kind][1]
        for folder in ORG_DEFAULT_FOLDERS:
            names = sorted((e for e in listings.get(folder, []) if e[1] == "blob" and pattern.match(e[4])),
                           key=lambda e: e[4])
            if names:
                mode, _, oid, size, name = names[0]
                picked.append((kind, posixpath.join(folder, name), mode, oid, size))
                break
    return picked


def read_head_files(repo: GitRepo, org_defaults: str | None = None, rev: str = "HEAD",
                    listings: Listing | None = None) -> list[HeadFile]:
    """The governance and funding files present in HEAD (or in commit `rev`: the backtest reads them
    as of a date), their content size-capped. With `org_defaults` ('owner/.github'), `repo` is that
    repository and the files are the default community health files GitHub would take from it
    (`pick_org_defaults`). `listings`: the folders of HEAD as `read_head` listed them (else
    `ls-tree` lists them)."""
    if listings is None:
        listings = {folder: _ls_tree(repo, folder, rev) for folder in HEAD_FOLDERS}
    picked = pick_org_defaults(listings) if org_defaults else pick_head_files(listings)
    oids = [oid for _, _, _, oid, _ in picked]
    _fetch_missing(repo, oids)
    sizes = _sizes(repo, oids)
    picked = [(kind, path, mode, oid, sizes.get(oid)) for kind, path, mode, oid, _ in picked]
    wanted = [oid for _, _, _, oid, size in picked if size is not None and size <= FILE_READ_LIMIT]
    blobs = _cat_blobs(repo, wanted)
    # A symbolic link's blob is its target: follow it once, inside the repository.
    links = {}
    for _kind, path, mode, oid, _size in picked:
        if mode == "120000" and blobs.get(oid) is not None:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), _decode(blobs[oid])))
            if not target.startswith("../") and target != "..":
                links[path] = f"{rev}:{target}"
    if links and not repo.offline:
        targets_listed = repo.run("rev-parse", *links.values(), check=False).decode().split()
        _fetch_missing(repo, [t for t in targets_listed if re.fullmatch(r"[0-9a-f]{40,64}", t)])
    targets = _cat_blobs(repo, list(links.values()))
    files = []
    for kind, path, mode, oid, size in picked:
        problem = None
        data = blobs.get(oid)
        if path in links:
            data = targets.get(links[path])
            size = len(data) if data is not None else size
            if data is None:
                problem = f"symbolic link to {links[path][len(rev) + 1:]}, which is not in the repository"
        elif mode == "120000":
            data, problem = None, "symbolic link pointing outside the repository"
        files.append(head_file(kind, path, size, data, oid, problem, org_defaults))
    return files


def head_file(kind: str, path: str, size: int | None, data: bytes | None, oid: str | None,
              problem: str | None = None, source_repo: str | None = None) -> HeadFile:
    """A file as stored: content capped at FILE_CAP_BYTES, none above FILE_READ_LIMIT, the reason
    when there is no content."""
    if size is not None and size > FILE_READ_LIMIT:
        data, problem = None, f"file of {size} bytes is larger than the {FILE_READ_LIMIT} bytes read"
    elif data is None and problem is None:
        problem = "file contents not available in this clone (blob missing)"
    cap = README_CAP_BYTES if kind == "readme" else FILE_CAP_BYTES
    truncated = data is not None and len(data) > cap
    content = _decode(data[:cap]) if data is not None else None
    return HeadFile(kind, path, size, content, truncated, problem, oid, source_repo)
