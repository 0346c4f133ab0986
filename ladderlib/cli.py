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
    "ladderlib.ladder.solve",
    "ladderlib.planner.cli",
    "ladderlib.sandbox.cli",
    "ladderlib.adversarial.cli",
    "ladderlib.planner.train_cli",
    "ladderlib.models.merge_cli",
    "ladderlib.regime_w.cli",
    "ladderlib.regime_w.eval_cli",
    "ladderlib.workbook.cli",
    "ladderlib.workbook.sweep_cli",
    "ladderlib.export.cli",
    "ladderlib.models.serve",
)

# ``ladder --help`` lists the commands under these headings (a command not named here goes under "other").
COMMAND_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("workbook and settings", ("pipeline", "sweep", "report", "params", "model", "serve", "export")),
    ("seed 000, LADDER (integration)", ("verify", "generate-variants", "generate-dataset", "train", "solve")),
    ("seed 001, planner/worker", ("planner", "plan-solve", "merge")),
    ("seed 002, Regime W (GSM8K tutor)", ("sft", "regime-w", "rollouts", "ppo", "eval")),
    ("seed 003, adversarial (code)", ("sandbox", "adversarial", "code-solve")),
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered sub-command."""
    parser = argparse.ArgumentParser(prog="ladder", description="ladder-workbook command line",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help="one of the commands below")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a sub-command whose package is not installed in this build
            if exc.name and name.startswith(exc.name) and exc.name.startswith("ladderlib."):
                continue
            raise
        module.register(sub)
    parser.epilog = grouped_commands(sub) + "\n\n`ladder COMMAND --help` explains each flag of a command."
    parser.set_defaults(commands=command_helps(sub))  # every command with its help, for the README check
    sub._choices_actions.clear()  # the grouped listing replaces argparse's flat one
    return parser


def command_helps(sub: argparse._SubParsersAction) -> dict[str, str]:
    """``{command: one-line help}``; a command with actions (``planner sft``, ``eval gsm8k``) lists its actions."""
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    for name in list(helps):  # a command with actions (planner sft, eval gsm8k) lists them instead
        nested = [a for a in sub.choices[name]._actions if isinstance(a, argparse._SubParsersAction)]
        if nested:
            del helps[name]
            helps.update({f"{name} {c.dest}": (c.help or "").replace("%%", "%") for c in nested[0]._choices_actions})
    return helps


def grouped_commands(sub: argparse._SubParsersAction) -> str:
    """The registered commands with their one-line help, under the headings of ``COMMAND_GROUPS``."""
    helps = command_helps(sub)
    named = {c for _, cmds in COMMAND_GROUPS for c in cmds}
    groups = [*COMMAND_GROUPS, ("other", tuple(c for c in helps if c.split()[0] not in named))]
    width = max(map(len, helps), default=0) + 2
    lines = []
    for title, cmds in groups:
        present = [c for c in helps if c.split()[0] in cmds]
        present.sort(key=lambda c: cmds.index(c.split()[0]) if c.split()[0] in cmds else 0)
        if present:
            lines.append(f"{title}:")
            lines += [f"  {c:<{width}}{helps[c]}" for c in present]
    return "\n".join(lines)


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
