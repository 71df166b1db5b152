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
The generator is shared with tests/test_fuzz.py (which drives it from hypothesis).
"""
from __future__ import annotations

import argparse
import copy
import random
import string
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MARK = "zqx"  # every generated string value that must never be echoed starts with this
from hipaa_policies.core.sentinels import SECRET_SIG, SECRET_SIG_KEY  # noqa: E402,F401
NEVER_GENERATE_KEYS = {"hipaa:exempt-reason"}  # exemption reasons are echoed on purpose
ALNUM = string.ascii_lowercase + string.digits


# --------------------------------------------------------------------------- choices
class Chooser:
    """The generator's source of decisions: random.Random here, hypothesis `data.draw` in tests."""

    def __init__(self, rng: Optional[random.Random] = None) -> None:
        self.rng = rng or random.Random()

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[self.integer(0, len(seq) - 1)]

    def chance(self, p: float) -> bool:
        return self.integer(0, 999) < p * 1000

    def float_(self) -> float:
        return self.choice([0.0, -1.0, 1.0, 0.5, 1e308, -1e308, float("inf"), float("-inf"),
                            float(self.integer(-10 ** 6, 10 ** 6)), self.integer(0, 10 ** 4) / 7])

    def word(self, lo: int = 5, hi: int = 24) -> str:
        return "".join(self.choice(ALNUM) for _ in range(self.integer(lo, hi)))


