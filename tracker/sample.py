"""The bundled snapshot (`data/sample/`): the curated portfolio's collected data (scored on load), so that
a first start shows real projects with real numbers within seconds, before any collection.

    manifest = build(config, out_dir, projects_file=..., grants_file=..., mirrors=DIR)  # tracker sample build
    summary = load(store, directory)                                               # tracker sample load

**Build** tracks the curated list in a scratch database, reads each repository from a local mirror
(`--mirrors DIR`, laid out `DIR/OWNER+NAME/repo`, also under the name a project had before a rename,
`formerly` in projects.yaml) or clones it from the network, imports the grants file, runs the
tracker's own collectors (git, funding, pypi by default; none needs a token) and writes the
collected data the metrics need as Parquet files plus `manifest.json`. Scores are not stored: the
loader computes them with the scoring of the tracker that loads the snapshot (so a change to the
metrics or the judging applies to the bundled projects at once, without a rebuild). A mirror is a snapshot of some date (the mtime of its `packed-refs`): silence
after that date is unknown, not inactivity, so the project is scored as of that date and the date
is recorded with it.

What is kept, and what is not (personal data and size):
* no e-mail address: a commit's `author_email` becomes `NNNNNNN @domain` (a rank that keeps the
  order of the original addresses, then the organisation domain when there is one by
  `tracker.identity.email_domain`, else nothing): the only things metrics read from it;
  `author_key` (an address for most people) becomes `person:` + its rank among all identities, so
  people stay distinct and merged as before (and ties are broken as before) but cannot be looked up;
  any other text that looks like an e-mail address is replaced;
* commit ids are replaced by numbers, parents are left out (`is_merge` is kept);
* the paths each commit touched are kept only where the truck factor reads them: changes by people
  to files in their last life up to the data date;
* governance files in HEAD keep their kind, path and size; only FUNDING.yml and funding.json keep
  their (small, public) content; caches and cursors (GitHub ETags, issue cursors) are left out.
Every kept metric is checked: the build loads what it wrote into a second scratch database and
compares every project's metrics with the full data's; any difference fails the build.

**Load** (into an empty database only) adds the projects, inserts the rows, records one finished
collection run per project and source dated as its data is, and a `bundled_snapshot` row per
project, so every page can say "bundled snapshot of DATE" until fresh collections replace it; then
it scores every project as of its data date (the day its history was taken; without a git history,
the day the snapshot was built), all in one transaction. A `scores` file in an older snapshot is
ignored.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker import __version__, registry
from tracker.clock import utcnow
from tracker.config import REPO_ROOT, Config
from tracker.errors import TrackerError, UsageError
from tracker.identity import email_domain
from tracker.store import Store, latest_version

FORMAT = 1
MANIFEST = "manifest.json"
DEFAULT_SOURCES = ("git", "funding", "pypi")
SKIP_TABLES = frozenset({"github_etags", "github_state"})   # caches and cursors: collect afresh
COMPUTED_TABLES = frozenset({"scores"})   # computed by the loader, never taken from a snapshot
FUNDING_KINDS = ("funding_yml", "funding_json")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
EMAIL_REMOVED = "[e-mail address removed]"
MAX_SAMPLE_BYTES = 20_000_000    # a loader refuses a manifest naming more than this (a few MB is normal)
PARQUET = "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 19, PARQUET_VERSION V2)"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
Say = Callable[[str], None]


class SampleError(TrackerError):
    """The bundled snapshot could not be built or loaded."""


# -- where things are ----------------------------------------------------------------------------
def sample_dir() -> Path:
    """The bundled snapshot: $TRACKER_SAMPLE, else data/sample beside the package (a checkout or an
    editable install), else data/sample in the working directory (the container image)."""
    env = os.environ.get("TRACKER_SAMPLE")
    if env:
        return Path(env)
    beside = REPO_ROOT / "data" / "sample"
    if (beside / MANIFEST).is_file():
        return beside
    return Path.cwd() / "data" / "sample"


def find_mirror(mirrors: Path, repo: str, formerly: str | None = None) -> Path | None:
    """The bare mirror of OWNER/REPO (or of its former name) under `mirrors`: OWNER+NAME/repo,
    matched without regard to case as GitHub names are."""
    if not mirrors.is_dir():
        return None
    wanted = [r.replace("/", "+").lower() for r in (repo, formerly) if r]
    folders = {p.name.lower(): p for p in mirrors.iterdir() if p.is_dir()}
    for name in wanted:
        folder = folders.get(name)
        if folder is None:
            continue
        for candidate in (folder / "repo", folder):
            if (candidate / "HEAD").is_file() or (candidate / ".git" / "HEAD").is_file():
                return candidate
    return None


def mirror_date(path: Path) -> datetime:
    """The date a mirror's history was taken: the mtime of its packed-refs (kept from the snapshot
    archive), else of its newest ref file, else of HEAD; naive UTC."""
    git_dir = path / ".git" if (path / ".git").is_dir() else path
    packed = git_dir / "packed-refs"
    if packed.is_file():
        stamp = packed.stat().st_mtime
    else:
        refs = [p.stat().st_mtime for p in (git_dir / "refs").rglob("*") if p.is_file()]
        stamp = max(refs) if refs else (git_dir / "HEAD").stat().st_mtime
    return datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)


# -- build ---------------------------------------------------------------------------------------
@dataclass
class Plan:
    """One curated project in the build: where its history comes from and its data date."""

    repo: str
    mirror: Path | None = None
    data_at: datetime | None = None      # git history as of (mirror date or clone time)
    git_from: str | None = None          # mirror | clone | None
    sources: dict[str, datetime] = field(default_factory=dict)   # source -> data date


def build(config: Config, out_dir: Path, *, projects_file: Path, grants_file: Path | None,
          mirrors: Path | None, sources: Sequence[str] = DEFAULT_SOURCES, say: Say | None = None,
          progress: Any = None, keep_db: Path | None = None, options: dict[str, Any] | None = None,
          command: str = "tracker sample build") -> dict[str, Any]:
    """Collect, score and export the curated list into `out_dir`; returns the manifest."""
    from tracker import collect, grants
    from tracker.currency import load_rates

    say = say or (lambda _m: None)
    entries = registry.load_list(projects_file)
    chosen = [s.name for s in collect.select_sources(list(sources))]
    started = utcnow()
    with tempfile.TemporaryDirectory(prefix="tracker-sample-") as tmp:
        db = Path(keep_db) if keep_db else Path(tmp) / "build.duckdb"
        if db.exists():
            raise UsageError(f"--keep-db {db}: the file exists; give a new path")
        store = Store.open(db)
        try:
            plans = _register(store, entries, mirrors, say)
            if grants_file is not None:
                grants.import_file(store, grants_file, started, load_rates(config.rates_path))
            projects = registry.all_projects(store)
            say(f"collecting {', '.join(chosen)} for {len(projects)} projects "
                f"({sum(p.mirror is not None for p in plans.values())} from local mirrors)")
            outcomes = collect.collect(store, config, projects, chosen, progress, options)
            _dates(store, plans, outcomes, started)
            failures = [o for o in outcomes if o.status == "error"]
            staged = out_dir.with_name(out_dir.name + ".new")
            manifest = _export(store, staged, plans, chosen, started, command)
            manifest["collection_failures"] = [
                {"source": o.source, "project": o.project, "error": o.error} for o in failures]
            _write_manifest(staged, manifest)
            _check(store, staged, plans, started, say)
            if out_dir.exists():
                shutil.rmtree(out_dir)
            staged.rename(out_dir)
        finally:
            store.close()
    return manifest


def _register(store: Store, entries: list[dict[str, Any]], mirrors: Path | None, say: Say) -> dict[str, Plan]:
    plans: dict[str, Plan] = {}
    with store.transaction():
        for item in entries:
            mirror = find_mirror(mirrors, item["repo"], item.get("formerly")) if mirrors else None
            project, _ = registry.add(
                store, item["repo"], git_source=str(mirror) if mirror else item.get("git"),
                pypi_package=item.get("pypi"), category=item.get("category"), display_name=item.get("name"),
                opencollective_slug=item.get("opencollective"))
            plans[project.slug] = Plan(project.slug, mirror, mirror_date(mirror) if mirror else None)
    missing = [slug for slug, plan in plans.items() if plan.mirror is None]
    if mirrors is not None and missing:
        say(f"no mirror under {mirrors} for {len(missing)} projects ({', '.join(missing[:6])}"
            f"{', ...' if len(missing) > 6 else ''}): cloned from the network, or left without git history")
    return plans


def _dates(store: Store, plans: dict[str, Plan], outcomes: Iterable[Any], started: datetime) -> None:
    """Each project's data date per source: a mirror's snapshot date for git (and for funding,
    which reads the files git found), else the collection's own time."""
    for o in outcomes:
        plan = plans.get(o.project)
        if plan is None or o.status not in ("ok", "partial"):
            continue
        if o.source == "git":
            if plan.mirror is None:
                plan.data_at, plan.git_from = started, "clone"
            else:
                plan.git_from = "mirror"
    for plan in plans.values():
        if plan.git_from is None:
            plan.data_at = None
    for o in outcomes:
        plan = plans.get(o.project)
        if plan is None or o.status not in ("ok", "partial"):
            continue
        follows_git = o.source in ("git", "funding") and plan.data_at is not None
        plan.sources[o.source] = plan.data_at if follows_git else started


