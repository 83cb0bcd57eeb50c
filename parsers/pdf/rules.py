"""Ruling segments -> snapped, merged rules -> connected table frames."""
from __future__ import annotations

from dataclasses import dataclass

from .page import Seg

SNAP = 2.0  # points: rules this close are the same line
GAP = 3.0  # points: collinear pieces with gaps up to this are joined
MIN_LEN = 4.0  # shorter pieces are glyph strokes / dots, not rules


def cluster_positions(values: list[float], tol: float = SNAP) -> list[float]:
    """Sorted representative positions of values that lie within `tol` of each other."""
    if not values:
        return []
    vals = sorted(values)
    groups: list[list[float]] = [[vals[0]]]
    for v in vals[1:]:
        if v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def normalize(segs: list[Seg]) -> list[Seg]:
    """Snap positions of near-collinear rules and merge touching pieces."""
    out: list[Seg] = []
    for horizontal in (True, False):
        group = [s for s in segs if s.horizontal == horizontal and s.b - s.a >= 0.5]
        if not group:
            continue
        group.sort(key=lambda s: s.pos)
        # cluster by position
        clusters: list[list[Seg]] = [[group[0]]]
        for s in group[1:]:
            if s.pos - clusters[-1][-1].pos <= SNAP:
                clusters[-1].append(s)
            else:
                clusters.append([s])
        for cl in clusters:
            pos = sum(s.pos for s in cl) / len(cl)
            spans = sorted((s.a, s.b) for s in cl)
            a, b = spans[0]
            for sa, sb in spans[1:]:
                if sa <= b + GAP:
                    b = max(b, sb)
                else:
                    if b - a >= MIN_LEN:
                        out.append(Seg(horizontal, pos, a, b))
                    a, b = sa, sb
            if b - a >= MIN_LEN:
                out.append(Seg(horizontal, pos, a, b))
    return out


@dataclass
class Frame:
    """One connected set of rules: a ruled table candidate."""
    h: list[Seg]
    v: list[Seg]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs = [s.pos for s in self.v] + [x for s in self.h for x in (s.a, s.b)]
        ys = [s.pos for s in self.h] + [y for s in self.v for y in (s.a, s.b)]
        return min(xs), min(ys), max(xs), max(ys)


def frames(segs: list[Seg], tol: float = SNAP) -> list[Frame]:
    """Connected components of intersecting horizontal and vertical rules."""
    hs = [s for s in segs if s.horizontal]
    vs = [s for s in segs if not s.horizontal]
    n = len(hs) + len(vs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h.a - tol <= v.pos <= h.b + tol and v.a - tol <= h.pos <= v.b + tol:
                ri, rj = find(i), find(len(hs) + j)
                if ri != rj:
                    parent[ri] = rj
    comps: dict[int, Frame] = {}
    for i, h in enumerate(hs):
        comps.setdefault(find(i), Frame([], [])).h.append(h)
    for j, v in enumerate(vs):
        comps.setdefault(find(len(hs) + j), Frame([], [])).v.append(v)
    return [f for f in comps.values() if f.h and f.v]


def covered(segs: list[Seg], pos: float, a: float, b: float, tol: float = SNAP) -> bool:
    """Do rules at `pos` cover the middle 60% of the interval a..b?"""
    L = b - a
    lo, hi = a + 0.2 * L, b - 0.2 * L
    spans = sorted((s.a, s.b) for s in segs if abs(s.pos - pos) <= tol and s.b >= lo - tol and s.a <= hi + tol)
    cur = lo
    for sa, sb in spans:
        if sa > cur + GAP:
            return False
        cur = max(cur, sb)
        if cur >= hi - tol:
            return True
    return cur >= hi - tol
