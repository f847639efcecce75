"""Command line: `forgetcheck verify | list | show | eval | ...`, one module per subcommand in
this folder, each with add_parser(subparsers) setting `run`. To add a subcommand, write a module
here and name it in COMMANDS."""
from __future__ import annotations

import argparse
import importlib
import sys



COMMANDS = ("verify", "listing", "evaluate", "latex", "notes", "figures")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="forgetcheck",
        description="Symbolic and high-precision numerical checks of the theory of forgetting in post-training.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"forgetcheck.cli.{name}").add_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ValueError as exc:  # bad input: one clear line naming what to fix, no traceback
        print(f"forgetcheck: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
