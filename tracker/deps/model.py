"""Plain records shared by the parsers, the mapping and the report."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.userfiles import FileProblem, looks_like_secret

MAX_ENTRIES = 20_000   # dependencies read from one named file (its includes counted): bounds memory


@dataclass
class Dependency:
    """One dependency as a file states it. `key` identifies it across files:
    the PEP 503 normalised name for PyPI packages, lower-case OWNER/REPO for GitHub ones."""

    name: str
    key: str
    ecosystem: str = "pypi"              # 'pypi' | 'npm' | 'github'
    version: str | None = None           # the exact version when pinned or locked
    specifier: str | None = None         # a version constraint as written ('>=2,<3', '^1.2')
    direct: bool | None = None           # None: the file does not say
    groups: tuple[str, ...] = ()         # 'main', 'extra:socks', 'group:dev', 'develop', ...
    extras: tuple[str, ...] = ()
    marker: str | None = None            # PEP 508 environment marker, kept as text, not evaluated
    repo: str | None = None              # OWNER/REPO when the file itself names a GitHub repository
    url: str | None = None               # a URL / VCS source instead of an index
    file: str = ""
    line: int | None = None


@dataclass(frozen=True)
class ParseWarning:
    """Something in a file we could not use: shown as 'file:line: message'. `unread` marks an input
    that could not be read at all (a file, an include, a lock that does not parse): the report is
    incomplete, so the CI gate (`--fail-on`) cannot pass."""

    file: str
    line: int | None
    message: str
    unread: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Unsupported:
    """A component listed in a file that we cannot assess yet (another ecosystem, a local path):
    kept in the report, never silently dropped."""

    file: str
    kind: str        # the purl type ('npm', 'maven'), 'local path', 'no purl', ...
    name: str
    version: str | None = None
    reference: str | None = None   # the purl or URL as written
    reason: str = ""


Node = tuple[str, str]     # (ecosystem, key): a package in a dependency graph


@dataclass
class ParseResult:
    file: str
    format: str
    dependencies: list[Dependency] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    # who depends on whom, when the file says (uv.lock, poetry.lock, package-lock.json, CycloneDX
    # `dependencies`, SPDX relationships): package -> the packages it needs. The direct ones are
    # the dependencies with direct=True.
    edges: dict[Node, set[Node]] = field(default_factory=dict)
    graph: bool = False

    def edge(self, parent: Node, child: Node) -> None:
        if parent != child:
            self.edges.setdefault(parent, set()).add(child)

    def add(self, dep: Dependency) -> None:
        if looks_like_secret(dep.name):
            self.warn(dep.line, "a package name that looks like a secret (not shown); skipped", dep.file or None)
            return
        self._room()
        self.dependencies.append(dep)

    def add_unsupported(self, entry: Unsupported) -> None:
        self._room()
        self.unsupported.append(entry)

    def _room(self) -> None:
        if len(self.dependencies) + len(self.unsupported) >= MAX_ENTRIES:
            raise FileProblem(self.file, f"more than {MAX_ENTRIES:,} dependencies; refusing it"
                              " (the cap keeps memory bounded)")

    def warn(self, line: int | None, message: str, file: str | None = None, unread: bool = False) -> None:
        self.warnings.append(ParseWarning(file or self.file, line, message, unread))

    def unreadable(self, line: int | None, message: str) -> None:
        """The file (or part of it) could not be read at all: the report must say it is incomplete."""
        self.warn(line, message, unread=True)

    @property
    def unread(self) -> list[ParseWarning]:
        return [w for w in self.warnings if w.unread]
