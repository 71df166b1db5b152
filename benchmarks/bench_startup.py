#!/usr/bin/env python
"""Pack start-up (issue 13 item 3): process start -> port printed, measured the way the CLI
starts a pack (``python -u -m pulumi.policy 127.0.0.1:0 .``), against a one-policy pulumi-policy
pack that imports only ``pulumi_policy`` (``benchmarks/.work/one-policy``).  Target <= 1.3 x.

Also prints where the full pack's start-up goes, measured in a fresh process step by step as
``serve()`` runs them: importing ``pulumi`` and ``pulumi_policy`` (what every Python pack pays),
the pack's runtime modules, the check modules, the catalogue and its validation against the
policies (``registry.load``), the fast servicer's shape check, building the pulumi-policy
objects, and the servicer.

Run from a clone:  python benchmarks/bench_startup.py   (about 30 s on 2 cores)
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

STEPS = r'''
import sys, time, json
t = [time.perf_counter()]
marks = []
def mark(name):
    now = time.perf_counter(); marks.append((name, now - t[0])); t[0] = now
sys.path.insert(0, sys.argv[1])
import pulumi, pulumi_policy; mark("import pulumi + pulumi_policy")
from hipaa_policies.runtime import pack; mark("import the pack runtime (engine, core, catalogue module)")
import importlib, pkgutil
from hipaa_policies import registry
from hipaa_policies.core.policy import _REGISTRY
for package_name in registry.CHECK_PACKAGES:
    package = importlib.import_module(package_name)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package_name}.{info.name}")
mark("import the check modules (registration)")
from hipaa_policies.frameworks.catalogue import load_catalogue
catalogue = load_catalogue(); mark("parse the catalogue")
catalogue.check_policies(_REGISTRY.values()); registry._LOADED = True; mark("validate policies against it")
from hipaa_policies.runtime import fast_servicer
fast_servicer.install(); mark("fast servicer shape check + install")
policies = pack.build_policies(); mark("build the pulumi-policy objects")
from pulumi_policy import EnforcementLevel
from pulumi_policy import policy as sdk
sdk._PolicyAnalyzerServicer(pack.PACK_NAME, "0.0.1", policies, EnforcementLevel.ADVISORY); mark("construct the servicer")
print(json.dumps(marks))
'''


def breakdown(runs: int):
    best = {}
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", STEPS, str(common.ROOT)], cwd=common.ROOT, capture_output=True,
                             text=True, check=True).stdout
        for name, dt in json.loads(out.strip().splitlines()[-1]):
            best[name] = min(best.get(name, float("inf")), dt)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="start-ups per pack, interleaved (best is used)")
    ap.add_argument("--json", type=Path, default=common.WORK / "bench_startup.json", help="results file")
    args = ap.parse_args(argv)
    env = common.machine()
    counts = common.policy_counts()
    print("machine:", ", ".join(f"{k} {v}" for k, v in env.items()))
    print(f"pack: {counts['policies']} policies")
    one = common.baseline_packs()["one-policy"]
    common.startup_time(one)
    common.startup_time(common.ROOT)  # warm page cache and bytecode caches
    full_t, one_t = [], []
    for _ in range(args.runs):
        one_t.append(common.startup_time(one))
        full_t.append(common.startup_time(common.ROOT))
    s_full, s_one = min(full_t), min(one_t)
    ratio = s_full / s_one
    steps = breakdown(max(3, args.runs // 3))
    print()
    print("full pack start-up, step by step (best of fresh processes):")
    for name, dt in steps.items():
        print(f"  {dt * 1e3:7.1f} ms  {name}")
    ours = sum(dt for name, dt in steps.items() if not name.startswith("import pulumi "))
    print(f"  {ours * 1e3:7.1f} ms  in all after the SDK imports")
    print()
    print(f"{'target':<48} {'measured':<44} {'ratio':>6}  result")
    print(f"{'start-up: full pack <= 1.3 x one-policy pack':<48} "
          f"{f'{s_full * 1e3:.0f} ms vs {s_one * 1e3:.0f} ms [median {common.median(full_t) * 1e3:.0f} vs {common.median(one_t) * 1e3:.0f}]':<44} "
          f"{ratio:>6.2f}  {common.verdict(ratio <= 1.3)}")
    results = {"machine": env, "pack": counts, "full_s": s_full, "one_policy_s": s_one, "ratio": ratio,
               "target": "<= 1.3", "pass": ratio <= 1.3, "full_runs": full_t, "one_policy_runs": one_t,
               "steps_ms": {k: v * 1e3 for k, v in steps.items()}}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"results: {args.json}")
    return 0 if ratio <= 1.3 else 1


if __name__ == "__main__":
    sys.exit(main())
