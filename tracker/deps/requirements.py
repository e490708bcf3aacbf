"""pip requirements files (`requirements*.txt`, `*.in`, constraints files), read as pip reads them.

Pinned to pip's own code (pip 26: src/pip/_internal/req/req_file.py, req/constructors.py,
req/req_install.py and resolution/resolvelib/factory.py; tests/deps/test_requirements.py holds
one test per rule):
- lines: a trailing backslash joins the next line unless the line is a comment (`join_lines`);
  `#` starts a comment at the start of a line or after whitespace (`COMMENT_RE`, applied here in
  linear time: pip's regex backtracks quadratically on long runs of spaces);
- a line splits at the first space-separated token starting with `-` into the requirement and
  its options (`break_args_options`); options are read like pip's optparse (a long option may be
  shortened to a unique prefix, `-rFILE` and `--requirement=FILE` work);
- `-r FILE` opens a requirements file and `-c FILE` a constraints file, relative to the folder of
  the file that names it. `-r` inside a constraints file still adds requirements
  (`_parse_and_recurse` sets nested_constraint = False for every `-r`). On one line pip follows
  only the first `-r` (else the first `-c`); `-r`/`-c` after a requirement are ignored;
- `-e` marks an editable (VCS URL or path); `--hash` and `--config-settings` belong to the
  requirement on their line (SUPPORTED_OPTIONS_REQ);
- constraints only narrow the versions of requirements that exist: they add nothing, several on
  one name intersect (`Constraint.__and__`), and editable, unnamed or extras constraints are
  refused as pip refuses them (`check_invalid_constraint_type`). A constraint a requirement's own
  specifier excludes is a conflict (pip's resolver fails): reported, the requirement kept as written.
Requirement strings are PEP 508, parsed by `packaging` (what pip vendors). Nothing is fetched,
executed or expanded.

Where we deliberately differ from pip (docs/security.md, "Dependency files from pull requests"):
includes are read only inside the repository or the working directory and never by URL
(sources.py); `${VAR}` is never expanded (it could put a secret in a report); an include cycle is
reported and skipped where pip stops; a line pip would reject is skipped with a warning where pip
stops; constraints with an environment marker are not applied (the report covers every
environment, it does not pick one); each file named on the command line has its own constraints
(pip pools the constraints of every `-r` on one command line); a file reached twice is read once.

Direct vs transitive: pip-compile and `uv pip compile` annotate each pin with `# via ...`;
`-r FILE` or `NAME (pyproject.toml)` there means direct, other package names mean transitive.
Files without such annotations do not say (None).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from tracker.deps.model import Dependency, ParseResult, Unsupported
from tracker.deps.names import normalise, pinned_version, valid_name
from tracker.deps.sources import MAX_ENTRIES, MAX_FILES, Includes, Refused, Source, is_url
from tracker.deps.urls import github_repo
from tracker.userfiles import FileProblem, looks_like_secret, redact_secrets

MAX_DEPTH = 20          # levels of -r/-c below the named file
MAX_LINES = 200_000     # a pip-compile output with hashes for 2,000 packages has about 30,000
_LINE_BREAKS = ("\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")  # str.splitlines'
_VIA_START = re.compile(r"^\s*#\s*via\b:?\s*(.*)$")
_VIA_MORE = re.compile(r"^\s*#\s{2,}(\S.*)$")
_INLINE_VIA = re.compile(r"\s#\s*via\s+(.+)$")
_NAME_AT_URL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*+\s*+(?:\[[^\]]*+\]\s*+)?@")   # linear: no nested backtracking
_URL = re.compile(r"^([a-z][a-z0-9+.-]*://|(git|hg|svn|bzr)\+|file:)", re.IGNORECASE)
_ARCHIVE = re.compile(r"\.(whl|tar\.gz|tgz|tar\.bz2|tar\.xz|zip|tar)$", re.IGNORECASE)
_EGG = re.compile(r"[#&]egg=([^&]*)")    # pip's Link._egg_fragment_re
_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-[^-]+)?-[^-]+-[^-]+-[^-]+\.whl$", re.IGNORECASE)
_SDIST = re.compile(r"^(?P<name>.+?)-(?P<version>\d[^-]*?)\.(tar\.gz|tgz|tar\.bz2|tar\.xz|zip|tar)$",
                    re.IGNORECASE)

# pip's SUPPORTED_OPTIONS + SUPPORTED_OPTIONS_REQ: long name -> (what it fills, takes a value)
_LONG = {
    "--index-url": ("index", True), "--pypi-url": ("index", True), "--extra-index-url": ("index", True),
    "--no-index": ("index", False), "--constraint": ("constraints", True),
    "--requirement": ("requirements", True), "--editable": ("editables", True),
    "--find-links": ("index", True), "--no-binary": ("format", True), "--only-binary": ("format", True),
    "--prefer-binary": ("format", False), "--require-hashes": ("hashing", False),
    "--no-require-hashes": ("hashing", False), "--pre": ("releases", False),
    "--all-releases": ("releases", True), "--only-final": ("releases", True),
    "--trusted-host": ("index", True), "--use-feature": ("feature", True),
    "--hash": ("hashes", True), "--config-settings": ("config", True),
}
_SHORT = {"-i": "--index-url", "-c": "--constraint", "-r": "--requirement", "-e": "--editable",
          "-f": "--find-links", "-C": "--config-settings"}
_PER_REQUIREMENT = {"hashes", "config"}


# ---- lines -----------------------------------------------------------------------------------

def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def strip_comment(line: str) -> str:
    """pip's `COMMENT_RE.sub('', line).strip()` in linear time: a `#` at the start or after
    whitespace starts a comment."""
    start = 0
    while True:
        i = line.find("#", start)
        if i < 0:
            return line.strip()
        if i == 0 or line[i - 1].isspace():
            return line[:i].strip()
        start = i + 1


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, joined text) per logical line, as pip's `join_lines` joins
    them: a trailing backslash continues the line, unless the line is a comment; a comment line
    ends a continuation (kept as its own line here, so `# via` annotations stay readable)."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        comment_line = _is_comment(line)
        if line.endswith("\\") and not comment_line:
            if not pending:
                start = number
            pending.append(line.strip("\\"))
            continue
        if pending and comment_line:
            out.append((start, "".join(pending)))
            out.append((number, line))
        elif pending:
            out.append((start, "".join(pending) + line))
        else:
            out.append((number, line))
        pending = []
    if pending:
        out.append((start, "".join(pending)))
    return out


def break_args_options(line: str) -> tuple[str, str]:
    """pip's split of a line into the requirement and its options: at the first token (split on
    single spaces, not tabs) that starts with '-'."""
    tokens = line.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:i]), " ".join(tokens[i:])
    return line, ""


class _OptionError(Exception):
    pass


@dataclass
class _Options:
    values: dict[str, list[str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)      # words optparse leaves over (pip ignores them)

    def get(self, dest: str) -> list[str]:
        return self.values.get(dest, [])


def _long_name(token: str) -> str:
    if token in _LONG:
        return token
    matches = [name for name in _LONG if name.startswith(token)]   # optparse's _match_abbrev
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise _OptionError(f"ambiguous option {token} (could be {', '.join(sorted(matches))})")
    raise KeyError(token)


def parse_options(text: str) -> _Options:
    """Options the way pip's optparse reads them; unknown ones are collected (pip would stop)."""
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError as exc:
        raise _OptionError(f"cannot split the options ({exc})") from None
    opts = _Options()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "--":
            opts.extra += tokens[i:]
            break
        if token.startswith("--"):
            name, eq, value = token.partition("=")
            try:
                name = _long_name(name)
            except KeyError:
                opts.unknown.append(name)
                continue
            dest, takes_value = _LONG[name]
            if not takes_value:
                if eq:
                    raise _OptionError(f"{name} takes no value")
                opts.values.setdefault(dest, []).append("")
                continue
            if not eq:
                if i >= len(tokens):
                    raise _OptionError(f"{name} needs a value")
                value = tokens[i]
                i += 1
            opts.values.setdefault(dest, []).append(value)
        elif token.startswith("-") and len(token) > 1:
            short = token[:2]
            if short not in _SHORT:
                opts.unknown.append(short)
                continue
            value = token[2:]
            if not value:
                if i >= len(tokens):
                    raise _OptionError(f"{short} needs a value")
                value = tokens[i]
                i += 1
            opts.values.setdefault(_LONG[_SHORT[short]][0], []).append(value)
        else:
            opts.extra.append(token)
    return opts


