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
    """The heading of a section: THEORY's title for its numbered sections, a user's own section
    name (free text) as given."""
    return SECTION_TITLES.get(str(section), str(section))


def is_theory_section(section) -> bool:
    return str(section) in SECTION_TITLES


def section_heading(section, *, with_reference: bool = True) -> str:
    """"§1 Overlap geometry (O)" for a THEORY section (with_reference: "Overlap geometry (O) (THEORY
    section 1)"), a user's section name unchanged."""
    if not is_theory_section(section):
        return str(section)
    return (f"{section_title(section)} (THEORY section {section})" if with_reference
            else f"§{section} {section_title(section)}")


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
