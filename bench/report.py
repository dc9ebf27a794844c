"""The result table: each figure with its reference, ratio, target and PASS/MISS."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    backend: str
    name: str
    figure: str
    reference: str
    ratio: float
    target: str
    passed: bool

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "MISS"


HEADERS = ("Backend", "Measurement", "Figure", "Reference (same run)", "Ratio", "Target", "Result")


def table(rows: list[Row]) -> str:
    cells = [
        (r.backend, r.name, r.figure, r.reference, f"{r.ratio:.2f}", r.target, r.verdict)
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(HEADERS)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)) + " |",
        "| " + " | ".join("-" * w for w in widths) + " |",
    ]
    lines += [
        "| " + " | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) + " |"
        for cell in cells
    ]
    return "\n".join(lines)
