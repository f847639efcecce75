"""Command line: `forgetcheck verify | list | show | eval | ...`, one module per subcommand in
this folder, each with add_parser(subparsers) setting `run`. To add a subcommand, write a module
here and name it in COMMANDS."""
from __future__ import annotations

import argparse
import importlib
import sys

from forgetcheck.cli.common import add_catalog_option



COMMANDS = ("verify", "listing", "evaluate", "latex", "notes", "figures", "certify", "site")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="forgetcheck",
        description="Symbolic and high-precision numerical checks of the theory of forgetting in post-training.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"forgetcheck.cli.{name}").add_parser(sub)
    for command in sub.choices.values():  # every command reads the catalog, so every one takes --catalog
        add_catalog_option(command)
    return parser


def main(argv=None) -> int:
    """Exit 0 on success, 1 when a check or a run failed (an unexpected exception, a bug, shows
    its traceback), 2 on bad input (one line that names what to fix)."""
    from forgetcheck.numerics.errors import InputError, PrecisionNotReached

    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except InputError as exc:
        print(f"forgetcheck: error: {exc}", file=sys.stderr)
        return 2
    except PrecisionNotReached as exc:  # an honest "cannot tell", not a bug
        print(f"forgetcheck: inconclusive: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return 0
    except Exception:
        import traceback
        traceback.print_exc()
        print("forgetcheck: internal error (the traceback above); please report it with the command "
              "that produced it", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