def score_date(plan: Plan, started: datetime) -> datetime:
    return plan.data_at or started


def score_loaded(store: Store, now: datetime | None = None) -> tuple[int, list[tuple[str, str]]]:
    """Score every project still showing the snapshot, each as of its data date, with this
    tracker's scoring (what `load` does last). Returns (projects scored, [(project, problem)])."""
    from tracker.readmodel.snapshot import score_dates
    from tracker.score import score_projects

    now = now or utcnow()
    ids = {pid for (pid,) in store.all("SELECT project_id FROM bundled_projects WHERE still_bundled")}
    projects = [p for p in registry.all_projects(store) if p.id in ids]
    dates = score_dates(store, [p.id for p in projects], now)
    by_date: dict[datetime, list[registry.Project]] = {}
    for p in projects:
        by_date.setdefault(dates[p.id], []).append(p)
    written, failures = 0, []
    for when, group in sorted(by_date.items()):
        run = score_projects(store, group, when, keep_results=False)
        written += run.written
        failures += run.failures
    return written, failures


def _project_tables(store: Store) -> list[str]:
    return [t for (t,) in store.all(
        "SELECT DISTINCT c.table_name FROM information_schema.columns c"
        " JOIN information_schema.tables t USING (table_schema, table_name)"
        " WHERE c.column_name = 'project_id' AND c.table_schema = 'main' AND t.table_type = 'BASE TABLE'"
        " ORDER BY 1")]


