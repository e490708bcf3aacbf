"""Plain records shared by the parsers, the mapping and the report."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Dependency:
    """One dependency as a file states it. `key` identifies it across files:
    the PEP 503 normalised name for PyPI packages, lower-case OWNER/REPO for GitHub ones."""

    name: str
    key: str
    ecosystem: str = "pypi"              # 'pypi' | 'github'
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
    """Something in a file we could not use: shown as 'file:line: message'."""

    file: str
    line: int | None
    message: str

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


@dataclass
class ParseResult:
    file: str
    format: str
    dependencies: list[Dependency] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)

    def warn(self, line: int | None, message: str, file: str | None = None) -> None:
        self.warnings.append(ParseWarning(file or self.file, line, message))
