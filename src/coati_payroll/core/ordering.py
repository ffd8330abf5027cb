"""The order concepts are computed in, and which concept may read which.

Rules (docs/calculation.md §5): earnings come first in dependency order and may read only
earnings; deductions come next by ascending priority (ties in dependency order) and may read
earnings, ``gross`` and deductions applied no later than themselves; employer concepts come last
and may read everything. Reading ``gross`` means reading every earning; ``total_deductions`` and
``net`` every deduction; ``total.TAG`` every concept tagged TAG. A cycle is an error that names it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from coati_payroll.core.errors import ConfigurationError, DependencyCycleError
from coati_payroll.core.model import Concept, ConceptKind
from coati_payroll.core.vocabulary import GROSS, NET, TOTAL_DEDUCTIONS

_KIND_RANK = {ConceptKind.EARNING: 0, ConceptKind.DEDUCTION: 1, ConceptKind.EMPLOYER: 2}


@dataclass(frozen=True, slots=True)
class _Node:
    concept: Concept
    index: int
    reads: frozenset[str]  # concept codes read, totals and tags expanded

    @property
    def key(self) -> tuple[int, int, int]:
        priority = self.concept.priority if self.concept.kind is ConceptKind.DEDUCTION else 0
        return _KIND_RANK[self.concept.kind], priority, self.index


def _expand(names: Iterable[str], concepts: Sequence[Concept],
            tags: Mapping[str, frozenset[str]]) -> tuple[frozenset[str], frozenset[str]]:
    """(concept codes read, totals named) for the names a concept's formulas read."""
    codes = {c.code for c in concepts}
    earnings = {c.code for c in concepts if c.kind is ConceptKind.EARNING}
    deductions = {c.code for c in concepts if c.kind is ConceptKind.DEDUCTION}
    read: set[str] = set()
    totals: set[str] = set()
    for name in names:
        if name in codes:
            read.add(name)
        elif name == GROSS:
            totals.add(name)
            read |= earnings
        elif name in (TOTAL_DEDUCTIONS, NET):
            totals.add(name)
            read |= deductions | (earnings if name == NET else set())
        elif name.startswith("total.") and name[6:] in tags:
            read |= tags[name[6:]]
    return frozenset(read), frozenset(totals)


def _check_reads(node: _Node, totals: frozenset[str], by_code: Mapping[str, Concept]) -> None:
    concept = node.concept
    if concept.kind is ConceptKind.EMPLOYER:
        return
    forbidden_totals = {GROSS, TOTAL_DEDUCTIONS, NET} if concept.kind is ConceptKind.EARNING \
        else {TOTAL_DEDUCTIONS, NET}
    for total in sorted(totals & forbidden_totals):
        raise ConfigurationError(
            f"a {concept.kind.value} cannot read {total}: it is not known until "
            f"{'all earnings' if total == GROSS else 'all deductions'} are computed",
            subject=concept.code, code="reads_total_too_early", name=total)
    for code in sorted(node.reads):
        other = by_code[code]
        if other.kind is ConceptKind.EMPLOYER:
            raise ConfigurationError(
                f"a {concept.kind.value} cannot read employer concept {code}: employer "
                "concepts are computed last", subject=concept.code, code="reads_later_kind",
                name=code)
        if concept.kind is ConceptKind.EARNING and other.kind is ConceptKind.DEDUCTION:
            raise ConfigurationError(
                f"an earning cannot read deduction {code}: deductions are computed after gross",
                subject=concept.code, code="reads_later_kind", name=code)
        if (concept.kind is ConceptKind.DEDUCTION and other.kind is ConceptKind.DEDUCTION
                and other.priority > concept.priority):
            raise ConfigurationError(
                f"deduction {concept.code} (priority {concept.priority}) reads deduction {code}, "
                f"which is applied later (priority {other.priority}); give {code} a priority "
                f"of {concept.priority} or less", subject=concept.code,
                code="reads_later_deduction", name=code)


def _cycle(nodes: Mapping[str, _Node]) -> list[str]:
    """One dependency cycle among ``nodes`` (which all sit on or behind a cycle)."""
    start = min(nodes)
    path: list[str] = []
    seen: dict[str, int] = {}
    current = start
    while current not in seen:
        seen[current] = len(path)
        path.append(current)
        current = min(code for code in nodes[current].reads if code in nodes)
    return [*path[seen[current]:], current]


def order_concepts(concepts: Sequence[Concept],
                   reads: Mapping[str, Iterable[str]]) -> tuple[Concept, ...]:
    """The concepts in computation order.

    ``reads`` maps each concept code to the names its formulas read. Raises
    :class:`ConfigurationError` for a read the rules forbid and :class:`DependencyCycleError`
    for a cycle.
    """
    by_code = {c.code: c for c in concepts}
    tags: dict[str, set[str]] = {}
    for concept in concepts:
        for tag in concept.tags:
            tags.setdefault(tag, set()).add(concept.code)
    frozen_tags = {tag: frozenset(codes) for tag, codes in tags.items()}
    nodes: dict[str, _Node] = {}
    for index, concept in enumerate(concepts):
        read, totals = _expand(reads.get(concept.code, ()), concepts, frozen_tags)
        node = _Node(concept, index, read)
        _check_reads(node, totals, by_code)
        nodes[concept.code] = node

    waiting = {code: set(node.reads) for code, node in nodes.items()}
    readers: dict[str, list[str]] = {code: [] for code in nodes}
    for code, node in nodes.items():
        for dependency in node.reads:
            readers[dependency].append(code)
    ready = [(node.key, code) for code, node in nodes.items() if not waiting[code]]
    heapq.heapify(ready)
    ordered: list[Concept] = []
    while ready:
        _, code = heapq.heappop(ready)
        ordered.append(nodes[code].concept)
        for reader in readers[code]:
            waiting[reader].discard(code)
            if not waiting[reader]:
                heapq.heappush(ready, (nodes[reader].key, reader))
    if len(ordered) < len(nodes):
        stuck = {code: node for code, node in nodes.items() if waiting[code]}
        cycle = _cycle(stuck)
        raise DependencyCycleError(
            "concepts read each other in a cycle: " + " → ".join(cycle),
            subject=cycle[0], cycle=tuple(cycle))
    return tuple(ordered)