def _text_columns(store: Store, table: str) -> list[str]:
    return [c for (c,) in store.all(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'"
        " AND (data_type = 'VARCHAR' OR data_type = 'JSON') ORDER BY ordinal_position", [table])]


def _columns(store: Store, table: str) -> list[str]:
    return [c for (c,) in store.all(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'"
        " ORDER BY ordinal_position", [table])]


def _export_tables(chosen: Sequence[str]) -> list[str]:
    """Tables the chosen sources own, plus grants, in a stable order (scores are computed on load)."""
    import collectors

    tables = [t for s in collectors.sources().values() if s.name in chosen for t in s.tables
              if t not in SKIP_TABLES]
    return [*tables, "grants"]


def _export(store: Store, out: Path, plans: dict[str, Plan], chosen: Sequence[str], started: datetime,
            command: str) -> dict[str, Any]:
    """Write every table's rows (pseudonymised, trimmed) as Parquet files into a fresh `out`."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    con = store.con
    con.execute("CREATE OR REPLACE TEMP TABLE sample_dates (slug VARCHAR, data_at TIMESTAMP)")
    con.executemany("INSERT INTO sample_dates VALUES (?, ?)", [[slug, plan.data_at] for slug, plan in plans.items()])
    _pseudonyms(store)
    per_project = set(_project_tables(store))
    tables: dict[str, dict[str, Any]] = {}
    for table in _export_tables(chosen):
        if not _IDENT.match(table):
            raise SampleError(f"bad table name {table!r}")
        query = _select(store, table, per_project)
        query = _scrubbed(store, table, query)
        target = out / f"{table}.parquet"
        con.execute(f"COPY ({query}) TO '{_sql_path(target)}' {PARQUET}")
        rows = con.execute(f"SELECT count(*) FROM read_parquet('{_sql_path(target)}')").fetchone()[0]
        tables[table] = {"rows": int(rows), "bytes": target.stat().st_size}
    projects = []
    for p in registry.all_projects(store):
        plan = plans[p.slug]
        projects.append({
            "repo": p.slug, "name": p.display_name, "category": p.category, "pypi": p.pypi_package,
            "opencollective": p.opencollective_slug, "git_from": plan.git_from,
            "data_at": _iso(plan.data_at), "sources": {s: _iso(d) for s, d in sorted(plan.sources.items())},
        })
    manifest = {
        "format": FORMAT,
        "built_at": _iso(started),
        "built_with": f"tracker {__version__}, schema version {latest_version()}",
        "command": command,
        "sources": list(chosen),
        "projects": projects,
        "tables": tables,
        "bytes": sum(t["bytes"] for t in tables.values()),
    }
    return manifest


def _sql_path(path: Path) -> str:
    text = str(path)
    if "'" in text:
        raise SampleError(f"{text}: a path with a quote cannot be used")
    return text


def _pseudonyms(store: Store) -> None:
    """Temp tables mapping each author identity and e-mail to its pseudonym. Both are ranks in the
    order of the originals (metrics break ties by identity and pick a person's smallest address),
    so every metric stays the same; the rank says nothing about who it was."""
    con = store.con
    con.execute("CREATE OR REPLACE TEMP TABLE sample_people AS SELECT author_key,"
                " printf('person:%07d', row_number() OVER (ORDER BY author_key)) AS pseudonym"
                " FROM (SELECT DISTINCT author_key FROM git_commits)")
    emails = [e for (e,) in con.execute("SELECT DISTINCT author_email FROM git_commits ORDER BY 1").fetchall()]
    rows = [[email, f"{rank:07d} @{email_domain(email) or ''}"] for rank, email in enumerate(emails, 1)]
    con.execute("CREATE OR REPLACE TEMP TABLE sample_emails (author_email VARCHAR, pseudonym VARCHAR)")
    if rows:
        con.executemany("INSERT INTO sample_emails VALUES (?, ?)", rows)


def _project_join(alias: str = "t") -> str:
    return f" JOIN projects p ON p.id = {alias}.project_id JOIN sample_dates d ON d.slug = p.slug"


def _select(store: Store, table: str, per_project: set[str]) -> str:
    """The rows of `table` as the snapshot keeps them (project by name, not by id)."""
    if table == "git_commits":
        return ("SELECT p.slug AS project, c.n AS sha, t.is_merge, t.author_name, pp.pseudonym AS author_key,"
                " e.pseudonym AS author_email, epoch(t.committer_at)::BIGINT AS committer_at,"
                " (epoch(t.committer_at) - epoch(t.author_at))::BIGINT AS author_before, t.is_bot, t.date_suspect"
                " FROM git_commits t" + _project_join() + _numbered() +
                " JOIN sample_people pp ON pp.author_key = t.author_key"
                " JOIN sample_emails e ON e.author_email = t.author_email ORDER BY p.slug, c.n")
    if table == "git_commit_files":
        from tracker.metrics.truck_factor import MAX_RENAMES

        # The truck factor's inputs (tracker/metrics/truck_factor.py): the changes up to the data
        # date of each path in HEAD that a person (not a bot) changed in its life, and of the paths
        # it was renamed from (recursively, with the renames that end them); nothing else.
        return ("WITH RECURSIVE fc AS (SELECT t.project_id, t.sha, t.change, t.path, t.old_path,"
                "  h.committer_at AS ts, h.is_bot"
                "  FROM git_commit_files t JOIN dated_commits h USING (project_id, sha)"
                "  JOIN projects p ON p.id = t.project_id JOIN sample_dates d ON d.slug = p.slug"
                "  WHERE h.committer_at <= coalesce(d.data_at, 'infinity'::TIMESTAMP)),"
                " ev AS (SELECT project_id, path, change, ts FROM fc"
                "  UNION ALL SELECT project_id, old_path, 'D', ts FROM fc WHERE change = 'R'),"
                " state AS (SELECT project_id, path, arg_max(change, ts) AS last_change,"
                "  max(ts) FILTER (WHERE change = 'D') AS last_delete FROM ev GROUP BY ALL),"
                " seg(project_id, root, path, since, until, depth) AS ("
                "  SELECT project_id, path, path, last_delete, NULL::TIMESTAMP, 0 FROM state WHERE last_change <> 'D'"
                "  UNION ALL SELECT s.project_id, s.root, r.old_path,"
                "   (SELECT max(e.ts) FROM ev e WHERE e.project_id = r.project_id AND e.path = r.old_path"
                "     AND e.change = 'D' AND e.ts < r.ts), r.ts, s.depth + 1"
                "  FROM seg s JOIN fc r ON r.project_id = s.project_id AND r.path = s.path AND r.change = 'R'"
                "  WHERE (s.since IS NULL OR r.ts > s.since) AND (s.until IS NULL OR r.ts < s.until)"
                f"   AND s.depth < {MAX_RENAMES}),"
                " people AS (SELECT DISTINCT s.project_id, s.root FROM seg s JOIN fc e"
                "  ON e.project_id = s.project_id AND e.path = s.path WHERE NOT e.is_bot AND e.change <> 'D'"
                "  AND (s.since IS NULL OR e.ts > s.since) AND (s.until IS NULL OR e.ts < s.until)),"
                " keep AS (SELECT DISTINCT project_id, path FROM seg JOIN people USING (project_id, root))"
                " SELECT p.slug AS project, c.n AS sha, t.change, t.path, t.old_path FROM fc t"
                + _project_join() + _numbered() +
                " WHERE EXISTS (SELECT 1 FROM keep k WHERE k.project_id = t.project_id"
                "  AND (k.path = t.path OR k.path = t.old_path))"
                " ORDER BY p.slug, t.path, c.n")
    if table == "git_repos":
        return ("SELECT p.slug AS project, t.default_branch, t.is_shallow, t.is_empty, t.commits_stored,"
                " coalesce(d.data_at, t.collected_at) AS collected_at, t.renames FROM git_repos t" + _project_join()
                + " ORDER BY p.slug")
    if table == "repo_files":
        kinds = ", ".join(f"'{k}'" for k in FUNDING_KINDS)
        return ("SELECT p.slug AS project, t.kind, t.path, t.size_bytes,"
                f" CASE WHEN t.kind IN ({kinds}) THEN t.content END AS content,"
                f" CASE WHEN t.kind IN ({kinds}) THEN t.truncated ELSE false END AS truncated,"
                f" CASE WHEN t.kind IN ({kinds}) OR t.content IS NULL THEN t.problem"
                "  ELSE 'content not kept in the bundled snapshot' END AS problem,"
                " t.blob_sha, t.source_repo, coalesce(d.data_at, t.collected_at) AS collected_at FROM repo_files t"
                + _project_join() + " ORDER BY p.slug, t.path")
    if table in ("pypi_packages", "pypi_releases"):
        return (f"SELECT t.* FROM {table} t WHERE t.package IN (SELECT lower(regexp_replace(pypi_package,"
                " '[-_.]+', '-', 'g')) FROM projects WHERE pypi_package IS NOT NULL) ORDER BY ALL")
    if table == "grants":
        return "SELECT t.* EXCLUDE (id) FROM grants t ORDER BY t.grant_key"
    if table in per_project:
        return f"SELECT p.slug AS project, t.* EXCLUDE (project_id) FROM {table} t" + _project_join() + " ORDER BY ALL"
    return f"SELECT t.* FROM {table} t ORDER BY ALL"


def _numbered() -> str:
    """Commit numbers (1 = the oldest) in place of commit ids."""
    return (" JOIN (SELECT project_id, sha, row_number() OVER (PARTITION BY project_id ORDER BY committer_at, sha)"
            " AS n FROM git_commits) c ON c.project_id = t.project_id AND c.sha = t.sha")


def _scrubbed(store: Store, table: str, query: str) -> str:
    """`query` with every text that looks like an e-mail address replaced (the pseudonyms are
    left as they are: they are not addresses)."""
    described = store.con.execute(f"DESCRIBE {query}").fetchall()
    columns = [row[0] for row in described]
    text = {row[0] for row in described if str(row[1]).upper() in ("VARCHAR", "JSON")} - {
        "author_email", "author_key", "project"}
    if not text:
        return query
    pattern = EMAIL.pattern.replace("'", "''")
    parts = [f"regexp_replace(q.{c}::VARCHAR, '{pattern}', '{EMAIL_REMOVED}', 'g') AS {c}"
             if c in text else f"q.{c}" for c in columns]
    return f"SELECT {', '.join(parts)} FROM ({query}) q"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# -- checking what was written -------------------------------------------------------------------
def _check(full: Store, out: Path, plans: dict[str, Plan], started: datetime, say: Say) -> None:
    """Load the snapshot into a scratch database: every project's metrics, as of its data date,
    must equal those of the full data, and no e-mail address may be left."""
    from tracker import metrics

    with tempfile.TemporaryDirectory(prefix="tracker-sample-check-") as tmp:
        copy = Store.open(Path(tmp) / "check.duckdb")
        try:
            load(copy, out, require_empty=True)
            leaks = email_leaks(copy)
            if leaks:
                raise SampleError("the snapshot still holds e-mail addresses in " + ", ".join(leaks))
            ids_full = {p.slug: p.id for p in registry.all_projects(full)}
            ids_copy = {p.slug: p.id for p in registry.all_projects(copy)}
            by_date: dict[datetime, list[str]] = {}
            for slug, plan in plans.items():
                by_date.setdefault(score_date(plan, started), []).append(slug)
            differences = []
            for when, slugs in by_date.items():
                a = metrics.compute(full, [ids_full[s] for s in slugs], when)
                b = metrics.compute(copy, [ids_copy[s] for s in slugs], when)
                for slug in slugs:
                    ma, mb = a.get(ids_full[slug], {}), b.get(ids_copy[slug], {})
                    for name in sorted(set(ma) | set(mb)):
                        if _plain(ma.get(name)) != _plain(mb.get(name)):
                            differences.append(f"{slug} {name}: {ma.get(name)!r} != {mb.get(name)!r}")
            if differences:
                raise SampleError(f"{len(differences)} metric(s) differ between the full data and the snapshot: "
                                  + "; ".join(differences[:10]))
            say(f"checked: the snapshot gives the same metrics as the full data for {len(plans)} projects,"
                " and holds no e-mail address")
        finally:
            copy.close()


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def email_leaks(store: Store) -> list[str]:
    """Columns (table.column) of a database holding text that looks like an e-mail address."""
    found = []
    for (table,) in store.all("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
                              " AND table_type = 'BASE TABLE' ORDER BY 1"):
        for column in _text_columns(store, table):
            hits = store.scalar(f"SELECT count(*) FROM {table} WHERE regexp_matches({column}::VARCHAR, ?)",
                                [EMAIL.pattern])
            if hits:
                found.append(f"{table}.{column} ({hits} rows)")
    return found


# -- load ----------------------------------------------------------------------------------------
def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    try:
        if path.stat().st_size > 5_000_000:
            raise SampleError(f"{path} is larger than 5 MB; not a snapshot manifest")
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SampleError(f"no bundled snapshot at {directory} (no {MANIFEST}); "
                          "make one with `tracker sample build`") from None
    except (OSError, ValueError) as exc:
        raise SampleError(f"{path} cannot be read: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SampleError(f"{path}: snapshot format {manifest.get('format') if isinstance(manifest, dict) else '?'}"
                          f" is not {FORMAT}; rebuild it with `tracker sample build`")
    return manifest


def _parse(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def load(store: Store, directory: Path | None = None, *, require_empty: bool = True,
         say: Say | None = None) -> dict[str, Any]:
    """Load the bundled snapshot into `store` (which must track no project yet) in one transaction.
    Returns {projects, rows, built_at, data_from, data_to, scored, score_failures, directory}."""
    directory = Path(directory) if directory else sample_dir()
    manifest = read_manifest(directory)
    files = {t: directory / f"{t}.parquet" for t in manifest.get("tables", {})
             if _IDENT.match(t) and t not in COMPUTED_TABLES}
    total = sum(f.stat().st_size for f in files.values() if f.is_file())
    if total > MAX_SAMPLE_BYTES:
        raise SampleError(f"the snapshot at {directory} is {total / 1e6:.0f} MB, more than a bundled snapshot may be")
    built_at = _parse(manifest.get("built_at")) or utcnow()
    now = utcnow()
    rows = 0
    with store.transaction():
        tracked = store.scalar("SELECT count(*) FROM projects")
        if tracked and require_empty:
            raise SampleError(f"the database already tracks {tracked} project(s): the bundled snapshot is only "
                              "loaded into an empty database")
        entries = [e for e in manifest.get("projects", []) if isinstance(e, dict) and isinstance(e.get("repo"), str)]
        for e in entries:
            registry.add(store, e["repo"], pypi_package=_text(e.get("pypi")), category=_text(e.get("category")),
                         display_name=_text(e.get("name")), opencollective_slug=_text(e.get("opencollective")))
        ids = {p.slug.lower(): p.id for p in registry.all_projects(store)}
        for table, path in files.items():
            if path.is_file():
                rows += _insert(store, table, path)
        runs = []
        bundled = []
        for e in entries:
            pid = ids.get(e["repo"].lower())
            if pid is None:
                continue
            data_at = _parse(e.get("data_at"))
            bundled.append([pid, built_at, data_at, _text(e.get("git_from")), now])
            for source, when in (e.get("sources") or {}).items():
                when = _parse(when)
                if when is not None and isinstance(source, str) and _IDENT.match(source):
                    runs.append([source, pid, when, when, json.dumps({"bundled_snapshot": _iso(built_at)})])
        store.con.executemany(
            "INSERT INTO collection_runs (source, project_id, started_at, finished_at, status, counters, host)"
            " VALUES (?, ?, ?, ?, 'ok', ?, 'bundled snapshot')", runs)
        store.con.executemany("INSERT INTO bundled_snapshot VALUES (?, ?, ?, ?, ?)", bundled)
        scored, score_failures = score_loaded(store, now)
    dates = [d for d in (_parse(e.get("data_at")) for e in entries) if d is not None]
    summary = {"projects": len(entries), "rows": rows, "built_at": built_at,
               "data_from": min(dates) if dates else None, "data_to": max(dates) if dates else None,
               "scored": scored, "score_failures": score_failures, "directory": str(directory)}
    if say:
        say(f"loaded the bundled snapshot of {built_at:%Y-%m-%d} ({directory}): {len(entries)} projects, "
            f"{rows:,} rows; {scored} scored as of their data dates")
        for slug, problem in score_failures:
            say(f"could not score {slug}: {problem}")
    return summary


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _insert(store: Store, table: str, path: Path) -> int:
    """Insert a snapshot file into `table`: the columns both have, projects by name."""
    con = store.con
    source = f"read_parquet('{_sql_path(path)}')"
    have = [d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description]
    columns = [c for c in _columns(store, table) if c != "project_id"]
    special = {
        "git_commits": {"sha": "'snapshot-' || s.sha", "parents": "''",
                        "committer_at": "make_timestamp(s.committer_at * 1000000)",
                        "author_at": "make_timestamp((s.committer_at - s.author_before) * 1000000)"},
        "git_commit_files": {"sha": "'snapshot-' || s.sha"},
        "git_repos": {"source": "'https://github.com/' || p.slug || '.git'", "local_path": "''",
                      "head_sha": "NULL"},
    }.get(table, {})
    chosen = [c for c in columns if c in special or c in have]
    exprs = [special.get(c, f"s.{c}") for c in chosen]
    if "project" in have:
        chosen.insert(0, "project_id")
        exprs.insert(0, "p.id")
        join = " JOIN projects p ON p.slug_key = lower(s.project)"
    else:
        join = ""
    sql = (f"INSERT INTO {table} ({', '.join(chosen)}) SELECT {', '.join(exprs)} FROM {source} s{join}")
    if table in ("pypi_packages", "pypi_releases", "grants"):
        sql += " ON CONFLICT DO NOTHING"
    result = con.execute(sql).fetchone()
    return int(result[0]) if result else 0


def load_if_empty(db_path: Path, directory: Path | None = None, say: Say | None = None,
                  command: str = "tracker serve") -> dict[str, Any] | None:
    """On a first start: when the database tracks no project yet, load the bundled snapshot into it
    (under the writer lock, one short transaction). None when it already had projects."""
    from tracker import lock

    db_path = Path(db_path)
    writer = lock.acquire_writer(db_path, f"{command}: loading the bundled snapshot")
    try:
        store = Store.open(db_path, lock_timeout=lock.timeout_from_env())
        try:
            if store.scalar("SELECT count(*) FROM projects"):
                return None
            return load(store, directory, say=say)
        finally:
            store.close()
    finally:
        writer.release()


def first_start(db_path: Path, directory: Path | None = None, *, use_sample: bool = True,
                say: Say | None = None, warn: Say | None = None) -> dict[str, Any] | None:
    """`tracker serve` on an empty database: load the bundled snapshot; without one (or with
    `use_sample` false), track the curated list so the scheduler collects it. Returns the load's
    summary, {"tracked": n} for the curated list, or None when the database had projects."""
    from tracker import lock

    say = say or (lambda _m: None)
    if use_sample:
        try:
            return load_if_empty(db_path, directory, say=say)
        except SampleError as exc:
            (warn or say)(f"{exc}; starting without it: the curated list is tracked and collected")
    curated = next((p for p in (REPO_ROOT / "data" / "projects.yaml", Path.cwd() / "data" / "projects.yaml")
                    if p.is_file()), None)
    if curated is None:
        return None
    writer = lock.acquire_writer(db_path, "tracker serve: tracking the curated list")
    try:
        with Store.open(db_path, lock_timeout=lock.timeout_from_env()) as store:
            if registry.all_projects(store):
                return None
            added, _ = registry.import_list(store, curated)
    finally:
        writer.release()
    say(f"first start: {added} curated projects tracked ({curated}); the scheduler collects them")
    return {"tracked": added}
