"""Who pulls a transitive dependency in: the dependency graph of the files that have one (uv.lock,
poetry.lock, package-lock.json, CycloneDX `dependencies`, SPDX relationships), united across
files, walked from the direct dependencies.

For every package reachable from a direct dependency: the shortest path from a direct dependency
to it (`via`: ['transformers', 'huggingface-hub', 'filelock']) and every direct dependency that
leads to it (`pulled_in_by`). Graphs are walked breadth-first, each node once per direct
dependency; a graph too large for that (more than WORK_CAP node visits) keeps only the shortest
paths, and says so.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tracker.deps.model import Node, ParseResult

WORK_CAP = 5_000_000


@dataclass
class Paths:
    via: dict[Node, list[Node]] = field(default_factory=dict)          # node -> direct ... node
    pulled_in_by: dict[Node, list[Node]] = field(default_factory=dict)  # node -> direct nodes, in order
    capped: bool = False


def united(results: list[ParseResult]) -> tuple[dict[Node, set[Node]], bool]:
    """Every file's edges together, and whether any file has a graph at all."""
    edges: dict[Node, set[Node]] = {}
    for r in results:
        for parent, children in r.edges.items():
            edges.setdefault(parent, set()).update(children)
    return edges, any(r.graph for r in results)


def paths(edges: dict[Node, set[Node]], direct: list[Node]) -> Paths:
    """Shortest path from a direct dependency to each reachable package, and the direct
    dependencies that reach it. `direct` in report order (ties go to the first)."""
    out = Paths()
    order = {node: i for i, node in enumerate(direct)}
    # one multi-source walk: the shortest path from any direct dependency
    parent: dict[Node, Node | None] = {d: None for d in direct}
    queue = deque(direct)
    while queue:
        node = queue.popleft()
        for child in sorted(edges.get(node, ()), key=lambda n: (order.get(n, len(order)), n)):
            if child not in parent:
                parent[child] = node
                queue.append(child)
    for node in parent:
        if node in order:
            continue
        chain, at = [], node
        while at is not None:
            chain.append(at)
            at = parent[at]
        out.via[node] = chain[::-1]
    # each direct dependency's own closure: who pulls each package in
    if len(direct) * max(1, len(parent)) > WORK_CAP:
        out.capped = True
        for node, chain in out.via.items():
            out.pulled_in_by[node] = [chain[0]]
        return out
    for d in direct:
        seen = {d}
        queue = deque([d])
        while queue:
            node = queue.popleft()
            for child in edges.get(node, ()):
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
                    if child not in order:
                        out.pulled_in_by.setdefault(child, []).append(d)
    return out
