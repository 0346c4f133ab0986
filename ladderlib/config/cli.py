"""``ladder params``: explain the settings of a profile, or check that a profile is valid."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``params`` sub-command (``explain [SECTION]``, ``check PROFILE``)."""
    p = sub.add_parser("params", help="explain every setting, or validate a params profile")
    actions = p.add_subparsers(dest="params_action", metavar="ACTION", required=True)
    e = actions.add_parser("explain", help="print each setting with its type, default and meaning")
    e.add_argument("section", nargs="?", help="a section (grpo, model.lora, ...); all settings when left out")
    e.set_defaults(func=run_explain)
    c = actions.add_parser("check", help="validate a profile and report every problem at once")
    c.add_argument("profile", help="params YAML file")
    c.set_defaults(func=run_check)


def run_explain(args: argparse.Namespace) -> int:
    """Print the settings; an unknown section exits 2 naming the known ones."""
    from ladderlib.config.explain import explain

    try:
        print(explain(args.section))
    except KeyError as exc:
        print(f"ladder params explain: {exc.args[0]}", file=sys.stderr)
        return 2
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Validate a profile: exit 0 and print its name, or exit 2 with every problem listed."""
    from ladderlib.config import ParamsError, load_params

    try:
        params = load_params(args.profile)
    except ParamsError as exc:
        print(f"ladder params check: {exc}", file=sys.stderr)
        return 2
    print(f"{args.profile}: valid profile {params.profile!r}")
    return 0
