"""``selectors.protect``, without a database: for any cells beside their total, the total less the cells shown never
gives the figures of fewer than the minimum people, each counted once; if it would, the total is hidden by its own
threshold. Every hidden cell looks the same."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from thamdee.reports.selectors import Figures, protect


class _Read:
    """Stands in for the read the cells came from (``selectors._People``): counts their people once."""

    def __init__(self, people: list[frozenset[int]]) -> None:
        self.people = people

    def together(self, keys: list[int]) -> int:
        return len(frozenset().union(*(self.people[k] for k in keys)))


def _cells(people: list[frozenset[int]], *, counted: bool) -> list[Figures]:
    """One cell per set of people (one deed and 5 credits each); ``counted``: the people of several cells can be
    counted together, as for the sums of one read."""
    read: Any = _Read(people)
    return [
        Figures(
            deeds=len(p),
            credits_issued=5 * len(p),
            participants=len(p),
            source=(read, i) if counted else None,
        )
        for i, p in enumerate(people)
    ]


def _check(people: list[frozenset[int]], minimum: int, out: list[Figures], cells: list[Figures]) -> None:
    hidden = [i for i, f in enumerate(out) if f.suppressed]
    # Every cell with fewer people than the minimum (and someone in it) is hidden; the others shown are untouched
    assert all(out[i].suppressed for i, p in enumerate(people) if 0 < len(p) < minimum)
    assert all(out[i] is cells[i] for i in range(len(cells)) if i not in hidden)
    # Hidden cells look the same, small or hidden to protect one: nothing tells them apart
    assert all(out[i] == Figures(suppressed=True) for i in hidden)
    if not hidden:
        return
    together = frozenset().union(*(people[i] for i in hidden))
    everyone = frozenset().union(*people)
    total = Figures(participants=len(everyone), deeds=len(everyone))
    # What the total less the shown cells gives holds the minimum of people, or the total is hidden
    assert len(together) >= minimum or total.suppress_below(minimum).suppressed
    # and no more than one cell beyond the small ones is hidden for it
    assert sum(1 for i in hidden if len(people[i]) >= minimum) <= 1


people_sets = st.lists(st.frozensets(st.integers(0, 14), max_size=9), max_size=8)


@given(sizes=st.lists(st.integers(0, 15), max_size=10), minimum=st.integers(2, 10))
def test_different_people_in_each_cell(sizes: list[int], minimum: int) -> None:
    """Cells of random sizes, each of its own people (no read to count them together: only the sizes decide)."""
    start = 0
    people = []
    for size in sizes:
        people.append(frozenset(range(start, start + size)))
        start += size
    cells = _cells(people, counted=False)
    _check(people, minimum, protect(cells, minimum), cells)


@given(people=people_sets, minimum=st.integers(2, 10), counted=st.booleans())
def test_the_same_people_in_several_cells(people: list[frozenset[int]], minimum: int, counted: bool) -> None:
    """Cells drawn from fifteen people, so that one person is often in several: the hidden cells together are
    judged by their people counted once, never by the sum of the cells' counts."""
    cells = _cells(people, counted=counted)
    _check(people, minimum, protect(cells, minimum), cells)


def test_two_people_alone_beside_seven():
    """The reviewer's case as cells: 1, 1 and 7 people, minimum 5. The 7 is hidden with the two."""
    cells = _cells([frozenset({1}), frozenset({2}), frozenset(range(3, 10))], counted=True)
    assert protect(cells, 5) == [Figures(suppressed=True)] * 3


def test_three_small_cells_of_different_people_need_no_more():
    people = [frozenset({1, 2}), frozenset({3, 4}), frozenset({5, 6}), frozenset(range(10, 17))]
    out = protect(_cells(people, counted=True), 5)
    assert [f.suppressed for f in out] == [True, True, True, False]
    # the same sizes, but two people in all three: the 7 is hidden too
    people[1] = people[2] = people[0]
    assert all(f.suppressed for f in protect(_cells(people, counted=True), 5))
    # and where they cannot be counted together, the sizes alone cannot show six people, so the 7 is hidden
    people = [frozenset({1, 2}), frozenset({3, 4}), frozenset({5, 6}), frozenset(range(10, 17))]
    assert all(f.suppressed for f in protect(_cells(people, counted=False), 5))


def test_a_single_person_beside_a_large_cell_is_protected_by_it():
    """The threshold rule, not a dominance rule: one person hidden with a cell of 50 is mixed with 50 people."""
    people = [frozenset({0}), frozenset(range(1, 51)), frozenset(range(51, 151))]
    out = protect(_cells(people, counted=True), 5)
    assert [f.suppressed for f in out] == [True, True, False]


@given(people=people_sets, minimum=st.integers(2, 10), counted=st.booleans())
def test_cells_of_a_hidden_total_never_add_up_to_it(people: list[frozenset[int]], minimum: int, counted: bool) -> None:
    """``total_hidden``: the total is hidden on its page but other pages give it with other hidden cells (an area
    hidden in the list above it). Either there is nothing in the cells, or the hidden ones hold someone and count
    the minimum of people together: the cells shown never add up to the total."""
    cells = _cells(people, counted=counted)
    out = protect(cells, minimum, total_hidden=True)
    hidden = [i for i, f in enumerate(out) if f.suppressed]
    assert all(out[i] is cells[i] for i in range(len(cells)) if i not in hidden)
    assert all(out[i] == Figures(suppressed=True) for i in hidden)
    together = frozenset().union(*(people[i] for i in hidden))
    if any(people):
        # (fewer only when every cell with someone in it is hidden, and the total then counts too few to show)
        assert together and (len(together) >= minimum or all(i in hidden for i, p in enumerate(people) if p))
    # at most one cell of the minimum or more people is hidden for it
    assert sum(1 for i in hidden if len(people[i]) >= minimum) <= 1


def test_a_hidden_total_hides_the_smallest_cell_of_its_own():
    people = [frozenset(range(0, 6)), frozenset(range(6, 20)), frozenset()]
    cells = _cells(people, counted=True)
    assert protect(cells, 5) == cells
    assert protect(cells, 5, total_hidden=True) == [Figures(suppressed=True), cells[1], cells[2]]
    assert protect([Figures(), Figures()], 5, total_hidden=True) == [Figures(), Figures()]
