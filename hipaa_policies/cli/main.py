"""`hipaa-policies`: coverage, policy listing, generated docs and the offline scan.

Every error is one line on stderr and a non-zero exit (2 for bad usage or input).
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from hipaa_policies.core.errors import HipaaPolicyError, InputError


def _coverage(args: argparse.Namespace) -> int:
    from hipaa_policies.cli import framework_views, listings as report_text
    if args.framework == "hipaa-security-rule":
        sys.stdout.write(report_text.coverage(args.format))
    else:
        sys.stdout.write(framework_views.coverage(args.format, args.framework))
    return 0


def _policies(args: argparse.Namespace) -> int:
    from hipaa_policies.cli import framework_views, listings as report_text
    if args.framework is None:
        sys.stdout.write(report_text.policies(args.format))
    else:
        sys.stdout.write(framework_views.policies(args.format, args.framework, report_text.policy_rows()))
    return 0


def _frameworks(args: argparse.Namespace) -> int:
    from hipaa_policies.cli import framework_views
    sys.stdout.write(framework_views.frameworks_list(args.format))
    return 0


def _docs(args: argparse.Namespace) -> int:
    from hipaa_policies.locations import in_source_checkout
    if not in_source_checkout():
        raise InputError("docs: regenerates the repository's docs/ and runs only in a source checkout "
                         "(this is an installed package)")
    from hipaa_policies.cli import docs
    stale = docs.write_all(check=args.check)
    if args.check and stale:
        sys.stderr.write("hipaa-policies: stale generated docs: " + ", ".join(stale)
                         + " (run `hipaa-policies docs`)\n")
        return 1
    return 0


def _pack_dir(args: argparse.Namespace) -> int:
    from pathlib import Path
    from hipaa_policies.locations import write_pack_dir
    target = Path(args.dir)
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: exists and is not a directory")
    try:
        write_pack_dir(target)
    except OSError as e:
        raise InputError(f"{target}: cannot write the pack directory: {e.strerror or e}") from None
    sys.stdout.write(f"wrote the policy pack to {target}; run it with `pulumi preview --policy-pack {target}`\n")
    return 0


def _check_config(args: argparse.Namespace) -> int:
    import datetime as dt
    from hipaa_policies.cli.check_config import load_file
    from hipaa_policies.core.settings import SETTINGS_POLICY, void_central_exemptions
    config = load_file(args.file)
    sys.stdout.write(f"{args.file}: valid policy config\n")
    for note in void_central_exemptions(config.get(SETTINGS_POLICY), dt.date.today()):
        sys.stdout.write(f"note: {note}\n")  # e.g. an exemption that has expired: valid config, no effect
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hipaa-policies", description="HIPAA Security Rule policy pack for AWS (Pulumi CrossGuard).")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    sub.required = True
    p = sub.add_parser("frameworks", help="the compliance frameworks: id, name, version, status, requirements, policies")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.set_defaults(func=_frameworks)
    p = sub.add_parser("coverage", help="how much of a framework (default: the HIPAA Security Rule) the pack enforces")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.add_argument("--framework", default="hipaa-security-rule", metavar="ID", help="framework id (see `frameworks`)")
    p.set_defaults(func=_coverage)
    p = sub.add_parser("policies", help="every policy with its citations, level and resource types")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.add_argument("--framework", default=None, metavar="ID", help="only policies mapped to this framework, with its requirements")
    p.set_defaults(func=_policies)
    p = sub.add_parser("docs", help="regenerate docs/policies.md, docs/coverage.md and docs/configuration.md")
    p.add_argument("--check", action="store_true", help="only report stale files (exit 1)")
    p.set_defaults(func=_docs)
    p = sub.add_parser("pack-dir", help="write a ready pack directory for `pulumi preview --policy-pack DIR`")
    p.add_argument("dir", metavar="DIR", help="directory to write (created; its hipaa_policies/ is replaced)")
    p.set_defaults(func=_pack_dir)
    p = sub.add_parser("check-config", help="validate a policy-config file (the --policy-pack-config format)")
    p.add_argument("file")
    p.set_defaults(func=_check_config)
    try:
        from hipaa_policies.cli.scan import cli as scan_cli
    except ImportError:
        scan_cli = None
    if scan_cli is not None:
        scan_cli.add_parser(sub)
    from hipaa_policies.cli import evidence_cli
    evidence_cli.add_parser(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    prelaunch = getattr(args, "prelaunch", None)
    if prelaunch is not None:  # scan: the pack process starts while the registry loads
        prelaunch(args)
    try:
        from hipaa_policies import registry
        registry.load()
        return int(args.func(args) or 0)
    except HipaaPolicyError as e:
        sys.stderr.write(f"hipaa-policies: {e}\n")
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("hipaa-policies: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
