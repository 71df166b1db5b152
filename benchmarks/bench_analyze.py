#!/usr/bin/env python
"""The pack at scale, through the real Analyzer gRPC protocol, side by side with baselines.

Targets (issue 7), each printed with its ratio and PASS/FAIL:

1. per-resource ``Analyze`` time of the full pack  <= 2 x  a one-policy pack
2. start-up (process start -> port printed)       <= 1.3 x an empty pack importing the same SDKs
3. ``AnalyzeStack`` on 10,000 resources < 2 s, and 10k time <= 12 x the 1k time
4. peak RSS of the pack process on a 10,000-resource stack < 500 MB

Every pack is started as the Pulumi CLI starts it (``python -u -m pulumi.policy 127.0.0.1:0 .``).
Baselines are generated into ``benchmarks/.work/``.  Resources come from
``benchmarks/workload.py``: one description of a realistic mixed stack (about 30 % of the
resources of types no resource policy checks, half of the units preview-shaped), plus one
resource of every other type a resource policy checks.

Run from a clone:  python benchmarks/bench_analyze.py   (about a minute on 2 cores)
``--with-plain`` adds the full pack on pulumi-policy's own servicer, for information only.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import workload  # noqa: E402


def time_requests(pack: common.Pack, requests) -> float:
    call = pack.analyze
    t0 = time.perf_counter()
    for req in requests:
        call(req)
    return time.perf_counter() - t0


def time_stack(pack: common.Pack, request: bytes):
    t0 = time.perf_counter()
    response = pack.analyze_stack(request)
    return time.perf_counter() - t0, len(response.diagnostics)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds of the Analyze mix per pack, interleaved")
    ap.add_argument("--units", type=int, default=16, help="workload units in the Analyze mix (~40 resources each)")
    ap.add_argument("--startup-runs", type=int, default=9, help="start-ups per pack, interleaved")
    ap.add_argument("--stack-runs", type=int, default=9, help="AnalyzeStack runs per size (1k: 3 times as many)")
    ap.add_argument("--with-plain", action="store_true",
                    help="also time the full pack on the SDK's own servicer (slow; information only)")
    ap.add_argument("--json", type=Path, default=common.WORK / "bench_analyze.json", help="results file")
    args = ap.parse_args(argv)

    env = common.machine()
    counts = common.policy_counts()
    print("machine:", ", ".join(f"{k} {v}" for k, v in env.items()))
    print(f"pack: {counts['policies']} policies ({counts['resource']} resource, {counts['stack']} stack)")
    baselines = common.baseline_packs()
    results = {"machine": env, "pack": counts, "targets": {}}

    # ---- workload ----------------------------------------------------------------------------
    mix = workload.analyze_mix(args.units)
    checked, total = workload.checked_share(mix)
    requests = common.analyze_requests(mix)
    types = len({r["type"] for r in mix})
    print(f"Analyze mix: {total} resources of {types} types, {checked} of a type some resource policy checks")
    stacks = {}
    for n in (1000, 10000):
        res = workload.engine_resources(workload.description(n))
        stacks[n] = (res, common.analyze_stack_request(res))
    print(f"AnalyzeStack requests: 1k = {len(stacks[1000][1]) / 1e6:.1f} MB, "
          f"10k = {len(stacks[10000][1]) / 1e6:.1f} MB serialised")

    # ---- 2. start-up ---------------------------------------------------------------------------
    common.startup_time(baselines["empty"])  # warm the page cache and bytecode caches
    common.startup_time(common.ROOT)
    full_t, empty_t = [], []
    for _ in range(args.startup_runs):
        empty_t.append(common.startup_time(baselines["empty"]))
        full_t.append(common.startup_time(common.ROOT))
    s_full, s_empty = min(full_t), min(empty_t)
    s_ratio = s_full / s_empty

    # ---- 1. per-resource Analyze -------------------------------------------------------------
    packs = {"full": common.Pack(common.ROOT, label="full pack"),
             "one": common.Pack(baselines["one-policy"], label="one-policy pack")}
    try:
        for p in packs.values():
            p.start()
            time_requests(p, requests)  # warm-up round
        per = {k: [] for k in packs}
        cpu = {k: 0.0 for k in packs}
        for _ in range(args.rounds):
            for k, p in packs.items():
                c0 = p.cpu_seconds()
                per[k].append(time_requests(p, requests) / len(requests))
                cpu[k] += p.cpu_seconds() - c0
        a_full, a_one = min(per["full"]), min(per["one"])
        a_ratio = a_full / a_one
        a_cpu = {k: cpu[k] / (args.rounds * len(requests)) for k in packs}
        diags = sum(len(packs["full"].analyze(r).diagnostics) for r in requests)

        # ---- 3. AnalyzeStack 1k / 10k (same process, after the Analyze rounds) ----------------
        full = packs["full"]
        time_stack(full, common.analyze_stack_request(stacks[1000][0][:100]))  # warm-up
        # interleaved, so both sizes meet the same machine; 3 x as many 1k runs (CPU time ticks are 10 ms)
        runs = {1000: [], 10000: []}
        cpu_total = {1000: 0.0, 10000: 0.0}
        stack_diags = {}
        for _ in range(args.stack_runs):
            for n, k in ((10000, 1), (1000, 3)):
                for _ in range(k):
                    c0 = full.cpu_seconds()
                    dt, stack_diags[n] = time_stack(full, stacks[n][1])
                    cpu_total[n] += full.cpu_seconds() - c0
                    runs[n].append(dt)
        st = {n: min(v) for n, v in runs.items()}
        st_med = {n: common.median(v) for n, v in runs.items()}
        st_cpu = {n: cpu_total[n] / len(runs[n]) for n in runs}
    finally:
        for p in packs.values():
            p.stop()

    plain = None
    if args.with_plain:
        with common.Pack(common.ROOT, env={"HIPAA_POLICIES_PLAIN_SERVICER": "1"}, label="plain") as pp:
            sample = requests[:300]
            time_requests(pp, sample[:20])
            plain_per = time_requests(pp, sample) / len(sample)
            plain_stack, _ = time_stack(pp, stacks[1000][1])
        plain = {"analyze_ms": plain_per * 1e3, "analyze_stack_1k_s": plain_stack}

    # ---- 4. memory: a fresh pack process through a whole 10k preview ---------------------------
    with common.Pack(common.ROOT, label="memory") as mp:
        rss_start = mp.rss_mb()
        for req in common.analyze_requests(stacks[10000][0]):
            mp.analyze(req)
        rss_after_analyze = mp.peak_rss_mb()
        mp.analyze_stack(stacks[10000][1])
        peak = mp.peak_rss_mb()
    with common.Pack(baselines["empty"], label="empty") as ep:
        empty_rss = ep.rss_mb()

    # ---- report --------------------------------------------------------------------------------
    t = results["targets"]
    t["analyze_per_resource"] = {
        "full_ms": a_full * 1e3, "one_policy_ms": a_one * 1e3, "ratio": a_ratio, "target": "<= 2.0",
        "pass": a_ratio <= 2.0, "full_median_ms": common.median(per["full"]) * 1e3,
        "one_policy_median_ms": common.median(per["one"]) * 1e3,
        "full_cpu_ms": a_cpu["full"] * 1e3, "one_policy_cpu_ms": a_cpu["one"] * 1e3,
        "requests": len(requests), "rounds": args.rounds, "diagnostics_per_round": diags}
    t["startup"] = {"full_s": s_full, "empty_s": s_empty, "ratio": s_ratio, "target": "<= 1.3",
                    "pass": s_ratio <= 1.3, "full_median_s": common.median(full_t),
                    "empty_median_s": common.median(empty_t), "runs": args.startup_runs}
    lin = st[10000] / st[1000]
    t["analyze_stack"] = {"1k_s": st[1000], "10k_s": st[10000], "ratio_10k_1k": lin,
                          "1k_median_s": st_med[1000], "10k_median_s": st_med[10000],
                          "1k_cpu_s": st_cpu[1000], "10k_cpu_s": st_cpu[10000],
                          "cpu_ratio_10k_1k": st_cpu[10000] / st_cpu[1000] if st_cpu[1000] else None,
                          "target": "10k < 2 s and 10k <= 12 x 1k", "pass": st[10000] < 2.0 and lin <= 12.0,
                          "diagnostics_1k": stack_diags[1000], "diagnostics_10k": stack_diags[10000]}
    t["memory"] = {"peak_rss_mb": peak, "rss_at_start_mb": rss_start, "peak_after_analyze_mb": rss_after_analyze,
                   "empty_pack_rss_mb": empty_rss, "target": "< 500 MB", "pass": peak < 500.0}
    if plain:
        results["plain_servicer"] = plain

    print()
    print("wall times: best of the runs (noise from other processes only adds), median in brackets")
    print(f"{'target':<44} {'measured':<52} {'ratio':>6}  result")
    rows = [
        ("Analyze per resource: full <= 2 x one-policy",
         f"{a_full * 1e3:.3f} ms vs {a_one * 1e3:.3f} ms "
         f"[{common.median(per['full']) * 1e3:.3f} vs {common.median(per['one']) * 1e3:.3f}]",
         f"{a_ratio:.2f}", t["analyze_per_resource"]["pass"]),
        ("start-up: full <= 1.3 x empty pack",
         f"{s_full * 1e3:.0f} ms vs {s_empty * 1e3:.0f} ms "
         f"[{common.median(full_t) * 1e3:.0f} vs {common.median(empty_t) * 1e3:.0f}]",
         f"{s_ratio:.2f}", t["startup"]["pass"]),
        ("AnalyzeStack 10k < 2 s, 10k <= 12 x 1k",
         f"10k {st[10000]:.3f} s, 1k {st[1000]:.4f} s [{st_med[10000]:.3f}, {st_med[1000]:.4f}]",
         f"{lin:.2f}", t["analyze_stack"]["pass"]),
        ("peak RSS on a 10k stack < 500 MB",
         f"{peak:.0f} MB (empty pack {empty_rss:.0f} MB)", f"{peak / 500:.2f}", t["memory"]["pass"]),
    ]
    for name, measured, ratio, ok in rows:
        print(f"{name:<44} {measured:<52} {ratio:>6}  {common.verdict(ok)}")
    print(f"pack process CPU time: Analyze {a_cpu['full'] * 1e3:.3f} ms per resource (one-policy pack "
          f"{a_cpu['one'] * 1e3:.3f} ms); AnalyzeStack 1k {st_cpu[1000]:.4f} s, 10k {st_cpu[10000]:.3f} s"
          + (f" (ratio {st_cpu[10000] / st_cpu[1000]:.2f})" if st_cpu[1000] else ""))
    print(f"diagnostics: Analyze {diags} per round of {len(requests)} resources; AnalyzeStack "
          f"1k {stack_diags[1000]}, 10k {stack_diags[10000]}")
    if plain:
        print(f"for information, the same pack on pulumi-policy's own servicer: Analyze "
              f"{plain['analyze_ms']:.3f} ms per resource ({plain['analyze_ms'] / (a_one * 1e3):.1f} x one-policy), "
              f"AnalyzeStack 1k {plain['analyze_stack_1k_s']:.2f} s")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(f"results: {args.json}")
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
