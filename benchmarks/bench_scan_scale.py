#!/usr/bin/env python
"""`hipaa-policies scan` of large stack exports (issue 13 item 2), each figure with PASS/FAIL.

Targets:

1. a 100,000-resource `pulumi stack export` of the benchmark workload (``workload.description``)
   scanned in <= 45 s wall, and
2. <= 1 GB peak resident memory of the largest process (the CLI or its pack process),
3. 100k time <= 11 x the 10k time,
4. an export of 100,000 light resources (a few properties each, ``workload.light``) much faster
   than the benchmark workload: read here as <= 0.6 x its time.

Every scan is a fresh ``python -m hipaa_policies.cli.main scan <export> --no-progress`` process
started from a small wrapper that reports the wall time, the CPU time and the peak RSS of every
process below it (``VmHWM`` polled from ``/proc``, and ``ru_maxrss`` of the reaped children, which
is the peak of the largest one).  Formats: ``json`` (written to a temporary directory) and
``text`` (the terminal summary, discarded); ``--html`` adds the HTML dashboard for information.

Run from a clone:  python benchmarks/bench_scan_scale.py   (about 3 minutes on 2 cores)
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import workload  # noqa: E402

# Runs a command, polls the peak RSS of every process below it, prints one JSON line.
WRAPPER = r'''
import json, os, resource, subprocess, sys, threading, time
peaks, names = {}, {}
def children(root):
    out, by_parent = [], {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    by_parent.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
            except OSError:
                pass
    todo = [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(by_parent.get(p, ()))
    return out
def poll(root, done):
    while not done.is_set():
        for pid in children(root):
            try:
                with open(f"/proc/{pid}/status") as f:
                    hwm = next((int(l.split()[1]) for l in f if l.startswith("VmHWM:")), 0)
                if pid not in names:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        names[pid] = "pack" if b"pulumi.policy" in f.read() else "cli"
                peaks[pid] = max(peaks.get(pid, 0), hwm)
            except OSError:
                pass
        time.sleep(0.05)
t0 = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
done = threading.Event()
threading.Thread(target=poll, args=(proc.pid, done), daemon=True).start()
err = proc.communicate()[1]
wall = time.perf_counter() - t0
done.set()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
by_kind = {}
for pid, kb in peaks.items():
    by_kind[names.get(pid, "cli")] = max(by_kind.get(names.get(pid, "cli"), 0), kb)
print(json.dumps({"rc": proc.returncode, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
                  "largest_mb": ru.ru_maxrss / 1024, "peak_mb": {k: v / 1024 for k, v in by_kind.items()},
                  "stderr": err.decode(errors="replace")[-1500:]}))
'''


def scan(export: Path, fmt: str, out_dir: Path) -> dict:
    cmd = [sys.executable, "-m", "hipaa_policies.cli.main", "scan", str(export), "--no-progress", "--format", fmt,
           "--output", str(out_dir)]
    done = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], cwd=common.ROOT, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["rc"] not in (0, 1):
        raise RuntimeError(f"scan {export.name} exited {result['rc']}: {result['stderr'].strip()}")
    return result


def best_of(results: list) -> dict:
    top = dict(min(results, key=lambda r: r["wall"]))
    top["walls"] = [r["wall"] for r in results]
    top["largest_mb"] = max(r["largest_mb"] for r in results)
    return top


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="benchmark-workload sizes (the last is the big one)")
    ap.add_argument("--light", type=int, default=100000, help="resources in the light export")
    ap.add_argument("--runs", type=int, default=3, help="runs per scan, interleaved (best wall time is used)")
    ap.add_argument("--formats", default="json,text", help="formats to time, one scan each (json,text)")
    ap.add_argument("--html", action="store_true", help="also time the HTML dashboard (information only)")
    ap.add_argument("--json", type=Path, default=common.WORK / "bench_scan_scale.json", help="results file")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    formats = [f for f in args.formats.split(",") if f] + (["html"] if args.html else [])
    env = common.machine()
    print("machine:", ", ".join(f"{k} {v}" for k, v in env.items()))
    work = common.WORK / "scan-scale"
    work.mkdir(parents=True, exist_ok=True)
    exports = {}
    for n in sizes:
        exports[n] = work / f"export-{n}.json"
        exports[n].write_text(json.dumps(workload.stack_export(workload.description(n))))
    light = work / f"light-{args.light}.json"
    light.write_text(json.dumps(workload.stack_export(workload.light(args.light))))
    for n, p in exports.items():
        print(f"export {n}: {p.stat().st_size / 1e6:.0f} MB", end="; ")
    print(f"light {args.light}: {light.stat().st_size / 1e6:.0f} MB")

    results = {"machine": env, "scans": {}}
    targets = [*((str(n), p) for n, p in exports.items()), (f"light-{args.light}", light)]
    for fmt in formats:
        runs = {label: [] for label, _ in targets}
        with tempfile.TemporaryDirectory(prefix="hipaa-scan-") as tmp:
            for _ in range(args.runs):  # interleaved, so every size meets the same machine
                for label, path in targets:
                    runs[label].append(scan(path, fmt, Path(tmp)))
        for label, _ in targets:
            r = results["scans"][f"{label}/{fmt}"] = best_of(runs[label])
            peaks = ", ".join(f"{k} {v:.0f} MB" for k, v in sorted(r["peak_mb"].items()))
            print(f"scan {label:>12} -f {fmt:<5} {r['wall']:7.2f} s wall (runs: "
                  f"{', '.join(f'{w:.2f}' for w in r['walls'])}), CPU {r['cpu']:.1f} s, peak RSS {peaks}, "
                  f"largest process {r['largest_mb']:.0f} MB")

    big, small = str(sizes[-1]), str(sizes[0])
    rows = []
    for fmt in [f for f in formats if f != "html"]:
        b, s, lt = (results["scans"][f"{k}/{fmt}"] for k in (big, small, f"light-{args.light}"))
        ratio = b["wall"] / s["wall"]
        rows += [
            (f"scan {int(big):,} resources -f {fmt} <= 45 s", f"{b['wall']:.2f} s", b["wall"] <= 45.0),
            ("  peak RSS of the largest process <= 1 GB", f"{b['largest_mb']:.0f} MB", b["largest_mb"] <= 1024.0),
            (f"  {int(big) // 1000}k / {int(small) // 1000}k time <= 11 x",
             f"{ratio:.2f} ({b['wall']:.2f} / {s['wall']:.2f} s)", ratio <= 11.0),
            (f"  light export of {args.light:,} <= 0.6 x that", f"{lt['wall']:.2f} s ({lt['wall'] / b['wall']:.2f} x)",
             lt["wall"] <= 0.6 * b["wall"]),
        ]
    print()
    print(f"{'target':<50} {'measured':<34} result")
    for name, measured, ok in rows:
        print(f"{name:<50} {measured:<34} {common.verdict(ok)}")
    if "html" in formats:
        h = results["scans"][f"{big}/html"]
        print(f"for information: HTML dashboard at {int(big):,} resources {h['wall']:.2f} s, largest process "
              f"{h['largest_mb']:.0f} MB")
    results["targets"] = [{"target": n, "measured": m, "pass": ok} for n, m, ok in rows]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"results: {args.json}")
    return 0 if all(ok for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
