"""Good/bad fixture tables (tests/fixtures/<service>.yaml), loaded once per test session.

Each case names a policy, an expectation (pass, fail, unverified, exempted) and its resources,
written either as real pulumi_aws code (``program``, run under pulumi mocks) or as hand-written
engine-shaped properties (``resources``). See tests/fixtures/README.md.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
import hashlib
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from hipaa_policies.testing import CapturedResource, capture, make_urn, resource

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTATIONS = ("pass", "fail", "unverified", "exempted")
CASE_KEYS = {"id", "policy", "expect", "program", "resources", "preview", "target", "config", "stack_tags",
             "settings", "note", "reason"}
from hipaa_policies.core.sentinels import UNKNOWN_STRING as UNKNOWN  # noqa: E402


@dataclass
class Case:
    file: str
    id: str
    policy: str
    expect: str
    program: Optional[str] = None
    raw_resources: Optional[List[Dict[str, Any]]] = None
    preview: bool = False
    target: Optional[str] = None
    config: Optional[Dict[str, Any]] = None
    settings: Optional[Dict[str, Any]] = None
    stack_tags: Dict[str, str] = field(default_factory=dict)
    reason: List[str] = field(default_factory=list)  # texts the expected diagnostic must contain

    @property
    def key(self) -> str:
        return f"{self.file}::{self.policy}::{self.id}"

    @property
    def uses_mocks(self) -> bool:
        return self.program is not None

    def pack_config(self) -> Dict[str, Any]:
        cfg: Dict[str, Any] = {}
        if self.config:
            cfg[self.policy] = dict(self.config)
        if self.settings:
            cfg["hipaa-pack-settings"] = dict(self.settings)
        return cfg


def _subst(value: Any) -> Any:
    """`$UNKNOWN` → the engine's unknown sentinel; `$TODAY+N` → an ISO date N days from today."""
    if isinstance(value, str):
        if value == "$UNKNOWN":
            return UNKNOWN
        if value.startswith("$TODAY"):
            days = int(value[6:] or 0)
            return (dt.date.today() + dt.timedelta(days=days)).isoformat()
        return value
    if isinstance(value, list):
        return [_subst(v) for v in value]
    if isinstance(value, dict):
        return {k: _subst(v) for k, v in value.items()}
    return value


@lru_cache(maxsize=1)
def all_cases() -> List[Case]:
    cases: List[Case] = []
    seen = set()
    for path in sorted(FIXTURES.glob("*.yaml")):
        data = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        for i, raw in enumerate(data.get("cases") or []):
            where = f"{path.name} case #{i + 1}"
            unknown = set(raw) - CASE_KEYS
            assert not unknown, f"{where}: unknown keys {unknown}"
            assert raw.get("expect") in EXPECTATIONS, f"{where}: expect must be one of {EXPECTATIONS}"
            assert ("program" in raw) != ("resources" in raw), f"{where}: give exactly one of program/resources"
            case = Case(file=path.stem, id=str(raw.get("id") or i + 1), policy=raw["policy"], expect=raw["expect"],
                        program=raw.get("program"), raw_resources=_subst(raw.get("resources")),
                        preview=bool(raw.get("preview", False)), target=raw.get("target"),
                        config=raw.get("config"), settings=_subst(raw.get("settings")),
                        stack_tags=raw.get("stack_tags") or {},
                        reason=[raw["reason"]] if isinstance(raw.get("reason"), str) else list(raw.get("reason") or []))
            assert not case.reason or case.expect != "pass", f"{where}: a pass case has no reason"
            assert case.key not in seen, f"{where}: duplicate id {case.key}"
            seen.add(case.key)
            cases.append(case)
    return cases


_BUILT: Dict[str, List[CapturedResource]] = {}
CACHE_DIR = Path(__file__).parent / ".cache"


def _run_program(case: Case) -> List[CapturedResource]:
    import pulumi
    import pulumi_aws as aws
    code = case.program

    def program() -> None:
        exec(compile(code, case.key, "exec"), {"aws": aws, "pulumi": pulumi, "json": json,
                                                "UNKNOWN": UNKNOWN})
    return capture(program, preview=case.preview)


@lru_cache(maxsize=1)
def _programs_key() -> str:
    """Everything a captured program case depends on: the fixtures, the capture code, this
    module, the SDK versions and the interpreter."""
    import importlib.metadata as md
    import sys
    root = Path(__file__).resolve().parent.parent / "hipaa_policies"
    h = hashlib.sha256()
    for path in [*sorted(FIXTURES.glob("*.yaml")), Path(__file__), *sorted((root / "client").glob("*.py")),
                 root / "testing.py", root / "core" / "sentinels.py"]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    for dist in ("pulumi", "pulumi_aws", "protobuf"):
        h.update(f"{dist}={md.version(dist)}".encode())
    h.update(sys.version.encode())
    return h.hexdigest()[:24]


