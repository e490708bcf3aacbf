"""requirements files: includes, constraints, extras, markers, pins, URLs, VCS links, hashes,
continuations, comments, pip-compile annotations, and malformed lines that do not stop the rest."""

from __future__ import annotations

from pathlib import Path

from tracker.deps import requirements
from tracker.deps.formats import parse_path

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
    base = str(FILES / "requirements-base.txt")
    assert any(m.startswith(f"{base}:5: including requirements.txt again would loop") for m in messages)
    assert f"{base}:6: cannot read the included requirements file missing-file.txt: no such file" in messages
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
