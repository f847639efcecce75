"""`forgetcheck certify REPORT.json [ID ...]`: re-verify the box certificates stored in a report,
independently of the run that produced them (each box's enclosure is recomputed from the statement
as it is now, and the boxes must cover the stated region)."""
from __future__ import annotations

import json
import sys

from forgetcheck.cli.common import load_registry
from forgetcheck.numerics.errors import InputError


def add_parser(sub):
    p = sub.add_parser("certify", help="re-verify the box certificates of a `verify --json` report")
    p.add_argument("report", metavar="REPORT.json", help="a report written by `forgetcheck verify --json FILE`")
    p.add_argument("ids", nargs="*", metavar="ID", help="only these statements (default: every one with a box certificate)")
    p.set_defaults(run=run)


def run(args) -> int:
    from forgetcheck.checks.certified import recheck_report
    try:
        with open(args.report, encoding="utf-8") as handle:
            report = json.load(handle)
    except OSError as exc:
        raise InputError(f"REPORT.json {args.report}: cannot read it ({exc.strerror})") from None
    except ValueError:
        raise InputError(f"REPORT.json {args.report}: not JSON; pass the file written by "
                         "`forgetcheck verify --json FILE`") from None
    results = recheck_report(report, set(args.ids) or None, registry=load_registry(args))
    for result in results:
        print(result.describe())
    if not results:
        print("no box certificate in the report" + (f" for {', '.join(args.ids)}" if args.ids else ""),
              file=sys.stderr)
        return 1
    return 0 if all(r.ok for r in results) else 1
