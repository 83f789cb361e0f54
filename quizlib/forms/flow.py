"""A tiny max-flow, enough to decide whether a draw rule can still be completed.

Drawing under limits ("2 per section, at most 2 hard per chapter") is a flow
problem: quota groups send their remaining quota through the questions still
available to them and through the caps they count against. The networks here
have a few dozen nodes, so depth-first augmenting paths (Ford-Fulkerson) are
plenty; capacities are small integers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Hashable

Node = Hashable


class FlowNetwork:
    def __init__(self) -> None:
        self.cap: dict[Node, dict[Node, int]] = defaultdict(dict)

    def add_edge(self, u: Node, v: Node, capacity: int) -> None:
        if capacity <= 0:
            return
        self.cap[u][v] = self.cap[u].get(v, 0) + capacity
        self.cap[v].setdefault(u, 0)

    def max_flow(self, source: Node, sink: Node, limit: int | None = None) -> int:
        """Value of a maximum flow (stops early once ``limit`` is reached)."""
        residual = {u: dict(vs) for u, vs in self.cap.items()}
        total = 0
        while limit is None or total < limit:
            pushed = self._augment(residual, source, sink, (limit - total) if limit is not None else 1 << 30)
            if not pushed:
                break
            total += pushed
        return total

    @staticmethod
    def _augment(residual: dict[Node, dict[Node, int]], source: Node, sink: Node, want: int) -> int:
        """Push flow along one path found depth first; returns the amount pushed (0: none left)."""
        parent: dict[Node, Node] = {source: source}
        stack = [source]
        while stack:
            u = stack.pop()
            if u == sink:
                break
            for v, c in residual.get(u, {}).items():
                if c > 0 and v not in parent:
                    parent[v] = u
                    stack.append(v)
        if sink not in parent:
            return 0
        amount, v = want, sink
        while v != source:
            u = parent[v]
            amount = min(amount, residual[u][v])
            v = u
        v = sink
        while v != source:
            u = parent[v]
            residual[u][v] -= amount
            residual[v][u] = residual[v].get(u, 0) + amount
            v = u
        return amount
