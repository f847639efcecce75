"""`forgetcheck figures --out DIR`: the figures of THEORY §6 (X1-X3) as PNG and PDF."""
from __future__ import annotations

import time


def add_parser(sub):
    from forgetcheck.printing.figures import FIGURES
    p = sub.add_parser("figures", help="draw the experiments' figures (X1-X3) as PNG and PDF")
    p.add_argument("--out", default="docs/figures", metavar="DIR",
                   help="directory of the files (default: docs/figures, where `forgetcheck latex` looks)")
    p.add_argument("--only", metavar="NAMES",
                   help="comma-separated figure names (default: all): "
                        + "; ".join(f"{name} = {what}" for name, (_, _, what) in FIGURES.items()))
    p.set_defaults(run=run)


def run(args) -> int:
    from forgetcheck.printing.figures import FIGURES, write_figures
    names = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None
    start = time.perf_counter()
    written = write_figures(args.out, names)
    for path in written:
        print(path)
    shown = names or list(FIGURES)
    print(f"wrote {len(written)} file(s) for {len(shown)} figure(s) to {args.out} in "
          f"{time.perf_counter() - start:.1f}s")
    return 0
