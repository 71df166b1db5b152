#!/usr/bin/env python
"""Bad input (issue 13): a pathological or oversized stack export finishes, or stops with one
clear line -- never an unbounded run.  Each case prints its outcome with PASS/FAIL.

Cases (generated into ``benchmarks/.work/bad-input/``):

* ``one-megabyte-resource``: a bucket with 1 MB of tags;
* ``ten-thousand-on-one-target``: 10,000 BucketVersioning resources on one bucket;
* ``ten-thousand-chain``: 10,000 security groups, each referring to the previous one (by id and
  by property dependency);
* ``ten-thousand-same-name``: 10,000 buckets sharing one name and 10,000 BucketVersioning
  resources naming it (every referrer matches every bucket);
* ``above-the-size-limit``: the 100,000-resource benchmark export scanned with
  ``--max-input-size 100MB``;
* ``timeout``: the same export with ``--timeout 3``.

PASS: the scan ends within ``--timeout`` (given to every case; default 120 s) plus 5 s, and
either finishes (exit 0 or 1, a report) or exits 2 with exactly one line on stderr.

Run from a clone:  python benchmarks/bench_bad_input.py   (about 2 minutes on 2 cores)
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import workload  # noqa: E402

S = "urn:pulumi:prod::p::"
SG, BUCKET, VERSIONING = ("aws:ec2/securityGroup:SecurityGroup", "aws:s3/bucket:Bucket",
                          "aws:s3/bucketVersioning:BucketVersioning")


def _res(type_, name, outputs, deps=(), prop_deps=None):
    return {"urn": f"{S}{type_}::{name}", "custom": True, "type": type_, "id": name, "inputs": {}, "outputs": outputs,
            "dependencies": list(deps), "propertyDependencies": prop_deps or {}}


def _export(resources):
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def cases(n: int):
    versioning = {"versioningConfiguration": {"status": "Enabled"}}
    yield "one-megabyte-resource", _export([_res(BUCKET, "big", {"bucket": "big", "tags": {
        f"k{i}": "v" * 90 for i in range(10000)}})]), []
    yield "ten-thousand-on-one-target", _export([_res(BUCKET, "b", {"bucket": "b"})] + [
        _res(VERSIONING, f"v{i}", {"bucket": "b", **versioning}) for i in range(n)]), []
    yield "ten-thousand-chain", _export([
        _res(SG, f"sg{i}", {"name": f"sg{i}", "ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443,
                                                            "securityGroups": [f"sg{i - 1}"]}]},
             [f"{S}{SG}::sg{i - 1}"] if i else [], {"ingress": [f"{S}{SG}::sg{i - 1}"]} if i else None)
        for i in range(n)]), []
    yield "ten-thousand-same-name", _export(
        [_res(BUCKET, f"b{i}", {"bucket": "shared"}) for i in range(n)]
        + [_res(VERSIONING, f"v{i}", {"bucket": "shared", **versioning}) for i in range(n)]), []
    big = workload.stack_export(workload.description(100000))
    yield "above-the-size-limit", big, ["--max-input-size", "100MB"]
    yield "timeout", big, ["--timeout", "3"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="resources of one type in the join cases")
    ap.add_argument("--timeout", type=float, default=120.0, help="--timeout given to every case")
    ap.add_argument("--json", type=Path, default=common.WORK / "bench_bad_input.json", help="results file")
    args = ap.parse_args(argv)
    env = common.machine()
    print("machine:", ", ".join(f"{k} {v}" for k, v in env.items()))
    work = common.WORK / "bad-input"
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{'case':<30} {'outcome':<86} result")
    for name, doc, extra in cases(args.n):
        path = work / f"{name}.json"
        path.write_text(json.dumps(doc))
        del doc
        cmd = [sys.executable, "-m", "hipaa_policies.cli.main", "scan", str(path), "--no-progress", "-f", "json",
               "--output", str(work / "out"), "--timeout", str(args.timeout), *extra]
        limit = min([float(extra[i + 1]) for i, x in enumerate(extra) if x == "--timeout"] + [args.timeout])
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=common.ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        finished = done.returncode in (0, 1)
        stopped = done.returncode == 2 and len(lines) == 1
        ok = (finished or stopped) and wall <= limit + 5.0
        what = (f"finished in {wall:.1f} s (exit {done.returncode}, {path.stat().st_size / 1e6:.0f} MB)" if finished
                else f"stopped after {wall:.1f} s: {lines[0][:60] if lines else '(no message)'}" if stopped
                else f"exit {done.returncode} after {wall:.1f} s, {len(lines)} stderr lines")
        print(f"{name:<30} {what:<86} {common.verdict(ok)}")
        rows.append({"case": name, "wall_s": wall, "exit": done.returncode, "stderr": lines[-3:], "pass": ok})
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": env, "cases": rows}, indent=2))
    print(f"results: {args.json}")
    return 0 if all(r["pass"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
