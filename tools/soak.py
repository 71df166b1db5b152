#!/usr/bin/env python3
"""Soak test: generated engine-shaped cases through the Analyzer protocol (issue 6, part 6).

Starts the pack once, the way the Pulumi CLI does (hipaa_policies.testing.PackServer), and sends
``--cases`` generated resources through ``Analyze`` (and every tenth case a small stack through
``AnalyzeStack``) with every policy at its default level.  Property bags mix the keys the
policies read with nulls, wrong types, huge strings, deep nesting, unknown sentinels at any
depth and wrapped secrets.  A case fails when the RPC errors, a check raised (the engine turns
that into an unverified "`(policy)`" finding), or a generated string value shows up in a message.

    python tools/soak.py --cases 10000 [--seed 1] [--verbose]

Prints the number of cases and failures; exits 1 when there are failures, 2 on bad arguments.
The generator lives in the test support code (tests/fuzzing.py), shared with tests/test_fuzz.py
(which drives it from hypothesis).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "tests"):  # the package and the test support code (fuzzing, cases)
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from fuzzing import Chooser, Generator, Vocabulary, echoed, marks  # noqa: E402


# --------------------------------------------------------------------------- the soak run
def run(cases: int, seed: int, verbose: bool = False, out=sys.stdout, programs: bool = True) -> int:
    """Send ``cases`` generated cases through one pack process; return the number of failures.
    ``programs=False`` builds the vocabulary from the hand-written fixture cases only (a quick sample)."""
    from hipaa_policies import registry
    from hipaa_policies.testing import PackServer, make_urn, resource
    specs = registry.policies()
    all_types = sorted({t for s in specs for t in s.resource_types})
    voc = Vocabulary.build(programs=programs)
    gen = Generator(voc, Chooser(random.Random(seed)))
    failures = 0
    kinds: Dict[str, int] = {}
    started = time.monotonic()

    def fail(what: str) -> None:
        nonlocal failures
        failures += 1
        if verbose or failures <= 20:
            out.write(f"FAIL {what}\n")

    def judge(label: str, diags: List[Any], values: Set[str]) -> None:
        for d in diags:
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
            if "`(policy)`" in d.message:
                fail(f"{label}: {d.policy} raised inside its check")
            hits = echoed(d.message, values)
            if hits:
                fail(f"{label}: {d.policy} echoed generated value(s) {hits}")

    with PackServer(ROOT) as pack:
        pack.configure_stack()
        for i in range(cases):
            spec = gen.ch.choice(specs)
            types = list(spec.resource_types) or all_types
            if i % 10 == 9:
                members = gen.stack(types + [gen.ch.choice(all_types)], gen.ch.integer(1, 6))
                urns = [make_urn(m["type"], m["name"]) for m in members]
                captured = [resource(m["type"], m["props"], name=m["name"], urn=urns[j],
                                     property_dependencies={k: [urns[x] for x in v] for k, v in m["deps"].items()},
                                     dependencies=sorted({urns[x] for v in m["deps"].values() for x in v}))
                            for j, m in enumerate(members)]
                values = marks([m["props"] for m in members])
                label = f"case {i} (AnalyzeStack, {spec.name})"
                try:
                    judge(label, pack.analyze_stack(captured), values)
                except Exception as e:  # RPC error
                    fail(f"{label}: {type(e).__name__}: {str(e)[:200]}")
                continue
            t = gen.ch.choice(types) if gen.ch.chance(0.9) else gen.ch.choice(all_types)
            props = gen.bag(t)
            label = f"case {i} (Analyze {t}, {spec.name})"
            try:
                judge(label, pack.analyze(resource(t, props, name=f"r{i}")), marks(props))
            except Exception as e:
                fail(f"{label}: {type(e).__name__}: {str(e)[:200]}")
    elapsed = time.monotonic() - started
    out.write(f"soak: {cases} cases through the Analyzer protocol ({len(specs)} policies, seed {seed}) "
              f"in {elapsed:.1f} s; diagnostics: "
              + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + f"; failures: {failures}\n")
    return failures


def main(argv: Optional[List[str]] = None) -> int:
    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:
            self.exit(2, f"soak: {message}\n")
    parser = Parser(prog="soak", description="Run generated cases through the pack's Analyzer protocol.")
    parser.add_argument("--cases", type=int, default=10000, help="number of cases (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--verbose", action="store_true", help="print every failure, not the first 20")
    parser.add_argument("--quick", action="store_true",
                        help="vocabulary from the hand-written fixture cases only (no program runs; for a CI sample)")
    args = parser.parse_args(argv)
    if args.cases < 1:
        parser.error("--cases must be at least 1")
    try:
        failures = run(args.cases, args.seed, args.verbose, programs=not args.quick)
    except KeyboardInterrupt:
        sys.stderr.write("soak: interrupted\n")
        return 130
    except Exception as e:  # one clear line, no traceback
        sys.stderr.write(f"soak: {type(e).__name__}: {e}\n")
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
