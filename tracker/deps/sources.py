"""Where dependency files come from: the files the user names, the `-r`/`-c` files they include,
and uploads; which included files may be read at all; decoding as pip decodes; each file once.

pip follows any path (or URL) a requirements file names. `tracker deps` runs in CI on files from
strangers' pull requests and prints what it read into a PR comment, so an included file is read
only when all of these hold:
- its real path (every symlink resolved) is inside a root of the file the user named: the git
  repository holding that file (the nearest folder up with a `.git`), or the file's own folder
  when it is in no repository; or the working directory (unless that is `/` or the home folder,
  which would let an include reach everything);
- it is not inside `.git` (actions/checkout keeps the job's token in `.git/config`) and is not a
  credentials file by its name (`.env*`, `.netrc`, `.pypirc`, `.npmrc`, `.git-credentials`,
  `*.pem`, `*.key`, `id_rsa`, ...);
- it is not a URL (nothing is ever fetched).
Anything else is refused by name and never opened. Uploads (the app) resolve among the uploaded
files only and never touch the disk. Every read goes through `tracker.userfiles.read_bytes`
(size cap before reading, bounded read).

`Includes.scanned` memoises each file's parsed lines by its real path (or upload name), so a file
included many times, or by several named files, is read and parsed once per run.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from tracker.deps.model import MAX_ENTRIES
from tracker.userfiles import FileProblem, read_bytes, too_big

__all__ = ["MAX_BYTES", "MAX_ENTRIES", "MAX_FILES", "DiskIncludes", "Includes", "Refused", "Source",
           "UploadIncludes", "decode", "is_url"]

MAX_BYTES = 20_000_000        # one dependency file (large SBOMs run to a few MB)
MAX_FILES = 1_000             # distinct files one run may include

URL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)   # http:, https:, file:, git+ssh:, ...
_WINDOWS_DRIVE = re.compile(r"^[a-z]:[\\/]", re.IGNORECASE)
_CREDENTIAL_NAMES = {".netrc", "_netrc", ".pypirc", ".npmrc", ".yarnrc", ".git-credentials", ".pgpass",
                     ".htpasswd", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "credentials",
                     "credentials.json", ".dockercfg", "secrets.yaml", "secrets.yml", "secrets.json"}
_CREDENTIAL_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".kdbx", ".gpg", ".asc")
_PRIVATE_FOLDERS = {".ssh", ".gnupg", ".aws", ".docker", ".kube", ".azure"}


class Refused(Exception):
    """An include we will not open; `reason` says why (it names no file content)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Source:
    key: str                       # identity: the real path, or "upload:NAME"
    display: str                   # how messages name it: the path as pip would spell it
    roots: tuple[str, ...] = ()    # where its includes may lead (those of the named file)
    path: str | None = None        # what to open (the real path); None for uploads


def is_url(ref: str) -> bool:
    return bool(URL.match(ref)) and not _WINDOWS_DRIVE.match(ref)


def credentials_name(path: str) -> bool:
    """A file name that holds secrets by convention (never read as a requirements file)."""
    name = PurePath(path).name.lower()
    return (name in _CREDENTIAL_NAMES or name == ".env" or name.startswith(".env.") or name.endswith(".env")
            or name.endswith(_CREDENTIAL_SUFFIXES))


def decode(data: bytes, name: str) -> tuple[str, str | None]:
    """Text of a dependency file, as pip's `_decode_req_file` decodes requirements files: a BOM
    (UTF-8/16/32) or a PEP 263 `# coding:` line in the first two lines decides, else UTF-8.
    Where pip falls back to the locale's encoding we keep UTF-8 and replace bad bytes (with a
    warning, the second value). Binary files are refused."""
    if len(data) > MAX_BYTES:
        raise FileProblem(name, too_big(MAX_BYTES))
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                          (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
                          (codecs.BOM_UTF16_LE, "utf-16-le")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), None
            except UnicodeDecodeError:
                raise FileProblem(name, f"not valid {encoding} text although it starts with that BOM") from None
    if b"\x00" in data[:8192]:
        raise FileProblem(name, "a binary file, not a dependency list")
    for line in data.split(b"\n", 2)[:2]:
        match = re.search(rb"coding[:=]\s*([-\w.]+)", line) if line[:1] == b"#" else None
        if match:
            encoding = match.group(1).decode("ascii")
            try:
                return data.decode(encoding), None
            except LookupError:
                return (data.decode("utf-8", errors="replace"),
                        f"declares the unknown encoding {encoding!r}; read as UTF-8")
            except UnicodeDecodeError as exc:
                return (data.decode(encoding, errors="replace"),
                        f"not valid {encoding} (first bad byte at offset {exc.start}); undecodable bytes replaced")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return (data.decode("utf-8", errors="replace"),
                f"not valid UTF-8 (first bad byte at offset {exc.start}); undecodable bytes replaced")