# ---- one file, scanned once ------------------------------------------------------------------

@dataclass
class _Note:
    """A warning about one line: `shown` quotes the file (for files the user named), `plain`
    does not (for files reached by an include)."""

    line: int | None
    shown: str
    plain: str
    unread: bool = False


@dataclass
class _Req:
    """A requirement line, before it is known whether it requires or constrains."""

    line: int
    text: str                          # as written, redacted (for messages about named files)
    editable: bool = False
    name: str | None = None
    specifier: str | None = None
    version: str | None = None
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    repo: str | None = None
    local: bool = False
    direct: bool | None = None
    pip_named: bool = True             # pip knows the name (PEP 508, #egg=, a wheel), not just our guess


@dataclass
class _Include:
    line: int
    ref: str
    constraint: bool


@dataclass
class Scanned:
    items: list[_Req | _Include] = field(default_factory=list)
    notes: list[_Note] = field(default_factory=list)
    understood: int = 0          # lines read as a requirement, an include or options
    rejected: int = 0            # lines that are none of these

    def note(self, line: int | None, shown: str, plain: str | None = None, unread: bool = False) -> None:
        """`shown` may quote the file (redacted); `plain` (default: the same) must not."""
        shown = redact_secrets(shown)
        self.notes.append(_Note(line, shown, shown if plain is None else plain, unread))


