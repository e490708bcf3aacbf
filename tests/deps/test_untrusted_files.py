"""Dependency files from strangers' pull requests (issue 14): includes stay inside the repository
or the working directory, nothing reached by an include is echoed, secrets are redacted, every file
is parsed once, sizes and nesting are capped before reading, and the CI gate fails closed.
Every hostile file is made here, in tmp_path."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from tests.deps.hostile import (
    HANG_GUARD,
    SECRET_LINES,
    TOKEN,
    include_bomb,
    make_layout,
    no_leak,
    run_tracker,
    sparse,
)

FILES = Path(__file__).parent / "files"


@pytest.fixture
def layout(tmp_path, monkeypatch):
    lay = make_layout(tmp_path)
    monkeypatch.chdir(lay.root / "cwd")   # the working directory holds neither the repository nor the secret
    return lay


# ---- includes outside the repository ---------------------------------------------------------

def test_includes_outside_the_repository_are_refused_by_name_and_never_read(cli, layout):
    reqs = layout.repo / "reqs"
    reqs.mkdir()
    (reqs / "linked.txt").symlink_to(layout.secret)          # a symlink inside, pointing out
    to_root = "../" * (len(reqs.parts) - 1)
    top = reqs / "requirements.txt"
    top.write_text("-r ../../outside/secret.env\n"
                   f"-r {layout.secret}\n"
                   "--requirement=linked.txt\n"
                   f"-c {to_root}{str(layout.secret).lstrip('/')}\n"
                   "--constraint ../../outside/../outside/secret.env\n"
                   "click==8.1.7\n")
    for fmt in ("table", "json", "markdown", "csv"):
        result = cli("deps", str(top), "--offline", "--format", fmt)
        assert result.code == 0, result.err
        no_leak(result.out, result.err)
    data = cli("deps", str(top), "--offline", "--format", "json").json()
    assert [r["package"] for r in data["dependencies"]] == ["click"]
    assert len(data["unread"]) == 5
    err = cli("deps", str(top), "--offline").err
    for ref in ("../../outside/secret.env", str(layout.secret), "linked.txt"):
        assert f"the included requirements file {ref} was refused" in err
    assert "outside the repository and the working directory" in err
    gate = cli("deps", str(top), "--offline", "--fail-on", "low")
    assert gate.code == 2
    assert "5 inputs could not be read" in gate.err and "--fail-on cannot pass" in gate.err
    no_leak(gate.out, gate.err)


def test_the_working_directory_is_a_root_too(cli, layout, monkeypatch):
    """A checkout that is not a git repository: includes may use the working directory."""
    work = layout.root / "cwd"
    (work / "shared").mkdir()
    (work / "shared" / "base.txt").write_text("idna==3.7\n")
    (work / "app").mkdir()
    top = work / "app" / "requirements.txt"
    top.write_text("-r ../shared/base.txt\nsix==1.16.0\n")
    data = cli("deps", str(top), "--offline", "--format", "json").json()
    assert {r["package"] for r in data["dependencies"]} == {"idna", "six"} and data["unread"] == []


def test_credential_files_and_git_internals_are_never_read_even_inside_the_repository(cli, layout):
    (layout.repo / ".env").write_text(SECRET_LINES)
    (layout.repo / ".env.production").write_text(SECRET_LINES)
    (layout.repo / "deploy.pem").write_text(SECRET_LINES)
    top = layout.repo / "requirements.txt"
    top.write_text("-r .env\n-c ./.env.production\n-r .git/config\n-r deploy.pem\nsix==1.16.0\n")
    result = cli("deps", str(top), "--offline", "--format", "json")
    assert result.code == 0
    no_leak(result.out, result.err)
    unread = result.json()["unread"]
    assert len(unread) == 4
    assert sum("a credentials file" in u for u in unread) == 3
    assert sum("inside .git" in u for u in unread) == 1


def test_text_of_an_included_file_is_never_echoed_and_secrets_are_redacted(cli, layout):
    notes = layout.repo / "notes.txt"
    notes.write_text("API_TOKEN=hunter2-very-secret is not a requirement\n--hunter2-very-secret\nsix==1.16.0\n")
    top = layout.repo / "requirements.txt"
    top.write_text(f"-r notes.txt\nGITHUB_TOKEN={TOKEN}\n"
                   "https://ci:hunter2-very-secret@example.org/dist/archive.zip\n"
                   f"--token={TOKEN}\n")
    for fmt in ("table", "json", "markdown", "csv"):
        result = cli("deps", str(top), "--offline", "--format", fmt)
        assert result.code == 0, result.err
        no_leak(result.out, result.err)
    result = cli("deps", str(top), "--offline", "--format", "json")
    warnings = result.json()["warnings"]
    # the included file: file and line, never its text
    assert f"{notes}:1: this line is not a valid requirement; skipped (its text is not shown:" \
           " the file was reached by an include)" in warnings
    assert any(w.startswith(f"{notes}:2: an unknown option; line skipped") for w in warnings)
    # the file the user named: its text, with the secret redacted
    assert any(w.startswith(f"{top}:2: 'GITHUB_TOKEN=***' is not a valid requirement") for w in warnings)
    unsupported = result.json()["unsupported"]
    assert unsupported[0]["reference"] == "https://***@example.org/dist/archive.zip"
    assert [r["package"] for r in result.json()["dependencies"]] == ["six"]


def test_a_requirement_that_looks_like_a_token_is_dropped_not_looked_up(cli, layout):
    top = layout.repo / "requirements.txt"
    top.write_text(f"{TOKEN}\nsix==1.16.0\n")
    result = cli("deps", str(top), "--offline", "--format", "json")
    no_leak(result.out, result.err)
    assert [r["package"] for r in result.json()["dependencies"]] == ["six"]
    assert any("looks like a secret" in w for w in result.json()["warnings"])


# ---- each file once: include bombs and cycles ------------------------------------------------

def test_an_include_bomb_finishes_with_each_file_parsed_once(layout, tmp_path):
    top = include_bomb(layout.repo / "bomb", cycle=True)      # 21 files, each including the next 3 times
    run = run_tracker(tmp_path / "db.duckdb", "deps", str(top), "--offline", "--format", "json",
                      cwd=layout.root / "cwd")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    rows = {r["package"]: r for r in data["dependencies"]}
    assert set(rows) == {f"pkg{i}" for i in range(21)}
    assert all(len(r["found_in"]) == 1 for r in rows.values())
    assert "f20.txt:2: an include would loop (" in run.err      # f20 was reached by an include: not quoted


def test_every_file_is_read_once_per_run(layout):
    from tracker.deps.formats import parse_path
    from tracker.deps.sources import DiskIncludes

    class Counting(DiskIncludes):
        def __init__(self):
            super().__init__()
            self.reads: dict[str, int] = {}

        def read(self, source):
            self.reads[source.key] = self.reads.get(source.key, 0) + 1
            return super().read(source)

    top = include_bomb(layout.repo / "bomb", files=21, times=3)
    includes = Counting()
    result = parse_path(top, includes)
    again = parse_path(layout.repo / "bomb" / "f5.txt", includes)   # a second file of the same run
    assert len(result.dependencies) == 21 and len(again.dependencies) == 16
    assert len(includes.reads) == 20 and set(includes.reads.values()) == {1}   # f1..f20, once each


# ---- sizes: checked before reading, and bounded reads --------------------------------------------

def test_a_huge_named_file_is_refused(cli, layout):
    huge = sparse(layout.repo / "requirements.txt", 50_000_000)
    result = cli("deps", str(huge), "--offline")
    assert result.code == 2 and "larger than 20,000,000 bytes" in result.err
    assert result.err.count("\n") == 1


def test_a_huge_include_is_refused_before_it_is_read(layout, tmp_path):
    sparse(layout.repo / "huge.txt", 50_000_000)
    (layout.repo / "tiny.txt").write_text("idna==3.7\n")
    top = layout.repo / "requirements.txt"
    top.write_text("-r huge.txt\nsix==1.16.0\n")
    small = layout.repo / "small.txt"
    small.write_text("-r tiny.txt\nsix==1.16.0\n")
    cwd = layout.root / "cwd"
    base = run_tracker(tmp_path / "db.duckdb", "deps", str(small), "--offline", "--format", "json", cwd=cwd)
    big = run_tracker(tmp_path / "db.duckdb", "deps", str(top), "--offline", "--format", "json", cwd=cwd)
    assert base.code == 0 and big.code == 0, big.err
    assert "cannot read the included requirements file huge.txt: larger than 20,000,000 bytes" in big.err
    # reading the 50 MB file would have added at least 48,000 KB to the peak memory
    assert big.maxrss_kb - base.maxrss_kb < 20_000, (base.maxrss_kb, big.maxrss_kb)


def test_an_endless_device_stops_at_the_cap(cli, layout):
    link = layout.repo / "requirements.txt"
    link.symlink_to("/dev/zero")
    result = cli("deps", str(link), "--offline")
    assert result.code == 2 and "larger than 20,000,000 bytes" in result.err


def _fifo_with_writer(path: Path):
    """A FIFO whose writer is connected before tracker opens it (as with `<(command)`)."""
    os.mkfifo(path)
    guard = os.open(path, os.O_RDONLY | os.O_NONBLOCK)   # lets the writer connect first
    writer = os.open(path, os.O_WRONLY)
    return guard, writer


def test_a_fifo_is_read_like_a_file(cli, tmp_path):
    fifo = tmp_path / "fifo"
    guard, writer = _fifo_with_writer(fifo)
    os.write(writer, b"six==1.16.0\nidna==3.7\n")
    os.close(writer)
    try:
        result = cli("deps", str(fifo), "--offline", "--format", "json")
    finally:
        os.close(guard)
    assert result.code == 0, result.err
    assert {r["package"] for r in result.json()["dependencies"]} == {"six", "idna"}


def test_an_endless_fifo_stops_at_the_cap(cli, tmp_path):
    fifo = tmp_path / "requirements.txt"
    guard, writer = _fifo_with_writer(fifo)

    def write_forever():
        try:
            while True:
                os.write(writer, b"six==1.16.0\n" * 4096)
        except OSError:      # the readers are gone (EPIPE)
            pass
        finally:
            os.close(writer)

    thread = threading.Thread(target=write_forever, daemon=True)
    thread.start()
    try:
        result = cli("deps", str(fifo), "--offline")
    finally:
        os.close(guard)
        thread.join(HANG_GUARD)
    assert result.code == 2 and "larger than 20,000,000 bytes" in result.err


def test_a_fifo_without_a_writer_does_not_hang(cli, tmp_path):
    fifo = tmp_path / "requirements.txt"
    os.mkfifo(fifo)
    result = cli("deps", str(fifo), "--offline", "--format", "json")
    assert result.code == 0 and result.json()["dependencies"] == []


def test_too_many_dependencies_are_refused(cli, tmp_path):
    big = tmp_path / "requirements.txt"
    big.write_text("".join(f"package-{i}==1.0\n" for i in range(20_001)))
    result = cli("deps", str(big), "--offline")
    assert result.code == 2 and "more than 20,000 dependencies" in result.err


def test_a_line_of_a_million_spaces_is_linear(layout, tmp_path):
    """pip's comment regex backtracks quadratically on long runs of spaces; ours must not."""
    top = layout.repo / "requirements.txt"
    top.write_text("six==1.16.0\nidna" + " " * 1_000_000 + "x\n" + "a" + " " * 1_000_000 + "# c\n")
    run = run_tracker(tmp_path / "db.duckdb", "deps", str(top), "--offline", "--format", "json",
                      cwd=layout.root / "cwd")
    assert run.code == 0, run.err
    assert "is not a valid requirement" in run.err


