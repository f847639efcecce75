"""`forgetcheck eval NAME key=value ... [--dps N]`: one engine quantity, value on the last line.

Every engine quantity a claim can use is evaluable, the paper's and a user catalog's alike: the list
is generated from the quantities' own declarations (their class, argument names and docstring), so
it cannot fall behind the engine.
"""
from __future__ import annotations

import re
import textwrap

from forgetcheck.numerics.errors import InputError


def command_name(class_name: str) -> str:
    """ReverseKLWeightGradient -> reverse_kl_weight_gradient, Bhattacharyya2D -> bhattacharyya_2d."""
    name = re.sub(r"(?<=[a-z])(?=[A-Z0-9])|(?<=[A-Z])(?=[A-Z][a-z])", "_", class_name)
    return name.lower()


def evaluable() -> dict:
    """command name -> engine quantity class, for every concrete quantity loaded so far."""
    from forgetcheck.quantities.engine_function import engine_functions
    import forgetcheck.catalog.quantities  # noqa: F401  (the paper's quantities register on import)
    return {command_name(name): cls for name, cls in sorted(engine_functions().items())
            if cls.arg_names and not name.startswith("_") and (cls.engine or "evaluate_at" in vars(cls))}


def meaning(cls) -> str:
    return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def listing() -> str:
    lines = []
    for name, cls in evaluable().items():
        lines.append(f"{name} {' '.join(a + '=...' for a in cls.arg_names)}")
        lines.extend(textwrap.wrap(meaning(cls), 96, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines)


def add_parser(sub):
    e = sub.add_parser("eval", help="evaluate an engine quantity, e.g. misassignment weight_old=0.1 delta=30",
                       description="Evaluate one engine quantity at the given arguments, to --dps digits "
                                   "(value on the last line). `forgetcheck eval --list` lists them all.")
    e.add_argument("name", nargs="?", help="the quantity (see --list), e.g. misassignment")
    e.add_argument("assignments", nargs="*", metavar="key=value")
    e.add_argument("--dps", type=int, default=30, help="correct digits of the value (default 30)")
    e.add_argument("--list", action="store_true", help="list every quantity with its arguments and meaning")
    e.set_defaults(run=run)


def _parse(name, cls, assignments) -> dict:
    values = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"argument {item!r} must look like key=value")
        if key not in cls.arg_names:
            raise InputError(f"{name} has no parameter {key!r}; its parameters: {', '.join(cls.arg_names)}")
        values[key] = value
    missing = [a for a in cls.arg_names if a not in values]
    if missing:
        raise InputError(f"{name} needs {', '.join(f'{m}=...' for m in missing)}")
    return values


def run(args) -> int:
    import difflib

    import mpmath

    from forgetcheck.cli.common import load_registry
    from forgetcheck.numerics.validation import require_dps, require_real

    load_registry(args)  # a user catalog's quantities register when its module is imported
    if args.list or not args.name:
        print(listing())
        return 0 if args.list else 2
    quantities = evaluable()
    cls = quantities.get(args.name)
    if cls is None:
        close = difflib.get_close_matches(args.name, list(quantities), n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise InputError(f"no engine quantity named {args.name!r}{hint} (`forgetcheck eval --list` lists them)")
    values = _parse(args.name, cls, args.assignments)
    dps = require_dps(args.dps)
    with mpmath.workdps(dps + 15):
        numbers = [require_real(key, values[key]) for key in cls.arg_names]
        # the engine's public functions take the text itself: they convert it exactly and quote it,
        # as typed, in a range error; other engines get the number
        validated_engine = cls.engine.startswith("forgetcheck.numerics.")
        value = cls.evaluate_at([values[k] for k in cls.arg_names] if validated_engine else numbers, dps)
    shown = ", ".join(f"{k}={values[k]}" for k in cls.arg_names)
    if not hasattr(cls, "simulation_tolerance"):
        print(f"{args.name}({shown}) at {dps} digits:")
        print(mpmath.nstr(value, dps))
    else:
        print(f"{args.name}({shown}), a float64 simulation (relative tolerance {cls.simulation_tolerance}):")
        print(repr(float(value)))
    return 0