_NOT_SHOWN = " (its text is not shown: the file was reached by an include)"


def scan(text: str, display: str) -> Scanned:
    """Every line of one file, parsed once (includes are followed later, by `parse`)."""
    if sum(text.count(c) for c in _LINE_BREAKS) > MAX_LINES:     # counted before any line is made
        raise FileProblem(display, f"more than {MAX_LINES:,} lines; refusing it (the cap keeps memory bounded)")
    out = Scanned()
    annotated = False
    last: _Req | None = None
    via: list[str] | None = None
    own: list[tuple[_Req, list[str] | None]] = []
    requirements = 0

    def close_via() -> None:
        nonlocal via
        if last is not None and via is not None and own and own[-1][0] is last:
            own[-1] = (last, via)
        via = None

    for number, raw in logical_lines(text):
        start = _VIA_START.match(raw)
        if start:
            annotated = True
            close_via()
            via = [s for s in re.split(r",\s*", start.group(1).strip()) if s]
            continue
        more = _VIA_MORE.match(raw)
        if more and via is not None:
            via.append(more.group(1).strip())
            continue
        line = strip_comment(raw)
        if not line:
            continue
        close_via()
        inline = _INLINE_VIA.search(raw)
        item = _line(out, line, number)
        if item is None:
            continue
        out.items.append(item)
        if isinstance(item, _Req):
            requirements += 1
            if requirements > MAX_ENTRIES:
                raise FileProblem(display, f"more than {MAX_ENTRIES:,} dependencies; refusing it"
                                  " (the cap keeps memory bounded)")
            last = item
            own.append((item, None))
            if inline:
                annotated = True
                own[-1] = (item, [s for s in re.split(r",\s*", inline.group(1).strip()) if s])
    close_via()
    if annotated:
        for req, entries in own:
            req.direct = _direct_from_via(entries)
    if out.rejected and not out.understood:
        out.note(None, "no line of it could be read as a requirement or an option: not a requirements file",
                 unread=True)
    return out


def _direct_from_via(entries: list[str] | None) -> bool | None:
    if not entries:
        return None
    if any(e.startswith("-r") or e.startswith("(-r") or e.rstrip().endswith(")") for e in entries):
        return True
    if any(valid_name(e.split()[0]) for e in entries if not e.startswith("-")):
        return False
    return None


