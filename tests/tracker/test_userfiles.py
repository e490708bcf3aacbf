"""The one reader (tracker/userfiles.py): size capped before and while reading, nesting capped,
one clear error, secrets redacted from text shown back."""

from __future__ import annotations

import os

import pytest

from tracker.errors import UsageError
from tracker.userfiles import (
    BadDocument,
    FileProblem,
    load_json,
    load_toml,
    load_yaml,
    read_bytes,
    read_text,
    read_toml,
    redact_secrets,
)


def test_the_size_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(50_000_000)          # sparse: nothing to read, 50 MB claimed
    with pytest.raises(FileProblem, match=rf"^list {big}: larger than 1,000 bytes; refusing to read it$"):
        read_bytes(big, "list", 1_000)
    exact = tmp_path / "exact.txt"
    exact.write_bytes(b"x" * 1_000)
    assert read_bytes(exact, max_bytes=1_000) == b"x" * 1_000


def test_endless_and_special_files(tmp_path):
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    with pytest.raises(FileProblem, match="larger than 4,096 bytes"):
        read_bytes(zero, max_bytes=4_096)
    with pytest.raises(FileProblem, match="a symbolic link"):
        read_bytes(zero, max_bytes=4_096, follow_symlinks=False)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert read_bytes(fifo) == b""            # no writer: end of file at once, no hang
    with pytest.raises(FileProblem, match="a directory"):
        read_bytes(tmp_path)
    with pytest.raises(FileProblem, match="no such file"):
        read_bytes(tmp_path / "missing")
    with pytest.raises(FileProblem, match="no such file"):
        read_bytes(tmp_path / "fifo" / "below")
    assert issubclass(FileProblem, UsageError)      # the CLI prints one line and exits 2


def test_text_is_utf8(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"\xef\xbb\xbfhello\n")
    assert read_text(path) == "hello\n"
    path.write_bytes(b"caf\xe9\n")
    with pytest.raises(FileProblem, match="not UTF-8 text"):
        read_text(path)
    path.write_bytes(b"a\x00b")
    with pytest.raises(FileProblem, match="binary"):
        read_text(path)


@pytest.mark.parametrize("load, text", [
    (load_json, "[" * 100_000 + "]" * 100_000),
    (load_json, "[" * 101 + "]" * 101),                     # under the recursion limit, over the cap
    (load_toml, "a = " + "[" * 100_000 + "]" * 100_000),
    (load_toml, "a = " + "[" * 101 + "]" * 101),
    (load_toml, ".".join(["a"] * 101) + " = 1"),            # dotted keys: tomllib is quadratic on them
    (load_toml, "[" + ".".join(['"a"'] * 200) + "]"),
])
def test_nesting_is_capped(load, text):
    with pytest.raises(BadDocument, match="nested more than 100 levels"):
        load(text)


def test_just_under_the_caps_is_fine():
    assert load_json("[" * 100 + "]" * 100)
    assert load_toml(".".join(["a"] * 100) + " = 1")
    assert load_toml("v = 1.5\nx = [1.0, 2.0, 3.0]\n[a.b]\nc = 'd.e.f'\n") == {
        "v": 1.5, "x": [1.0, 2.0, 3.0], "a": {"b": {"c": "d.e.f"}}}


def test_numbers_python_will_not_convert():
    with pytest.raises(BadDocument, match="not valid JSON .*digits"):
        load_json("9" * 5000)
    with pytest.raises(BadDocument, match="not valid TOML .*digits"):
        load_toml("a = " + "9" * 5000)
    with pytest.raises(ValueError, match="not valid YAML .*digits"):
        load_yaml("a: " + "9" * 5000)


def test_syntax_errors_say_where():
    with pytest.raises(BadDocument) as json_error:
        load_json('{"a": 1,\n "b": }')
    assert json_error.value.line == 2
    with pytest.raises(BadDocument) as toml_error:
        load_toml("a = 1\nb = \n")
    assert toml_error.value.line == 2


def test_yaml_depth_and_aliases():
    with pytest.raises(ValueError, match="nested more than 100 levels"):
        load_yaml("a: " + "[" * 101 + "]" * 101, max_nodes=10_000)
    with pytest.raises(ValueError, match="aliases"):
        load_yaml("a: &x 1\nb: *x\n")
    assert load_yaml("a: " + "[" * 99 + "]" * 99, max_nodes=10_000)


def test_read_toml_names_the_file(tmp_path):
    path = tmp_path / "w.toml"
    path.write_text("a = [[[")
    with pytest.raises(FileProblem, match=rf"^--weights {path}: not valid TOML"):
        read_toml(path, "--weights")


@pytest.mark.parametrize("text, shown", [
    ("GITHUB_TOKEN=ghp_" + "a" * 36, "GITHUB_TOKEN=***"),
    ("token: ghp_" + "a" * 36, "token: ***"),
    ("x github_pat_" + "A1" * 20 + " y", "x *** y"),
    ("AKIA" + "ABCDEFGHIJKLMNOP", "***"),
    ("git+https://oauth2:" + "glpat-" + "abcdefghijklmnopqrstu" + "@gitlab.com/o/r", "git+https://***@gitlab.com/o/r"),
    ("DB_PASSWORD = hunter2", "DB_PASSWORD = ***"),
    ("-----BEGIN RSA PRIVATE KEY-----", "***"),
    # every published format, each alone in its text (a pattern runs only where its prefix occurs)
    ("a " + "ghs_" + "b" * 30, "a ***"),
    ("a " + "xoxb-" + "1" * 12, "a ***"),
    ("a " + "ASIA" + "Q" * 16 + " b", "a *** b"),
    ("a " + "pypi-" + "c" * 44, "a ***"),
    ("a " + "npm_" + "d" * 32, "a ***"),
    ("a " + "hf_" + "e" * 32, "a ***"),
    ("a " + "AIza" + "f" * 35, "a ***"),
    ("a " + "sk-" + "g" * 24, "a ***"),
    ("requests==2.31.0", "requests==2.31.0"),                   # ordinary text is left alone
    ("git+ssh://git@github.com/o/r", "git+ssh://git@github.com/o/r"),
    ("secret.txt: it was not uploaded", "secret.txt: it was not uploaded"),
    ("sk-short", "sk-short"),
])
def test_redact_secrets(text, shown):
    assert redact_secrets(text) == shown