PARTS = 4
ALONE = 25  # programs a run captures one by one before it captures (or reads) all of them
_RUN_ALONE = [0]  # programs this run captured one by one


def _cached() -> bool:
    key = _programs_key()
    return all((CACHE_DIR / f"programs-{key}-{part}.pickle").exists() for part in range(PARTS))


def _load_programs() -> None:
    """Every program case captured once per machine and input (about 10 s), in ``PARTS`` cached
    parts: each test worker starts with a part of its own and then takes the others, building
    any part no worker has built yet (one lock per part, never two held at once)."""
    import fcntl
    import os
    CACHE_DIR.mkdir(exist_ok=True)
    key = _programs_key()
    for stale in CACHE_DIR.glob("programs-*.pickle"):
        if not stale.name.startswith(f"programs-{key}-"):
            stale.unlink(missing_ok=True)
    programs = [c for c in all_cases() if c.program is not None]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    first = int(worker[2:]) if worker[2:].isdigit() else 0
    for k in range(PARTS):
        part = (first + k) % PARTS
        path = CACHE_DIR / f"programs-{key}-{part}.pickle"
        with open(CACHE_DIR / f"programs-{part}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                built: Dict[str, Any] = {}
                for c in programs[part::PARTS]:
                    try:
                        built[c.key] = _run_program(c)
                    except Exception as e:  # reported by the case that needs it
                        built[c.key] = f"the case's program raised {type(e).__name__}: {e}"
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(pickle.dumps(built))
                tmp.replace(path)
            _BUILT.update(pickle.loads(path.read_bytes()))
    import gc
    gc.freeze()  # kept for the session: out of the cyclic collector's sight


def build(case: Case) -> List[CapturedResource]:
    """The case's resources in engine shape (programs run under mocks once, then cached)."""
    if case.key in _BUILT:
        return _BUILT[case.key]
    if case.program is not None:
        if _RUN_ALONE[0] < ALONE and not _cached():
            # a focused run (-k one policy) needs a few programs: run them, not all of them
            _RUN_ALONE[0] += 1
            built = _run_program(case)
            _BUILT[case.key] = built
            return built
        _load_programs()
        built = _BUILT[case.key]
        if isinstance(built, str):
            raise AssertionError(f"{case.key}: {built}")
        return built
    else:
        built = []
        names = {r.get("name", f"r{i}"): r for i, r in enumerate(case.raw_resources or [])}
        urns = {n: make_urn(r["type"], n) for n, r in names.items()}
        for n, r in names.items():
            deps = {k: [urns[x] for x in v] for k, v in (r.get("property_dependencies") or {}).items()}
            built.append(resource(r["type"], r.get("props") or {}, name=n, urn=urns[n],
                                  property_dependencies=deps,
                                  dependencies=sorted({u for v in deps.values() for u in v})))
    _BUILT[case.key] = built
    return built


def target_urn(case: Case, resources: List[CapturedResource]) -> Optional[str]:
    if not case.target:
        return None
    for r in resources:
        if r.name == case.target:
            return r.urn
    raise AssertionError(f"{case.key}: target {case.target!r} is not among the case's resources")


def judge(case: Case, diagnostics: List[tuple], resources: List[CapturedResource]) -> Optional[str]:
    """None when the diagnostics ``[(kind, urn, message)]`` of the case's policy meet the
    expectation, else a message saying what happened.  A case's ``reason`` texts (the property
    path, usually) must all appear in one diagnostic of the expected kind on the target."""
    urn = target_urn(case, resources)
    relevant = [(k, m) for k, u, m in diagnostics if urn is None or u in ("", urn)]
    kinds = [k for k, _ in relevant]
    violations = kinds.count("violation")
    if case.expect == "pass":
        ok = not relevant
    elif case.expect == "fail":
        ok = violations > 0
    elif case.expect == "unverified":
        ok = violations == 0 and "unverified" in kinds
    else:
        ok = violations == 0 and "exempted" in kinds
    if not ok:
        return f"expected {case.expect}, got {kinds or 'no diagnostics'}"
    if case.reason:
        want = {"fail": "violation", "unverified": "unverified", "exempted": "exempted"}[case.expect]
        if not any(k == want and all(r in m for r in case.reason) for k, m in relevant):
            return f"expected a {want} mentioning {case.reason}, got {[m for k, m in relevant if k == want]}"
    return None
