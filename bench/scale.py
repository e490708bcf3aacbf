"""Cost curves: collection, scoring, the overview query and the database at 1k to 10k projects.

    python bench/scale.py generate --count 10000            # synthetic repositories (once)
    python bench/scale.py curves --sizes 1000,2000,5000,10000 [--workers 2]
    python bench/scale.py overhead --count 1000 [--workers 1,2]

`generate` writes bare git repositories with `git fast-import` under --dir (default
$TMPDIR/tracker-scale; never inside the repository), with a realistic spread of sizes: most
small, a few large (see `sizes`). It is deterministic (--seed) and reuses repositories already
there.

`curves` makes, for each size N, a fresh database with the first N repositories registered as
projects with local paths, and times as whole processes (`python -m tracker`, as a user runs
them): `tracker collect --source git`, `tracker score`, then the app's overview query in a fresh
process (the read model's `overview` when it is installed, else the app's query layer), and
reports the database size and the peak memory of each process tree (the sum of the resident sets
of the command and its worker processes, sampled every 50 ms).

`overhead` measures what a collection costs beyond git's own work on many small repositories:
the same git commands the collector runs, one after another (git's own time, as a process sees
it), against `tracker collect --source git` on the same repositories, per project.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / "tracker-scale"
EPOCH_START = 1_420_070_400      # 2015-01-01
EPOCH_END = 1_780_000_000        # mid 2026
GIT_ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
           "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}


# -- synthetic repositories ------------------------------------------------------------------------
def sizes(count: int, seed: int) -> list[int]:
    """Commits per repository: 97% log-normal around 25 (capped at 2,000), 2.5% between 1,000 and
    5,000, 0.5% between 5,000 and 20,000 (GitHub's long tail: most repositories are small)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        r = rng.random()
        if r < 0.005:
            n = int(math.exp(rng.uniform(math.log(5000), math.log(20000))))
        elif r < 0.03:
            n = int(math.exp(rng.uniform(math.log(1000), math.log(5000))))
        else:
            n = min(2000, max(1, int(rng.lognormvariate(math.log(25), 1.1))))
        out.append(n)
    return out


def _stream(i: int, commits: int, seed: int) -> bytes:
    """A fast-import stream: `commits` commits by a skewed set of authors over a lifetime, each
    touching 1-3 files, release tags now and then, and governance files in HEAD for some."""
    rng = random.Random(seed * 100_003 + i)
    people = max(1, min(commits, int(rng.paretovariate(1.2) * 2)))
    authors = [(f"Dev {i}-{k}", f"dev{k}@{'org' if k % 3 else 'corp'}{i % 50}.example") for k in range(people)]
    weights = [1 / (k + 1) ** 1.3 for k in range(people)]
    files = [f"src/mod{j}.py" for j in range(max(2, int(math.sqrt(commits) * 3)))]
    start = rng.randint(EPOCH_START, EPOCH_END - 86400 * 30)
    alive = rng.random() < 0.7          # 30% stopped some time ago
    end = EPOCH_END - rng.randint(0, 86400 * 20) if alive else rng.randint(start, EPOCH_END)
    step = max(1, (end - start) // max(1, commits))
    out = []
    t = start
    tags = 0
    for c in range(commits):
        name, email = rng.choices(authors, weights)[0]
        t += rng.randint(1, 2 * step)
        msg = f"change {c}"
        out.append(f"commit refs/heads/main\nmark :{c + 1}\nauthor {name} <{email}> {t} +0000\n"
                   f"committer {name} <{email}> {t} +0000\ndata {len(msg)}\n{msg}\n")
        if c:
            out.append(f"from :{c}\n")
        touched = rng.sample(files, min(len(files), rng.randint(1, 3)))
        if c == 0:
            touched = sorted(set(touched) | {"README.md"})
            if i % 2 == 0:
                touched.append("LICENSE")
            if i % 5 == 0:
                touched.append(".github/FUNDING.yml")
            if i % 7 == 0:
                touched.append("SECURITY.md")
        for path in touched:
            body = f"{path} {c}\n" if path != ".github/FUNDING.yml" else f"github: [dev{i}]\n"
            out.append(f"M 100644 inline {path}\ndata {len(body)}\n{body}\n")
        if c and c % 40 == 0:
            tags += 1
            out.append(f"reset refs/tags/v{tags}.0.0\nfrom :{c + 1}\n\n")
    return "".join(out).encode()


def make_repo(path: Path, i: int, commits: int, seed: int) -> None:
    if (path / "HEAD").exists() and (path / "refs" / "heads" / "main").exists():
        return
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(path)], check=True, env=GIT_ENV)
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet", "--done"],
                   input=_stream(i, commits, seed) + b"done\n", check=True, env=GIT_ENV)


def repo_path(root: Path, i: int) -> Path:
    return root / "repos" / f"{i // 1000:02d}" / f"r{i:05d}.git"