class Includes:
    """The files of one run: how named files and includes are found and read, and the memo of
    each file's scanned lines (`scanned`, filled by the requirements parser)."""

    def __init__(self) -> None:
        self.scanned: dict[str, Any] = {}
        self.named: set[str] = set()       # keys of files the user gave: their text may be shown

    def named_source(self, name: str) -> Source:
        self.named.add(name)
        return Source(name, name)

    def find(self, ref: str, including: Source) -> Source:
        """The file `ref` names from `including`; Refused or FileProblem if it must not or cannot be read."""
        raise Refused("it was not given with the file that includes it")

    def read(self, source: Source) -> tuple[str, str | None]:
        """(text, a decoding problem to warn about or None); FileProblem if it cannot be read."""
        raise FileProblem(source.display, "not available")


class DiskIncludes(Includes):
    """Files on disk, includes kept inside the named file's repository or the working directory."""

    def named_source(self, name: str) -> Source:
        folder = os.path.realpath(os.path.dirname(os.path.abspath(name)))
        roots = [repository_root(folder) or folder]
        try:
            cwd = os.path.realpath(os.getcwd())
        except OSError:
            cwd = None
        if cwd and cwd not in (os.path.realpath(os.sep), os.path.realpath(os.path.expanduser("~"))):
            roots.append(cwd)
        real = os.path.realpath(name)
        self.named.add(real)
        return Source(real, str(name), tuple(dict.fromkeys(roots)), real)

    def find(self, ref: str, including: Source) -> Source:
        if is_url(ref):
            raise Refused("it is given by URL and never fetched")
        # pip: abspath(join(dirname(including file), ref)); the display keeps the user's spelling
        display = os.path.normpath(os.path.join(os.path.dirname(including.display), ref))
        real = os.path.realpath(os.path.abspath(display))
        root = next((r for r in including.roots if _inside(real, r)), None)
        if root is None:
            raise Refused("it is outside the repository and the working directory")
        inner = PurePath(os.path.relpath(real, root)).parts
        if ".git" in inner:
            raise Refused("it is inside .git")
        if any(part in _PRIVATE_FOLDERS for part in inner[:-1]) or credentials_name(real) or credentials_name(ref):
            raise Refused("it is a credentials file by its name")
        if not os.path.lexists(real):
            raise FileProblem("", "no such file")
        return Source(real, display, including.roots, real)

    def read(self, source: Source) -> tuple[str, str | None]:
        assert source.path is not None
        return decode(read_bytes(source.path, max_bytes=MAX_BYTES, follow_symlinks=False), source.display)


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:        # different drives
        return False


def repository_root(folder: str) -> str | None:
    """The nearest folder at or above `folder` holding `.git` (a folder, or a file for worktrees).
    Looked up on disk rather than by running git, which would read the repository's config."""
    current = folder
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


class UploadIncludes(Includes):
    """Files uploaded together (the app): includes resolve by path, then by base name, among them."""

    def __init__(self, files: dict[str, str]):
        super().__init__()
        self.files = files
        self.by_base = {PurePath(k).name: k for k in files}
        self.named = {f"upload:{name}" for name in files}     # the user gave every one of them

    def named_source(self, name: str) -> Source:
        self.named.add(f"upload:{name}")
        return Source(f"upload:{name}", name)

    def find(self, ref: str, including: Source) -> Source:
        if is_url(ref):
            raise Refused("it is given by URL and never fetched")
        joined = os.path.normpath(str(PurePath(including.display).parent / ref))
        for candidate in (joined, ref, self.by_base.get(PurePath(ref).name)):
            if candidate in self.files:
                return Source(f"upload:{candidate}", candidate)
        raise FileProblem("", "it was not uploaded with the file that includes it")

    def read(self, source: Source) -> tuple[str, str | None]:
        return self.files[source.display], None
