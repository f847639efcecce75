"""Subcommands of `forgetcheck`: one module each, with add_parser(subparsers) setting `run`.

To add a subcommand, write a module here and name it in COMMANDS.
"""
COMMANDS = ("verify", "listing", "evaluate", "latex", "notes", "figures")
