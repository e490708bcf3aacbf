"""Registry: repository names and URLs, add/list/remove, curated-list import, via the real CLI."""

import json

import pytest

from tracker.errors import UsageError
from tracker.registry import load_list, parse_repo


@pytest.mark.parametrize(
    "text",
    [
        "pytorch/pytorch",
        "https://github.com/pytorch/pytorch",
        "https://github.com/pytorch/pytorch.git",
        "https://github.com/pytorch/pytorch/",
        "http://www.github.com/pytorch/pytorch/tree/main/torch",
        "github.com/pytorch/pytorch",
        "git@github.com:pytorch/pytorch.git",
        "ssh://git@github.com/pytorch/pytorch.git",
        "git+https://github.com/pytorch/pytorch.git",
        "  pytorch/pytorch  ",
    ],
)
def test_parse_accepts_usual_forms(text):
    assert parse_repo(text) == ("pytorch", "pytorch")


def test_parse_keeps_dots_and_underscores():
    assert parse_repo("run-llama/llama_index") == ("run-llama", "llama_index")
    assert parse_repo("ggml-org/llama.cpp") == ("ggml-org", "llama.cpp")


@pytest.mark.parametrize(
    "text",
    ["", "pytorch", "a/b/c", "foo;drop/x", "o/'--", "-bad/x", "bad-/x", "a--b/x", "x/..",
     "https://gitlab.com/a/b", "ftp://github.com/a/b", "owner/re po", "o/" + "r" * 101,
     "a" * 40 + "/x", "https://github.com/onlyowner", "o/r\tx"],
)
def test_parse_rejects_bad_names(text):
    with pytest.raises(UsageError):
        parse_repo(text)


def test_add_list_remove_roundtrip(cli):
    r = cli("add", "https://github.com/Pallets/Flask.git", "--category", "web")
    assert r.code == 0 and "added: Pallets/Flask" in r.out
    again = cli("add", "pallets/flask")
    assert again.code == 0 and "already tracked" in again.out
    listed = cli("list", "--format", "json").json()
    assert listed == [{"project": "Pallets/Flask", "category": "web", "pypi": None, "git": None, "health": None,
                       "coverage": None, "health_reason": None, "risk": None}]  # not scored yet: unknown
    csv_out = cli("list", "--format", "csv").out.splitlines()
    assert csv_out == ["project,category,pypi,git,health,coverage,health_reason,risk", "Pallets/Flask,web,,,,,,"]
    assert "Pallets/Flask" in cli("list").out
    r = cli("remove", "pallets/flask")
    assert r.code == 0 and "removed Pallets/Flask" in r.out
    assert cli("list", "--format", "json").json() == []


@pytest.mark.parametrize("bad", ["foo", "foo;drop table projects;--/x", "o'--/x", "https://example.com/a/b"])
def test_invalid_names_exit_2_with_one_line(cli, bad):
    r = cli("add", bad)
    assert r.code == 2
    assert r.err.count("\n") == 1 and r.err.startswith("tracker: error:")
    assert "Traceback" not in r.err


def test_injection_text_is_stored_verbatim_not_executed(cli, store):
    # A category with SQL in it is data, nothing more (parameterised SQL everywhere).
    store.close()
    r = cli("add", "a/b", "--category", "x'); DROP TABLE projects; --")
    assert r.code == 0
    assert cli("list", "--format", "json").json()[0]["category"] == "x'); DROP TABLE projects; --"


def test_remove_unknown_project_is_a_clear_error(cli):
    r = cli("remove", "nobody/nothing")
    assert r.code == 2 and "not tracked" in r.err


