"""Time `hipaa-policies scan` on a 10,000-resource `pulumi stack export` (issue 5: under 10 s).

    python benchmarks/bench_scan_10k.py [--resources 10000] [--runs 3]

Prints the best wall time over the runs for the terminal summary alone and for every format, and
PASS/FAIL against the 10 s target.  The stack comes from benchmarks/workload.py (the same
description the Checkov comparison renders as CloudFormation).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import workload  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.resources < 1 or args.runs < 1:
        parser.error("--resources and --runs must be positive")
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "stack-export.json"
        export.write_text(json.dumps(workload.stack_export(workload.description(args.resources))))
        n = len(json.loads(export.read_text())["deployment"]["resources"])
        results = {}
        for label, formats in (("text only", []), ("all formats", ["--format", "text", "--format", "markdown",
                                                                    "--format", "json", "--format", "sarif",
                                                                    "--format", "junit", "--format", "html",
                                                                    "--format", "evidence"])):
            best = float("inf")
            for _ in range(args.runs):
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "hipaa_policies.cli.main", "scan", str(export), "--no-progress",
                                       "--output", str(Path(tmp) / "out"), *formats],
                                      cwd=ROOT, capture_output=True, text=True)
                elapsed = time.perf_counter() - started
                if done.returncode not in (0, 1):
                    print(f"scan failed: {done.stderr.strip()}")
                    return 2
                best = min(best, elapsed)
            results[label] = best
        print(f"stack export with {n} resources (best of {args.runs})")
        for label, t in results.items():
            print(f"  scan, {label:<12} {t:6.2f} s   target < 10 s: {'PASS' if t < 10 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
