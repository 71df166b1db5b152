#!/usr/bin/env python
"""Many stacks (issue 13 item 5): `hipaa-policies scan` of a directory of 100 stack exports of
1,000 resources each, on all cores (``--jobs``, one pack process per worker), each figure with
PASS/FAIL.

Target: the directory scanned in a time close to 100 x the scan of one export divided by the
cores -- read here as an efficiency ``(100 x one export / cores) / directory time`` of at least
0.8.  The scan of one export is a fresh CLI process (start-up, its pack's start-up, load,
evaluation, report) as a CI job would run it per stack; the directory scan pays those start-ups
once per worker.  The serial directory scan (``--jobs 1``) is printed beside it, with the
efficiency of the workers against it, and how many cores the run could really use (a CPU-bound
loop on every core at once against one alone; other jobs on a shared machine take the rest).

The exports are independent copies of ``workload.description(1000)`` (``workload.copies``:
distinct names and URNs).  Run from a clone: ``python benchmarks/bench_many_stacks.py``
(about 3 minutes on 2 cores).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import workload  # noqa: E402


def timed_scan(args, out_dir: Path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "hipaa_policies.cli.main", "scan", *map(str, args), "--no-progress",
                           "--format", "json", "--output", str(out_dir)], cwd=common.ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"scan exited {done.returncode}: {done.stderr.strip()[-1500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


SPIN = "import time\nt = time.perf_counter()\nn = 0\nwhile n < 12_000_000: n += 1\nprint(time.perf_counter() - t)"


def effective_cores(cores: int) -> float:
    """How many cores this run really gets on a machine shared with other jobs: ``cores`` copies of a
    CPU-bound loop at once against one alone (1.0 = one core's worth)."""
    def wall(k: int) -> float:
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", SPIN], stdout=subprocess.DEVNULL) for _ in range(k)]
        for p in procs:
            p.wait()
        return time.perf_counter() - t0
    one = min(wall(1) for _ in range(2))
    many = min(wall(cores) for _ in range(2))
    return cores * one / many


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stacks", type=int, default=100, help="exports in the directory")
    ap.add_argument("--resources", type=int, default=1000, help="resources per export")
    ap.add_argument("--runs", type=int, default=3, help="runs of the one-export scan (best is used)")
    ap.add_argument("--dir-runs", type=int, default=1, help="runs of each directory scan (best is used)")
    ap.add_argument("--jobs", type=int, default=None, help="workers (default: the CLI's default, the cores)")
    ap.add_argument("--no-serial", action="store_true", help="skip the serial (--jobs 1) directory scan")
    ap.add_argument("--json", type=Path, default=common.WORK / "bench_many_stacks.json", help="results file")
    args = ap.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    jobs = args.jobs or cores
    env = common.machine()
    print("machine:", ", ".join(f"{k} {v}" for k, v in env.items()))
    stacks = common.WORK / "many-stacks"
    stacks.mkdir(parents=True, exist_ok=True)
    for old in stacks.glob("*.json"):
        old.unlink()
    for k in range(args.stacks):
        described = workload.description(args.resources, f"c{k}-" if k else "")
        (stacks / f"stack-{k:03d}.json").write_text(json.dumps(workload.stack_export(described), indent=2))
    one = stacks / "stack-000.json"
    print(f"{args.stacks} exports of {args.resources} resources ({one.stat().st_size / 1e6:.1f} MB each) in {stacks}")

    with tempfile.TemporaryDirectory(prefix="hipaa-many-") as tmp:
        out = Path(tmp)
        singles = [timed_scan([one], out / "one") for _ in range(args.runs)]
        t_one = min(w for w, _ in singles)
        parallel = [timed_scan([stacks, "--jobs", jobs], out / "dir") for _ in range(args.dir_runs)]
        t_dir, cpu_dir = min(parallel)
        doc = json.loads((out / "dir" / "report.json").read_text())
        serial = None
        if not args.no_serial:
            serial = min(timed_scan([stacks, "--jobs", 1], out / "serial") for _ in range(args.dir_runs))
    avail = effective_cores(cores)
    ideal = args.stacks * t_one / cores
    efficiency = ideal / t_dir
    print(f"one export: {t_one:.2f} s (runs {', '.join(f'{w:.2f}' for w, _ in singles)})")
    print(f"directory, --jobs {jobs}: {t_dir:.2f} s wall, CPU {cpu_dir:.1f} s; report: {len(doc['stacks'])} stacks, "
          f"{doc['summary']['resources']} resources")
    if serial:
        print(f"directory, --jobs 1: {serial[0]:.2f} s wall, CPU {serial[1]:.1f} s; workers vs serial: "
              f"{serial[0] / t_dir:.2f} x faster, efficiency {serial[0] / (t_dir * min(jobs, cores)):.2f}")
    print(f"cores this run could use (a CPU-bound loop on {cores} cores at once vs alone): {avail:.2f}")
    print()
    print(f"{'target':<62} {'measured':<30} result")
    ok = efficiency >= 0.8
    print(f"{f'{args.stacks} exports in ~ {args.stacks} x one export / {cores} cores':<62} "
          f"{f'{t_dir:.1f} s vs {ideal:.1f} s: efficiency {efficiency:.2f}':<30} {common.verdict(ok)}")
    results = {"machine": env, "cores": cores, "jobs": jobs, "stacks": args.stacks, "resources": args.resources,
               "one_export_s": t_one, "one_export_runs": singles, "directory_s": t_dir, "directory_cpu_s": cpu_dir,
               "serial_s": serial[0] if serial else None, "ideal_s": ideal, "efficiency": efficiency,
               "effective_cores": avail,
               "target": ">= 0.8", "pass": ok}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"results: {args.json}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
