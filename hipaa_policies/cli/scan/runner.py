"""Evaluate scan inputs with the pack over the Analyzer protocol and build the result model.

There is one evaluation path: the pack process started as the Pulumi CLI starts it
(:class:`~hipaa_policies.client.pack_server.PackServer`), configured with the user's policy-config file
(``Configure``), then per stack ``ConfigureStack``, ``Analyze`` for every resource (pipelined,
many calls in flight) and ``AnalyzeStack``.  The scanner only classifies what the pack said:

* ``fail``       a violation diagnostic for (policy, resource)
* ``exempt``     an ``exempted:`` diagnostic (a valid exemption hid a violation)
* ``unverified`` an ``unverified:`` diagnostic (a value the check needs is unknown)
* ``pass``       the policy applies to the resource and said nothing
* ``not applicable``  the policy's resource types (from the registry) exclude the resource, the
  resource is outside the configured PHI scope, the policy is disabled, or the pass is true of any
  stack: a stack-wide policy with nothing to report (the pack-settings audit on a stack without
  exemptions) or a stack policy on one of its settings resources (the ``BucketPolicy`` beside the
  ``Bucket`` a secure-transport check is about).  Only passes that are about something lift a score.

Results are ordered by stack, then resource in declaration order (stack-wide results first), then
policy name: the same input gives the same report.

Levels come from the diagnostics (violations) and from ``GetAnalyzerInfo`` plus the policy
config (everything else); ``remediate`` counts as mandatory, as the pack enforces it.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from hipaa_policies.frameworks.catalogue import CATEGORIES, load_catalogue
from hipaa_policies.core.errors import InputError
from hipaa_policies.cli.scan.inputs import StackInput, show_path

PASS, FAIL, EXEMPT, UNVERIFIED, NA = "pass", "fail", "exempt", "unverified", "not applicable"
STATUSES = (PASS, FAIL, EXEMPT, UNVERIFIED, NA)
EVALUATED = (PASS, FAIL, EXEMPT, UNVERIFIED)
LEVELS = ("mandatory", "advisory")
STACK_TYPE = "pulumi:pulumi:Stack"
WINDOW = 64  # Analyze calls in flight (more gains nothing; the pack serves 4 at a time)
PRETTY_LIMIT = 2000  # JSON reports with more results are written compact (the pure-Python indenting encoder is slow)


@dataclass
class Policy:
    name: str
    description: str
    kind: str                      # resource | stack
    severity: str
    level: str                     # effective: advisory | mandatory | disabled (remediate -> mandatory)
    configured_level: str          # as configured (may be remediate)
    citations: Tuple[str, ...]
    resource_types: frozenset
    remediation: str
    url: str

    @property
    def primary(self) -> str:
        return self.citations[0] if self.citations else ""

    @property
    def categories(self) -> Tuple[str, ...]:
        out: List[str] = []
        for c in self.citations:
            cat = CATEGORIES.get(c[:7])
            if cat and cat not in out:
                out.append(cat)
        return tuple(out)


@dataclass
class Result:
    __slots__ = ("stack", "policy", "urn", "type", "name", "status", "level", "message", "notes", "baseline")
    stack: str
    policy: str
    urn: str
    type: str
    name: str
    status: str
    level: str
    message: str
    notes: List[str]
    baseline: Optional[str]  # with --baseline: "new" or "unchanged" (findings only)

    def __init__(self, stack: str, policy: str, urn: str, type: str, name: str, status: str, level: str,
                 message: str, notes: List[str], baseline: Optional[str] = None) -> None:
        self.stack, self.policy, self.urn, self.type, self.name = stack, policy, urn, type, name
        self.status, self.level, self.message, self.notes, self.baseline = status, level, message, notes, baseline

    @property
    def key(self) -> Tuple[str, str, str]:
        """What a baseline compares: the same policy, resource and status."""
        return (self.policy, self.urn, self.status)


@dataclass
class StackReport:
    input: StackInput
    results: List[Result]
    not_applicable: Dict[str, int]       # policy -> resources the policy does not apply to
    resources: int
    in_scope: int = -1                   # resources inside the PHI scope (all of them without a scope)

    def __post_init__(self) -> None:
        if self.in_scope < 0:
            self.in_scope = self.resources

    @property
    def label(self) -> str:
        return self.input.label


@dataclass
class ScanReport:
    pack_name: str
    pack_version: str
    analyzer_version: str
    generated_at: str
    duration: float
    policies: Dict[str, Policy]
    stacks: List[StackReport]
    policy_config: Optional[Dict[str, Any]] = None   # {"path", "sha256"}
    stack_tags: Dict[str, str] = field(default_factory=dict)
    preview: bool = False
    input_errors: List[Tuple[str, str]] = field(default_factory=list)  # (input, one-line problem)
    fail_on: str = "mandatory"           # mandatory | new (only new mandatory violations fail)
    baseline: Optional[Dict[str, Any]] = None   # {"path", "sha256"} of the --baseline report
    fixed: List[Dict[str, Any]] = field(default_factory=list)  # baseline findings gone from this scan
    framework: str = "hipaa-security-rule"      # the framework the reports are organised by (--framework)

    # -- the chosen framework ----------------------------------------------------------------
    @property
    def fw(self) -> Any:
        """The :class:`~hipaa_policies.frameworks.model.Framework` of ``framework``."""
        from hipaa_policies.registry import framework
        return framework(self.framework)

    def requirements_of(self, policy: str) -> Tuple[str, ...]:
        """The chosen framework's requirements a policy maps to (its HIPAA citations for HIPAA)."""
        cache = self.__dict__.setdefault("_req_of", {}).setdefault(self.framework, {})
        if not cache:
            if self.framework == "hipaa-security-rule":
                cache.update({n: tuple(p.citations) for n, p in self.policies.items()})
            else:
                cache.update(self.fw.requirements_by_policy())
            cache.setdefault("", ())
        return cache.get(policy, ())

    def _requirement_key(self, rid: str) -> Tuple[Any, ...]:
        """HIPAA citations in natural order; other frameworks in their catalogue's order."""
        if self.framework == "hipaa-security-rule":
            return _cit_key(rid)
        order = self.__dict__.setdefault("_req_order", {}).setdefault(
            self.framework, {r: i for i, r in enumerate(self.fw.requirements)})
        return (order.get(rid, len(order)), rid)

    def for_framework(self, framework_id: str) -> "ScanReport":
        """The same results organised by another framework (caches are per framework)."""
        import copy
        other = copy.copy(self)
        other.framework = framework_id
        return other

    def categories_of(self, policy: str) -> Tuple[str, ...]:
        fw = self.fw
        out: List[str] = []
        for rid in self.requirements_of(policy):
            req = fw.requirements.get(rid)
            if req is not None and req.category not in out:
                out.append(req.category)
        return tuple(out)

    # -- aggregation -------------------------------------------------------------------------
    def results(self, stack: Optional[StackReport] = None) -> Iterable[Result]:
        for s in self.stacks:
            if stack is None or s is stack:
                yield from s.results

    def mandatory_violations(self, stack: Optional[StackReport] = None) -> List[Result]:
        return [r for r in self.results(stack) if r.status == FAIL and r.level == "mandatory"]

    def advisory_violations(self, stack: Optional[StackReport] = None) -> List[Result]:
        return [r for r in self.results(stack) if r.status == FAIL and r.level != "mandatory"]

    @property
    def exit_code(self) -> int:
        failing = self.mandatory_violations()
        if self.fail_on == "new":
            failing = [r for r in failing if r.baseline == "new"]
        return 1 if failing else 0

    @property
    def placeholders(self) -> Dict[str, bool]:
        out: Dict[str, bool] = {}
        for s in self.stacks:
            out.update(s.input.placeholders)
        return dict(sorted(out.items()))

    def apply_baseline(self, meta: Dict[str, Any], previous: Mapping[Tuple[str, str, str], Dict[str, Any]]) -> None:
        """Mark each finding (fail, exempt, unverified) new or unchanged against a previous report;
        the previous findings this scan no longer has are ``fixed``."""
        self.baseline = meta
        seen = set()
        for r in self.results():
            if r.status in (FAIL, EXEMPT, UNVERIFIED):
                r.baseline = "unchanged" if r.key in previous else "new"
                seen.add(r.key)
        self.fixed = [dict(v) for k, v in sorted(previous.items()) if k not in seen]
        self.__dict__.pop("_summaries", None)

    def _na(self, stacks: Sequence[StackReport], policies: Optional[Iterable[str]] = None) -> Dict[str, int]:
        names = set(policies) if policies is not None else None
        out = {lvl: 0 for lvl in LEVELS}
        for s in stacks:
            for p, n in s.not_applicable.items():
                if names is None or p in names:
                    out["mandatory" if self.policies[p].level == "mandatory" else "advisory"] += n
        return out

    def summary(self, stack: Optional[StackReport] = None) -> Dict[str, Any]:
        """Counts (overall, by level, by category, by safeguard, by policy) and scores (computed once)."""
        cache = self.__dict__.setdefault("_summaries", {})
        key = (self.framework, id(stack))
        if key not in cache:
            cache[key] = self._summary(stack)
        return cache[key]

    def _summary(self, stack: Optional[StackReport] = None) -> Dict[str, Any]:
        stacks = [stack] if stack is not None else self.stacks

        def blank() -> Dict[str, Dict[str, int]]:
            return {lvl: {s: 0 for s in STATUSES} for lvl in LEVELS}

        # count per policy (one increment per result), then add each policy's counts to the
        # total, its categories and its safeguards
        category_order = list(self.fw.categories)
        total, by_cat, by_sg = blank(), {c: blank() for c in category_order}, {}
        by_pol = {name: blank() for name in self.policies}
        first_seen: Dict[str, None] = {}  # safeguards keep the order they were first met in
        for r in self.results(stack):
            by_pol[r.policy]["mandatory" if r.level == "mandatory" else "advisory"][r.status] += 1
            first_seen[r.policy] = None
        for name in (*first_seen, *self.policies):
            for c in self.requirements_of(name):
                if c not in by_sg:
                    by_sg[c] = blank()
        for name, p in self.policies.items():
            na = sum(s.not_applicable.get(name, 0) for s in stacks)
            by_pol[name]["mandatory" if p.level == "mandatory" else "advisory"][NA] += na
            counts = by_pol[name]
            for target in (total, *(by_cat[c] for c in self.categories_of(name)),
                           *(by_sg[c] for c in self.requirements_of(name))):
                for lvl in LEVELS:
                    row, add = target[lvl], counts[lvl]
                    for st in STATUSES:
                        row[st] += add[st]

        def finish(counts: Dict[str, Dict[str, int]]) -> Dict[str, Any]:
            merged = {s: counts["mandatory"][s] + counts["advisory"][s] for s in STATUSES}
            return {"counts": _camel(merged), "mandatory": _camel(counts["mandatory"]),
                    "advisory": _camel(counts["advisory"]), "score": score(merged),
                    "mandatoryScore": score(counts["mandatory"])}

        out = {
            "resources": sum(s.resources for s in stacks),
            "inScope": sum(s.in_scope for s in stacks),
            "stacks": len(stacks),
            "policies": len(self.policies),
            "mandatoryViolations": total["mandatory"][FAIL],
            "advisoryViolations": total["advisory"][FAIL],
            **finish(total),
            "framework": self.framework,
            "categories": {c: finish(by_cat[c]) for c in category_order},
            "safeguards": {c: finish(v) for c, v in sorted(by_sg.items(), key=lambda kv: self._requirement_key(kv[0]))},
            "byPolicy": {n: finish(v) for n, v in by_pol.items()},
        }
        if self.baseline is not None:
            found = [r for r in self.results(stack) if r.baseline is not None]
            out["baseline"] = {"new": sum(r.baseline == "new" for r in found),
                               "unchanged": sum(r.baseline == "unchanged" for r in found),
                               "fixed": len(self.fixed) if stack is None else
                               sum(f.get("stack") == stack.label for f in self.fixed),
                               "newMandatoryViolations": sum(r.baseline == "new" and r.status == FAIL
                                                             and r.level == "mandatory" for r in found)}
        return out


