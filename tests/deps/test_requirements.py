"""requirements files: includes, constraints, extras, markers, pins, URLs, VCS links, hashes,
continuations, comments, pip-compile annotations, and malformed lines that do not stop the rest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from tracker.deps import requirements
from tracker.deps.formats import parse_path
from tracker.deps.model import Dependency, ParseResult, Unsupported
from tracker.deps.sources import DiskIncludes, UploadIncludes
from tracker.userfiles import FileProblem

FILES = Path(__file__).parent / "files" / "reqs"


def by_key(result):
    return {d.key: d for d in result.dependencies}


def test_real_world_requirements_file_with_includes_and_constraints():
    result = parse_path(FILES / "requirements.txt")
    deps = by_key(result)
    # -r includes (nested, with --requirement=...) bring their requirements, each naming its own file
    assert deps["urllib3"].file.endswith("requirements-base.txt") and deps["urllib3"].line == 2
    assert deps["charset-normalizer"].file.endswith("requirements-common.txt")  # CRLF file
    assert deps["idna"].line == 1
    # -c constraints pin versions of requirements but add none of their own
    assert deps["urllib3"].version == "2.2.1"
    assert deps["certifi"].version == "2024.2.2"
    assert "never-required" not in deps
    # extras, markers, a range: no exact version
    req = deps["requests"]
    assert req.extras == ("security", "socks")
    assert req.marker == 'python_version >= "3.8"'
    assert req.version is None and req.specifier == "<3,>=2.31"
    # a pin continued over lines with hashes
    assert deps["django"].version == "4.2.11" and deps["django"].line == 10
    # wildcard and compatible-release are not pins; === is
    assert deps["numpy"].version is None and deps["numpy"].specifier == "==1.26.*"
    assert deps["pandas"].version is None
    assert deps["pyyaml"].version == "6.0.1"
    # names are PEP 503 normalised, the written name kept
    assert deps["typing-extensions"].name == "typing_extensions"


def test_urls_and_vcs_links():
    deps = by_key(parse_path(FILES / "requirements.txt"))
    black = deps["black"]                       # -e git+...#egg=black
    assert black.repo == "psf/black" and black.url.startswith("git+https://github.com/psf/black.git@23.1.0")
    click = deps["pallets/click"]               # a VCS link without #egg: the repository is the dependency
    assert click.ecosystem == "github" and click.repo == "pallets/click"
    assert deps["attrs"].version == "23.2.0"    # wheel file name
    assert deps["legacy-tool"].version == "0.9.1"  # sdist file name
    assert deps["rich"].repo == "Textualize/rich"  # PEP 508 name @ archive URL
    # ${VAR} is never expanded (it could hold a secret)
    assert deps["private-pkg"].url.startswith("${PRIVATE_INDEX}/")


def test_local_paths_are_listed_not_dropped():
    result = parse_path(FILES / "requirements.txt")
    local = {u.name: u for u in result.unsupported}
    assert set(local) == {".", "./vendor/internal-lib"}
    assert local["."].kind == "local path" and "line 22" in local["."].reason


def test_malformed_lines_warn_with_file_and_line_and_the_rest_is_read():
    result = parse_path(FILES / "requirements.txt")
    messages = [str(w) for w in result.warnings]
    req = str(FILES / "requirements.txt")
    assert any(m.startswith(f"{req}:25: 'this line is not a requirement !!' is not a valid requirement")
               for m in messages)
    assert f"{req}:26: unknown option '--no-such-option'; line skipped" in messages
    assert any(m.startswith(f"{req}:27: unknown option '--weird-flag'") for m in messages)
    # requirements-base.txt was reached by an include: its lines are named, never quoted
    base = str(FILES / "requirements-base.txt")
    assert any(m.startswith(f"{base}:5: an include would loop (") for m in messages)
    assert f"{base}:6: cannot read an included requirements file: no such file" in messages
    assert [w.line for w in parse_path(FILES / "requirements.txt").unread] == [6]
    # the line after the bad ones still counts
    assert "flask" in by_key(result)
    assert len(result.dependencies) == 17


def test_pip_compile_annotations_say_direct_or_transitive():
    deps = by_key(parse_path(FILES / "requirements-compiled.txt"))
    assert deps["django"].direct is True            # via -r requirements.in (multi-line block)
    assert deps["djangorestframework"].direct is True
    assert deps["tomli"].direct is True             # uv: via my-service (pyproject.toml)
    assert deps["asgiref"].direct is False          # via django
    assert deps["sqlparse"].direct is False
    legacy = by_key(parse_path(FILES / "requirements-legacy.txt"))  # annotation on the same line
    assert legacy["flask"].direct is True and legacy["click"].direct is False


def test_plain_files_do_not_say_direct():
    deps = by_key(parse_path(FILES / "requirements.txt"))
    assert all(d.direct is None for d in deps.values())


def test_continuation_and_comment_rules():
    lines = requirements.logical_lines("a \\\n  >=1\n# comment \\\nb # trailing \\\n\nc\\\n")
    assert lines == [(1, "a   >=1"), (3, "# comment \\"), (4, "b # trailing "), (6, "c")]
    result = requirements.parse("x==1 \\\n  ; python_version > '3'\n#c\ny[z]==2 # note\n", "r.txt")
    deps = by_key(result)
    assert deps["x"].marker == 'python_version > "3"' and deps["x"].version == "1"
    assert deps["y"].extras == ("z",) and deps["y"].line == 4


def test_local_paths_with_a_name_and_url_markers():
    result = requirements.parse(
        "-e ./libs/foo#egg=foo\n./dist/bar-1.0-py3-none-any.whl\nfile:///opt/pkgs/baz-2.0.tar.gz\n"
        "https://example.org/x.zip\n"
        "https://example.org/qux-1.2.tar.gz ; python_version < '3.12'\n", "r.txt")
    assert [(u.kind, u.name, u.version) for u in result.unsupported] == [
        ("local path", "foo", None), ("local path", "bar", "1.0"), ("local path", "baz", "2.0"),
        ("URL", "https://example.org/x.zip", None)]
    assert "editable: a local path (foo) (line 1)" in result.unsupported[0].reason
    (qux,) = result.dependencies
    assert (qux.key, qux.version, qux.marker) == ("qux", "1.2", "python_version < '3.12'")


def test_includes_without_a_loader_or_by_url_are_named():
    result = requirements.parse("-r other.txt\n-c https://example.org/c.txt\nsix\n", "pasted")
    assert [str(w) for w in result.warnings] == [
        "pasted:1: includes the requirements file other.txt, which was not given; add it too",
        "pasted:2: includes the constraints file https://example.org/c.txt by URL; it was not fetched",
    ]
    assert [d.key for d in result.dependencies] == ["six"]


def test_ten_thousand_lines(tmp_path):
    lines = [f"package-{i}=={i % 7}.{i % 11}.0 --hash=sha256:{i:064x}" for i in range(10_000)]
    path = tmp_path / "requirements-big.txt"
    path.write_text("\n".join(lines) + "\n")
    result = parse_path(path)
    assert len(result.dependencies) == 10_000 and not result.warnings
    assert result.dependencies[-1].line == 10_000


# ---- pinned to pip's semantics (pip 26: src/pip/_internal/req/req_file.py, constructors.py,
# ---- resolution/resolvelib/factory.py); each test names the rule it pins --------------------

def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder / next(iter(files))


def keys(result):
    return sorted(d.key for d in result.dependencies)


def test_nested_includes_resolve_from_the_including_file_not_the_top_file(tmp_path):
    """RequirementsFileParser._parse_and_recurse joins a nested path to dirname(including file)."""
    top = write(tmp_path, {"requirements.txt": "-r sub/a.txt\n", "sub/a.txt": "-r b.txt\n-c c.txt\nsix\n",
                           "sub/b.txt": "right-one==1.0\n", "b.txt": "wrong-one==1.0\n",
                           "sub/c.txt": "six==1.16.0\n", "c.txt": "six==9.9\n"})
    result = parse_path(top)
    assert keys(result) == ["right-one", "six"]
    assert by_key(result)["six"].version == "1.16.0"
    assert by_key(result)["right-one"].file == str(tmp_path / "sub" / "b.txt")


def test_a_requirement_option_inside_a_constraints_file_adds_requirements(tmp_path):
    """pip: `-r` always opens a requirements file (nested_constraint = False), even inside `-c`."""
    top = write(tmp_path, {"requirements.txt": "-c constraints.txt\nsix\n",
                           "constraints.txt": "-r more.txt\nsix==1.16.0\nnot-required==1.0\n",
                           "more.txt": "idna==3.7\n"})
    result = parse_path(top)
    assert keys(result) == ["idna", "six"]
    assert by_key(result)["idna"].version == "3.7" and by_key(result)["six"].version == "1.16.0"


def test_a_constraint_option_inside_an_included_file_constrains(tmp_path):
    top = write(tmp_path, {"requirements.txt": "-r base.txt\nsix\n", "base.txt": "-c c.txt\nidna\n",
                           "c.txt": "six==1.16.0\nidna==3.7\nnever-required==1.0\n"})
    result = parse_path(top)
    assert keys(result) == ["idna", "six"]
    assert [by_key(result)[k].version for k in ("idna", "six")] == ["3.7", "1.16.0"]


def test_constraints_never_override_or_add(tmp_path):
    """A constraint narrows the versions of a requirement that exists; it never replaces a pin the
    requirement allows nothing of (pip's resolver reports that conflict) and never adds a package."""
    top = write(tmp_path, {
        "requirements.txt": "-c c.txt\nsix==1.15.0\nidna<3\nrequests>=2\nurllib3\ncertifi>=2020\n",
        "c.txt": "six==1.16.0\nidna==3.7\nrequests==2.31.0\nrequests<3\nurllib3>=2,<3\n"
                 "certifi==2024.2.2 ; python_version < '3.8'\nnot-required==1.0\n"})
    result = parse_path(top)
    deps = by_key(result)
    assert keys(result) == ["certifi", "idna", "requests", "six", "urllib3"]
    assert deps["six"].version == "1.15.0"                      # the requirement's own pin stays
    assert deps["idna"].version is None                         # 3.7 is not < 3: not taken
    assert deps["requests"].version == "2.31.0"                 # constraints intersect with the requirement
    assert deps["requests"].specifier == "<3,==2.31.0,>=2"
    assert deps["urllib3"].version is None and deps["urllib3"].specifier == "<3,>=2"
    assert deps["certifi"].version is None                      # a constraint with a marker: not applied
    messages = [str(w) for w in result.warnings]
    # c.txt was reached by an include: named by file and line, its text not quoted
    assert any(f"c.txt:1: a constraint conflicts with the requirement six ({top}:2)" in m for m in messages)
    assert any(f"c.txt:2: a constraint conflicts with the requirement idna ({top}:3)" in m for m in messages)
    includes = DiskIncludes()
    includes.named_source(str(tmp_path / "c.txt"))      # the user gave c.txt too: it may be quoted
    named = requirements.parse("-c c.txt\nsix==1.15.0\n", str(top), includes)
    [conflict] = [str(w) for w in named.warnings]
    assert "constraint six==1.16.0 conflicts with the requirement six==1.15.0; pip would stop here" in conflict


def test_constraint_forms_pip_refuses(tmp_path):
    """check_invalid_constraint_type: unnamed, editable and extras constraints are errors in pip."""
    top = write(tmp_path, {"requirements.txt": "-c c.txt\nsix\n",
                           "c.txt": "-e git+https://github.com/benjaminp/six#egg=six\n"
                                    "https://example.org/six-1.16.0.tar.gz\nsix[extra]==1.16.0\n"})
    result = parse_path(top)
    assert keys(result) == ["six"] and by_key(result)["six"].version is None
    messages = " ".join(str(w) for w in result.warnings)
    for refused in ("editable requirements are not allowed as constraints",
                    "unnamed requirements are not allowed as constraints",
                    "constraints cannot have extras"):
        assert refused in messages


def test_option_lines_as_pip_reads_them(tmp_path):
    top = write(tmp_path, {
        "requirements.txt": "--index-url https://example.org/simple --extra-index-url https://x.example/simple\n"
                            "--requirem=base.txt\n"             # optparse takes a unique prefix
                            "-r one.txt -c two.txt\n"           # pip follows only the -r
                            "six==1.16.0 -r ignored.txt\n"      # options of a requirement line: not includes
                            "--hash=sha256:0000\n"              # a hash without a requirement: ignored
                            "--pre --prefer-binary --no-binary :all: --only-binary=:none: --trusted-host x\n"
                            "-rbare.txt\n",
        "base.txt": "idna==3.7\n", "one.txt": "certifi==2024.2.2\n", "two.txt": "certifi==1.0\n",
        "ignored.txt": "never==1.0\n", "bare.txt": "urllib3==2.2.1\n"})
    result = parse_path(top)
    assert keys(result) == ["certifi", "idna", "six", "urllib3"]
    assert by_key(result)["certifi"].version == "2024.2.2"
    messages = [str(w) for w in result.warnings]
    assert any(":4: -r on a requirement line is ignored (as pip does)" in m for m in messages)
    assert any(":5: --hash without a requirement is ignored (as pip does)" in m for m in messages)
    assert len(messages) == 2, messages


def test_pip_line_rules_continuations_comments_and_tabs():
    """join_lines: a backslash joins the next line unless the line is a comment; a comment line
    ends a continuation; break_args_options splits on spaces only, so a tab keeps --hash in the
    requirement (pip rejects that line too)."""
    text = ("six==1.16.0 \\\n  --hash=sha256:00\n"      # a requirement continued onto its hash
            "idna \\\n# a comment ends it\n"            # continuation ended by a comment line
            "# not continued \\\ncertifi\n"             # a comment's backslash does not join
            "urllib3==2.2.1\t--hash=sha256:00\n"        # a tab is not pip's separator
            "requests \\\n")                            # a backslash on the last line
    result = requirements.parse(text, "r.txt")
    assert keys(result) == ["certifi", "idna", "requests", "six"]
    assert by_key(result)["six"].line == 1 and by_key(result)["idna"].line == 3
    assert [w.line for w in result.warnings] == [7]


def test_editable_and_url_requirements():
    result = requirements.parse(
        "-e git+https://github.com/psf/black.git@23.1.0#egg=black\n"
        "--editable=./libs/local#egg=local\n"
        "git+https://github.com/pallets/click.git@8.1.7\n"
        "rich @ https://github.com/Textualize/rich/archive/v13.7.1.zip ; python_version > '3'\n", "r.txt")
    deps = by_key(result)
    assert deps["black"].repo == "psf/black" and deps["pallets/click"].ecosystem == "github"
    assert deps["rich"].marker == 'python_version > "3"'
    assert [u.name for u in result.unsupported] == ["local"]


def test_an_include_cycle_is_reported_not_followed(tmp_path):
    """pip stops with 'X recursively references itself'; we report it and read every file once."""
    top = write(tmp_path, {"a.txt": "-r b.txt\nsix\n", "b.txt": "-r a.txt\n-r b.txt\nidna\n"})
    result = parse_path(top)
    assert keys(result) == ["idna", "six"]
    messages = [str(w) for w in result.warnings]
    assert any("b.txt:1: an include would loop (" in m and m.endswith("a.txt); skipped") for m in messages)
    assert any("b.txt:2: an include would loop (" in m and m.endswith("b.txt); skipped") for m in messages)
    named = requirements.parse("-r b.txt\n", str(tmp_path / "b.txt"), DiskIncludes())   # a named file
    assert any("including b.txt again would loop" in str(w) for w in named.warnings)
    assert not result.unread


def test_encodings_pip_reads(tmp_path):
    """_decode_req_file: a BOM (UTF-8/16/32) or a PEP 263 coding line decides the encoding."""
    (tmp_path / "utf16.txt").write_bytes("six==1.16.0\n".encode("utf-16"))
    (tmp_path / "latin1.txt").write_bytes("# -*- coding: latin-1 -*-\nsix==1.16.0  # caf\xe9\n".encode("latin-1"))
    for name in ("utf16.txt", "latin1.txt"):
        result = parse_path(tmp_path / name)
        assert keys(result) == ["six"] and not result.warnings, name


# -- names from URLs and file names, pip-compile's via comments (survivors of `make mutation`) -----
@pytest.mark.parametrize("url, expected", [
    ("https://h.example/pkgs/Foo-1.0.tar.gz", ("Foo", "1.0", ())),
    ("https://h.example/pkgs/Foo-1.0.tar.gz/", ("Foo", "1.0", ())),                 # a trailing slash
    ("https://h.example/pkgs/Foo-1.0.tar.gz?a=1?b=2", ("Foo", "1.0", ())),          # a query, even odd ones
    ("https://h.example/pkgs/Foo-1.0.tar.gz#md5=1#x", ("Foo", "1.0", ())),
    ("https://h.example/wheels/bar_baz-2.1-py3-none-any.whl", ("bar_baz", "2.1", ())),
    ("https://h.example/archive.zip#sha256=abc&egg=Foo", ("Foo", None, ())),         # egg after another key
    ("https://h.example/archive.zip#egg=foo[b, a]", ("foo", None, ("a", "b"))),
    ("https://h.example/archive.zip#egg=foo", ("foo", None, ())),
    ("https://h.example/archive.zip#egg=-bad", (None, None, ())),                    # not a project name
    ("https://h.example/archive.zip", (None, None, ())),
    ("https://h.example/v1.0.zip", (None, None, ())),
])
def test_names_from_urls(url, expected):
    assert requirements._name_from_url(url) == expected


def test_a_file_name_of_300_characters_is_read_one_of_301_is_not():
    version = "1" + "0" * (300 - len("pkg-1.tar.gz"))           # pkg-1000...0.tar.gz, 300 characters
    assert len(f"pkg-{version}.tar.gz") == 300
    assert requirements._name_from_url(f"https://h.example/pkg-{version}.tar.gz") == ("pkg", version, ())
    assert requirements._name_from_url(f"https://h.example/pkg-{version}0.tar.gz") == (None, None, ())


def test_file_names():
    assert requirements._file_name("https://h.example/a/b.whl") == "b.whl"
    assert requirements._file_name("/a/b.tar.gz/") == "b.tar.gz"
    assert requirements._file_name("https://h.example/b.zip?x=1#y") == "b.zip"


@pytest.mark.parametrize("entries, direct", [
    (None, None), ([], None),
    (["-r requirements.in"], True),
    (["(-r requirements.in)"], True),                 # uv's spelling
    (["my-service (pyproject.toml)"], True),          # a project's own metadata
    (["django"], False),                              # pulled in by another package
    (["django", "-r requirements.in"], True),         # named directly as well
    (["-c constraints.txt"], None),                   # only a constraint: says nothing
    (["!!"], None),                                   # not a package name
])
def test_direct_from_pip_compile_via_comments(entries, direct):
    assert requirements._direct_from_via(entries) is direct


# ---- written against mutation survivors (issue 20, `make mutation` on tracker/deps/requirements.py):
# ---- each pins what a requirements line parses to, or a message a user reads, as pip 26 reads it --

PIP_COMMENT_RE = r"(^|\s+)#.*$"     # pip's COMMENT_RE (req_file.py): our strip_comment must agree


@pytest.mark.parametrize("line, expected", [
    ("six==1.0 # a # b", "six==1.0"),               # the first comment start wins, not the last
    ("six==1.0 #no-space-after", "six==1.0"),       # whitespace before '#' matters, not after
    ("six==1.0 #", "six==1.0"),                     # '#' as the last character
    ("six==1.0\t# tab", "six==1.0"),                # a tab is whitespace too
    ("pkg@https://h.example/a.zip#egg=pkg # c", "pkg@https://h.example/a.zip#egg=pkg"),
    ("a#b#c", "a#b#c"),                             # '#' inside a word is not a comment
    ("a## #c", "a##"),
    ("#only", ""),
    ("   # indented", ""),
    ("  six  ", "six"),
])
def test_comments_are_stripped_as_pip_strips_them(line, expected):
    assert requirements.strip_comment(line) == expected
    assert re.sub(PIP_COMMENT_RE, "", line).strip() == expected


def test_an_indented_comment_line_is_a_comment_for_continuations():
    """join_lines: COMMENT_RE.match also matches a comment after leading whitespace, so its
    backslash joins nothing, and it ends a continuation."""
    assert requirements.logical_lines("  # indented \\\nsix\n") == [(1, "  # indented \\"), (2, "six")]
    assert requirements.logical_lines("six \\\n   # c\nidna\n") == [(1, "six "), (2, "   # c"), (3, "idna")]
    assert requirements.logical_lines("a \\\nb \\\nc\nd\n") == [(1, "a b c"), (4, "d")]


@pytest.mark.parametrize("line, expected", [
    ("six==1.0", ("six==1.0", "")),
    ("six==1.0 --hash=sha256:00", ("six==1.0", "--hash=sha256:00")),
    ("-r a.txt", ("", "-r a.txt")),
    ("six\t--hash=x", ("six\t--hash=x", "")),       # only spaces separate
    ("a ; python_version<'3' -e x", ("a ; python_version<'3'", "-e x")),
])
def test_break_args_options(line, expected):
    assert requirements.break_args_options(line) == expected


def messages(text: str) -> list[str]:
    return [str(w) for w in requirements.parse(text, "r.txt").warnings]


_NOT_A_FILE = "r.txt: no line of it could be read as a requirement or an option: not a requirements file"


@pytest.mark.parametrize("line, problem", [
    ("--no", "ambiguous option --no (could be --no-binary, --no-index, --no-require-hashes)"),
    ("--pre=1", "--pre takes no value"),
    ("--requirement", "--requirement needs a value"),
    ("--hash", "--hash needs a value"),
    ("-r", "-r needs a value"),
    ("-e", "-e needs a value"),
    ('-r "unclosed', "cannot split the options (No closing quotation)"),
])
def test_options_pip_cannot_read_skip_the_line_with_the_reason(line, problem):
    assert messages(line + "\n") == [f"r.txt:1: cannot read this line's options ({problem}); line skipped", _NOT_A_FILE]


@pytest.mark.parametrize("line, warnings", [
    # optparse stops at '--': what follows is a word, never an option (pip ignores the words)
    ("-r a.txt x -- -c b.txt y", ["r.txt:1: words after the options are ignored (as pip does): 'x -c b.txt y'",
                                  "r.txt:1: includes the requirements file a.txt, which was not given; add it too"]),
    ('-r "my reqs.txt"', ["r.txt:1: includes the requirements file my reqs.txt, which was not given; add it too"]),
    ("--pre -r base.txt", ["r.txt:1: includes the requirements file base.txt, which was not given; add it too"]),
    ("--prefer-binary --constraint=c.txt", ["r.txt:1: includes the constraints file c.txt, which was not given;"
                                            " add it too"]),
    ("-rx.txt", ["r.txt:1: includes the requirements file x.txt, which was not given; add it too"]),
    ("-c\tc.txt", ["r.txt:1: includes the constraints file c.txt, which was not given; add it too"]),
])
def test_option_lines_with_several_options_quotes_and_double_dash(line, warnings):
    assert messages(line + "\n") == warnings


def test_what_an_options_line_parses_to():
    opts = requirements.parse_options("--pre --no-index -i https://x.example/simple --hash=sha256:aa -C k=v "
                                      "--find-links ./wheels --extra-index https://y.example/simple")
    assert opts.values == {"releases": [""], "index": ["", "https://x.example/simple", "./wheels",
                                                       "https://y.example/simple"],
                           "hashes": ["sha256:aa"], "config": ["k=v"]}
    assert opts.get("requirements") == [] and opts.unknown == [] and opts.extra == []


@pytest.mark.parametrize("text, expected", [
    ("Xyz==1 \\\n  --hash=sha256:00\n", [(1, "Xyz==1   --hash=sha256:00")]),    # only backslashes are cut
    ("a \\\nb \\\n# c\nd\n", [(1, "a b "), (3, "# c"), (4, "d")]),             # three lines, ended by a comment
    ("a \\\nb \\", [(1, "a b ")]),                                             # three lines, ended by the file
    ("a \\\\\nb\n", [(1, "a b")]),                                             # pip strips every trailing backslash
])
def test_continuations_over_several_lines(text, expected):
    assert requirements.logical_lines(text) == expected


def test_what_scan_counts_as_understood_and_rejected():
    scanned = requirements.scan("six\n-r a.txt\n--pre\n--hash=sha256:00\nnot valid!!\n--bogus\n# c\n\n"
                                "--pre=1\n", "r.txt")
    assert (scanned.understood, scanned.rejected) == (4, 3)


def test_the_line_cap_on_both_sides(monkeypatch):
    monkeypatch.setattr(requirements, "MAX_LINES", 3)
    assert len(requirements.scan("a\nb\nc\n", "r.txt").items) == 3
    with pytest.raises(FileProblem) as refused:
        requirements.scan("a\nb\nc\nd\n", "r.txt")
    assert str(refused.value) == "r.txt: more than 3 lines; refusing it (the cap keeps memory bounded)"


def test_the_dependency_cap_on_both_sides(monkeypatch):
    monkeypatch.setattr(requirements, "MAX_ENTRIES", 2)
    assert len(requirements.scan("a\n-r x.txt\n--pre\nb\n", "r.txt").items) == 3    # includes do not count
    with pytest.raises(FileProblem) as refused:
        requirements.scan("a\nb\nc\n", "r.txt")
    assert str(refused.value) == "r.txt: more than 2 dependencies; refusing it (the cap keeps memory bounded)"


def _packaging_says(text: str) -> str:
    with pytest.raises(InvalidRequirement) as exc:
        Requirement(text)
    return str(exc.value).splitlines()[0]


@pytest.mark.parametrize("text, shown", [
    ("bad!" + "x" * 76, "bad!" + "x" * 76),                  # 80 characters: quoted whole
    ("bad!" + "x" * 77, "bad!" + "x" * 73 + "..."),          # 81: cut to 77 and '...'
])
def test_an_invalid_requirement_is_quoted_up_to_80_characters(text, shown):
    assert messages(text + "\n")[0] == (f"r.txt:1: {shown!r} is not a valid requirement ({_packaging_says(text)});"
                                        " skipped")


def test_words_after_the_options_are_quoted_up_to_80_characters():
    assert messages("-r a.txt " + "w" * 100 + "\n")[0] == (
        f"r.txt:1: words after the options are ignored (as pip does): {'w' * 80!r}")


def test_lines_of_a_named_file_are_quoted_those_of_an_included_file_are_not(tmp_path):
    lines = "--pre=1\n--pre extra words\nsix --weird\nidna -c c.txt\nbad!!\n--bogus\n"
    quoted = ["r.txt:1: cannot read this line's options (--pre takes no value); line skipped",
              "r.txt:2: words after the options are ignored (as pip does): 'extra words'",
              "r.txt:3: unknown option '--weird' after the requirement; ignored",
              "r.txt:4: -c on a requirement line is ignored (as pip does)",
              f"r.txt:5: 'bad!!' is not a valid requirement ({_packaging_says('bad!!')}); skipped",
              "r.txt:6: unknown option '--bogus'; line skipped"]
    assert messages(lines) == quoted
    top = write(tmp_path, {"requirements.txt": "-r inc.txt\n", "inc.txt": lines})
    inc = tmp_path / "inc.txt"
    assert [str(w) for w in parse_path(top).warnings] == [
        f"{inc}:1: cannot read this line's options; line skipped",
        f"{inc}:2: words after the options are ignored (as pip does)",
        f"{inc}:3: an unknown option after the requirement; ignored",
        f"{inc}:4: -c on a requirement line is ignored (as pip does)",
        f"{inc}:5: this line is not a valid requirement; skipped (its text is not shown: the file was reached"
        " by an include)",
        f"{inc}:6: an unknown option; line skipped"]


@pytest.mark.parametrize("line, expected", [
    # (key, version, url, marker, extras)
    ("https://h.example/pkg-1.0.tar.gz", ("pkg", "1.0", "https://h.example/pkg-1.0.tar.gz", None, ())),
    # a URL's marker follows '; ' (pip's parse_req_from_line): a bare ';' belongs to the URL
    ("https://h.example/dl;id=7/pkg-1.0.tar.gz", ("pkg", "1.0", "https://h.example/dl;id=7/pkg-1.0.tar.gz", None, ())),
    # split at the first separator: the marker keeps what follows
    ("https://h.example/pkg-1.0.tar.gz ; platform_release == 'a; b'",
     ("pkg", "1.0", "https://h.example/pkg-1.0.tar.gz", "platform_release == 'a; b'", ())),
    ("git+https://github.com/psf/black.git@23.1.0#egg=black[d,jupyter]",
     ("black", None, "git+https://github.com/psf/black.git@23.1.0#egg=black[d,jupyter]", None, ("d", "jupyter"))),
])
def test_what_a_url_requirement_parses_to(line, expected):
    (dep,) = requirements.parse(line + "\n", "r.txt").dependencies
    assert (dep.key, dep.version, dep.url, dep.marker, dep.extras) == expected


def test_a_path_marker_follows_a_bare_semicolon():
    (entry,) = requirements.parse("./pkg-1.0.tar.gz;python_version<'3'\n", "r.txt").unsupported
    assert (entry.name, entry.version, entry.reference, entry.kind) == ("pkg", "1.0", "./pkg-1.0.tar.gz", "local path")


def test_url_constraints_pip_can_name_are_accepted(tmp_path):
    """pip names a link by #egg= (anywhere in the fragment) or a wheel file name; an sdist file name
    is not a name to pip, so that constraint is refused (check_invalid_constraint_type)."""
    wheel300 = "pkg-1" + "0" * (300 - len("pkg-1-py3-none-any.whl")) + "-py3-none-any.whl"
    assert len(wheel300) == 300
    top = write(tmp_path, {"requirements.txt": "-c c.txt\nsix\npkg\n",
                           "c.txt": "https://h.example/six-1.16.0-py3-none-any.whl\n"
                                    "https://h.example/archive.zip#sha256=00&egg=six\n"
                                    "https://h.example/archive.zip#egg=six\n"
                                    f"https://h.example/{wheel300}\n"
                                    "https://h.example/six-1.16.0.tar.gz\n"})
    result = parse_path(top)
    assert [str(w) for w in result.warnings] == [
        f"{tmp_path / 'c.txt'}:5: unnamed requirements are not allowed as constraints; pip refuses it, ignored here"]
    assert keys(result) == ["pkg", "six"] and by_key(result)["six"].version is None


@pytest.mark.parametrize("text, direct", [
    ("six==1.0\n    # via django, -r requirements.in\n", True),     # one via line, several entries
    ("six==1.0  # via django, -r requirements.in\n", True),         # on the requirement's line
    ("six==1.0\n    # via django, flask\n", False),
])
def test_via_entries_are_split_at_commas(text, direct):
    (dep,) = requirements.parse(text, "r.txt").dependencies
    assert dep.direct is direct


@pytest.mark.parametrize("entries, direct", [
    (["(-r requirements.in"], True),                  # a parenthesised -r, its close split off
    (["my-service (pyproject.toml) "], True),         # trailing space after the project's parenthesis
])
def test_direct_from_via_edges(entries, direct):
    assert requirements._direct_from_via(entries) is direct


# What is read as a local path (pip's _looks_like_path: a separator, a leading dot; here also `~`,
# a backslash and an archive file name), only in the text before the marker's `;`.
@pytest.mark.parametrize("text, path", [
    ("..", True),                                        # a leading dot alone
    ("~", True),                                         # a home directory
    ("vendor/pkg", True),                                # a separator anywhere
    ("vendor\\pkg", True),                               # a Windows separator
    ("pkg-1.0.tar.gz", True),                            # an archive by its name alone
    ("Pkg-1.0-py3-none-any.WHL", True),
    ("requests", False),
    ("requests; sys_platform == 'x/y'", False),          # a slash in the marker is not a path
    ("requests; os_name == 'a/b' and extra == 'c;d'", False),   # the first `;` ends the name
])
def test_what_looks_like_a_path(text, path):
    assert requirements._looks_like_path(text) is path


@pytest.mark.parametrize("url, name", [
    ("https://example.org/dist/pkg-1.0.tar.gz#egg=pkg", "pkg-1.0.tar.gz"),
    ("https://example.org/dist/pkg-1.0.tar.gz?x=1/y#egg=pkg", "pkg-1.0.tar.gz"),
    ("https://example.org/dist/TOOLBOX/", "TOOLBOX"),    # trailing slashes go, nothing else does
    ("https://example.org/dist/toolx//", "toolx"),
])
def test_the_file_name_of_a_url(url, name):
    assert requirements._file_name(url) == name


def test_an_egg_fragment_holding_a_second_hash_names_nothing():
    """`#egg=pkg#frag`: the fragment is everything after the first `#`, not a valid name (pip
    refuses it), so the name is read from the file name, which has no version here: unnamed."""
    assert requirements._name_from_url("https://example.org/dl/pkg.zip#egg=pkg#frag") == (None, None, ())
    assert requirements._name_from_url("https://example.org/dl/pkg.zip#egg=pkg") == ("pkg", None, ())


# ---- the include walk, requirements and constraints (survivors of the fourth round's `make
# ---- mutation`): exact texts, in the file the user named (quoted) and in an included one (not) ----

def uploads(files: dict[str, str]) -> ParseResult:
    """The first file parsed with the others as uploads: every uploaded file counts as named."""
    first = next(iter(files))
    return requirements.parse(files[first], first, UploadIncludes(files))


def test_what_a_parse_result_names():
    result = requirements.parse("six==1.16.0\nhttps://example.org/x.zip\n", "r.txt")
    assert (result.file, result.format) == ("r.txt", "requirements.txt")
    assert result.dependencies[0].file == "r.txt" and result.unsupported[0].file == "r.txt"


def test_a_file_over_a_cap_is_refused_by_its_name(monkeypatch):
    monkeypatch.setattr(requirements, "MAX_LINES", 2)
    with pytest.raises(FileProblem) as refused:
        requirements.parse("a\nb\nc\n", "r.txt")
    assert str(refused.value) == "r.txt: more than 2 lines; refusing it (the cap keeps memory bounded)"


def test_what_is_counted_understood_or_rejected_in_any_order():
    secret = "ghp_" + "a" * 36                   # a valid name that reads as a GitHub token
    scanned = requirements.scan(f"--bogus\nnot valid!!\n--pre\nsix\n{secret}\n{secret}b\n", "r.txt")
    assert (scanned.understood, scanned.rejected) == (2, 4)


def test_a_requirement_named_like_a_secret_is_skipped_by_line_without_its_name():
    assert messages("six\nghp_" + "a" * 36 + "\n") == [
        "r.txt:2: a requirement name that looks like a secret (not shown); line skipped"]


@pytest.mark.parametrize("line, warnings", [
    # optparse reads a lone '-' as a word, not an option (pip ignores it and follows the -r)
    ("-r a.txt -", ["r.txt:1: words after the options are ignored (as pip does): '-'",
                    "r.txt:1: includes the requirements file a.txt, which was not given; add it too"]),
    # every unknown short option is named (pip stops at the first; we go on, see docs/security.md)
    ("six -x -y", ["r.txt:1: unknown option '-x' after the requirement; ignored",
                   "r.txt:1: unknown option '-y' after the requirement; ignored"]),
    ("-x --pre=1", ["r.txt:1: cannot read this line's options (--pre takes no value); line skipped", _NOT_A_FILE]),
])
def test_short_options_pip_does_not_know(line, warnings):
    assert messages(line + "\n") == warnings


def test_unsupported_entries_say_what_they_are():
    result = requirements.parse("https://example.org/x.zip\n./dist/bar-1.0-py3-none-any.whl\n", "r.txt")
    assert result.unsupported == [
        Unsupported("r.txt", "URL", "https://example.org/x.zip", None, "https://example.org/x.zip",
                    "a URL without a package name or GitHub repository (line 1): not a published package we can assess"),
        Unsupported("r.txt", "local path", "bar", "1.0", "./dist/bar-1.0-py3-none-any.whl",
                    "a local path (bar) (line 2): not a published package we can assess")]


def test_a_repository_link_without_a_name_keeps_its_line_marker_and_annotation():
    result = requirements.parse("six==1.16.0\ngit+https://github.com/pallets/click.git@8.1.7 ; python_version > '3'"
                                "  # via -r requirements.in\n", "r.txt")
    assert result.dependencies[1] == Dependency(
        name="pallets/click", key="pallets/click", ecosystem="github", repo="pallets/click",
        url="git+https://github.com/pallets/click.git@8.1.7", file="r.txt", line=2,
        marker="python_version > '3'", direct=True)


def test_a_path_with_a_space_in_a_folder_name_is_a_path():
    """pip's _get_url_from_path: an archive file name is a path whatever the words before it."""
    (entry,) = requirements.parse("my wheels/pkg-1.0-py3-none-any.whl\n", "r.txt").unsupported
    assert (entry.kind, entry.name, entry.version) == ("local path", "pkg", "1.0")
    assert requirements._looks_like_path("my wheels/pkg") is True


def test_refused_constraint_forms_are_named_with_their_text_only_in_a_named_file(tmp_path):
    files = {"r.txt": "-c c.txt\nsix\n",
             "c.txt": "-e git+https://github.com/benjaminp/six#egg=six\nsix[extra]==1.16.0\n"}
    assert [str(w) for w in uploads(files).warnings] == [
        "c.txt:1: editable requirements are not allowed as constraints"
        " ('git+https://github.com/benjaminp/six#egg=six'); pip refuses it, ignored here",
        "c.txt:2: constraints cannot have extras ('six[extra]==1.16.0'); pip refuses it, ignored here"]
    top = write(tmp_path, files)
    c = tmp_path / "c.txt"
    assert [str(w) for w in parse_path(top).warnings] == [
        f"{c}:1: editable requirements are not allowed as constraints; pip refuses it, ignored here",
        f"{c}:2: constraints cannot have extras; pip refuses it, ignored here"]


def test_a_constraint_that_allows_a_pinned_requirement_narrows_it():
    result = uploads({"r.txt": "-c c.txt\nsix==1.16.0\n", "c.txt": "six>=1.10,<2\n"})
    assert not result.warnings
    (six,) = result.dependencies
    assert (six.version, six.specifier) == ("1.16.0", "<2,==1.16.0,>=1.10")


def test_prereleases_meet_constraints_as_pip_meets_them():
    """pip's Constraint.is_satisfied_by and SpecifierRequirement.is_satisfied_by: contains(...,
    prereleases=True): a pinned prerelease fits a range, and a range takes a pinned prerelease."""
    result = uploads({"r.txt": "-c c.txt\npkg==2.0rc1\nother>=1\n", "c.txt": "pkg<3\nother==2.0rc1\n"})
    assert not result.warnings
    deps = by_key(result)
    assert (deps["pkg"].version, deps["pkg"].specifier) == ("2.0rc1", "<3,==2.0rc1")
    assert (deps["other"].version, deps["other"].specifier) == ("2.0rc1", "==2.0rc1,>=1")


def test_a_conflict_with_a_requirement_without_a_specifier_names_it_alone():
    """A sdist URL's version comes from its file name; the requirement has no specifier to quote."""
    result = uploads({"r.txt": "-c c.txt\nhttps://h.example/six-1.15.0.tar.gz\n", "c.txt": "six==1.16.0\n"})
    assert [str(w) for w in result.warnings] == [
        "c.txt:1: constraint six==1.16.0 conflicts with the requirement six; pip would stop here,"
        " the requirement is kept as written"]


def test_each_conflicting_constraint_is_reported_and_the_others_still_narrow():
    result = uploads({"r.txt": "-c c.txt\nrequests>=2\n", "c.txt": "requests==1.0\nrequests==1.1\nrequests<3\n"})
    assert [w.line for w in result.warnings] == [1, 2]
    assert result.dependencies[0].specifier == "<3,>=2"


def test_a_file_reached_as_requirements_and_as_constraints_warns_once():
    result = uploads({"r.txt": "-r inc.txt\n-c inc.txt\n", "inc.txt": "--bogus\nsix==1.16.0\n"})
    assert [str(w) for w in result.warnings] == ["inc.txt:1: unknown option '--bogus'; line skipped"]
    assert keys(result) == ["six"]


def test_includes_that_cannot_be_read_quoted_in_a_named_file(tmp_path):
    top = write(tmp_path, {"requirements.txt": "-r https://example.org/r.txt\n-c missing.txt\n-r .env\n-r bin.txt\n"})
    (tmp_path / "bin.txt").write_bytes(b"six\x00\n")
    result = parse_path(top)
    assert [str(w) for w in result.warnings] == [
        f"{top}:1: includes the requirements file https://example.org/r.txt by URL; it was not fetched",
        f"{top}:2: cannot read the included constraints file missing.txt: no such file",
        f"{top}:3: the included requirements file .env was refused: it is a credentials file by its name;"
        " it was not read",
        f"{top}:4: cannot read the included requirements file bin.txt: a binary file, not a dependency list"]
    assert len(result.unread) == 4


def test_includes_that_cannot_be_read_unquoted_in_an_included_file(tmp_path):
    top = write(tmp_path, {"requirements.txt": "-r inc.txt\n",
                           "inc.txt": "-r https://example.org/r.txt\n-c missing.txt\n-r .env\n-r bin.txt\n"})
    (tmp_path / "bin.txt").write_bytes(b"six\x00\n")
    inc = tmp_path / "inc.txt"
    result = parse_path(top)
    assert [str(w) for w in result.warnings] == [
        f"{inc}:1: includes a requirements file by URL; it was not fetched",
        f"{inc}:2: cannot read an included constraints file: no such file",
        f"{inc}:3: an included requirements file was refused: it is a credentials file by its name; it was not read",
        f"{inc}:4: cannot read an included requirements file: a binary file, not a dependency list"]
    assert len(result.unread) == 4


def test_an_include_loop_names_the_chain():
    result = uploads({"a.txt": "-r b.txt\n", "b.txt": "-r a.txt\nsix\n"})
    assert [str(w) for w in result.warnings] == ["b.txt:1: including a.txt again would loop (a.txt -> b.txt -> a.txt);"
                                                 " skipped"]


CHAIN = {"r.txt": "-r a.txt\n", "a.txt": "-r b.txt\nay\n", "b.txt": "-r c.txt\nbee\n", "c.txt": "sea\n"}


def test_the_include_depth_cap_on_both_sides(monkeypatch, tmp_path):
    """MAX_DEPTH levels of includes below the named file are read, the next is not."""
    monkeypatch.setattr(requirements, "MAX_DEPTH", 2)
    result = uploads(CHAIN)
    assert keys(result) == ["ay", "bee"]
    assert [(str(w), w.unread) for w in result.warnings] == [
        ("b.txt:1: includes c.txt more than 2 levels deep; skipped", True)]
    result = parse_path(write(tmp_path, CHAIN))
    assert keys(result) == ["ay", "bee"]
    assert [str(w) for w in result.unread] == [f"{tmp_path / 'b.txt'}:1: includes a file more than 2 levels deep;"
                                               " skipped"]


def test_the_file_cap_of_one_run_on_both_sides(monkeypatch, tmp_path):
    """MAX_FILES files are read in one run, the named one included; the next is not."""
    monkeypatch.setattr(requirements, "MAX_FILES", 2)
    result = uploads({"r.txt": "-r a.txt\n-r b.txt\n", "a.txt": "ay\n", "b.txt": "bee\n"})
    assert keys(result) == ["ay"]
    assert [(str(w), w.unread) for w in result.warnings] == [
        ("r.txt:2: includes b.txt, more than 2 files in one run; skipped", True)]
    result = parse_path(write(tmp_path, CHAIN))
    assert keys(result) == ["ay"]
    assert [str(w) for w in result.unread] == [f"{tmp_path / 'a.txt'}:1: includes more than 2 files in one run;"
                                               " skipped"]


def test_an_included_file_that_cannot_be_scanned_is_named_by_its_include(monkeypatch):
    monkeypatch.setattr(requirements, "MAX_LINES", 2)
    result = uploads({"r.txt": "-r a.txt\nsix\n", "a.txt": "x\ny\nz\n"})
    assert [str(w) for w in result.unread] == [
        "r.txt:1: cannot read the included requirements file a.txt: more than 2 lines; refusing it"
        " (the cap keeps memory bounded)"]
    assert keys(result) == ["six"]


@pytest.mark.parametrize("url, expected", [
    # pip's Link._egg_fragment_re `[#&]egg=([^&]*)` is searched in the whole URL: the first match names
    ("https://h.example/dl/pkg.zip#x#egg=pkg", ("pkg", None, ())),          # after a second '#'
    ("https://h.example/dl/archive.zip?a=1&egg=six", ("six", None, ())),      # in the query
    ("https://h.example/dl/archive.zip#egg=-bad&egg=six", (None, None, ())),  # the first is not a name: pip stops
])
def test_the_egg_name_is_found_where_pip_finds_it(url, expected):
    assert requirements._name_from_url(url) == expected


def test_a_link_pip_names_by_an_egg_in_its_query_is_a_named_constraint_and_requirement():
    result = uploads({"r.txt": "-c c.txt\nsix\nhttps://h.example/dl/archive.zip?a=1&egg=idna\n",
                      "c.txt": "https://h.example/dl/archive.zip?a=1&egg=six\n"})
    assert not result.warnings and not result.unsupported
    assert keys(result) == ["idna", "six"]
