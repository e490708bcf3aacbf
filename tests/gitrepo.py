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

    def __init__(self, path: Path, branch: str = "main", bare: bool = False):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
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
        self.git("add", "--", *written)     # one process for all the files
        if delete:
            self.git("rm", "-q", "--", *delete)
        cname, cemail = committer or (name, email)
        env = {
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": f"@{epoch(when)} +0000",
            "GIT_COMMITTER_NAME": cname, "GIT_COMMITTER_EMAIL": cemail,
            "GIT_COMMITTER_DATE": f"@{epoch(committer_when or when)} +0000",
        }
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.head()

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
