"""The ``ladder`` command line.

Each sub-command lives in the module that does its job and exposes ``register(subparsers)``, which adds
its parser and sets ``func``. Those modules import only argparse-level things at the top; heavy imports
(torch, transformers) happen inside the command's function so ``ladder --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Sub-command modules, in the order they appear in ``ladder --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "ladderlib.pipeline.cli",
    "ladderlib.config.cli",
    "ladderlib.models.cli",
    "ladderlib.verify.cli",
    "ladderlib.ladder.variants.cli",
    "ladderlib.ladder.cli",
    "ladderlib.planner.cli",
    "ladderlib.sandbox.cli",
    "ladderlib.adversarial.cli",
    "ladderlib.workbook.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered sub-command."""
    parser = argparse.ArgumentParser(prog="ladder", description="ladder-workbook command line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a sub-command whose package is not installed in this build
            if exc.name and name.startswith(exc.name) and exc.name.startswith("ladderlib."):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``ladder``; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    code = args.func(args)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
