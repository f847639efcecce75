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
    lines = ["# NAME key=<allowed range> ...: ranges as the engine's own validation states them ('...' where it",
             "# checks the argument some other way); the meaning below each name", ""]
    for name, cls in evaluable().items():
        ranges = declared_ranges(cls)
        lines.append(f"{name} " + " ".join(f"{a}=" + (f"<{ranges[a]}>" if a in ranges else "...")
                                           for a in cls.arg_names))
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


# --- the allowed ranges, read from the engine's own validation calls ---------------------------

def _range_of_call(call, namespace) -> tuple | None:
    import ast
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    if not name.startswith("require_") or not call.args or not isinstance(call.args[0], ast.Constant):
        return None
    argument = call.args[0].value
    keywords = {k.arg: k.value for k in call.keywords}

    def value(node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id in namespace:
            return namespace[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        raise ValueError("not a constant")

    try:
        if name == "require_weight":
            closed = bool(value(keywords["closed"])) if "closed" in keywords else False
            return argument, "[0, 1]" if closed else "(0, 1)"
        if name == "require_separation":
            top = value(keywords["maximum"]) if "maximum" in keywords else None
            return argument, f"[0, {top}]" if top is not None else "[0, inf)"
        if name == "require_positive":
            return argument, "(0, inf)"
        if name in ("require_real", "require_finite_float"):
            return argument, "any real"
        if name == "require_in" and len(call.args) >= 4:
            low_open = bool(value(keywords["low_open"])) if "low_open" in keywords else False
            high_open = bool(value(keywords["high_open"])) if "high_open" in keywords else False
            return argument, (f"{'(' if low_open else '['}{value(call.args[2])}, "
                              f"{value(call.args[3])}{')' if high_open else ']'}")
    except (ValueError, KeyError, TypeError):
        return None
    return None


def declared_ranges(cls) -> dict:
    """{argument: allowed range} as the engine function of `cls` validates its arguments, read from
    its own `require_*` calls (and those of the module's functions it calls, one level down).
    Arguments validated some other way are simply absent: nothing is guessed."""
    import ast
    import inspect
    try:
        function = cls.engine_function()
        source = textwrap.dedent(inspect.getsource(function))
    except Exception:  # no engine function, or no source: no ranges to read
        return {}
    namespace = dict(getattr(function, "__globals__", {}))
    found = {}
    trees = [ast.parse(source)]
    called = {n.func.id for n in ast.walk(trees[0]) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    for name in sorted(called):
        helper = namespace.get(name)
        if inspect.isfunction(helper) and helper.__module__ == function.__module__:
            try:
                trees.append(ast.parse(textwrap.dedent(inspect.getsource(helper))))
            except (OSError, TypeError, SyntaxError):
                pass
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                parsed = _range_of_call(node, namespace)
                if parsed and parsed[0] in cls.arg_names:
                    found.setdefault(*parsed)
    return found
