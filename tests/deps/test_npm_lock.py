"""package-lock.json: a real lockfileVersion 3 lock (npm 11, 131 packages), Node's resolution of
nested node_modules, dev/optional/peer groups, workspaces and local packages, git dependencies,
v1 refused with what to do, and incomplete locks failing closed."""

from __future__ import annotations

import json
from pathlib import Path

from tracker.deps.formats import parse_path, parse_text
from tracker.deps.npmlock import parse_package_lock

REAL = Path(__file__).parent / "files" / "real"


def test_a_real_v3_lock():
    result = parse_path(REAL / "package-lock.json")
    assert result.format == "package-lock.json v3" and not result.warnings
    deps = result.dependencies
    assert len(deps) == 131 and all(d.ecosystem == "npm" for d in deps)
    direct = {d.name: d.version for d in deps if d.direct}
    assert direct == {"axios": "1.21.1", "express": "4.22.3", "left-pad": "1.3.0", "lodash": "4.18.1",
                      "react": "18.3.1", "request": "2.88.2"}
    by_path_line = {(d.name, d.version): d.line for d in deps}
    text = (REAL / "package-lock.json").read_text().splitlines()
    assert text[by_path_line[("request", "2.88.2")] - 1].strip() == '"node_modules/request": {'
    # two versions of qs: request's own copy under node_modules/request/node_modules
    assert sorted(d.version for d in deps if d.name == "qs") == ["6.16.2", "6.5.5"]
    # Node's resolution: request needs qs ~6.5.2 and gets its nested copy; the edge is to qs
    assert ("npm", "qs") in result.edges[("npm", "request")]
    assert ("npm", "debug") in result.edges[("npm", "agent-base")]      # node_modules/agent-base/node_modules/debug
    assert result.graph and ("npm", "") not in result.edges            # the project's own needs are 'direct'


def lock(packages, version=3):
    return json.dumps({"name": "app", "version": "1.0.0", "lockfileVersion": version, "requires": True,
                       "packages": packages}, indent=2)


def test_groups_workspaces_local_and_git_packages():
    text = lock({
        "": {"name": "app", "workspaces": ["packages/*"], "dependencies": {"a": "^1"},
             "devDependencies": {"jest-like": "^2"}},
        "packages/ws": {"name": "ws-member", "version": "0.1.0", "dependencies": {"b": "^1"}},
        "node_modules/ws-member": {"resolved": "packages/ws", "link": True},
        "node_modules/a": {"version": "1.2.0", "resolved": "https://registry.npmjs.org/a/-/a-1.2.0.tgz",
                           "dependencies": {"c": "^3"}},
        "node_modules/b": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/b/-/b-1.0.0.tgz"},
        "node_modules/c": {"version": "3.1.0", "resolved": "https://registry.npmjs.org/c/-/c-3.1.0.tgz",
                           "optional": True},
        "node_modules/jest-like": {"version": "2.0.0", "dev": True,
                                   "resolved": "https://registry.npmjs.org/jest-like/-/jest-like-2.0.0.tgz"},
        "node_modules/from-git": {"version": "0.3.0",
                                  "resolved": "git+ssh://git@github.com/someone/from-git.git#abc123"},
        "node_modules/local": {"version": "1.0.0", "resolved": "file:../local"},
        "node_modules/@scope/pkg": {"version": "5.0.0"},
    })
    result = parse_package_lock(text, "package-lock.json")
    deps = {d.name: d for d in result.dependencies}
    assert deps["a"].direct and deps["b"].direct           # b: a workspace member's own dependency
    assert deps["jest-like"].direct and deps["jest-like"].groups == ("dev",)
    assert deps["c"].direct is False and deps["c"].groups == ("optional",)
    assert deps["from-git"].repo == "someone/from-git"
    assert "@scope/pkg" in deps and deps["@scope/pkg"].key == "@scope/pkg"
    assert {(u.kind, u.name) for u in result.unsupported} == {("local path", "ws-member"), ("local path", "local")}
    assert result.edges[("npm", "a")] == {("npm", "c")}
    assert not result.unread


def test_version_1_is_refused_saying_how_to_upgrade():
    text = json.dumps({"name": "old", "lockfileVersion": 1, "requires": True,
                       "dependencies": {"left-pad": {"version": "1.3.0"}}})
    result = parse_text(text, "package-lock.json")
    assert not result.dependencies
    (problem,) = result.unread
    assert "lockfileVersion 1 (npm 6 or older) is not read" in problem.message
    assert "npm install --package-lock-only" in problem.message
    # recognised by content too
    assert parse_text(text, "pasted").unread


def test_an_incomplete_lock_fails_closed():
    text = lock({"": {"dependencies": {"a": "^1"}},
                 "node_modules/a": {"version": "1.0.0", "dependencies": {"gone": "^2", "maybe": "^1"},
                                    "optionalDependencies": {"maybe": "^1"}}})
    result = parse_package_lock(text, "package-lock.json")
    assert [w.message for w in result.unread] == ["incomplete lock: gone (needed by a) not locked (truncated or"
                                                 " edited?)"]
    cut = parse_package_lock('{"lockfileVersion": 3, "packages": {', "package-lock.json")
    assert cut.unread and not cut.dependencies
