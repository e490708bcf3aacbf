"""Reading a git repository with the `git` binary: history, tags and governance files in HEAD.

Never needs file contents for history, so it works on blob-less partial clones and on mirrors that
lack large blobs:

* a local path (bare or not) is read in place and never modified (no fetch, no lazy blob fetch);
* a URL is cloned once into the cache as a bare partial clone (`--filter=blob:none`) and fetched
  incrementally afterwards.

One `git log --no-renames --name-status -z` pass over the default branch (HEAD) gives every commit
with its parents, author (after .mailmap), dates and paths, parsed while git still writes. Only
the few governance and funding files of HEAD are read as blobs (`read_head_files`).
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import tempfile
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
    "codeowners": (("", ".github", "docs"), re.compile(r"^codeowners$", re.I)),
    "license": (("",), re.compile(r"^(licen[cs]e|copying)([._-].*)?$", re.I)),
}

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


@dataclass
class GitRepo:
    """A repository git runs in. `offline` forbids every transport (used for the user's paths)."""

    path: Path
    offline: bool = True

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
            raise CollectionError(f"git {args[0]} failed in {self.path}: {_last_line(proc.stderr)}")
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
    if not repo.ok("rev-parse", "--git-dir"):
        raise CollectionError(f"{path}: not a git repository")
    return repo


def _cache_dir(cache: Path, project: Project) -> Path:
    return cache / f"{project.owner}+{project.name}.git"


def clone_or_fetch(url: str, cache: Path, project: Project, progress) -> GitRepo:
    """Clone `url` once as a bare blob-less partial clone; afterwards fetch what is new."""
    refuse_option(url)
    target = _cache_dir(cache, project)
    if (target / "HEAD").exists():
        repo = GitRepo(target, offline=False)
        if repo.text("config", "--get", "remote.origin.url", check=False) != url:
            repo.run("remote", "set-url", "--", "origin", url)
        progress(f"fetching {url}")
        try:
            repo.run("fetch", "--quiet", "--prune", "--no-tags", "--filter=blob:none", "origin",
                     "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
        except CollectionError as exc:
            raise CollectionError(f"cannot fetch {url}: {_strip_prefix(exc)}") from None
        head = repo.text("ls-remote", "--symref", "origin", "HEAD", check=False)
        m = re.match(r"ref:\s+(refs/heads/\S+)\s+HEAD", head)
        if m and repo.text("symbolic-ref", "-q", "HEAD", check=False) != m.group(1):
            repo.run("symbolic-ref", "HEAD", m.group(1))
        return repo
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob(f".clone-{project.owner}+{project.name}-*"):  # left by a killed clone
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".clone-{project.owner}+{project.name}-", dir=cache))
    progress(f"cloning {url} (bare, without file contents)")
    try:
        proc = subprocess.run(
            ["git", *_BASE_CONFIG, "clone", "--quiet", "--bare", "--filter=blob:none", "--", url, str(tmp / "r")],
            capture_output=True, env=_git_env(), check=False,
        )
        if proc.returncode != 0:
            raise CollectionError(f"cannot clone {url}: {_friendly_clone_error(proc.stderr)}")
        os.replace(tmp / "r", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return GitRepo(target, offline=False)


def _strip_prefix(exc: Exception) -> str:
    return str(exc).split(": ", 1)[-1]


def _friendly_clone_error(stderr: bytes) -> str:
    msg = _last_line(stderr)
    low = msg.lower()
    if "could not read username" in low or "authentication failed" in low or "not found" in low:
        return "repository not found, private, or renamed (" + msg + ")"
    if "could not resolve host" in low or "failed to connect" in low or "network is unreachable" in low:
        return "network unreachable (" + msg + ")"
    return msg


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
    file_change: list[str] = field(default_factory=list)
    file_path: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sha)


def _parse_record(rec: bytes, h: History, latest_ok: int, people: dict) -> None:
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
    h.sha.append(sha)
    h.parents.append(parents)
    h.is_merge.append(" " in parents)
    h.author_name.append(known[0])
    h.author_email.append(known[1])
    h.author_key.append(known[2])
    h.author_at.append(a_at)
    h.committer_at.append(c_at)
    h.is_bot.append(known[3])
    h.date_suspect.append(c_at < EARLIEST_PLAUSIBLE or c_at > latest_ok)
    if rest:
        try:  # fast path: the whole file list is valid UTF-8 without NULs inside names
            fields = rest.lstrip(b"\n").decode("utf-8").split("\x00")
        except UnicodeDecodeError:
            fields = [_decode(f) for f in rest.lstrip(b"\n").split(b"\x00")]
        changes = fields[0:-1:2]
        paths = fields[1::2]
        n = min(len(changes), len(paths))
        h.file_sha.extend([sha] * n)
        h.file_change.extend(c[:1] for c in changes[:n])
        h.file_path.extend(paths[:n])


