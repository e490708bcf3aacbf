"""Progress output (bars on a terminal, plain lines elsewhere, each kind of warning once), failures
grouped in words, and `tracker collect`'s summary on real repositories and an unreachable host."""

from __future__ import annotations

import io
from types import SimpleNamespace

from tracker import failures
from tracker.progress import Progress

CLONE = ("cannot clone https://github.com/{p}.git: network unreachable (fatal: unable to access "
         "'https://github.com/{p}.git/': Could not resolve host: github.com)")
GITHUB = ("rest: cannot reach https://api.github.com (ConnectionError); gave up after 6 attempts; contributors: "
          "cannot reach https://api.github.com (ConnectionError); not trying again before 08:11:13 UTC")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_unreachable_hosts_are_recognised_and_named():
    assert failures.unreachable(CLONE.format(p="a/b")) and failures.host_of(CLONE.format(p="a/b")) == "github.com"
    assert failures.describe(CLONE.format(p="a/b"), "a/b") == (
        "github.com cannot be reached (its name does not resolve): offline, or blocked")
    assert failures.describe(GITHUB) == "api.github.com cannot be reached (no connection): offline, or blocked"
    refused = "cannot clone https://127.0.0.1:9/x/y.git: fatal: unable to access: Failed to connect to 127.0.0.1 port 9"
    assert failures.unreachable(refused) and failures.host_of(refused) == "127.0.0.1"
    assert not failures.unreachable("PyPI has no package 'x' (check the project's pypi entry)")
    assert not failures.unreachable("HTTP 404: repository not found")


def test_failures_are_grouped_by_kind_with_their_projects():
    outcomes = [SimpleNamespace(source="git", project=p, status="error", error=CLONE.format(p=p))
                for p in ("a/one", "b/two", "c/three", "d/four", "e/five", "f/six", "g/seven")]
    outcomes += [SimpleNamespace(source="pypi", project="a/one", status="error",
                                 error="PyPI has no package 'one' (check the project's pypi entry)"),
                 SimpleNamespace(source="pypi", project="b/two", status="ok", error=None),
                 SimpleNamespace(source="github", project="a/one", status="partial",
                                 error="graphql: answered 502 for a/one at 08:11 UTC")]
    grouped = failures.group(outcomes)
    assert [f.line() for f in grouped] == [
        "git: github.com cannot be reached (its name does not resolve): offline, or blocked "
        "(7 projects: a/one, b/two, c/three, d/four, e/five and 2 more)",
        "pypi: PyPI has no package 'one' (check the project's pypi entry) (1 project: a/one)"]
    partial = failures.group(outcomes, ("partial",))
    assert [f.text for f in partial] == ["graphql: answered 502 for OWNER/REPO at HH:MM"]


def test_plain_lines_off_a_terminal_and_each_kind_of_warning_once():
    out = io.StringIO()
    p = Progress(out)
    for i, slug in enumerate(("a/one", "b/two", "c/three"), 1):
        child = p.child(f"[{i}/3] git {slug}: ")
        child("cloning")
        child.warn(f"git {slug}: " + CLONE.format(p=slug))
    lines = out.getvalue().splitlines()
    assert sum("cloning" in line for line in lines) == 3          # every step, on its own line
    warnings = [line for line in lines if line.startswith("warning:")]
    assert warnings == ["warning: [1/3] git a/one: " + CLONE.format(p="a/one")]   # once, no repeated prefix
    assert p.repeated == 2
    other = p.child("[3/3] pypi c/three: ")
    other.warn("PyPI has no package 'three'")                      # another kind: shown
    assert out.getvalue().count("warning:") == 2
    fresh = p.fresh()                                              # a new run says it again
    fresh.child("[1/1] git a/one: ").warn(CLONE.format(p="a/one"))
    assert out.getvalue().count("warning:") == 3


def test_a_bar_on_a_terminal_redrawn_in_place():
    term = Terminal()
    p = Progress(term)
    p.child("[1/4] git a/one: ")("reading history")
    p.child("[3/4] git c/three: ")("reading history")
    text = term.getvalue()
    assert "\n" not in text and text.count("\r\x1b[K") == 2       # one line, redrawn
    assert "[############............] 3/4" in text and "c/three: reading history" in text
    p("a line of its own")                                        # not an item: clears the bar first
    p.finish()
    assert term.getvalue().endswith("a line of its own\n")


def test_hidden_messages_are_counted_not_shown():
    out = io.StringIO()
    p = Progress(out).fresh(hide=failures.unreachable)
    p.child("[1/2] git a/b: ").warn(CLONE.format(p="a/b"))
    p.child("[1/2] github a/b: ")("cannot reach https://api.github.com (ConnectionError): retrying in 1s")
    assert out.getvalue() == "" and p.repeated == 1


def test_collect_prints_counts_then_one_line_per_failure(cli, make_repo):
    for name in ("one", "two"):
        repo = make_repo(name)
        repo.commit("2024-01-02")
        assert cli("add", f"o/{name}", "--git", str(repo.path)).code == 0
    for name in ("gone", "lost", "away"):      # GITHUB_SERVER_URL points at a closed loopback port
        assert cli("add", f"x/{name}").code == 0
    result = cli("collect", "--source", "git")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].split() == ["source", "projects", "ok", "partial", "failed"]
    assert lines[2].split() == ["git", "5", "2", "0", "3"]
    failed = [line for line in lines if line.startswith("failed:")]
    assert len(failed) == 1 and failed[0].startswith("failed: git: 127.0.0.1 cannot be reached (")
    assert failed[0].endswith("offline, or blocked (3 projects: x/away, x/gone, x/lost)")
    assert result.err.count("warning:") == 1                      # the first of its kind, once
    assert "2 of 5" not in result.err and "3 of 5 collections failed" in result.err