def generate(root: Path, count: int, seed: int, jobs: int) -> dict:
    plan = sizes(count, seed)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:   # the work is in git's processes
        list(pool.map(lambda i: make_repo(repo_path(root, i), i, plan[i], seed), range(count)))
    info = {"count": count, "seed": seed, "commits": sum(plan), "median": sorted(plan)[count // 2],
            "max": max(plan), "seconds": round(time.perf_counter() - t0, 1)}
    (root / "repos.json").write_text(json.dumps({"sizes": plan, **info}))
    return info


# -- measuring whole processes ---------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss_kb(p)
        todo += _children(p)
    return total


def _children_cpu() -> float:
    """CPU seconds (user + system) of every finished, waited-for descendant of this process."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a command; wall time, CPU time of its whole process tree (every worker and git process
    is waited for, so it is counted), exit code and the peak RSS of its process tree."""
    peak = [0, 0]
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))
            peak[1] = max(peak[1], _rss_kb(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0
    tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "code": proc.returncode,
            "peak_rss_mb": round(peak[0] / 1024),
            "peak_main_mb": round(peak[1] / 1024), "stderr_tail": tail}


def tracker(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "tracker", "--db", str(db), "-q", *args]


def register(db: Path, root: Path, n: int) -> float:
    """The first n repositories as projects (local paths), in one process."""
    pattern = str(root / "repos" / "{d:02d}" / "r{i:05d}.git")
    code = "\n".join([
        "import sys",
        f"sys.path.insert(0, {str(ROOT)!r})",
        "from tracker.store import Store",
        "from tracker import registry",
        f"s = Store.open({str(db)!r})",
        "with s.transaction():",
        f"    for i in range({n}):",
        f"        registry.add(s, f'scale/r{{i:05d}}', git_source={pattern!r}.format(i=i, d=i // 1000))",
        "s.close()"])
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t0


OVERVIEW = """
import sys, time, json
sys.path.insert(0, %r)
t0 = time.perf_counter()
from tracker.store import open_reader
from tracker.clock import utcnow
try:
    from tracker.readmodel.pages import overview
    def run(store): return overview(store, utcnow())
    which = "tracker.readmodel.pages.overview"
except ImportError:
    from tracker.ui.queries import _overview as overview
    def run(store): return overview(store)
    which = "tracker.ui.queries._overview"
imports = time.perf_counter() - t0
times = []
for _ in range(3):
    t0 = time.perf_counter()
    store = open_reader(%r)
    frame = run(store)
    store.close()
    times.append(time.perf_counter() - t0)
print(json.dumps({"which": which, "rows": len(frame), "imports": imports, "first": times[0], "best": min(times)}))
"""


def overview(db: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", OVERVIEW % (str(ROOT), str(db))], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def curves(root: Path, size_list: list[int], workers: int, work: Path, rescore: bool = False,
           score: bool = True) -> list[dict]:
    """Collect (unless `rescore`: the databases of an earlier run in `work` are scored again),
    score, overview, size."""
    results = []
    for n in size_list:
        db = work / f"scale-{n}.duckdb"
        row: dict = {"projects": n, "load_before": load()}
        if not rescore:
            for p in work.glob(f"scale-{n}.duckdb*"):
                p.unlink()
            row["register_s"] = round(register(db, root, n), 1)
            c = timed(tracker(db, "collect", "--source", "git", "--workers", str(workers)))
            row.update(collect_s=c["seconds"], collect_code=c["code"], collect_peak_mb=c["peak_rss_mb"],
                       collect_writer_peak_mb=c["peak_main_mb"], load_after_collect=load())
            if c["code"] != 0:
                row["collect_stderr"] = c["stderr_tail"]
        if score:
            s = timed(tracker(db, "score", "--format", "json"))
            row.update(score_s=s["seconds"], score_code=s["code"], score_peak_mb=s["peak_rss_mb"],
                       load_after_score=load())
            if s["code"] != 0:
                row["score_stderr"] = s["stderr_tail"]
        o = overview(db)
        row.update(overview_first_s=round(o["first"], 3), overview_best_s=round(o["best"], 3),
                   overview_rows=o["rows"], overview_fn=o["which"])
        row["db_mb"] = round(sum(p.stat().st_size for p in work.glob(f"scale-{n}.duckdb*")) / 2**20)
        row["commits"] = _scalar(db, "SELECT count(*) FROM git_commits")
        print(json.dumps(row), flush=True)
        results.append(row)
    return results


def _scalar(db: Path, sql: str) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


# -- overhead beyond git ---------------------------------------------------------------------------
GIT_BASE = ["git", "-c", "log.showSignature=false", "-c", "core.quotePath=false", "-c", "log.mailmap=true",
            "-c", "color.ui=never", "-c", "protocol.allow=never"]


def git_alone(path: Path) -> float:
    """The git commands a collection of this repository runs, one after another, output
    discarded: git's own time as a process sees it (fork, exec, the work)."""
    env = {**GIT_ENV, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    g = [*GIT_BASE, "-C", str(path)]
    t0 = time.perf_counter()
    for args in (["rev-parse", "--git-dir", "--is-shallow-repository", "--git-common-dir"],   # open_local
                 ["symbolic-ref", "-q", "--short", "HEAD"],
                 ["log", "-M", "--name-status", "-z", "--no-color",     # a local repository: renames found on the way
                  "--format=%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%at%x1f%ct", "HEAD", "--"],
                 # the data date of a local repository (collectors/git/repo.py data_date)
                 ["config", "--get", "tracker.dataDate"],
                 ["for-each-ref", "--format=%(refname:lstrip=2)%00%(objecttype)%00%(objectname)", "refs/tags"]):
        subprocess.run(g + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    # HEAD, its committer time and the folders' listings (read_head); the files' sizes, then contents
    for args, lines in ((["cat-file", "--batch"], b"HEAD^{commit}\nHEAD^{tree}\nHEAD:.github\nHEAD:docs\n"),
                        (["cat-file", "--batch-check"], b"HEAD:README.md\n"),
                        (["cat-file", "--batch"], b"HEAD:README.md\n")):
        subprocess.run(g + args, input=lines, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def overhead(root: Path, count: int, worker_list: list[int], work: Path) -> dict:
    plan = json.loads((root / "repos.json").read_text())["sizes"]
    small = [i for i, n in enumerate(plan) if n <= 50][:count]
    sub = work / "overhead-repos"
    shutil.rmtree(sub, ignore_errors=True)
    (sub / "repos").mkdir(parents=True)
    for k, i in enumerate(small):   # the chosen small repositories, numbered 0..count-1
        d = sub / "repos" / f"{k // 1000:02d}"
        d.mkdir(exist_ok=True)
        os.symlink(repo_path(root, i), d / f"r{k:05d}.git")
    out: dict = {"projects": len(small), "commits": sum(plan[i] for i in small), "load_before": load()}
    t0, cpu0 = time.perf_counter(), _children_cpu()
    for k in range(len(small)):
        git_alone(sub / "repos" / f"{k // 1000:02d}" / f"r{k:05d}.git")
    out["git_alone_s"] = round(time.perf_counter() - t0, 2)
    out["git_alone_cpu_s"] = round(_children_cpu() - cpu0, 2)
    for w in worker_list:
        db = work / f"overhead-{w}.duckdb"
        for p in work.glob(f"overhead-{w}.duckdb*"):
            p.unlink()
        register(db, sub, len(small))
        c = timed(tracker(db, "collect", "--source", "git", "--workers", str(w)))
        per = (c["seconds"] - out["git_alone_s"] / min(w, os.cpu_count() or 1)) / len(small) * 1000
        cpu_per = (c["cpu_s"] - out["git_alone_cpu_s"]) / len(small) * 1000
        literal = (c["seconds"] - out["git_alone_s"]) / len(small) * 1000
        out[f"workers_{w}"] = {"seconds": c["seconds"], "cpu_s": c["cpu_s"], "code": c["code"],
                               "peak_rss_mb": c["peak_rss_mb"],
                               "wall_minus_git_ms_per_project": round(literal, 1),
                               "wall_minus_git_per_core_ms_per_project": round(per, 1),
                               "cpu_beyond_git_ms_per_project": round(cpu_per, 1), "load_after": load()}
    out["git_alone_ms_per_project"] = round(out["git_alone_s"] / len(small) * 1000, 1)
    return out


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {git}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the repositories and databases go")
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--count", type=int, default=10_000)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    c = sub.add_parser("curves")
    c.add_argument("--sizes", default="1000,2000,5000,10000")
    c.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 4))
    c.add_argument("--no-score", action="store_true", help="collect only (score later with --rescore)")
    c.add_argument("--rescore", type=Path, metavar="RUN_DIR",
                   help="score the databases an earlier `curves` left in RUN_DIR again (no collection)")
    o = sub.add_parser("overhead")
    o.add_argument("--count", type=int, default=1000)
    o.add_argument("--workers", default="1,2")
    a = ap.parse_args()
    root = a.dir.resolve()
    if ROOT in root.parents or root == ROOT:
        raise SystemExit(f"--dir {root} is inside the repository; use a folder outside it")
    root.mkdir(parents=True, exist_ok=True)
    work = a.rescore if getattr(a, "rescore", None) else Path(tempfile.mkdtemp(prefix="run-", dir=root))
    print(f"machine: {machine()}; load average {load()}", flush=True)
    if a.cmd == "generate":
        print(json.dumps(generate(root, a.count, a.seed, a.jobs)))
    elif a.cmd == "curves":
        rows = curves(root, [int(x) for x in a.sizes.split(",")], a.workers, work, rescore=bool(a.rescore),
                      score=not a.no_score)
        (work / ("rescore.json" if a.rescore else "curves.json")).write_text(json.dumps(rows, indent=1))
    else:
        print(json.dumps(overhead(root, a.count, [int(x) for x in a.workers.split(",")], work)))
    print(f"databases in {work} (delete when done)")


if __name__ == "__main__":
    main()