def test_curated_list_has_what_users_ask_first():
    entries = load_list("data/projects.yaml")
    repos = {e["repo"].lower() for e in entries}
    assert len(entries) >= 30 and len(repos) == len(entries)
    required = {"meta-llama/llama3", "meta-llama/llama-models", "mistralai/mistral-inference",
                "stability-ai/generative-models", "compvis/stable-diffusion", "pytorch/pytorch",
                "huggingface/transformers", "huggingface/diffusers", "ggml-org/llama.cpp",
                "vllm-project/vllm", "ollama/ollama", "langchain-ai/langchain",
                "scikit-learn/scikit-learn", "jax-ml/jax", "keras-team/keras", "onnx/onnx",
                "mlflow/mlflow", "ray-project/ray", "explosion/spacy"}
    assert required <= repos
    assert all(e.get("category") for e in entries)
    assert sum(1 for e in entries if e.get("pypi")) >= 25


def test_import_curated_list_twice_adds_nothing_the_second_time(cli):
    n = len(load_list("data/projects.yaml"))
    assert n == 50
    first = cli("add", "--from", "data/projects.yaml")
    assert first.code == 0 and first.out.startswith(f"{n} projects added, 0 already tracked")
    second = cli("add", "--from", "data/projects.yaml")
    assert second.out.startswith(f"0 projects added, {n} already tracked")
    rows = cli("list", "--format", "json").json()
    assert len(rows) == n
    torch = next(r for r in rows if r["project"] == "pytorch/pytorch")
    assert torch == {"project": "pytorch/pytorch", "category": "frameworks", "pypi": "torch", "git": None,
                     "health": None, "coverage": None, "health_reason": None, "risk": None}


@pytest.mark.parametrize(
    "content, message",
    [
        ("a: &a [1]\nb: [*a, *a, *a]\n", "aliases"),
        ("just text\n", "expected a list"),
        ("projects: [{repo: ok/one}, {repo: 'bad;name'}]\n", "entry 2: repository 'bad;name'"),
        ("projects: [{name: x}]\n", "entry 1 has no 'repo"),
        ("- {repo: a/b, pypi: [1, 2]}\n", "'pypi' must be text"),
        ("- [unclosed\n", "not valid YAML"),
        ("!!python/object/apply:os.system ['echo pwned']\n", "not valid YAML"),
    ],
)
def test_bad_curated_lists_are_rejected_whole(cli, tmp_path, content, message):
    f = tmp_path / "list.yaml"
    f.write_text(content)
    r = cli("add", "--from", str(f))
    assert r.code == 2 and message in r.err
    assert cli("list", "--format", "json").json() == []


def test_huge_list_is_refused(cli, tmp_path):
    f = tmp_path / "big.yaml"
    f.write_text("- a/b\n" * 300_000)
    r = cli("add", "--from", str(f))
    assert r.code == 2 and "larger than" in r.err


def test_db_option_and_env_choose_the_file(tmp_path, monkeypatch):
    from tracker.cli import main

    env_db = tmp_path / "env.duckdb"
    monkeypatch.setenv("TRACKER_DB", str(env_db))
    assert main(["add", "a/b"]) == 0
    assert env_db.exists()
    opt_db = tmp_path / "opt.duckdb"
    assert main(["--db", str(opt_db), "add", "c/d"]) == 0
    assert opt_db.exists()


def test_list_json_is_valid_even_with_no_database(cli):
    r = cli("list", "--format", "json")
    assert r.code == 0 and json.loads(r.out) == []


def test_a_list_that_never_ends_or_nests_too_deep_is_refused(cli, tmp_path):
    """projects.yaml goes through the one reader: size capped while reading, nesting capped."""
    endless = tmp_path / "projects.yaml"
    endless.symlink_to("/dev/zero")
    r = cli("add", "--from", str(endless))
    assert r.code == 2 and "larger than 1,000,000 bytes" in r.err
    deep = tmp_path / "deep.yaml"
    deep.write_text("- repo: a/b\n  name: " + "[" * 150 + "]" * 150 + "\n")
    r = cli("add", "--from", str(deep))
    assert r.code == 2 and "nested more than 100 levels deep" in r.err and r.err.count("\n") == 1
    assert cli("list", "--format", "json").json() == []
