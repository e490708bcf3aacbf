"""The test repositories' builder: a commit written by `git fast-import` is the very object `git add`
+ `git commit` make (same sha), and git's own commands see the repository as after porcelain."""

from __future__ import annotations

import os

from tests.gitrepo import GitRepo


class PorcelainRepo(GitRepo):
    """Every commit through `git add` and `git commit`."""

    def _fast_commit(self, *args, **kwargs):
        return None


def _story(repo: GitRepo) -> list[str]:
    """A history of every kind the suite builds: new, changed, executable, empty, deleted and moved
    (`git mv`) files, another committer, a side branch merged back, tags; the sha after each step."""
    shas = [repo.commit("2024-01-02T10:00:00", name="Ann", email="ann@example.org")]
    shas.append(repo.commit("2024-01-03", name="Bob Émile", email="bob@example.org",
                            files={"src/a.py": "a = 1\n", "docs/read me.md": "# hi\n"}, message="add a"))
    (repo.path / "tool.sh").write_text("#!/bin/sh\n")
    os.chmod(repo.path / "tool.sh", 0o755)
    shas.append(repo.commit("2024-01-04", files={"tool.sh": "echo hi\n", "src/a.py": "a = 2\n"},
                            committer=("CI", "ci@example.org"), committer_when="2024-01-05"))
    shas.append(repo.commit("2024-01-06", files={"src/b.py": ""}, delete=["docs/read me.md"], message="move on"))
    repo.tag("v1.0", when="2024-01-07", annotated=True)
    repo.git("checkout", "-q", "-b", "side")
    shas.append(repo.commit("2024-02-01", files={"side.txt": "x\n"}))
    repo.git("checkout", "-q", "main")
    shas.append(repo.commit("2024-02-02", files={"main.txt": "y\n"}))
    shas.append(repo.merge("side", "2024-02-03"))
    shas.append(repo.commit("2024-02-04", delete=["side.txt"], files={"src/a.py": "a = 3\n"}))
    (repo.path / "lib").mkdir()
    repo.git("mv", "src/b.py", "lib/b.py")                          # staged by git: in the next commit
    shas.append(repo.commit("2024-02-04T12:00:00", files={"src/a.py": "a = 4\n"}, message="move b"))
    shas.append(repo.commit("2024-02-05", message="two lines\n\nwith a body"))
    shas.append(repo.commit("2024-02-06", message="  git trims this  "))   # git cleans it: porcelain
    return shas


def test_fast_commits_are_the_objects_porcelain_makes(tmp_path):
    fast, porcelain = GitRepo(tmp_path / "fast"), PorcelainRepo(tmp_path / "porcelain")
    assert _story(fast) == _story(porcelain)
    assert fast.git("status", "--porcelain") == porcelain.git("status", "--porcelain") == ""
    assert fast.git("ls-files", "-s") == porcelain.git("ls-files", "-s")
    assert fast.git("rev-list", "--count", "HEAD") == "11"
    assert "100755" in fast.git("ls-tree", "-r", "HEAD", "--", "tool.sh")
    assert not (fast.path / "side.txt").exists() and (fast.path / "main.txt").read_text() == "y\n"
    assert "lib/b.py" in fast.git("ls-tree", "-r", "--name-only", "HEAD").splitlines()


def test_a_detached_head_commits_through_porcelain(tmp_path):
    fast, porcelain = GitRepo(tmp_path / "fast"), PorcelainRepo(tmp_path / "porcelain")
    for repo in (fast, porcelain):
        repo.commit("2024-01-02", files={"a.txt": "1\n"})
        repo.git("checkout", "-q", "--detach")
    assert fast.commit("2024-01-03", files={"a.txt": "2\n"}) == porcelain.commit("2024-01-03", files={"a.txt": "2\n"})