def _widen_pipe(stream) -> None:
    """Let git write ahead while we parse: a 1 MiB pipe instead of 64 KiB (Linux only)."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl else None
    if setpipe is None:
        return
    try:
        fcntl.fcntl(stream.fileno(), setpipe, READ_CHUNK)
    except OSError:
        pass


def read_history(repo: GitRepo, rev_range: str, now: datetime) -> History:
    """One `git log` pass over `rev_range`, parsed while git is still writing."""
    latest_ok = int(now.replace(tzinfo=UTC).timestamp()) + FUTURE_SLACK_SECONDS
    proc = repo.stream("log", "--no-renames", "--name-status", "-z", "--no-color",
                       f"--format={LOG_FORMAT}", rev_range, "--")
    h = History()
    people: dict[tuple[bytes, bytes], tuple[str, str, str, bool]] = {}
    pending = b""
    assert proc.stdout is not None
    _widen_pipe(proc.stdout)
    while True:
        chunk = proc.stdout.read(READ_CHUNK)
        if not chunk:
            break
        pending += chunk
        records = pending.split(RECORD)
        pending = records.pop()
        for rec in records:
            if rec:
                _parse_record(rec, h, latest_ok, people)
    if pending:
        _parse_record(pending, h, latest_ok, people)
    stderr = proc.stderr.read() if proc.stderr else b""
    if proc.wait() != 0:
        raise CollectionError(f"git log failed in {repo.path}: {_last_line(stderr)}")
    return h


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


def _ls_tree(repo: GitRepo, folder: str) -> list[tuple[str, str, str, int | None, str]]:
    spec = f"HEAD:{folder}" if folder else "HEAD"
    out = repo.run("ls-tree", "-l", "-z", spec, check=False)
    entries = []
    for item in out.split(b"\x00"):
        if not item or b"\t" not in item:
            continue
        meta, name = item.split(b"\t", 1)
        mode, otype, oid, size = meta.decode().split()
        entries.append((mode, otype, oid, int(size) if size.isdigit() else None, _decode(name)))
    return entries


def _cat_blobs(repo: GitRepo, specs: list[str]) -> dict[str, bytes | None]:
    """Read blobs (by sha or HEAD:path) in one `git cat-file --batch`; None where missing."""
    if not specs:
        return {}
    out = repo.run("cat-file", "--batch", input=("\n".join(specs) + "\n").encode(), check=False)
    found: dict[str, bytes | None] = {}
    pos = 0
    for spec in specs:
        nl = out.find(b"\n", pos)
        if nl < 0:
            found[spec] = None
            continue
        header = out[pos:nl].decode("utf-8", "replace").split()
        pos = nl + 1
        if len(header) != 3 or header[1] == "missing":
            found[spec] = None
            continue
        size = int(header[2])
        found[spec] = out[pos:pos + size]
        pos += size + 1
    return found


def read_head_files(repo: GitRepo) -> list[HeadFile]:
    """The governance and funding files present in HEAD, their content size-capped."""
    listings = {folder: _ls_tree(repo, folder) for folder in ("", ".github", "docs")}
    picked: list[tuple[str, str, str, str, int | None]] = []  # kind, path, mode, oid, size
    for kind, (folders, pattern) in HEAD_FILES.items():
        for folder in folders:
            for mode, otype, oid, size, name in listings[folder]:
                if otype == "blob" and pattern.match(name):
                    picked.append((kind, posixpath.join(folder, name), mode, oid, size))
    blobs = _cat_blobs(repo, [oid for _, _, _, oid, size in picked if (size or 0) <= FILE_READ_LIMIT])
    # A symbolic link's blob is its target: follow it once, inside the repository.
    links = {}
    for _kind, path, mode, oid, _size in picked:
        if mode == "120000" and blobs.get(oid) is not None:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), _decode(blobs[oid])))
            if not target.startswith("../") and target != "..":
                links[path] = f"HEAD:{target}"
    targets = _cat_blobs(repo, list(links.values()))
    files = []
    for kind, path, mode, oid, size in picked:
        problem = None
        data = blobs.get(oid)
        if path in links:
            data = targets.get(links[path])
            size = len(data) if data is not None else size
            if data is None:
                problem = f"symbolic link to {links[path][5:]}, which is not in the repository"
        elif mode == "120000":
            data, problem = None, "symbolic link pointing outside the repository"
        if size is not None and size > FILE_READ_LIMIT:
            data, problem = None, f"file of {size} bytes is larger than the {FILE_READ_LIMIT} bytes read"
        elif data is None and problem is None:
            problem = "file contents not available in this clone (blob missing)"
        truncated = data is not None and len(data) > FILE_CAP_BYTES
        content = _decode(data[:FILE_CAP_BYTES]) if data is not None else None
        files.append(HeadFile(kind, path, size, content, truncated, problem, oid))
    return files
