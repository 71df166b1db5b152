#!/usr/bin/env python
"""`hipaa-policies scan` against Checkov on the same infrastructure (issue 7 target: >= 20 x faster).

One description of a realistic mixed stack (``benchmarks/workload.py``) is rendered twice:

* a ``pulumi stack export`` document, scanned with
  ``python -m hipaa_policies.cli.main scan <export.json> --format json --output <dir>``;
* the equivalent CloudFormation template, scanned with
  ``checkov -f <template.json> --framework cloudformation -o json --quiet --skip-download``.

Both run as fresh processes, interleaved, several times; the ratio uses the best wall time of
each (noise from other processes only adds time) and the CPU time of each tool's process tree
is printed beside it.  ``--skip-download`` keeps Checkov off the network (it would otherwise
try to fetch guideline metadata and wait for the failures), which only helps Checkov.

Checkov must live in its own virtualenv (its pins conflict with the pack's)::

    python3 -m venv /work/checkov-venv && /work/checkov-venv/bin/pip install checkov

and is found through ``--checkov`` or the ``CHECKOV`` environment variable (default
``/work/checkov-venv/bin/checkov``).  Run from a clone:
``python benchmarks/bench_scan_vs_checkov.py [--sizes 1000,3000] [--runs 2]``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import workload  # noqa: E402

DEFAULT_CHECKOV = os.environ.get("CHECKOV", "/work/checkov-venv/bin/checkov")


def timed(cmd, cwd=None, env=None):
    """(wall seconds, CPU seconds of the process tree, exit code, stderr tail)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, proc.stderr.decode(errors="replace").strip()[-1500:]


