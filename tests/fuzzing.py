"""The generator of engine-shaped property bags shared by the fuzz tests (tests/test_fuzz.py, which
drives it from hypothesis draws) and the soak script (tools/soak.py, which drives it from a seeded
random.Random).  Bags mix the keys the policies read (traced while they run on the fixture cases)
with nulls, wrong types, huge strings, deep nesting, unknown sentinels at any depth and wrapped
secrets.  Every generated string that must never be echoed in a message starts with :data:`MARK`.

Building the :class:`Vocabulary` runs every fixture program under mocks (several seconds): build it
once, lazily (tests/test_fuzz.py does so in a session fixture).
"""
from __future__ import annotations

import copy
import random
import string
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from hipaa_policies.core.sentinels import SECRET_SIG, SECRET_SIG_KEY

MARK = "zqx"  # every generated string value that must never be echoed starts with this
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
    def build(cls, policies: Optional[Sequence[str]] = None, programs: bool = True) -> "Vocabulary":
        """The vocabulary of the fixture cases of ``policies`` (default: every policy); without
        ``programs``, of the hand-written cases only (no program runs under mocks: seconds faster)."""
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
            wanted = set(policies) if policies is not None else set(specs)
            for case in all_cases():
                spec = specs.get(case.policy) if case.policy in wanted else None
                if spec is None or (case.program is not None and not programs):
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
            for spec in (s for n, s in specs.items() if n in wanted):  # types without fixtures: trace on an empty bag
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