def _camel(counts: Mapping[str, int]) -> Dict[str, int]:
    return {("notApplicable" if k == NA else k): v for k, v in counts.items()}


def dumps(doc: Any, results: int) -> str:
    """JSON text of a report: indented when small, compact (C encoder) when large."""
    return json.dumps(doc, indent=2 if results <= PRETTY_LIMIT else None) + "\n"


def score(counts: Mapping[str, int]) -> Optional[float]:
    """Share of evaluated (policy, resource) results that comply: (pass + exempt) / evaluated.
    Unverified counts against the score: an unknown value is never a pass.  None: nothing evaluated."""
    evaluated = sum(counts.get(s, 0) for s in EVALUATED)
    if not evaluated:
        return None
    return round(100.0 * (counts.get(PASS, 0) + counts.get(EXEMPT, 0)) / evaluated, 1)


ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50}


def _roman(text: str) -> Optional[int]:
    if not text or any(c not in ROMAN for c in text):
        return None
    total = 0
    for i, c in enumerate(text):
        v = ROMAN[c]
        total += -v if i + 1 < len(text) and ROMAN[text[i + 1]] > v else v
    return total


def cit_key(citation: str) -> Tuple[Any, ...]:
    """Natural order of CFR citations: 164.308 < 164.310; (a) < (b); (1) < (2) < (10); (ii) < (iv) < (ix);
    (A) < (B) < (D).  ``164.308(a)(1)(ii)(B)`` sorts before ``164.308(a)(1)(ii)(D)``."""
    import re
    m = re.match(r"^(\d+)\.(\d+)", citation)
    head: Tuple[Any, ...] = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    parts: List[Tuple[int, Any]] = []
    for depth, group in enumerate(re.findall(r"\(([^)]*)\)", citation)):
        if group.isdigit():
            parts.append((0, int(group)))
        elif depth == 2 and _roman(group) is not None:
            parts.append((0, _roman(group)))
        else:
            parts.append((1, group))
    return head + tuple(parts) + (citation,)


