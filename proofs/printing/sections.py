"""The sections of THEORY.md, for headings of the appendix and the theory notes."""
from __future__ import annotations

SECTION_TITLES = {
    "0": "Setting and notation",
    "1": "Overlap geometry (O)",
    "2": "Forward KL (F): mass forgetting",
    "3": "Reverse KL (R): no mass forgetting, overlap-gated drift",
    "4": "Replay (P)",
    "5": "Near-on-policy methods (M)",
    "6": "Experiments (X)",
    "7": "Numerical pitfalls",
    "8": "Mutants",
    "G": "Beyond two equal-variance modes (G)",
}


def section_title(section) -> str:
    return SECTION_TITLES.get(str(section), f"Section {section}")


def section_order(section) -> tuple:
    """Numeric sections in numeric order, anything else after them by name."""
    text = str(section)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def by_section(theorems) -> list:
    """[(section, [theorems in catalog order])], sections in THEORY order."""
    groups = {}
    for t in theorems:
        groups.setdefault(str(t.section), []).append(t)
    return sorted(groups.items(), key=lambda item: section_order(item[0]))