def checkov_version(checkov: str) -> str:
    out = subprocess.run([checkov, "--version"], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def run_size(n: int, runs: int, checkov: str) -> dict:
    work = common.WORK / "scan-vs-checkov" / str(n)
    work.mkdir(parents=True, exist_ok=True)
    described = workload.description(n)
    export_path, template_path = work / "stack-export.json", work / "template.json"
    export_path.write_text(json.dumps(workload.stack_export(described), indent=2))
    template = workload.cloudformation(described)
    template_path.write_text(json.dumps(template, indent=2))
    n_cfn = len(template["Resources"])
    print(f"\n== {n} Pulumi resources ({export_path.stat().st_size / 1e6:.1f} MB export); CloudFormation twin: "
          f"{n_cfn} resources ({template_path.stat().st_size / 1e6:.1f} MB)")
    scan_cmd = [sys.executable, "-m", "hipaa_policies.cli.main", "scan", str(export_path), "--format", "json",
                "--output"]
    ck_out = work / "checkov-out"
    shutil.rmtree(ck_out, ignore_errors=True)
    checkov_cmd = [checkov, "-f", str(template_path), "--framework", "cloudformation", "-o", "json", "--quiet",
                   "--skip-download", "--output-file-path", str(ck_out)]
    checkov_env = {k: v for k, v in os.environ.items() if not k.startswith(("BC_", "PRISMA_"))}
    scans, checkovs, report = [], [], {}
    with tempfile.TemporaryDirectory(prefix="hipaa-scan-") as out:  # warm-up: bytecode and disk caches
        timed(scan_cmd + [out], cwd=common.ROOT)
    for i in range(runs):
        with tempfile.TemporaryDirectory(prefix="hipaa-scan-") as out:
            wall, cpu, rc, err = timed(scan_cmd + [out], cwd=common.ROOT)
            if rc not in (0, 1):
                raise RuntimeError(f"scan exited {rc}: {err}")
            report = json.loads((Path(out) / "report.json").read_text())
        scans.append((wall, cpu))
        wall, cpu, rc, err = timed(checkov_cmd, env=checkov_env)
        if rc not in (0, 1):
            raise RuntimeError(f"checkov exited {rc}: {err}")
        checkovs.append((wall, cpu))
        print(f"run {i + 1}: scan {scans[-1][0]:.2f} s (CPU {scans[-1][1]:.2f} s), "
              f"checkov {checkovs[-1][0]:.2f} s (CPU {checkovs[-1][1]:.2f} s)")
    ck_files = sorted(ck_out.glob("*.json"))
    ck = json.loads(ck_files[0].read_text()) if ck_files else {}
    ck = ck[0] if isinstance(ck, list) and ck else ck
    ck_summary = ck.get("summary", {}) if isinstance(ck, dict) else {}
    scan_summary = report.get("summary", {})
    s_wall, c_wall = min(w for w, _ in scans), min(w for w, _ in checkovs)
    s_cpu, c_cpu = min(c for _, c in scans), min(c for _, c in checkovs)
    print(f"scan report: {scan_summary.get('resources', '?')} resources, {scan_summary.get('policies', '?')} policies, "
          f"{scan_summary.get('mandatoryViolations', '?')} mandatory + {scan_summary.get('advisoryViolations', '?')} "
          f"advisory violations; checkov report: {ck_summary.get('resource_count', '?')} resources, "
          f"{ck_summary.get('passed', '?')} passed, {ck_summary.get('failed', '?')} failed checks")
    return {"resources": n, "cfn_resources": n_cfn, "runs": runs,
            "scan": {"wall_s": s_wall, "cpu_s": s_cpu, "all": scans, "summary": scan_summary},
            "checkov": {"wall_s": c_wall, "cpu_s": c_cpu, "all": checkovs, "summary": ck_summary},
            "ratio_wall": c_wall / s_wall, "ratio_cpu": c_cpu / s_cpu, "target": ">= 20",
            "pass": c_wall / s_wall >= 20.0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,3000",
                    help="comma-separated Pulumi resource counts (default 1000,3000; Checkov needs about "
                         "25 s per 1,000 resources here and far more memory at 10,000)")
    ap.add_argument("--runs", type=int, default=2, help="interleaved runs of each tool per size (best is used)")
    ap.add_argument("--checkov", default=DEFAULT_CHECKOV, help="checkov executable (its own virtualenv)")
    ap.add_argument("--json", type=Path, default=common.WORK / "bench_scan_vs_checkov.json", help="results file")
    args = ap.parse_args(argv)
    try:
        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    except ValueError:
        sys.stderr.write(f"bench_scan_vs_checkov: --sizes {args.sizes!r}: expected numbers such as 1000,3000\n")
        return 2

    checkov = shutil.which(args.checkov) or (args.checkov if Path(args.checkov).is_file() else None)
    if checkov is None:
        sys.stderr.write(f"bench_scan_vs_checkov: checkov not found at {args.checkov}; install it into its own "
                         "virtualenv (python3 -m venv /work/checkov-venv && /work/checkov-venv/bin/pip install "
                         "checkov) or pass --checkov\n")
        return 2
    env = common.machine()
    env["checkov"] = checkov_version(checkov)
    print("machine:", ", ".join(f"{k} {v}" for k, v in env.items()))
    counts = common.policy_counts()
    print(f"pack: {counts['policies']} policies")
    results = {"machine": env, "pack": counts, "sizes": []}
    for n in sizes:
        try:
            results["sizes"].append(run_size(n, args.runs, checkov))
        except RuntimeError as e:
            sys.stderr.write(f"bench_scan_vs_checkov: {n} resources: {e}\n")
            return 2
    print()
    print("wall times: best of the runs (noise from other processes only adds); CPU: the tool's process tree")
    print(f"{'target: scan >= 20 x faster than Checkov':<42} {'scan':>9} {'checkov':>9} {'ratio':>7} "
          f"{'CPU ratio':>10}  result")
    for r in results["sizes"]:
        label = f"{r['resources']} resources"
        print(f"{label:<42} {r['scan']['wall_s']:>8.2f}s {r['checkov']['wall_s']:>8.2f}s {r['ratio_wall']:>7.1f} "
              f"{r['ratio_cpu']:>10.1f}  {common.verdict(r['pass'])}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"results: {args.json}")
    return 0 if all(r["pass"] for r in results["sizes"]) else 1


if __name__ == "__main__":
    sys.exit(main())
