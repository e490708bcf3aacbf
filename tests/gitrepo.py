"""Build real git repositories for tests, with controlled authors, dates, merges and tags."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def epoch(text: str) -> int:
    """'2024-01-31' or '2024-01-31T12:00:00' (UTC) -> Unix seconds."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


class GitRepo:
    """A real repository in `path`. Every commit says who made it and when (UTC)."""

    _bare = False
    _index_behind = False  # commits written by fast-import that the index has not seen yet
    _staged = False        # a command may have staged changes: the next commit goes through porcelain

    def __init__(self, path: Path, branch: str = "main", bare: bool = False):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._bare = bare
        self.git("init", "-q", "--template=", f"--initial-branch={branch}", *(["--bare"] if bare else []))
        # `git config commit.gpgsign false` and `tag.gpgsign false`, written directly: two git processes
        # fewer per repository (the suite builds thousands).
        with open(self.git_dir / "config", "a", encoding="utf-8") as fh:
            fh.write("[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n")

    @property
    def git_dir(self) -> Path:
        dot_git = self.path / ".git"
        return dot_git if dot_git.is_dir() else self.path

    def git(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
        command = args[0] if args else ""
        if self._index_behind and command not in _NO_INDEX:
            self._index_behind = False
            self._run("reset", "-q")        # the index catches up with the commits `commit` wrote
        if command not in _NO_INDEX and command not in _INDEX_AT_HEAD:
            self._staged = True             # `git mv`, `git add`...: the next commit must include them
        return self._run(*args, env=env, input=input)

    def _run(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        full_env.update({"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.path), "LC_ALL": "C"})
        full_env.update(env or {})
        out = subprocess.run(["git", "-C", str(self.path), *args], check=True, capture_output=True,
                             env=full_env, input=input)
        return out.stdout.decode("utf-8", "replace").strip()

    def commit(self, when: str, name: str = "Ann", email: str = "ann@example.org",
               files: dict[str, str] | None = None, delete: list[str] | None = None,
               message: str = "change", committer_when: str | None = None,
               committer: tuple[str, str] | None = None) -> str:
        """Write `files`, delete `delete`, commit. Returns the sha."""
        written = files or {"log.txt": f"{when} {name}\n"}
        for rel, content in written.items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            mode = "a" if rel == "log.txt" else "w"
            with open(target, mode, encoding="utf-8") as fh:
                fh.write(content)
        cname, cemail = committer or (name, email)
        sha = self._fast_commit(written, delete or [], message, (name, email, epoch(when)),
                                (cname, cemail, epoch(committer_when or when)))
        if sha is not None:
            return sha
        self.git("add", "--", *written)     # one process for all the files
        if delete:
            self.git("rm", "-q", "--", *delete)
        env = {
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": f"@{epoch(when)} +0000",
            "GIT_COMMITTER_NAME": cname, "GIT_COMMITTER_EMAIL": cemail,
            "GIT_COMMITTER_DATE": f"@{epoch(committer_when or when)} +0000",
        }
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        self._staged = False
        return self.head()

    def _fast_commit(self, files: dict[str, str], delete: list[str], message: str,
                     author: tuple[str, str, int], committer: tuple[str, str, int]) -> str | None:
        """The commit `git add` + `git commit -m` would make, written by one `git fast-import` (the
        suite makes thousands of commits: one process each instead of two). The same object, so the
        same sha (tests/test_gitrepo.py checks); the index catches up before the next command that
        reads it. None where this cannot promise that (a detached HEAD, a message git would clean
        up, a name fast-import refuses, a file that is not a plain one): the caller commits as before."""
        head = (self.git_dir / "HEAD").read_text(encoding="ascii").strip() if not self._bare else ""
        people_ok = all(not set(x) & set("<>\n") for x in (*author[:2], *committer[:2]))
        lines = message.split("\n")
        message_ok = (message.strip() != "" and "\r" not in message and lines[0].strip() != ""
                      and lines[-1].strip() != "" and all(line == line.rstrip() for line in lines)
                      and "\n\n\n" not in message)
        paths = [*files, *delete]
        if self._staged or not head.startswith("ref: refs/heads/") or not people_ok or not message_ok or any(
                not p or p.startswith("/") or "\n" in p or ".." in p.split("/") or p.startswith('"')
                for p in paths):
            return None
        stream = [f"commit {head[5:]}\n".encode()]
        for who, (n, e, t) in (("author", author), ("committer", committer)):
            stream.append(f"{who} {n} <{e}> {t} +0000\n".encode())
        body = (message + "\n").encode()
        stream.append(b"data %d\n" % len(body) + body)
        parent = self._branch_tip(head[5:])
        if parent:
            stream.append(f"from {parent}\n".encode())
        for rel in files:
            target = self.path / rel
            if target.is_symlink() or not target.is_file():
                return None
            content = target.read_bytes()
            mode = "100755" if os.stat(target).st_mode & 0o111 else "100644"
            stream.append(f"M {mode} inline {rel}\n".encode() + b"data %d\n" % len(content) + content + b"\n")
        if any(not (self.path / rel).is_file() or (self.path / rel).is_symlink() for rel in delete):
            return None
        for rel in delete:
            (self.path / rel).unlink()
            stream.append(f"D {rel}\n".encode())
        self._run("fast-import", "--quiet", input=b"".join(stream))
        self._index_behind = True
        return self._branch_tip(head[5:])

    def _branch_tip(self, ref: str) -> str | None:
        """The sha `ref` points at (its loose file, else packed-refs), None for an unborn branch."""
        loose = self.git_dir / ref
        if loose.is_file():
            return loose.read_text(encoding="ascii").strip()
        packed = self.git_dir / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="ascii").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha
        return None

    def merge(self, branch: str, when: str, name: str = "Ann", email: str = "ann@example.org") -> str:
        env = {
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": f"@{epoch(when)} +0000",
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": f"@{epoch(when)} +0000",
        }
        self.git("merge", "-q", "--no-ff", "-m", f"merge {branch}", branch, env=env)
        return self.head()

    def tag(self, name: str, when: str | None = None, annotated: bool = False, ref: str = "HEAD") -> None:
        if annotated:
            env = {"GIT_COMMITTER_NAME": "Rel", "GIT_COMMITTER_EMAIL": "rel@example.org",
                   "GIT_COMMITTER_DATE": f"@{epoch(when or '2020-01-01')} +0000"}
            self.git("tag", "-a", name, "-m", name, ref, env=env)
        else:
            self.git("tag", name, ref)

    def head(self) -> str:
        """HEAD's sha, read from the files `git commit` and `git merge` have just written (a loose ref
        or a detached HEAD); `git rev-parse HEAD` where that is not so (a packed ref)."""
        try:
            head = (self.git_dir / "HEAD").read_text(encoding="ascii").strip()
            if head.startswith("ref: "):
                loose = self.git_dir / head[5:]
                head = loose.read_text(encoding="ascii").strip() if loose.is_file() else ""
        except (OSError, UnicodeDecodeError):     # e.g. a `.git` file (a linked work tree)
            head = ""
        if len(head) == 40 and all(c in "0123456789abcdef" for c in head):
            return head
        return self.git("rev-parse", "HEAD")


# Commands that never read the index or the work tree: they need not wait for it to catch up.
_NO_INDEX = frozenset({"rev-parse", "log", "rev-list", "tag", "cat-file", "show-ref", "for-each-ref",
                       "update-ref", "hash-object", "fast-import", "fast-export", "count-objects", "config",
                       "symbolic-ref", "ls-tree", "branch", "shortlog"})


# Commands after which the index still equals HEAD (or that do not change it).
_INDEX_AT_HEAD = frozenset({"checkout", "switch", "merge", "status", "ls-files", "diff", "reset", "gc", "repack",
                            "pack-refs", "prune", "reflog", "show", "fsck", "remote", "fetch", "init", "clone",
                            "commit", "describe", "worktree", "notes"})


def commit_raw(repo: GitRepo, name: bytes, email: bytes, when: int, message: bytes = b"raw\n") -> str:
    """Write a commit object byte by byte (names that are not UTF-8, dates git's porcelain refuses),
    on top of HEAD with HEAD's tree, and move the branch to it."""
    parent = repo.git("rev-parse", "HEAD")
    tree = repo.git("rev-parse", "HEAD^{tree}")
    body = (b"tree " + tree.encode() + b"\nparent " + parent.encode() + b"\n"
            + b"author " + name + b" <" + email + b"> " + str(when).encode() + b" +0000\n"
            + b"committer " + name + b" <" + email + b"> " + str(when).encode() + b" +0000\n\n" + message)
    sha = repo.git("hash-object", "-t", "commit", "-w", "--stdin", "--literally", input=body)
    repo.git("update-ref", "HEAD", sha)
    return sha
