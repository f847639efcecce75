"""`forgetcheck notes --out docs/theory`: the Markdown theory notes, one page per THEORY section
present in the catalog, generated from the statements themselves."""
from __future__ import annotations

import sys
from pathlib import Path

from forgetcheck.cli.common import load_registry


def add_parser(sub):
    p = sub.add_parser("notes", help="the Markdown theory notes: claims, assumptions, proof sketches, checks")
    p.add_argument("--out", default="docs/theory", metavar="DIR", help="directory of the pages (default: docs/theory)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if the pages in DIR differ from what the catalog generates")
    p.set_defaults(run=run)


def run(args) -> int:
    from forgetcheck.printing.markdown import REGENERATE, notes_differences, theory_notes, write_notes

    pages = theory_notes(load_registry(args))
    out = Path(args.out)
    if args.check:
        differences = notes_differences(out, pages)
        for line in differences:
            print(line, file=sys.stderr)
        if differences:
            print(f"regenerate with `{REGENERATE}`", file=sys.stderr)
        return 1 if differences else 0
    written, removed = write_notes(out, pages)
    print(f"wrote {len(written)} page(s) to {out}" + (f", removed {len(removed)} stale page(s)" if removed else ""))
    return 0
