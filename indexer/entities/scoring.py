"""CoNLL-2003 scoring (``conlleval``): an entity counts only when its span and type both match exactly.

Written out here (a few lines) instead of adding ``seqeval`` and its scikit-learn
dependency; it follows conlleval's chunk rules, including an ``I-`` after ``O``
or after another type starting a new chunk. ``tests/test_entities.py`` checks it
on hand-made cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def chunks(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """The entities of a BIO sequence as ``(start, end, type)`` with ``end`` exclusive."""
    out: set[tuple[int, int, str]] = set()
    start, kind = None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, t = tag.partition("-")
        begins = prefix == "B" or (prefix == "I" and t != kind)
        if start is not None and (prefix == "O" or begins):
            out.add((start, i, kind))
            start, kind = None, None
        if begins:
            start, kind = i, t
    return out


@dataclass
class Score:
    """True positives, predicted and gold counts per type; precision/recall/F1 per type and micro-averaged."""

    tp: Counter = field(default_factory=Counter)
    pred: Counter = field(default_factory=Counter)
    gold: Counter = field(default_factory=Counter)

    def add(self, gold: Sequence[str], pred: Sequence[str], types: Iterable[str] | None = None) -> None:
        keep = set(types) if types is not None else None
        g = {c for c in chunks(gold) if keep is None or c[2] in keep}
        p = {c for c in chunks(pred) if keep is None or c[2] in keep}
        for c in g:
            self.gold[c[2]] += 1
        for c in p:
            self.pred[c[2]] += 1
        for c in g & p:
            self.tp[c[2]] += 1

    @staticmethod
    def _prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
        p = tp / pred if pred else 0.0
        r = tp / gold if gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def types(self) -> list[str]:
        return sorted(set(self.gold) | set(self.pred))

    def per_type(self, kind: str) -> tuple[float, float, float]:
        return self._prf(self.tp[kind], self.pred[kind], self.gold[kind])

    def micro(self) -> tuple[float, float, float]:
        return self._prf(sum(self.tp.values()), sum(self.pred.values()), sum(self.gold.values()))

    def report(self, title: str) -> str:
        lines = [f"{title}", f"  {'type':<6} {'prec':>6} {'rec':>6} {'F1':>6} {'gold':>6}"]
        for kind in self.types():
            p, r, f = self.per_type(kind)
            lines.append(f"  {kind:<6} {p:6.3f} {r:6.3f} {f:6.3f} {self.gold[kind]:6d}")
        p, r, f = self.micro()
        lines.append(f"  {'micro':<6} {p:6.3f} {r:6.3f} {f:6.3f} {sum(self.gold.values()):6d}")
        return "\n".join(lines)


def score(gold: Iterable[Sequence[str]], pred: Iterable[Sequence[str]], types: Iterable[str] | None = None) -> Score:
    s = Score()
    types = list(types) if types is not None else None
    for g, p in zip(gold, pred, strict=True):
        s.add(g, p, types)
    return s
