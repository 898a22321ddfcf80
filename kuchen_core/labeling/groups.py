"""Groups (series of distinct pool methods) and the prefix tree that shares their work.

A group is a tuple of indices into the pool; ``()`` is the identity group. Ordered
permutations give P(n,k) = n!/(n−k)! groups of size k (the paper); combinations give C(n,k).
"""

from __future__ import annotations

import itertools
from typing import Iterable, Sequence

Group = tuple[int, ...]


def make_groups(n_methods: int, max_size: int, order: str = "permutations", identity: bool = True) -> list[Group]:
    """Every group of 1..max_size distinct methods, shortest first, plus ``()`` first when ``identity``."""
    choose = itertools.permutations if order == "permutations" else itertools.combinations
    groups: list[Group] = [()] if identity else []
    for size in range(1, max_size + 1):
        groups.extend(choose(range(n_methods), size))
    return groups


def prefixes(groups: Iterable[Group]) -> set[Group]:
    """Every distinct non-empty prefix: each is one method application per image."""
    return {group[:end] for group in groups for end in range(1, len(group) + 1)}


def naive_applications(groups: Iterable[Group]) -> int:
    """Method applications when every group is run from scratch."""
    return sum(len(group) for group in groups)


def children(groups: Iterable[Group]) -> dict[Group, list[int]]:
    """The prefix tree: for each prefix, the methods applied after it on the way to some group (sorted)."""
    tree: dict[Group, set[int]] = {}
    for prefix in prefixes(groups):
        tree.setdefault(prefix[:-1], set()).add(prefix[-1])
    return {prefix: sorted(following) for prefix, following in tree.items()}


def group_name(group: Group, labels: Sequence[str]) -> str:
    """``identity`` or the method labels joined by ``>`` in application order."""
    return ">".join(labels[i] for i in group) if group else "identity"