_cit_key = cit_key


# --------------------------------------------------------------------------- baseline
def read_baseline(path: str) -> Tuple[Dict[str, Any], Dict[Tuple[str, str, str], Dict[str, Any]]]:
    """({"path", "sha256"}, findings by (policy, urn, status)) of a previous ``--format json`` report."""
    import hashlib
    p = Path(path)
    try:
        raw = p.read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))
    except OSError as e:
        raise InputError(f"{path}: cannot read the baseline report: {e.strerror or e}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{path}: the baseline is not a JSON report (write one with `scan --format json`)") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list) or "schemaVersion" not in data:
        raise InputError(f"{path}: not a `hipaa-policies scan --format json` report (no schemaVersion and results)")
    previous: Dict[Tuple[str, str, str], Dict[str, Any]] = {}
    for r in results:
        if isinstance(r, dict) and r.get("status") in (FAIL, EXEMPT, UNVERIFIED):
            key = (str(r.get("policy")), str(r.get("urn")), str(r.get("status")))
            previous[key] = {k: r.get(k) for k in ("stack", "policy", "urn", "type", "name", "status", "level", "message")}
    return {"path": show_path(p), "sha256": hashlib.sha256(raw).hexdigest()}, previous


# --------------------------------------------------------------------------- policy config
def read_policy_config(path: Optional[str]) -> Tuple[Dict[str, Any], Optional[Dict[str, Any]]]:
    """(config, {"path", "sha256"}) from a `--policy-pack-config` style JSON file, validated by the
    one validator `hipaa-policies check-config` uses (every problem one line naming the file)."""
    if path is None:
        return {}, None
    from hipaa_policies.cli.check_config import read
    return read(path)


def effective_levels(config: Mapping[str, Any], defaults: Mapping[str, str]) -> Dict[str, str]:
    """Configured level per policy, as PackServer.configure (and the CLI) applies it."""
    all_level = config.get("all")
    out = {}
    for name, default in defaults.items():
        level = all_level or default
        value = config.get(name)
        if isinstance(value, str):
            level = value
        elif isinstance(value, Mapping) and value.get("enforcementLevel"):
            level = value["enforcementLevel"]
        out[name] = level
    return out


# --------------------------------------------------------------------------- evaluation
def _body(message: str) -> str:
    return message.split("\n", 1)[-1].strip()


def _policies_from_info(info: Any, configured: Mapping[str, str]) -> Dict[str, Policy]:
    from hipaa_policies.registry import load
    registry = load()
    out: Dict[str, Policy] = {}
    for pi in info.policies:
        spec = registry.get(pi.name)
        citations = tuple(spec.citations) if spec else tuple(t for t in pi.tags if t.startswith("164."))
        if not citations and pi.framework.reference:
            citations = (pi.framework.reference,)
        kind = "stack" if "STACK" in str(pi.policy_type) or (spec is not None and spec.kind == "stack") else "resource"
        if spec is not None:
            kind = spec.kind
        level = configured.get(pi.name, "advisory")
        out[pi.name] = Policy(
            name=pi.name, description=pi.description, kind=kind,
            severity=(spec.severity if spec else "medium"),
            level={"remediate": "mandatory"}.get(level, level), configured_level=level,
            citations=citations, resource_types=frozenset(spec.resource_types if spec else ()),
            remediation=pi.remediation_steps or (spec.remediation if spec else ""), url=pi.url)
    return out


class Progress:
    """Callbacks the CLI uses to show progress: start(total, label), advance(n), done()."""

    def start(self, total: int, label: str) -> None:  # pragma: no cover - interface
        pass

    def advance(self, n: int) -> None:  # pragma: no cover - interface
        pass

    def done(self) -> None:  # pragma: no cover - interface
        pass