def _line(out: Scanned, line: str, number: int) -> _Req | _Include | None:
    args, options = break_args_options(line)
    try:
        opts = parse_options(options)
    except _OptionError as exc:
        out.rejected += 1
        out.note(number, f"cannot read this line's options ({exc}); line skipped",
                 "cannot read this line's options; line skipped")
        return None
    where = " after the requirement; ignored" if args else "; line skipped"
    for name in opts.unknown:
        out.note(number, f"unknown option {name!r}{where}", f"an unknown option{where}")
    if args:
        for dest, option in (("requirements", "-r"), ("constraints", "-c")):
            if opts.get(dest):
                out.note(number, f"{option} on a requirement line is ignored (as pip does)")
        return _requirement(out, args, number, editable=False)
    if opts.unknown:
        out.rejected += 1
        return None
    out.understood += 1
    if opts.extra:
        out.note(number, f"words after the options are ignored (as pip does): {' '.join(opts.extra)[:80]!r}",
                 "words after the options are ignored (as pip does)")
    if opts.get("editables"):
        return _requirement(out, opts.get("editables")[0], number, editable=True)
    if opts.get("requirements"):
        return _Include(number, opts.get("requirements")[0], constraint=False)
    if opts.get("constraints"):
        return _Include(number, opts.get("constraints")[0], constraint=True)
    if opts.get("hashes"):
        out.note(number, "--hash without a requirement is ignored (as pip does)")
    return None


def _requirement(out: Scanned, text: str, number: int, editable: bool) -> _Req | None:
    text = text.strip()
    shown = text if len(text) <= 80 else text[:77] + "..."
    pep508 = not editable and (_NAME_AT_URL.match(text) or not (_URL.match(text) or _looks_like_path(text)))
    if pep508:
        try:
            req = _from_pep508(Requirement(text), number, redact_secrets(shown))
        except InvalidRequirement as exc:
            out.rejected += 1
            out.note(number, f"{shown!r} is not a valid requirement ({str(exc).splitlines()[0]}); skipped",
                     "this line is not a valid requirement; skipped" + _NOT_SHOWN)
            return None
    else:
        marker = None
        separator = "; " if _URL.match(text) else ";"   # pip: a URL's marker follows '; '
        if separator in text:
            text, marker_text = (s.strip() for s in text.split(separator, 1))
            marker = marker_text or None
        name, version, extras = _name_from_url(text)
        local = not _URL.match(text) or text.lower().startswith("file:")
        req = _Req(number, redact_secrets(text), editable=editable, name=name, version=version, extras=extras,
                   marker=marker, url=redact_secrets(text), repo=None if local else github_repo(text), local=local,
                   pip_named="#egg=" in text or "&egg=" in text or (
                       len(_file_name(text)) <= 300 and bool(_WHEEL.match(_file_name(text)))))
    if req.name is not None and looks_like_secret(req.name):
        out.rejected += 1
        out.note(number, "a requirement name that looks like a secret (not shown); line skipped")
        return None
    out.understood += 1
    return req


def _from_pep508(req: Requirement, number: int, shown: str) -> _Req:
    spec = str(req.specifier) or None
    return _Req(number, shown, name=req.name, specifier=spec, version=pinned_version(req.specifier),
                extras=tuple(sorted(req.extras)), marker=str(req.marker) if req.marker else None,
                url=redact_secrets(req.url) if req.url else None, repo=github_repo(req.url) if req.url else None)


def _looks_like_path(text: str) -> bool:
    head = text.split(";", 1)[0].strip()
    return (head.startswith((".", "/", "~")) or "/" in head or "\\" in head
            or bool(_ARCHIVE.search(head)))


