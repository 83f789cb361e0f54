"""Drawing one rule for one form without ever painting itself into a corner.

Candidates are visited once, best first (least exposed, then by sha256). Each is
taken if its quota group still needs questions and taking it leaves a way to
complete every group within every cap. Because the set of completions only
shrinks as questions are taken, one pass in priority order always finishes when
the rule was satisfiable at the start (a candidate rejected once could never be
part of a completion later).

Deciding "a completion still exists" is a flow problem, but a cheap one: a
question of a difficulty no cap mentions only competes with its own group, so
each group first fills what it can from uncapped questions and only the deficit
has to be routed through the capped ones (:mod:`quizlib.forms.flow`). With the
course's midterm (at most 2 hard per chapter, plenty of easy and medium
questions) the deficit is zero and no flow is ever built.
"""

from __future__ import annotations

from collections import Counter

from .flow import FlowNetwork
from .pool import CapKey, Candidate, RulePool

_SOURCE, _SINK = "source", "sink"
_UNLIMITED = 1 << 20


class RulePlan:
    """The remaining quota, availability and cap room of one rule while one form is drawn."""

    def __init__(self, pool: RulePool, candidates: list[Candidate]):
        self.pool = pool
        self.remaining = dict(pool.groups)
        self.cap_room: dict[CapKey, int] = dict(pool.caps)
        self.uncapped: Counter[str] = Counter()
        self.capped: Counter[tuple[str, tuple[CapKey, ...]]] = Counter()
        self._chain = pool.placement
        self.left = sum(self.remaining.values())
        for c in candidates:
            group, chain = self._chain[c.gid]
            if chain:
                self.capped[(group, chain)] += 1
            else:
                self.uncapped[group] += 1

    # -- bookkeeping ------------------------------------------------------------------

    def withdraw(self, c: Candidate) -> None:
        """``c`` is no longer available (taken now, or passed over for good)."""
        group, chain = self._chain[c.gid]
        if chain:
            self.capped[(group, chain)] -= 1
        else:
            self.uncapped[group] -= 1

    def take(self, c: Candidate) -> bool:
        """Take ``c`` (already withdrawn) if that keeps the rule completable; returns whether taken."""
        group, chain = self._chain[c.gid]
        if self.remaining.get(group, 0) <= 0 or any(self.cap_room[k] <= 0 for k in chain):
            return False
        self.remaining[group] -= 1
        self.left -= 1
        for k in chain:
            self.cap_room[k] -= 1
        # An uncapped question can always replace another pick of its own group in
        # any completion, so only capped ones need the check.
        if chain and not self.feasible():
            self.remaining[group] += 1
            self.left += 1
            for k in chain:
                self.cap_room[k] += 1
            return False
        return True

    @property
    def done(self) -> bool:
        return self.left == 0

    # -- feasibility --------------------------------------------------------------------

    def deficits(self) -> dict[str, int]:
        return {g: r - self.uncapped[g] for g, r in self.remaining.items() if r > self.uncapped[g]}

    def network(self, deficits: dict[str, int], room: dict[CapKey, int] | None = None) -> FlowNetwork:
        room = self.cap_room if room is None else room
        net = FlowNetwork()
        for g, d in deficits.items():
            net.add_edge(_SOURCE, ("group", g), d)
        cap_edges: dict[tuple[object, object], int] = {}
        for (g, chain), n in self.capped.items():
            if g not in deficits or n <= 0:
                continue
            net.add_edge(("group", g), ("leaf", g, chain), n)
            net.add_edge(("leaf", g, chain), ("cap", chain[0]), _UNLIMITED)
            # A cap is one node shared by every leaf under it: its room is added once.
            for inner, outer in zip(chain, chain[1:]):
                cap_edges[(("cap", inner), ("cap", outer))] = room[inner]
            cap_edges[(("cap", chain[-1]), _SINK)] = room[chain[-1]]
        for (u, v), c in cap_edges.items():
            net.add_edge(u, v, c)
        return net

    def feasible(self) -> bool:
        deficits = self.deficits()
        need = sum(deficits.values())
        if need == 0:
            return True
        return self.network(deficits).max_flow(_SOURCE, _SINK, limit=need) == need

    def needed_through(self, cap: CapKey) -> int:
        """How many more questions any completion must take under ``cap``, every other cap lifted."""
        deficits = self.deficits()
        need = sum(deficits.values())
        room = {k: _UNLIMITED for k in self.cap_room}
        room[cap] = 0
        return need - self.network(deficits, room).max_flow(_SOURCE, _SINK)