BATCH_RESOURCES = 500      # resources per ScanAdd call ...
BATCH_BYTES = 2 << 20      # ... or this many bytes of records, whichever comes first
BATCH_WINDOW = 2           # ScanAdd calls in flight (the next one travels while the pack works)


def _record(r: Any) -> bytes:
    """The scan-batch record of a resource: kept by JSON inputs, encoded here for program inputs."""
    record = getattr(r, "record", None)
    if record is None:
        from hipaa_policies.runtime.fast_servicer import encode_record, struct_to_dict
        record = encode_record(r.type, r.urn, r.name, r.parent, list(r.dependencies),
                               {k: list(v) for k, v in r.property_dependencies.items()},
                               struct_to_dict(r.properties))
    return record


def batch_supported(pack: Any) -> bool:
    """Whether the pack serves the scan batch (the fast servicer does; the SDK's plain one does not)."""
    supported = getattr(pack, "_hipaa_batch", None)
    if supported is None:
        import grpc
        from hipaa_policies.runtime.fast_servicer import SCAN_FINISH
        try:
            pack.channel.unary_unary(SCAN_FINISH)(b"probe", timeout=pack.timeout)
            supported = True
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
            supported = False
        pack._hipaa_batch = supported
    return supported


def _evaluate_batched(pack: Any, si: StackInput, progress: Progress) -> List[Tuple[str, Any]]:
    """``Analyze`` of every resource and ``AnalyzeStack`` of the stack through the pack's scan
    batch: the same servicer code as the two Analyzer RPCs, a few calls instead of one per
    resource; (urn, diagnostic) pairs in the order the Analyzer RPCs give them."""
    import uuid
    from hipaa_policies.runtime.fast_servicer import SCAN_ADD, SCAN_FINISH, decode_diagnostics, encode_batch
    add = pack.channel.unary_unary(SCAN_ADD)
    session = uuid.uuid4().hex
    out: List[Tuple[str, Any]] = []
    pending: deque = deque()

    def collect() -> None:
        fut, n = pending.popleft()
        out.extend((d.urn, d) for d in decode_diagnostics(fut.result()))
        progress.advance(n)

    chunk: List[bytes] = []
    size = seq = 0
    resources = si.resources
    for i, r in enumerate(resources):
        record = _record(r)
        chunk.append(record)
        size += len(record)
        if len(chunk) >= BATCH_RESOURCES or size >= BATCH_BYTES or i == len(resources) - 1:
            pending.append((add.future(encode_batch(session, seq, chunk)), len(chunk)))
            seq += 1
            chunk, size = [], 0
            if len(pending) >= BATCH_WINDOW:
                collect()
    while pending:
        collect()
    out.extend((d.urn, d) for d in decode_diagnostics(pack.channel.unary_unary(SCAN_FINISH)(session.encode())))
    return out


def evaluate(pack: Any, si: StackInput, progress: Progress) -> List[Tuple[str, Any]]:
    """(urn, diagnostic) pairs of one stack: the scan batch when the pack serves it, else one
    ``Analyze`` per resource and one ``AnalyzeStack`` (the Analyzer protocol as the CLI speaks it)."""
    if batch_supported(pack):
        return _evaluate_batched(pack, si, progress)
    return _analyze_all(pack, si, progress) + _analyze_stack(pack, si)