# --------------------------------------------------------------------------- vocabulary
class Vocabulary:
    """What the policies look at: per resource type, fixture property bags (engine shape); the keys
    and paths policies read (traced while they run on fixtures); and the string values they know."""

    def __init__(self) -> None:
        self.skeletons: Dict[str, List[Dict[str, Any]]] = {}
        self.paths: Dict[str, Set[Tuple[Any, ...]]] = {}
        self.keys: Set[str] = set()
        self.strings: Set[str] = {"true", "false", "True", "", " ", "*", "0", "-1", "null", "none", "Enabled",
                                  "Disabled", "ON", "OFF", "arn:aws:kms:us-east-1:123456789012:key/k",
                                  "arn:aws:s3:::b", "0.0.0.0/0", "::/0", "HTTP", "HTTPS", "TLS", "aws:kms",
                                  "AES256", "2020-01-01", "2999-12-31"}

    @classmethod
    def build(cls) -> "Vocabulary":
        sys.path.insert(0, str(ROOT / "tests"))
        from cases import all_cases, build
        from hipaa_policies.core import props as props_mod
        from hipaa_policies import registry
        from hipaa_policies.runtime.engine import resolve_config
        from hipaa_policies.runtime.fast_servicer import struct_to_dict
        from hipaa_policies.core.resource import Resource
        from hipaa_policies.core.stack_index import StackIndex
        voc = cls()
        specs = registry.load()
        traced: List[str] = []
        original = props_mod.get

        def tracing_get(p: Any, path: str) -> Any:
            traced.append(path)
            return original(p, path)
        props_mod.get = tracing_get
        try:
            for case in all_cases():
                spec = specs.get(case.policy)
                if spec is None:
                    continue
                try:
                    resources = build(case)
                    cfg = resolve_config(spec, case.config)
                except Exception:
                    continue
                objs = []
                for r in resources:
                    bag = struct_to_dict(r.properties)
                    voc.skeletons.setdefault(r.type, []).append(bag)
                    voc._collect(bag)
                    objs.append(Resource(r.type, bag, r.urn, r.name, None, r.dependencies, r.property_dependencies))
                for o in objs:
                    del traced[:]
                    try:
                        if spec.kind == "resource":
                            if o.type in spec.resource_types:
                                spec.check(o, cfg)
                        else:
                            spec.check(StackIndex(objs), cfg)
                    except Exception:
                        pass
                    for path in traced:
                        voc.paths.setdefault(o.type, set()).add(props_mod.parse_path(path))
            for spec in specs.values():  # types without fixtures: trace the check on an empty bag
                for t in spec.resource_types:
                    if t in voc.paths or spec.kind != "resource":
                        continue
                    del traced[:]
                    try:
                        spec.check(Resource(t, {}, "urn:x", "x"), resolve_config(spec, None))
                    except Exception:
                        pass
                    voc.paths.setdefault(t, set()).update(props_mod.parse_path(p) for p in traced)
        finally:
            props_mod.get = original
        for parts in (p for ps in voc.paths.values() for p in ps):
            voc.keys.update(x for x in parts if isinstance(x, str) and x != "*")
        voc.keys -= NEVER_GENERATE_KEYS
        return voc

    def _collect(self, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in NEVER_GENERATE_KEYS:
                    self.keys.add(k)
                self._collect(v)
        elif isinstance(value, list):
            for v in value:
                self._collect(v)
        elif isinstance(value, str) and len(value) < 80 and not value.startswith(MARK):
            self.strings.add(value)


# --------------------------------------------------------------------------- generation
class Generator:
    def __init__(self, voc: Vocabulary, ch: Chooser) -> None:
        self.voc, self.ch = voc, ch
        self.keys = sorted(voc.keys)
        self.strings = sorted(voc.strings)
        from hipaa_policies.core.props import UNKNOWN_SENTINELS
        self.sentinels = sorted(UNKNOWN_SENTINELS)

    def distinctive(self) -> str:
        if self.ch.chance(0.03):
            return MARK + self.ch.word(6, 6) * self.ch.integer(1000, 20000)  # a huge string
        return MARK + self.ch.word()

    def key(self) -> str:
        return self.ch.choice(self.keys) if self.keys and self.ch.chance(0.85) else "kk" + self.ch.word(2, 8)

    def value(self, depth: int = 0) -> Any:
        ch = self.ch
        kind = ch.integer(0, 13 if depth < 6 else 8)
        if kind == 0:
            return None
        if kind == 1:
            return ch.chance(0.5)
        if kind == 2:
            return ch.float_()
        if kind in (3, 4):
            return ch.choice(self.strings)
        if kind == 5:
            return self.distinctive()
        if kind == 6:
            return ch.choice(self.sentinels)
        if kind == 7:
            return {SECRET_SIG_KEY: SECRET_SIG, "value": self.value(depth + 1)}
        if kind == 8:
            return ch.integer(-5, 10 ** 6)
        if kind in (9, 10):
            return [self.value(depth + 1) for _ in range(ch.integer(0, 4))]
        if kind in (11, 12):
            return {self.key(): self.value(depth + 1) for _ in range(ch.integer(0, 5))}
        inner = self.value(depth + 1)  # deep nesting
        for _ in range(ch.integer(5, 60)):
            inner = {self.key(): inner} if ch.chance(0.6) else [inner]
        return inner

    def _set(self, bag: Dict[str, Any], parts: Tuple[Any, ...], value: Any) -> None:
        cur: Any = bag
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "*":
                part = 0
            if isinstance(part, int):
                if not isinstance(cur, list):
                    return
                while len(cur) <= part:
                    cur.append({})
                if last:
                    cur[part] = value
                    return
                nxt = parts[i + 1]
                if not isinstance(cur[part], (dict, list)):
                    cur[part] = [] if isinstance(nxt, int) or nxt == "*" else {}
                cur = cur[part]
            else:
                if not isinstance(cur, dict):
                    return
                if last:
                    cur[part] = value
                    return
                nxt = parts[i + 1]
                if not isinstance(cur.get(part), (dict, list)):
                    cur[part] = [] if isinstance(nxt, int) or nxt == "*" else {}
                cur = cur[part]

    def _mutate(self, node: Any, depth: int = 0) -> Any:
        ch = self.ch
        if ch.chance(0.15):
            return self.value(depth)
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if ch.chance(0.1):
                    continue  # missing key
                out[k] = self._mutate(v, depth + 1)
            return out
        if isinstance(node, list):
            return [self._mutate(v, depth + 1) for v in node if not ch.chance(0.1)]
        return node

    def bag(self, type_: str) -> Dict[str, Any]:
        ch = self.ch
        skeletons = self.voc.skeletons.get(type_) or []
        bag: Dict[str, Any] = {}
        if skeletons and ch.chance(0.6):
            bag = self._mutate(copy.deepcopy(ch.choice(skeletons)))
            if not isinstance(bag, dict):
                bag = {"kk": bag}
        paths = sorted(self.voc.paths.get(type_) or (), key=repr)
        for _ in range(ch.integer(0, 6)):
            if paths and ch.chance(0.8):
                self._set(bag, ch.choice(paths), self.value(1))
            else:
                bag[self.key()] = self.value(1)
        return bag

    def stack(self, types: Sequence[str], n: int) -> List[Dict[str, Any]]:
        """[{type, name, props, property_dependencies}] with random links between them."""
        out = []
        names = [f"r{i}-{self.ch.word(3, 5)}" for i in range(n)]
        for i in range(n):
            t = self.ch.choice(types)
            props = self.bag(t)
            deps: Dict[str, List[int]] = {}
            if n > 1 and self.ch.chance(0.6):
                prop = self.ch.choice(sorted({p[0] for p in self.voc.paths.get(t, ()) if p and isinstance(p[0], str)}
                                             or {"bucket"}))
                j = self.ch.integer(0, n - 1)
                if self.ch.chance(0.5):
                    props[prop] = names[j]
                else:
                    deps[prop] = [j]
            out.append({"type": t, "name": names[i], "props": props, "deps": deps})
        return out


def marks(value: Any, out: Optional[Set[str]] = None) -> Set[str]:
    """Every generated distinctive string in a value."""
    out = set() if out is None else out
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if v.startswith(MARK):
                out.add(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def echoed(message: str, values: Set[str]) -> List[str]:
    return [v[:40] for v in values if v in message]


# --------------------------------------------------------------------------- the soak run
def run(cases: int, seed: int, verbose: bool = False, out=sys.stdout) -> int:
    """Send ``cases`` generated cases through one pack process; return the number of failures."""
    from hipaa_policies import registry
    from hipaa_policies.testing import PackServer, make_urn, resource
    specs = registry.policies()
    all_types = sorted({t for s in specs for t in s.resource_types})
    voc = Vocabulary.build()
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
    args = parser.parse_args(argv)
    if args.cases < 1:
        parser.error("--cases must be at least 1")
    try:
        failures = run(args.cases, args.seed, args.verbose)
    except KeyboardInterrupt:
        sys.stderr.write("soak: interrupted\n")
        return 130
    except Exception as e:  # one clear line, no traceback
        sys.stderr.write(f"soak: {type(e).__name__}: {e}\n")
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