def _file_name(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _name_from_url(url: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(name, version, extras) from '#egg=name[extra]' or a wheel/sdist file name."""
    egg = _EGG.search(url)          # pip's Link._egg_fragment: the first `#egg=` or `&egg=` in the URL
    if egg:
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?$", egg.group(1))
        if match and valid_name(match.group(1)):
            extras = tuple(sorted(e.strip() for e in (match.group(2) or "").split(",") if e.strip()))
            return match.group(1), None, extras
    filename = _file_name(url)
    if len(filename) > 300:          # no real distribution file name is this long; keeps the regexes cheap
        return None, None, ()
    for pattern in (_WHEEL, _SDIST):
        match = pattern.match(filename)
        if match and valid_name(match.group("name")):
            return match.group("name"), match.group("version"), ()
    return None, None, ()


# ---- following includes ----------------------------------------------------------------------

@dataclass
class _Constraint:
    file: str
    line: int
    text: str
    key: str
    specifier: SpecifierSet


@dataclass
class _Walk:
    result: ParseResult
    includes: Includes | None
    local: dict[str, Scanned] = field(default_factory=dict)
    visited: set[tuple[str, bool]] = field(default_factory=set)
    noted: set[str] = field(default_factory=set)
    constraints: list[_Constraint] = field(default_factory=list)

    @property
    def memo(self) -> dict[str, Scanned]:
        return self.includes.scanned if self.includes is not None else self.local

    def named(self, source: Source) -> bool:
        return self.includes is None or source.key in self.includes.named

    def visit(self, source: Source, constraint: bool, stack: list[Source]) -> None:
        if (source.key, constraint) in self.visited:
            return
        self.visited.add((source.key, constraint))
        scanned = self.memo[source.key]
        named = self.named(source)
        if source.key not in self.noted:
            self.noted.add(source.key)
            for note in scanned.notes:
                self.result.warn(note.line, note.shown if named else note.plain, source.display, note.unread)
        for item in scanned.items:
            if isinstance(item, _Include):
                self.include(item, source, named, stack)
            elif constraint:
                self.constrain(item, source, named)
            else:
                self.require(item, source)

    def include(self, item: _Include, parent: Source, named: bool, stack: list[Source]) -> None:
        kind = "constraints" if item.constraint else "requirements"
        ref = redact_secrets(item.ref)

        def unread(shown: str, plain: str) -> None:
            self.result.warn(item.line, shown if named else plain, parent.display, unread=True)

        if self.includes is None:
            if is_url(item.ref):
                unread(f"includes the {kind} file {ref} by URL; it was not fetched",
                       f"includes a {kind} file by URL; it was not fetched")
            else:
                unread(f"includes the {kind} file {ref}, which was not given; add it too",
                       f"includes a {kind} file that was not given")
            return
        try:
            child = self.includes.find(item.ref, parent)
        except Refused as exc:
            if is_url(item.ref):
                unread(f"includes the {kind} file {ref} by URL; it was not fetched",
                       f"includes a {kind} file by URL; it was not fetched")
            else:
                unread(f"the included {kind} file {ref} was refused: {exc.reason}; it was not read",
                       f"an included {kind} file was refused: {exc.reason}; it was not read")
            return
        except FileProblem as exc:
            unread(f"cannot read the included {kind} file {ref}: {exc.reason}",
                   f"cannot read an included {kind} file: {exc.reason}")
            return
        if any(s.key == child.key for s in stack):
            chain = " -> ".join(s.display for s in [*stack, child])
            self.result.warn(item.line, f"including {ref} again would loop ({chain}); skipped"
                             if named else f"an include would loop ({chain}); skipped", parent.display)
            return
        if len(stack) > MAX_DEPTH:      # the stack holds the named file and MAX_DEPTH levels of includes
            unread(f"includes {ref} more than {MAX_DEPTH} levels deep; skipped",
                   f"includes a file more than {MAX_DEPTH} levels deep; skipped")
            return
        if child.key not in self.memo:
            if len(self.memo) >= MAX_FILES:
                unread(f"includes {ref}, more than {MAX_FILES:,} files in one run; skipped",
                       f"includes more than {MAX_FILES:,} files in one run; skipped")
                return
            try:
                text, problem = self.includes.read(child)
                self.memo[child.key] = scan(text, child.display)
                if problem:
                    self.memo[child.key].note(None, problem)
            except FileProblem as exc:
                unread(f"cannot read the included {kind} file {ref}: {exc.reason}",
                       f"cannot read an included {kind} file: {exc.reason}")
                return
        self.visit(child, item.constraint, [*stack, child])

    def require(self, req: _Req, source: Source) -> None:
        result, file = self.result, source.display
        if req.local or (req.url is not None and req.name is None and req.repo is None):
            kind = "local path" if req.local else "URL"
            what = "a local path" if req.local else "a URL without a package name or GitHub repository"
            result.add_unsupported(Unsupported(
                file, kind, req.name or req.text, req.version, req.text,
                f"{'editable: ' if req.editable else ''}{what}{f' ({req.name})' if req.name else ''}"
                f" (line {req.line}): not a published package we can assess"))
            return
        if req.name is None:
            assert req.repo is not None
            result.add(Dependency(
                name=req.repo, key=req.repo.lower(), ecosystem="github", repo=req.repo, url=req.url, file=file,
                line=req.line, marker=req.marker, direct=req.direct))
            return
        result.add(Dependency(
            name=req.name, key=normalise(req.name), version=req.version, specifier=req.specifier,
            extras=req.extras, marker=req.marker, repo=req.repo, url=req.url, file=file, line=req.line,
            direct=req.direct))

    def constrain(self, req: _Req, source: Source, named: bool) -> None:
        problem = None
        if req.editable:
            problem = "editable requirements are not allowed as constraints"
        elif req.name is None or not req.pip_named:
            problem = "unnamed requirements are not allowed as constraints"
        elif req.extras:
            problem = "constraints cannot have extras"
        if problem:
            text = f" ({req.text!r})" if named else ""
            self.result.warn(req.line, f"{problem}{text}; pip refuses it, ignored here", source.display)
            return
        if req.marker or req.local or req.url:
            return   # an environment's constraint (or a URL link): it pins nothing for the report
        try:
            spec = SpecifierSet(req.specifier or "")
        except InvalidSpecifier:
            return
        self.constraints.append(_Constraint(source.display, req.line, req.text if named else "",
                                            normalise(req.name), spec))

    def apply_constraints(self) -> None:
        """Constraints narrow requirements that exist (intersected, as pip's resolver does); a
        constraint that excludes the requirement's own pin is a conflict, reported; nothing is added."""
        if not self.constraints:
            return
        by_key: dict[str, list[_Constraint]] = {}
        for c in self.constraints:
            by_key.setdefault(c.key, []).append(c)
        for dep in self.result.dependencies:
            found = by_key.get(dep.key) if dep.ecosystem == "pypi" else None
            if not found:
                continue
            own = SpecifierSet(dep.specifier or "")
            combined = SpecifierSet(str(own))
            for c in found:
                pinned = pinned_version(c.specifier)
                clash = (dep.version is not None and not c.specifier.contains(dep.version, prereleases=True)) or (
                    pinned is not None and not own.contains(pinned, prereleases=True))
                if clash:
                    said = f"constraint {c.text} conflicts with the requirement {dep.name}{dep.specifier or ''}"
                    self.result.warn(c.line, (said if c.text else "a constraint conflicts with the requirement"
                                              f" {dep.name} ({dep.file}:{dep.line})")
                                     + "; pip would stop here, the requirement is kept as written", c.file)
                    continue
                combined &= c.specifier
            if str(combined) != str(own):
                dep.specifier = str(combined) or None
                dep.version = dep.version or pinned_version(combined)


def parse(text: str, file: str, includes: Includes | None = None) -> ParseResult:
    """Parse one requirements file and what it includes (found and read through `includes`,
    each file once per `includes`); without `includes` its -r/-c lines are named, not followed."""
    result = ParseResult(file, "requirements.txt")
    walk = _Walk(result, includes)
    top = includes.named_source(file) if includes is not None else Source(file, file)
    if top.key not in walk.memo:
        walk.memo[top.key] = scan(text, file)
    walk.visit(top, False, [top])
    walk.apply_constraints()
    return result
