"""pyproject.toml (PEP 621, PEP 735, uv, Poetry) and the lock files (uv.lock, poetry.lock,
Pipfile.lock), with their odd cases."""

from __future__ import annotations

from pathlib import Path

from tracker.deps.formats import parse_path

FILES = Path(__file__).parent / "files"


def deps_of(result):
    out: dict[str, list] = {}
    for d in result.dependencies:
        out.setdefault(d.key, []).append(d)
    return out


def test_pep621_extras_groups_and_build_requirements():
    result = parse_path(FILES / "pyproject.toml")
    deps = deps_of(result)
    assert all(d.direct is True for d in result.dependencies)
    httpx = deps["httpx"][0]
    assert httpx.groups == ("main",) and httpx.extras == ("http2",) and httpx.line == 11
    assert deps["pydantic"][0].version == "2.7.1"
    assert deps["tomli"][0].marker == 'python_version < "3.11"'
    assert deps["black"][0].repo == "psf/black"
    assert deps["psycopg"][0].groups == ("extra:postgres",)
    assert {d.groups[0] for d in deps["boto3"] + deps["s3fs"]} == {"extra:s3"}
    assert deps["hatchling"][0].groups == ("build-system",)
    assert deps["pre-commit"][0].groups == ("group:dev",)   # [tool.uv] dev-dependencies
    assert "my-service" not in deps   # 'my-service[postgres,s3]' and 'my_service[s3]' are the project itself


def test_pep735_include_group_cycles_and_bad_entries():
    result = parse_path(FILES / "pyproject.toml")
    deps = deps_of(result)
    # dev includes test, which includes typing; lint included too
    assert {d.groups[0] for d in deps["mypy"]} == {"group:typing", "group:test", "group:dev"}
    assert "group:dev" in {d.groups[0] for d in deps["ruff"]}
    assert "ipython" in deps
    messages = [str(w) for w in result.warnings]
    name = str(FILES / "pyproject.toml")
    assert any(m.startswith(f"{name}:16: [project] dependencies: 'not a valid requirement!!'") for m in messages)
    assert f"{name}:29: dependency groups include each other: loop-a -> loop-b -> loop-a" in messages
    assert f"{name}:31: dependency group 'broken' includes unknown group 'does-not-exist'" in messages
    assert any("entry 42 is neither a requirement" in m for m in messages)
    assert "six" in deps   # the rest of a cyclic group is still read


def test_poetry_pyproject():
    result = parse_path(FILES / "pyproject-poetry.toml")
    deps = deps_of(result)
    assert "python" not in deps
    assert deps["requests"][0].specifier == "^2.31" and deps["requests"][0].version is None
    flask = deps["flask"][0]
    assert flask.version == "2.3.3" and flask.extras == ("async",) and flask.line == 10
    assert deps["scipy"][0].specifier == "^1.11 || ~1.10"        # multiple-constraints list
    assert deps["attrs"][0].version == "23.2.0"                   # bare version = exact in Poetry
    assert deps["click"][0].repo == "pallets/click"
    assert deps["sentry-sdk"][0].specifier is None and deps["sentry-sdk"][0].marker == "sys_platform == 'linux'"
    assert deps["pytest"][0].groups == ("group:dev",)
    assert deps["sphinx"][0].groups == ("group:docs",)
    assert [u.name for u in result.unsupported] == ["mylib"]
    assert [str(w) for w in result.warnings] == [
        f"{FILES / 'pyproject-poetry.toml'}:19: 'bad name!' is not a valid package name; skipped"]


def test_dynamic_dependencies_are_never_computed():
    result = parse_path(FILES / "pyproject-dynamic.toml")
    assert [d.key for d in result.dependencies] == ["setuptools"]
    assert "dynamic" in result.warnings[0].message and "never run" in result.warnings[0].message
    assert result.warnings[0].line == 8


def test_invalid_toml_names_the_line(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\ndependencies = [\n  "requests",\n  "flask"\n\n[broken\n')
    result = parse_path(path)
    assert result.dependencies == []
    assert result.warnings[0].line == 7 and "not valid TOML" in result.warnings[0].message


def test_uv_lock_direct_transitive_groups_and_sources():
    result = parse_path(FILES / "uv.lock")
    deps = {d.key: d for d in result.dependencies}
    assert "my-service" not in deps                       # the project itself
    assert deps["httpx"].direct is True and deps["httpx"].groups == ("main",)
    assert deps["click"].direct is True and deps["click"].repo == "pallets/click"  # git source
    assert deps["psycopg"].direct is True and deps["psycopg"].groups == ("extra:postgres",)
    assert deps["pytest"].direct is True and deps["pytest"].groups == ("group:test",)
    for key in ("anyio", "certifi", "idna", "sniffio", "h2"):
        assert deps[key].direct is False, key
    assert deps["anyio"].version == "4.4.0" and deps["anyio"].line == 9
    assert [(u.kind, u.name) for u in result.unsupported] == [("local path", "shared-utils")]
    assert [str(w) for w in result.warnings] == [
        f"{FILES / 'uv.lock'}:110: [[package]] without a valid name; skipped"]


def test_uv_lock_workspace_members():
    text = (FILES / "uv.lock").read_text().replace(
        'requires-python = ">=3.11"', 'requires-python = ">=3.11"\n\n[manifest]\nmembers = ["my-service", "httpx"]')
    from tracker.deps.locks import parse_uv
    deps = {d.key: d for d in parse_uv(text, "uv.lock").dependencies}
    assert "httpx" not in deps and "my-service" not in deps
    assert deps["anyio"].direct is True   # httpx, a member, requires it


def test_poetry_lock():
    result = parse_path(FILES / "poetry.lock")
    deps = {d.key: d for d in result.dependencies}
    assert deps["requests"].direct is True and deps["requests"].groups == ("main",)
    assert deps["pytest"].direct is True and deps["pytest"].groups == ("dev",)
    assert deps["click"].direct is True and deps["click"].repo == "pallets/click"
    assert deps["colorama"].direct is None        # required by others; the project may also need it
    assert deps["urllib3"].name == "Urllib3" and deps["urllib3"].groups == ("main",)  # old 'category'
    assert [u.name for u in result.unsupported] == ["mylib"]
    assert result.warnings[0].line == 107


def test_pipfile_lock():
    result = parse_path(FILES / "Pipfile.lock")
    deps = deps_of(result)
    assert [d.groups for d in deps["requests"]] == [("default",), ("develop",)]
    assert [d.line for d in deps["requests"]] == [27, 51]
    assert deps["certifi"][0].version == "2024.2.2" and deps["certifi"][0].marker == "python_version >= '3.6'"
    assert deps["requests"][0].extras == ("socks",)
    assert deps["click"][0].repo == "pallets/click"
    assert all(d.direct is None for d in result.dependencies)
    assert [u.name for u in result.unsupported] == ["mylib"]
    assert str(result.warnings[0]) == f"{FILES / 'Pipfile.lock'}:44: default: entry 'weird' is not a package; skipped"
