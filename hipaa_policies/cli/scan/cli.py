"""The `scan` subcommand: argument parsing, input loading, evaluation, report writing.

Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 bad usage or unreadable input
(always one line on stderr naming the file and the problem).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from typing import Any, Callable, Dict, List, Optional

from hipaa_policies.core.errors import InputError
from hipaa_policies.locations import example_dir

PROGRAM_TIMEOUT = 300.0
FORMATS = ("text", "markdown", "json", "sarif", "junit", "html", "evidence")
FILES = {"text": "report.txt", "markdown": "report.md", "json": "report.json", "sarif": "report.sarif",
         "junit": "junit.xml", "html": "dashboard.html", "evidence": "evidence.json"}


def _key_value(option: str, items: Optional[List[str]]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{option} {item!r}: expected key=value")
        out[key.strip()] = value
    return out


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "scan", help="offline compliance scan of Pulumi programs, previews or stack exports, with reports",
        description="Check Pulumi Python programs, `pulumi preview --json` output or `pulumi stack export` "
                    "output against the pack (over the Analyzer protocol, as `pulumi preview` does) and "
                    "write compliance reports. Without inputs, scans the bundled example examples/phi-platform. "
                    "Exit 0: no mandatory violation; 1: mandatory violations; 2: bad usage or input.")
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="program directory, preview JSON or stack export JSON (several allowed; - reads JSON from stdin)")
    p.add_argument("--format", "-f", action="append", choices=FORMATS, dest="formats",
                   help="report format, repeatable (default: text). text prints to the terminal; "
                        "the others are written to --output")
    p.add_argument("--output", "-o", default="hipaa-report", metavar="DIR",
                   help="directory for report files (default: ./hipaa-report)")
    p.add_argument("--policy-config", metavar="FILE",
                   help="policy config JSON, as for `pulumi preview --policy-pack-config`")
    p.add_argument("--stack", metavar="NAME",
                   help="stack of program inputs: config from Pulumi.<NAME>.yaml (default: the first Pulumi.*.yaml)")
    p.add_argument("--config", "-c", action="append", metavar="KEY=VALUE",
                   help="program config value (overrides Pulumi.<stack>.yaml), repeatable")
    p.add_argument("--stack-tag", action="append", metavar="KEY=VALUE",
                   help="stack tag sent in ConfigureStack (e.g. hipaa:phi=true), repeatable")
    p.add_argument("--preview", action="store_true",
                   help="run programs as a first `pulumi preview` sees them: ids and computed outputs unknown")
    p.add_argument("--placeholder-config", action="store_true",
                   help="fill config keys (secrets included) a program requires but its stack file lacks with "
                        "placeholders; the report lists them (for forks and fresh clones)")
    p.add_argument("--program-timeout", type=float, default=PROGRAM_TIMEOUT, metavar="SECONDS",
                   help=f"give up on a program that runs longer (default {PROGRAM_TIMEOUT:g})")
    p.add_argument("--baseline", metavar="REPORT_JSON",
                   help="a previous `--format json` report: mark each finding new, unchanged or fixed")
    p.add_argument("--fail-on", choices=["mandatory", "new"], default="mandatory",
                   help="exit 1 on any mandatory violation (default) or only on new ones (needs --baseline)")
    p.add_argument("--framework", default="hipaa-security-rule", metavar="ID",
                   help="organise the reports by this framework's requirements (see `hipaa-policies frameworks`); "
                        "the evidence bundle carries every framework")
    p.add_argument("--profile", metavar="ID",
                   help="enforcement profile (default, required-only, proposed-rule-2025, audit); sets "
                        "hipaa-pack-settings.profile over the policy config's")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="text report: add the per-safeguard and per-policy tables and every finding")
    p.add_argument("--organization", default="organization", help="organization name sent in ConfigureStack")
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    _add_scale_options(p)
    p.set_defaults(func=run, prelaunch=prelaunch)
    return p


# --------------------------------------------------------------------------- scale: jobs, limits
def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be positive")
        return value
    return parse


def _size(text: str) -> int:
    """Bytes from 500MB, 2GB, 1.5GiB, 1000000 ..."""
    import re
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*", text.lower())
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 500MB or 2GB")
    base = 1024 if m.group(3).startswith("i") else 1000
    value = int(float(m.group(1)) * base ** " kmgt".index(m.group(2) or " "))
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def default_jobs() -> int:
    import os
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _add_scale_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", "-j", type=_positive(int), default=None, metavar="N",
                   help=f"inputs scanned in parallel, one pack process per worker (default: the number of "
                        f"cores, {default_jobs()} here, when the inputs are worth it: two or more programs or "
                        f"2 MB of JSON; 1 = serial). The report is the serial one")
    p.add_argument("--timeout", type=_positive(float), metavar="SECONDS",
                   help="stop the whole scan after this many seconds (one line on stderr, exit 2)")
    p.add_argument("--max-input-size", type=_size, default=_size("1GiB"), metavar="SIZE",
                   help="refuse a JSON input larger than this (default 1GiB; e.g. 500MB, 4GB)")


def _expand(targets: List[str]) -> List[str]:
    """A directory without Pulumi.yaml stands for the JSON files in it (sorted)."""
    out: List[str] = []
    for t in targets:
        path = Path(t)
        found = sorted(str(p) for p in path.glob("*.json")) if path.is_dir() and not (path / "Pulumi.yaml").exists() else []
        out.extend(found or [t])
    return out


NEEDS_RESOURCES = ("evidence", "html")  # registers read the resources: workers send them back then


def _parallel_ok(targets: List[str], file_formats: List[str], explicit: bool = True) -> bool:
    """Worker processes pay off for large inputs; standard input is read by this process.  Without
    an explicit --jobs, workers start only for two or more programs or 2 MB of JSON (starting a
    worker and its pack costs seconds)."""
    if "-" in targets:
        return False
    if explicit:
        return not _small(targets)
    from hipaa_policies.cli.scan.runner import _json_input
    json_files = [t for t in targets if _json_input(t)]
    if len(targets) - len(json_files) >= 2:  # two or more programs
        return True
    return sum(Path(t).stat().st_size for t in json_files) >= 2_000_000


def _small(targets: List[str]) -> bool:
    """JSON inputs under 2 MB in all: workers would cost more to start than they save."""
    from hipaa_policies.cli.scan.runner import _json_input
    if not all(_json_input(t) for t in targets):
        return False
    return sum(Path(t).stat().st_size for t in targets) < 2_000_000


class ScanTimeout(InputError):
    pass


def _deadline(seconds: Optional[float]):
    """SIGALRM after ``seconds`` raises ScanTimeout in the main thread (wherever it waits)."""
    import contextlib
    import signal

    @contextlib.contextmanager
    def guard():
        if not seconds:
            yield
            return

        def expired(*_args) -> None:
            raise ScanTimeout(f"scan stopped: the --timeout of {seconds:g} s was reached before it finished")
        old = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    return guard()


def _check_output_dir(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"{directory}: output path exists and is not a directory") from None
    except OSError as e:
        raise InputError(f"{directory}: cannot create output directory: {e.strerror or e}") from None
    if not directory.is_dir():
        raise InputError(f"{directory}: output path exists and is not a directory")
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".hipaa-write-test-"):
            pass
    except OSError as e:
        raise InputError(f"{directory}: output directory is not writable: {e.strerror or e}") from None


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot write report: {e.strerror or e}") from None
    return path


def _renderers() -> Dict[str, Callable]:
    from hipaa_policies.cli.scan.reports import evidence, html, json_report, junit, markdown, sarif
    return {"markdown": markdown.render, "json": json_report.render,
            "sarif": sarif.render, "junit": junit.render, "html": html.render, "evidence": evidence.render}


def _skip_final_collection() -> None:
    """At interpreter exit, move the heap (SDK modules, protobuf, reports: ~100 MB) out of the cyclic
    collector's sight: the final collections would take 0.1-0.2 s of a 0.6 s scan and free nothing
    the process exit does not."""
    import gc
    gc.freeze()


_EARLY: Dict[str, Any] = {}


def prelaunch(args: argparse.Namespace) -> None:
    """Start the pack process before the registry, the policy config and the inputs load: it takes
    about 0.3 s to start, most of a small scan.  Never raises; :func:`_run` reports what is wrong
    with the arguments and stops the pack when it is not used."""
    try:
        targets = _expand(list(args.inputs)) or [str(example_dir())]
        file_formats = [f for f in dict.fromkeys(args.formats or ["text"]) if f != "text"]
        if _uses_workers(args, targets, file_formats):
            return  # the workers start packs of their own
        from hipaa_policies.client.pack_server import PackServer
        _EARLY["server"] = PackServer().launch()
    except Exception:  # reported, if it matters, where the scan meets it
        _EARLY.pop("server", None)


def _uses_workers(args: argparse.Namespace, targets: List[str], file_formats: List[str]) -> bool:
    """Whether the scan runs in ``--jobs`` worker processes (each with its own pack)."""
    jobs = args.jobs or default_jobs()
    return jobs > 1 and len(targets) > 1 and _parallel_ok(targets, file_formats, args.jobs is not None)


def run(args: argparse.Namespace) -> int:
    import atexit
    atexit.unregister(_skip_final_collection)
    atexit.register(_skip_final_collection)
    try:
        return _run(args)
    except MemoryError:
        raise InputError("out of memory while scanning; scan the stacks one at a time (--jobs 1) or split "
                         "the largest stack") from None
    finally:
        early = _EARLY.pop("server", None)
        if early is not None:  # not used: the arguments were rejected, or workers scanned
            from hipaa_policies.cli.scan.runner import stop_pack
            stop_pack(early)


def _run(args: argparse.Namespace) -> int:
    from hipaa_policies.cli.scan.runner import read_policy_config

    formats = list(dict.fromkeys(args.formats or ["text"]))
    if args.fail_on == "new" and not args.baseline:
        raise InputError("--fail-on new needs --baseline REPORT_JSON (the report to compare with)")
    if not args.program_timeout > 0:
        raise InputError("--program-timeout must be a positive number of seconds")
    overrides = _key_value("--config", args.config)
    stack_tags = _key_value("--stack-tag", args.stack_tag)
    config, config_meta = read_policy_config(args.policy_config)
    from hipaa_policies import registry
    registry.framework(args.framework)  # an unknown id: one line naming the valid ones
    if args.profile is not None:
        from hipaa_policies.core.errors import ConfigError
        from hipaa_policies.frameworks import profiles
        try:
            profiles.get(args.profile)
        except ConfigError as e:
            raise InputError(str(e).replace("hipaa-pack-settings.profile", "--profile")) from None
        config = dict(config)
        config["hipaa-pack-settings"] = {**dict(config.get("hipaa-pack-settings") or {}), "profile": args.profile}
    baseline = None
    if args.baseline:
        from hipaa_policies.cli.scan.runner import read_baseline
        baseline = read_baseline(args.baseline)
    out_dir = Path(args.output)
    file_formats = [f for f in formats if f != "text"]
    if file_formats:
        _check_output_dir(out_dir)

    targets = _expand(list(args.inputs))
    if not targets:
        example = example_dir()
        if not (example / "Pulumi.yaml").is_file():
            raise InputError(f"{example}: the bundled example is missing; give an input to scan")
        targets = [str(example)]
    from hipaa_policies.cli.scan import inputs as inputs_mod
    inputs_mod.MAX_INPUT_BYTES = args.max_input_size
    with _deadline(args.timeout):
        workers = _uses_workers(args, targets, file_formats)
        args.jobs = args.jobs or default_jobs()
        if workers:
            return _scan_and_report(args, None, targets, formats, file_formats, out_dir, overrides,
                                    stack_tags, config, config_meta, baseline)
        from hipaa_policies.client.pack_server import PackServer
        try:  # the pack process starts while the inputs load (or started before the registry loaded)
            server = _EARLY.pop("server", None) or PackServer().launch()
        except (OSError, FileNotFoundError) as e:
            raise InputError(f"cannot start the policy pack: {e}") from None
        try:
            return _scan_and_report(args, server, targets, formats, file_formats, out_dir, overrides,
                                    stack_tags, config, config_meta, baseline)
        finally:
            from hipaa_policies.cli.scan.runner import stop_pack
            stop_pack(server)


def _scan_and_report(args, server, targets, formats, file_formats, out_dir, overrides, stack_tags,
                     config, config_meta, baseline) -> int:
    import os
    from hipaa_policies.cli.scan import inputs as inputs_mod
    from hipaa_policies.cli.scan.runner import Progress, _json_input, scan, scan_parallel, scan_targets
    loaded, failed = [], []
    console, progress = None, Progress()
    if not args.no_progress and (sys.stderr.isatty() or os.environ.get("FORCE_COLOR")):  # Rich only for a terminal
        from hipaa_policies.cli.scan.reports import text
        console = text.stderr_console()
        progress = text.ProgressBar(console)
    if server is None:  # --jobs: workers load and evaluate
        report = scan_parallel(targets, jobs=args.jobs, stack=args.stack, overrides=overrides, preview=args.preview,
                               policy_config=config, policy_config_meta=config_meta, stack_tags=stack_tags,
                               progress=progress, organization=args.organization,
                               max_input_bytes=args.max_input_size, placeholder_config=args.placeholder_config,
                               program_timeout=args.program_timeout,
                               keep_resources=any(f in NEEDS_RESOURCES for f in file_formats))
        failed = list(report.input_errors)
        for _target, problem in failed:
            sys.stderr.write(f"hipaa-policies: {problem}\n")
    elif len(targets) == 1 and _json_input(targets[0]):  # one export or preview: evaluated while it loads
        def loaded_one(t, si, seconds: float) -> None:
            if console is not None and console.is_terminal and seconds > 1.0:
                console.print(f"[dim]loaded {t}: {len(si.resources)} resources[/dim]")
        report = scan_targets(targets, stack=args.stack, overrides=overrides, preview=args.preview,
                              policy_config=config, policy_config_meta=config_meta, stack_tags=stack_tags,
                              progress=progress, organization=args.organization, server=server,
                              on_loaded=loaded_one)
    else:
        for t in targets:  # a bad input is reported (one line) and the others are still scanned
            started = time.perf_counter()
            try:
                si = inputs_mod.load(t, stack=args.stack, overrides=overrides, preview=args.preview,
                                     placeholder_config=args.placeholder_config, timeout=args.program_timeout)
            except InputError as e:
                if len(targets) == 1:
                    raise
                sys.stderr.write(f"hipaa-policies: {e}\n")
                failed.append((t, str(e)))
                continue
            if console is not None and console.is_terminal and time.perf_counter() - started > 1.0:
                console.print(f"[dim]loaded {t}: {len(si.resources)} resources[/dim]")
            loaded.append(si)
        if not loaded:
            raise InputError(f"none of the {len(targets)} inputs could be scanned")
        inputs_mod.label_inputs(loaded)
        report = scan(loaded, policy_config=config, policy_config_meta=config_meta, stack_tags=stack_tags,
                      progress=progress, organization=args.organization, preview=args.preview, server=server)
    report.input_errors, report.fail_on, report.framework = failed, args.fail_on, args.framework
    if baseline is not None:
        report.apply_baseline(*baseline)
    return _write_reports(args, report, formats, file_formats, out_dir, failed)


def _write_reports(args, report, formats, file_formats, out_dir, failed) -> int:
    from hipaa_policies.cli.scan.reports import text
    renderers = _renderers()
    written = [_write(out_dir, FILES[f], renderers[f](report)) for f in file_formats]
    if "evidence" in file_formats or "html" in file_formats:  # register CSVs, the bundle's digest
        from hipaa_policies.cli.scan.reports import evidence
        written += evidence.write_companions(report, out_dir, file_formats)
    if "text" in formats:
        text.print_report(report, verbose=args.verbose)
    else:  # only files were asked for: still say what the run found and how it ends
        sys.stdout.write(text.verdict_line(report) + "\n")
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    sys.stdout.flush()
    return 2 if failed else report.exit_code


def main(argv: Optional[List[str]] = None) -> int:  # pragma: no cover - convenience
    from hipaa_policies.cli.main import main as cli_main
    return cli_main(["scan", *(argv or [])])