# ---- nesting and numbers ---------------------------------------------------------------------

@pytest.mark.parametrize("name, text", [
    ("bom.cdx.json", '{"bomFormat": "CycloneDX", "components": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("bom.cdx.json", '{"bomFormat": "CycloneDX", "version": ' + "9" * 5000 + "}"),
])
def test_deep_or_huge_json_is_a_clear_error(cli, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    for args in ((), ("--fail-on", "low")):
        result = cli("deps", str(path), "--offline", *args)
        assert result.code == 2, result.err
        assert "internal error" not in result.err
        assert "nested more than 100 levels" in result.err or "digits" in result.err


@pytest.mark.parametrize("name, text", [
    ("pyproject.toml", "a = " + "[" * 100_000 + "]" * 100_000 + "\n"),
    ("pyproject.toml", ".".join(["a"] * 50_000) + " = 1\n"),
    ("uv.lock", 'version = 1\nrequires-python = ">=3"\nx = ' + "{a = " * 5000 + "1" + "}" * 5000 + "\n"),
    ("Pipfile.lock", '{"_meta": {}, "default": ' + "[" * 100_000 + "]" * 100_000 + "}"),
])
def test_deep_lock_files_are_unread_inputs_with_a_clear_reason(cli, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    result = cli("deps", str(path), "--offline", "--format", "json")
    assert result.code == 0 and "internal error" not in result.err
    assert "nested more than 100 levels" in result.json()["unread"][0]
    assert cli("deps", str(path), "--offline", "--fail-on", "low").code == 2


# ---- the CI gate fails closed ----------------------------------------------------------------

def _cut(name: str, fraction: float) -> str:
    text = (FILES / name).read_text()
    return text[: int(len(text) * fraction)]


BROKEN = {
    "garbage uv.lock": ("uv.lock", "this is not a lock file ]]] {{\n"),
    "truncated uv.lock": ("uv.lock", _cut("uv.lock", 0.5)),
    "uv.lock holding JSON": ("uv.lock", '{"package": []}\n'),
    "uv.lock without packages": ("uv.lock", 'version = 1\nrequires-python = ">=3.11"\n'),
    "poetry.lock without its metadata": ("poetry.lock", (FILES / "poetry.lock").read_text().split("[metadata]")[0]),
    "poetry.lock holding a uv.lock": ("poetry.lock", (FILES / "uv.lock").read_text()),
    "truncated Pipfile.lock": ("Pipfile.lock", _cut("Pipfile.lock", 0.6)),
    "Pipfile.lock without _meta": ("Pipfile.lock", '{"default": {"six": {"version": "==1.16.0"}}}'),
    "pyproject.toml that is not TOML": ("pyproject.toml", "[project\nname = 'x'\n"),
    "requirements that are not requirements": ("requirements.txt", "!!! ;;; {{{\n>>> ??? <<<\n"),
    "an include of a missing file": ("requirements.txt", "-r missing.txt\nsix==1.16.0\n"),
    "an include by URL": ("requirements.txt", "-r https://example.org/more.txt\nsix==1.16.0\n"),
    "a constraints file by URL": ("requirements.txt", "-c https://example.org/c.txt\nsix==1.16.0\n"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_gate_fails_closed_on_inputs_it_could_not_read(cli, tmp_path, case):
    name, text = BROKEN[case]
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / name
    path.write_text(text)
    good = tmp_path / "requirements-good.txt"
    good.write_text("idna==3.7\n")
    gate = cli("deps", str(good), str(path), "--offline", "--fail-on", "low")
    assert gate.code == 2, (gate.code, gate.err)
    assert "could not be read" in gate.err and str(path) in gate.err and "--fail-on cannot pass" in gate.err
    # without the gate the report says so plainly, in every format
    report = cli("deps", str(good), str(path), "--offline", "--format", "json")
    assert report.code == 0, report.err
    data = report.json()
    assert data["unread"] and all(u.startswith(str(path)) for u in data["unread"])
    assert data["summary"]["unread"] == len(data["unread"])
    table = cli("deps", str(good), str(path), "--offline")
    assert "could not be read (the report is incomplete)" in table.out
    markdown = cli("deps", str(good), str(path), "--offline", "--format", "markdown")
    assert "could not be read" in markdown.out.split("\n| package")[0]


def test_every_truncation_of_a_lock_fails_the_gate(cli, tmp_path):
    """Cut uv.lock and poetry.lock at every line and inside lines: never a silent pass."""
    for name in ("uv.lock", "poetry.lock"):
        text = (FILES / name).read_text()
        # uv.lock: sniffio, the last package, is needed by anyio, the first; poetry.lock ends with metadata
        end = text.index('name = "sniffio"') if name == "uv.lock" else len(text.rstrip())
        cuts = [m + 1 for m in range(end) if text[m] == "\n"] + list(range(7, end, 97))
        folder = tmp_path / name.replace(".", "-")
        folder.mkdir()
        path = folder / name
        for cut in cuts:
            path.write_text(text[:cut])
            gate = cli("deps", str(path), "--offline", "--fail-on", "critical")
            assert gate.code == 2, f"{name} cut at {cut} passed the gate:\n{text[:cut][-200:]}"


def test_sound_locks_with_odd_entries_still_pass_the_gate(cli):
    """An entry the installer itself would reject is a warning, not an unread input."""
    for name in ("uv.lock", "poetry.lock", "Pipfile.lock", "bom.cdx.json"):
        result = cli("deps", str(FILES / name), "--offline", "--fail-on", "low", "--format", "json")
        assert result.code == 0, (name, result.err)
        assert result.json()["unread"] == [] and result.json()["warnings"]


def test_dependency_groups_that_include_each_other_many_times_stay_linear(layout, tmp_path):
    """PEP 735's include-group is the same bomb inside one pyproject.toml."""
    groups = [f'g{i} = ["pkg{i}==1.0"' + "".join(f', {{include-group = "g{i + 1}"}}' for _ in range(3)) + "]"
              for i in range(20)] + ['g20 = ["pkg20==1.0"]']
    path = layout.repo / "pyproject.toml"
    path.write_text('[project]\nname = "bomb"\n\n[dependency-groups]\n' + "\n".join(groups) + "\n")
    run = run_tracker(tmp_path / "db.duckdb", "deps", str(path), "--offline", "--format", "json",
                      cwd=layout.root / "cwd")
    assert run.code == 0, run.err
    rows = {r["package"]: r for r in json.loads(run.out)["dependencies"]}
    assert set(rows) == {f"pkg{i}" for i in range(21)}
    assert rows["pkg20"]["groups"] == [f"group:g{i}" for i in range(21)]


def test_all_the_files_of_one_run_are_capped_together(cli, tmp_path):
    names = []
    for n in range(3):
        path = tmp_path / f"requirements-{n}.txt"
        path.write_text("".join(f"package-{n}-{i}==1.0\n" for i in range(19_000)))
        names.append(str(path))
    result = cli("deps", *names, "--offline")
    assert result.code == 2 and "more than 50,000 dependencies in the files given" in result.err
    small = tmp_path / "requirements-small.txt"
    small.write_text("".join(f"package-{i}==1.0\n" for i in range(50)))
    once = cli("deps", str(small), str(small), "--offline", "--format", "json")   # the same file twice: read once
    assert once.code == 0 and len(once.json()["files"]) == 1 and len(once.json()["dependencies"]) == 50


def test_a_lock_entry_that_looks_like_a_token_is_not_shown(cli, tmp_path):
    text = (FILES / "Pipfile.lock").read_text().replace('"default": {', f'"default": {{"{TOKEN}": {{"version": "==1"}},', 1)
    path = tmp_path / "Pipfile.lock"
    path.write_text(text)
    result = cli("deps", str(path), "--offline", "--format", "json")
    assert result.code == 0, result.err
    no_leak(result.out, result.err)
    assert any("looks like a secret" in w for w in result.json()["warnings"])


def test_an_include_that_is_not_utf8_is_read_with_a_warning(cli, layout):
    (layout.repo / "latin.txt").write_bytes("six==1.16.0  # caf\xe9\n".encode("latin-1"))
    top = layout.repo / "requirements.txt"
    top.write_text("-r latin.txt\n")
    data = cli("deps", str(top), "--offline", "--format", "json").json()
    assert [r["package"] for r in data["dependencies"]] == ["six"]
    assert any("latin.txt: not valid UTF-8" in w for w in data["warnings"]) and data["unread"] == []


@pytest.mark.parametrize("breaks", ["\n", "\x1c", "\r"])
def test_too_many_lines_are_refused_before_they_are_split(cli, tmp_path, breaks):
    """20 MB of empty lines once took 2.4 GB: lines are counted (every separator str.splitlines
    knows) before any is made."""
    path = tmp_path / "requirements.txt"
    path.write_text("six==1.16.0\n" + breaks * 200_001)
    result = cli("deps", str(path), "--offline")
    assert result.code == 2 and "more than 200,000 lines" in result.err
    path.write_text("six==1.16.0\n" + breaks * 199_000)
    assert cli("deps", str(path), "--offline").code == 0
