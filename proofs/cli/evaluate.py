"""`forgetcheck eval NAME key=value ... [--dps N]`: one engine quantity, value on the last line."""
from __future__ import annotations

import importlib
import inspect
from forgetcheck.numerics.errors import InputError

#: `forgetcheck eval NAME`: engine quantities by name ("module:function").
EVALUABLE = {
    "misassignment": "forgetcheck.numerics.overlap:misassignment",
    "misassignment_new": "forgetcheck.numerics.overlap:misassignment_new",
    "bhattacharyya": "forgetcheck.numerics.closed_forms:bhattacharyya",
    "kappa_forward": "numerics:kappa_forward",
    "kappa_reverse": "numerics:kappa_reverse",
    "kappa_reverse_closed_form": "forgetcheck.numerics.closed_forms:kappa_reverse_closed_form",
    "partial_drift": "numerics:partial_drift",
    "fisher_deviation": "numerics:fisher_deviation",
}


def add_parser(sub):
    e = sub.add_parser("eval", help="evaluate an engine quantity, e.g. misassignment weight_old=0.1 delta=30")
    e.add_argument("name", choices=sorted(EVALUABLE))
    e.add_argument("assignments", nargs="*", metavar="key=value")
    e.add_argument("--dps", type=int, default=30)
    e.set_defaults(run=run)


def run(args) -> int:
    import mpmath

    from forgetcheck.numerics.validation import require_dps
    module_name, func_name = EVALUABLE[args.name].split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    params = inspect.signature(func).parameters
    kwargs = {}
    for item in args.assignments:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"argument {item!r} must look like key=value")
        if key not in params or key == "dps":
            allowed = ", ".join(p for p in params if p != "dps")
            raise InputError(f"{args.name} has no parameter {key!r}; its parameters: {allowed}")
        kwargs[key] = value  # strings: the engine converts them exactly, at full precision
    missing = [p for p, spec in params.items()
               if spec.default is inspect.Parameter.empty and p not in kwargs and p != "dps"]
    if missing:
        raise InputError(f"{args.name} needs {', '.join(f'{m}=...' for m in missing)}")
    dps = require_dps(args.dps)
    with mpmath.workdps(dps + 15):
        if "dps" in params:
            kwargs["dps"] = dps
        value = func(**kwargs)
    print(f"{args.name}({', '.join(f'{k}={v}' for k, v in kwargs.items() if k != 'dps')}) at {dps} digits:")
    print(mpmath.nstr(value, dps))
    return 0