def _analyze_all(pack: Any, si: StackInput, progress: Progress) -> List[Tuple[str, Any]]:
    """Analyze every resource, WINDOW calls in flight; (urn, diagnostic) pairs."""
    from pulumi.runtime.proto import analyzer_pb2 as proto
    stub = pack.stub.Analyze
    pending: deque = deque()
    out: List[Tuple[str, Any]] = []
    step = max(1, len(si.resources) // 100)
    done = 0

    def collect() -> None:
        nonlocal done
        urn, fut = pending.popleft()
        for d in fut.result().diagnostics:
            out.append((d.urn or urn, d))
        done += 1
        if done % step == 0:
            progress.advance(step)

    for r in si.resources:
        pending.append((r.urn, stub.future(proto.AnalyzeRequest(type=r.type, properties=r.properties,
                                                                 urn=r.urn, name=r.name))))
        if len(pending) >= WINDOW:
            collect()
    while pending:
        collect()
    progress.advance(done % step)
    return out


def _analyze_stack(pack: Any, si: StackInput) -> List[Tuple[str, Any]]:
    from pulumi.runtime.proto import analyzer_pb2 as proto
    request = proto.AnalyzeStackRequest()
    add = request.resources.add
    for r in si.resources:
        ar = add(type=r.type, urn=r.urn, name=r.name, parent=r.parent or "", dependencies=r.dependencies)
        ar.properties.CopyFrom(r.properties)
        for k, urns in r.property_dependencies.items():
            ar.propertyDependencies[k].urns.extend(urns)
    return [(d.urn, d) for d in pack.stub.AnalyzeStack(request).diagnostics]


def _scope(config: Mapping[str, Any]):
    from hipaa_policies.core.settings import SETTINGS_POLICY, Settings
    try:
        return Settings.from_config(config.get(SETTINGS_POLICY))
    except Exception:  # the pack rejected it already in Configure when it is invalid
        return Settings()


def _in_scope_fn(settings: Any, stack_tags: Mapping[str, str]) -> Callable[[Any], bool]:
    if not settings.scoped:
        return lambda r: True
    from hipaa_policies.runtime.fast_servicer import struct_to_dict
    from hipaa_policies.core.resource import Resource

    def in_scope(r: Any) -> bool:
        if getattr(r, "record", None) is not None:  # a JSON input's resource
            tags = r.props().get("tags")
            props = {"tags": tags} if isinstance(tags, dict) else {}
        else:
            tags = r.properties.fields.get("tags")
            props = {"tags": struct_to_dict(tags.struct_value)} if tags is not None and tags.HasField("struct_value") else {}
        return settings.in_scope(Resource(r.type, props, r.urn, r.name), stack_tags)
    return in_scope


def classify(si: StackInput, policies: Mapping[str, Policy], diags: Sequence[Tuple[str, Any]],
             in_scope: Callable[[Any], bool]) -> StackReport:
    from hipaa_policies.core.diagnostics import kind_of
    from hipaa_policies.core.levels import BY_PROTO_NUMBER as PROTO_LEVELS
    from hipaa_policies.core.tokens import expand
    label = si.label
    grouped: Dict[Tuple[str, str], List[Any]] = {}
    for urn, d in diags:
        grouped.setdefault((d.policyName, urn), []).append(d)

    active = {n: p for n, p in policies.items() if p.level != "disabled"}
    by_type: Dict[str, List[Policy]] = {}
    for p in active.values():
        if p.kind == "resource":
            for t in p.resource_types:
                by_type.setdefault(t, []).append(p)
    stack_pols = [p for p in active.values() if p.kind == "stack"]
    stack_types = {p.name: frozenset(expand(p.resource_types)) for p in stack_pols}
    settings_types = {p.name: settings_resource_types(stack_types[p.name]) for p in stack_pols}

    results: List[Result] = []
    applicable = {n: 0 for n in policies}
    scoped_cache: Dict[str, bool] = {}

    def scoped(r: Any) -> bool:
        v = scoped_cache.get(r.urn)
        if v is None:
            v = scoped_cache[r.urn] = in_scope(r)
        return v

    def result(p: Policy, urn: str, type_: str, name: str) -> Result:
        ds = grouped.pop((p.name, urn), None)
        if not ds:
            return Result(label, p.name, urn, type_, name, PASS, p.level, "", [])
        kinds: Dict[str, List[Any]] = {}
        notes = []
        for d in ds:
            kind = kind_of(d.message)
            if kind == "note":
                notes.append(_body(d.message))
            else:
                kinds.setdefault(kind, []).append(d)
        if "violation" in kinds:
            status, chosen = FAIL, kinds["violation"]
            lvl = PROTO_LEVELS.get(chosen[0].enforcementLevel, "advisory")
            level = "mandatory" if lvl in ("mandatory", "remediate") else "advisory"
            extra = kinds.get("unverified", [])
        elif "exempted" in kinds:
            status, chosen, level, extra = EXEMPT, kinds["exempted"], p.level, kinds.get("unverified", [])
        elif "unverified" in kinds:
            status, chosen, level, extra = UNVERIFIED, kinds["unverified"], p.level, []
        else:
            status, chosen, level, extra = PASS, [], p.level, []
        message = " ".join(_body(d.message) for d in chosen + extra)
        return Result(label, p.name, urn, type_, name, status, level, message, notes)

    for r in si.resources:
        pols = by_type.get(r.type)
        if pols:
            if not scoped(r):
                continue
            for p in pols:
                applicable[p.name] += 1
                results.append(result(p, r.urn, r.type, r.name))
        for p in stack_pols:
            if r.type in stack_types[p.name] and scoped(r):
                res = result(p, r.urn, r.type, r.name)
                if res.status == PASS and r.type in settings_types[p.name]:
                    continue  # a settings resource the policy is not about: nothing to pass
                applicable[p.name] += 1
                results.append(res)
    by_urn = {r.urn: r for r in si.resources}
    for p in stack_pols:
        if not stack_types[p.name]:
            # a stack-wide policy: one result for the stack when it reports something (a pass
            # would be true of any stack), plus one per resource it names
            res = result(p, "", STACK_TYPE, si.stack_urn.rsplit("::", 1)[-1])
            if res.status != PASS:
                res.urn = si.stack_urn
                applicable[p.name] += 1
                results.append(res)
    # diagnostics about resources outside a policy's declared types (or about unknown URNs)
    for (pname, urn), _ds in list(grouped.items()):
        p = policies.get(pname)
        if p is None:
            continue
        r = by_urn.get(urn)
        applicable[pname] += 1
        res = result(p, urn, r.type if r else STACK_TYPE, r.name if r else urn.rsplit("::", 1)[-1])
        if not urn:
            res.urn, res.name = si.stack_urn, si.stack_urn.rsplit("::", 1)[-1]
        results.append(res)
    n = len(si.resources)
    not_applicable = {name: max(0, n - applicable[name]) if policies[name].level != "disabled" else n
                      for name in policies}
    order = {r.urn: i for i, r in enumerate(si.resources)}
    order[si.stack_urn] = -1
    results.sort(key=lambda x: (order.get(x.urn, len(order)), x.urn, x.policy))
    in_scope = sum(1 for r in si.resources if scoped(r))
    return StackReport(input=si, results=results, not_applicable=not_applicable, resources=n, in_scope=in_scope)


def settings_resource_types(types: Iterable[str]) -> frozenset:
    """The settings resources among a stack policy's types: pulumi-aws v7 splits a resource's settings
    into resources named after it in the same module (``aws:s3/bucketPolicy:BucketPolicy`` beside
    ``aws:s3/bucket:Bucket``, ``aws:secretsmanager/secretRotation:SecretRotation`` beside ``Secret``).
    The policy is about the resource; its settings resources only inform the verdict."""
    members = {}
    for t in types:
        parts = t.split(":")
        if len(parts) == 3:
            members.setdefault(parts[1].split("/")[0], set()).add(parts[2])
    out = set()
    for t in types:
        parts = t.split(":")
        if len(parts) != 3:
            continue
        module, member = parts[1].split("/")[0], parts[2]
        for other in members.get(module, ()):
            rest = member[len(other):] if member != other and member.startswith(other) else ""
            rest = rest[:-2] if rest.endswith("V2") else rest
            if rest[:1].isupper() and rest not in ("Copy",):  # BucketV2 and SnapshotCopy are resources too
                out.add(t)
    return frozenset(out)


def stop_pack(server: Any) -> None:
    """Stop a pack process: the process first, then the channel (closing a channel to a live
    server waits for gRPC's connectivity poll, ~0.1-0.2 s; to a dead one it returns at once)."""
    proc = getattr(server, "proc", None)
    if proc is not None and proc.poll() is None:
        proc.kill()
    server.stop()


class Session:
    """One started, configured pack process and what a scan learns from it (``GetAnalyzerInfo``,
    effective levels, PHI scope); :meth:`scan_stack` evaluates and classifies one input."""

    def __init__(self, server: Any, config: Mapping[str, Any], where: str,
                 stack_tags: Optional[Mapping[str, str]], organization: str) -> None:
        import grpc
        from hipaa_policies.core.levels import BY_PROTO_NUMBER as PROTO_LEVELS
        try:
            self.server = server.start()
        except Exception as e:  # no PulumiPolicy.yaml, the pack crashed at start-up, gRPC timeout
            first = " ".join(str(e).split())[:400] or type(e).__name__
            raise InputError(f"cannot start the policy pack: {first}") from None
        self.config = dict(config)
        self.tags = dict(stack_tags or {})
        self.organization = organization
        self.batch = batch_supported(self.server)
        info = self.server.batch_info() if self.batch else self.server.info()
        defaults = {p.name: PROTO_LEVELS.get(p.enforcementLevel, "advisory") for p in info.policies}
        unknown = [n for n in self.config if n != "all" and n not in defaults]
        if unknown:
            raise InputError(f"{where}: names unknown policy {unknown[0]!r} (see `hipaa-policies policies`)")
        try:
            if self.batch:  # the pack's JSON Configure: no pulumi SDK in the scanner
                self.server.batch_configure(self.config, lambda: defaults)
            else:
                self.server.configure(self.config)
        except grpc.RpcError as e:
            raise InputError(f"{where}: rejected by the pack: {_rpc_detail(e)}") from None
        except ValueError as e:
            raise InputError(f"{where}: {e}") from None
        self.policies = _policies_from_info(info, effective_levels(self.config, defaults))
        self.settings = _scope(self.config)
        self.analyzer_version, self.pack_name = info.version, info.name

    def configure_stack(self, *, stack: str, project: str, dry_run: bool) -> None:
        configure = self.server.batch_configure_stack if self.batch else self.server.configure_stack
        configure(stack=stack, project=project, organization=self.organization, dry_run=dry_run, tags=self.tags)

    def scan_stack(self, si: StackInput, progress: Progress) -> StackReport:
        self.configure_stack(stack=si.stack, project=si.project, dry_run=si.kind != "export")
        progress.start(len(si.resources), si.label)
        diags = evaluate(self.server, si, progress)
        progress.done()
        return classify(si, self.policies, diags, _in_scope_fn(self.settings, self.tags))

    def stack_report(self, si: StackInput, diags: List[Tuple[str, Any]]) -> StackReport:
        return classify(si, self.policies, diags, _in_scope_fn(self.settings, self.tags))

    def report(self, stacks: List[StackReport], started: float, policy_config_meta: Optional[Dict[str, Any]],
               preview: bool) -> ScanReport:
        return _report(self.pack_name, self.analyzer_version, self.policies, stacks, started, policy_config_meta,
                       self.tags, preview)


def _report(pack_name: str, analyzer_version: str, policies: Dict[str, Policy], stacks: List[StackReport],
            started: float, policy_config_meta: Optional[Dict[str, Any]], stack_tags: Mapping[str, str],
            preview: bool) -> ScanReport:
    from hipaa_policies.runtime.pack_info import version as pack_version
    return ScanReport(pack_name=pack_name, pack_version=pack_version(), analyzer_version=analyzer_version,
                      generated_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                      duration=round(time.perf_counter() - started, 3), policies=policies, stacks=stacks,
                      policy_config=policy_config_meta, stack_tags=dict(stack_tags), preview=preview)


def scan(inputs: Sequence[StackInput], *, policy_config: Optional[Mapping[str, Any]] = None,
         policy_config_meta: Optional[Dict[str, Any]] = None, stack_tags: Optional[Mapping[str, str]] = None,
         progress: Optional[Progress] = None, organization: str = "organization",
         pack_dir: Optional[Path] = None, preview: bool = False, server: Any = None) -> ScanReport:
    """Evaluate every input with ONE pack process; raises InputError for a config the pack rejects."""
    from hipaa_policies.client.pack_server import PackServer
    progress = progress or Progress()
    where = (policy_config_meta or {}).get("path", "policy config")
    started = time.perf_counter()
    try:
        server = server or PackServer(pack_dir)
    except Exception as e:  # no PulumiPolicy.yaml
        first = " ".join(str(e).split())[:400] or type(e).__name__
        raise InputError(f"cannot start the policy pack: {first}") from None
    try:
        session = Session(server, policy_config or {}, where, stack_tags, organization)
        stack_reports = [session.scan_stack(si, progress) for si in inputs]
    finally:
        stop_pack(server)
    return session.report(stack_reports, started, policy_config_meta, preview)


# --------------------------------------------------------------------------- evaluate while loading
def _pack_ready(server: Any) -> bool:
    """Whether ``server.start()`` would return without waiting (the port line is there)."""
    if getattr(server, "channel", None) is not None:
        return True
    proc = getattr(server, "proc", None)
    if proc is None or proc.stdout is None:
        return True
    try:
        import select
        return bool(select.select([proc.stdout], [], [], 0)[0])
    except (OSError, ValueError):  # no select() on this pipe: start() will wait
        return True


class StreamEvaluation:
    """A JSON input evaluated while it loads: the loader hands over chunks of resources
    (:func:`~hipaa_policies.cli.scan.inputs.load_json`'s ``sink``); once the pack is up they go to
    its scan batch while the next chunk is parsed.  :meth:`finish` returns the stack's diagnostics,
    or None when nothing usable was streamed (a small input, or the document's resources turned
    out to be another array): the input is then evaluated whole, as any other."""

    def __init__(self, session: Callable[[bool], Optional["Session"]], progress: Progress, label: str) -> None:
        self.session_for = session
        self.progress, self.label = progress, label
        self.source: Any = None
        self.broken = False
        self.buffered: List[Any] = []
        self.session: Optional[Session] = None
        self.pending: deque = deque()
        self.diags: List[Tuple[str, Any]] = []
        self.batch = uuid_hex()
        self.seq = 0
        self.sent = 0

    def add(self, source: Any, resources: List[Any]) -> None:
        if self.broken:
            return
        if self.source is None:
            self.source = source
            self.progress.start(None, self.label)
        elif source is not self.source:
            self.broken = True
            return
        self.buffered.extend(resources)
        if self.session is None:
            self.session = self.session_for(False)
            if self.session is None:
                return
            self._configure_stack()
        for i in range(0, len(self.buffered), BATCH_RESOURCES):
            self._send(self.buffered[i:i + BATCH_RESOURCES])
        self.buffered = []

    def _configure_stack(self) -> None:
        from hipaa_policies.cli.scan.inputs import EXPORT, _project_stack
        project, stack = _project_stack(self.source.out[0].urn)
        self.session.configure_stack(stack=stack or "unknown", project=project or "unknown",
                                     dry_run=self.source.kind != EXPORT)

    def _send(self, resources: List[Any]) -> None:
        from hipaa_policies.runtime.fast_servicer import SCAN_ADD, encode_batch
        if not resources:
            return
        add = self.session.server.channel.unary_unary(SCAN_ADD)
        self.pending.append((add.future(encode_batch(self.batch, self.seq, [_record(r) for r in resources])),
                             len(resources)))
        self.seq += 1
        self.sent += len(resources)
        while len(self.pending) >= BATCH_WINDOW:
            self._collect()

    def _collect(self) -> None:
        from hipaa_policies.runtime.fast_servicer import decode_diagnostics
        fut, n = self.pending.popleft()
        self.diags.extend((d.urn, d) for d in decode_diagnostics(fut.result()))
        self.progress.advance(n)

    def finish(self, si: StackInput) -> Optional[List[Tuple[str, Any]]]:
        from hipaa_policies.runtime.fast_servicer import SCAN_FINISH, decode_diagnostics
        if self.source is None:
            return None
        usable = not self.broken and si.resources is self.source.out
        if usable and self.session is None:
            self.session = self.session_for(True)
            if self.session is not None:
                self._configure_stack()
        if self.session is None:  # the pack rejected the config: reported after every input loaded
            self.progress.done()
            return None
        if usable:
            for i in range(self.sent, len(si.resources), BATCH_RESOURCES):
                self._send(si.resources[i:i + BATCH_RESOURCES])
        while self.pending:
            self._collect()
        response = self.session.server.channel.unary_unary(SCAN_FINISH)(self.batch.encode())
        self.progress.done()
        if not usable:
            return None
        self.diags.extend((d.urn, d) for d in decode_diagnostics(response))
        return self.diags


def uuid_hex() -> str:
    import uuid
    return uuid.uuid4().hex


def _json_input(target: str) -> bool:
    """Whether ``inputs.load`` would read ``target`` as a JSON document (a file, not a program)."""
    path = Path(target)
    return path.is_file() and path.name not in ("__main__.py", "Pulumi.yaml")


def scan_targets(targets: Sequence[str], *, stack: Optional[str] = None,
                 overrides: Optional[Mapping[str, str]] = None, preview: bool = False,
                 policy_config: Optional[Mapping[str, Any]] = None,
                 policy_config_meta: Optional[Dict[str, Any]] = None,
                 stack_tags: Optional[Mapping[str, str]] = None, progress: Optional[Progress] = None,
                 organization: str = "organization", server: Any = None,
                 on_loaded: Optional[Callable[[str, StackInput, float], None]] = None) -> ScanReport:
    """Load and evaluate ``targets`` with one pack process (already launched: it starts while the
    first input loads).  JSON inputs are evaluated while they load; programs once loaded.  Errors
    are those of loading everything first: the first unreadable input, else the config's."""
    from hipaa_policies.cli.scan import inputs
    progress = progress or Progress()
    where = (policy_config_meta or {}).get("path", "policy config")
    started = time.perf_counter()
    state: Dict[str, Any] = {"session": None, "error": None}

    def session_for(wait: bool) -> Optional[Session]:
        if state["session"] is None and state["error"] is None and (wait or _pack_ready(server)):
            try:
                state["session"] = Session(server, policy_config or {}, where, stack_tags, organization)
            except InputError as e:
                state["error"] = e
        return state["session"]

    loaded: List[Tuple[StackInput, Optional[List[Tuple[str, Any]]]]] = []
    for t in targets:
        t0 = time.perf_counter()
        if _json_input(t):
            stream = StreamEvaluation(session_for, progress, inputs.show_path(Path(t)))
            si = inputs.load_json(Path(t), sink=stream.add)
            diags = stream.finish(si)
        else:
            si, diags = inputs.load(t, stack=stack, overrides=overrides, preview=preview), None
        if on_loaded is not None:
            on_loaded(t, si, time.perf_counter() - t0)
        loaded.append((si, diags))
    inputs.label_inputs([si for si, _ in loaded])
    session = session_for(True)
    if state["error"] is not None:
        raise state["error"]
    stacks = [session.stack_report(si, diags) if diags is not None else session.scan_stack(si, progress)
              for si, diags in loaded]
    return session.report(stacks, started, policy_config_meta, preview)


# --------------------------------------------------------------------------- many stacks
# ``scan --jobs N``: each worker process owns one pack process (one Session) and loads, evaluates
# and classifies whole inputs; the parent only labels them and assembles the report in input
# order, so the report is the serial one apart from timing.
_WORKER: Dict[str, Any] = {}


def _worker_init(options: Dict[str, Any], pack_pids: Any) -> None:
    from multiprocessing import util
    from hipaa_policies import registry
    from hipaa_policies.cli.scan import inputs
    from hipaa_policies.client.pack_server import PackServer
    registry.load()
    inputs.MAX_INPUT_BYTES = options["max_input_bytes"]
    _WORKER.update(options=options, session=None, error=None)
    try:
        server = _WORKER["server"] = PackServer(options.get("pack_dir")).launch()  # starts while the input loads
    except Exception as e:
        _WORKER["error"] = f"cannot start the policy pack: {' '.join(str(e).split())[:400]}"
        return
    pack_pids.put(server.proc.pid)  # the parent kills it if this worker is terminated

    def stop() -> None:
        server = _WORKER.pop("server", None)
        if server is not None:
            stop_pack(server)
    util.Finalize(None, stop, exitpriority=10)  # a worker that ends normally stops its pack


def _kill_packs(pack_pids: Any) -> None:
    """Kill the pack processes of terminated workers (a pid is checked to still be a pack)."""
    import signal
    procfs = os.path.isdir("/proc/self")
    while not pack_pids.empty():
        pid = pack_pids.get()
        if procfs:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"pulumi.policy" not in f.read():
                        continue
            except OSError:  # gone already
                continue
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _worker_scan(index: int, target: str) -> Tuple[str, Any]:
    """("ok", (input, result rows, not applicable, resources, pack metadata or None)) |
    ("input", message) | ("config", message) for one input."""
    from hipaa_policies.cli.scan import inputs
    opts = _WORKER["options"]
    try:
        si = inputs.load(target, stack=opts["stack"], overrides=opts["overrides"], preview=opts["preview"],
                         placeholder_config=opts["placeholder_config"], timeout=opts["program_timeout"])
    except InputError as e:
        return "input", str(e)
    if _WORKER["error"]:
        return "config", _WORKER["error"]
    if _WORKER["session"] is None:
        try:
            _WORKER["session"] = Session(_WORKER["server"], opts["config"], opts["where"], opts["stack_tags"],
                                         opts["organization"])
        except InputError as e:
            _WORKER["error"] = str(e)
            return "config", str(e)
    session = _WORKER["session"]
    inputs.label_inputs([si])
    report = session.scan_stack(si, Progress())
    if not opts["keep_resources"]:
        si.resources = []  # evaluated: the parent needs the report (registers and the dashboard need more)
    # results as plain tuples (pickled in C; a slotted dataclass each would cost the parent more
    # to unpickle than the worker spent classifying), the policies once per worker
    rows = [(r.policy, r.urn, r.type, r.name, r.status, r.level, r.message, r.notes) for r in report.results]
    meta = None
    if not _WORKER.get("sent_meta"):
        meta = (session.pack_name, session.analyzer_version, session.policies)
        _WORKER["sent_meta"] = True
    return "ok", (si, rows, report.not_applicable, report.resources, report.in_scope, meta)


def scan_parallel(targets: Sequence[str], *, jobs: int, stack: Optional[str] = None,
                  overrides: Optional[Mapping[str, str]] = None, preview: bool = False,
                  policy_config: Optional[Mapping[str, Any]] = None,
                  policy_config_meta: Optional[Dict[str, Any]] = None,
                  stack_tags: Optional[Mapping[str, str]] = None, progress: Optional[Progress] = None,
                  organization: str = "organization", pack_dir: Optional[Path] = None,
                  max_input_bytes: Optional[int] = None, placeholder_config: bool = False,
                  program_timeout: Optional[float] = None, keep_resources: bool = False) -> ScanReport:
    """Load and evaluate ``targets`` in ``jobs`` worker processes (one pack each).  Errors are the
    serial scan's: the first unreadable input in order, else the pack's rejection of the config."""
    import multiprocessing
    from hipaa_policies.cli.scan import inputs
    progress = progress or Progress()
    started = time.perf_counter()
    options = {"stack": stack, "overrides": dict(overrides or {}), "preview": preview,
               "config": dict(policy_config or {}), "where": (policy_config_meta or {}).get("path", "policy config"),
               "stack_tags": dict(stack_tags or {}), "organization": organization,
               "pack_dir": str(pack_dir) if pack_dir else None,
               "max_input_bytes": inputs.MAX_INPUT_BYTES if max_input_bytes is None else max_input_bytes,
               "placeholder_config": placeholder_config, "program_timeout": program_timeout,
               "keep_resources": keep_resources}
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold gRPC threads
    pack_pids = ctx.SimpleQueue()
    pool = ctx.Pool(processes=max(1, min(jobs, len(targets))), initializer=_worker_init,
                    initargs=(options, pack_pids))
    finished = False
    try:
        pending = [pool.apply_async(_worker_scan, (i, t)) for i, t in enumerate(targets)]
        progress.start(len(targets), f"{len(targets)} stacks")
        outcomes: List[Any] = []
        input_errors: List[Tuple[str, str]] = []
        config_error: Optional[str] = None
        for target, job in zip(targets, pending, strict=True):
            kind, value = job.get()
            if kind == "input":  # as the serial scan: reported, and the other inputs still scanned
                if len(targets) == 1:
                    raise InputError(value)
                input_errors.append((target, value))
                progress.advance(1)
                continue
            if kind == "config":
                config_error = config_error or value
            outcomes.append(value)
            progress.advance(1)
        progress.done()
        if config_error:
            raise InputError(config_error)
        if not outcomes:
            raise InputError(f"none of the {len(targets)} inputs could be scanned")
        finished = True
    finally:
        if finished:
            pool.close()  # workers stop their packs as they exit
        else:
            pool.terminate()  # an error, --timeout or ^C: workers are killed where they are ...
        pool.join()
        _kill_packs(pack_pids)  # ... and so are their packs
    inputs.label_inputs([o[0] for o in outcomes])  # labels over all inputs, as the serial scan
    stacks = [StackReport(input=si, results=[Result(si.label, *row) for row in rows], not_applicable=na,
                          resources=n, in_scope=in_scope) for si, rows, na, n, in_scope, _ in outcomes]
    pack_name, analyzer_version, policies = next(o[5] for o in outcomes if o[5] is not None)
    report = _report(pack_name, analyzer_version, policies, stacks, started, policy_config_meta,
                     dict(stack_tags or {}), preview)
    report.input_errors = input_errors
    return report


def _rpc_detail(e: Any) -> str:
    detail = e.details() if hasattr(e, "details") else str(e)
    return " ".join(str(detail).split()) or type(e).__name__


def safeguard_titles() -> Dict[str, Any]:
    return {sg.id: sg for sg in load_catalogue()}
