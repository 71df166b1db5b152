"""What every register shares: the stack as the policies saw it, the policies' verdicts, safe reads.

A register never judges a resource itself.  Each *status* column (encrypted, public, backed up,
logging on...) is the verdict of the policies named for it in the register's table of columns,
looked up in the scan's results for that resource; each *descriptive* value (algorithm, key
reference, retention days) is read with the same core helpers the policies use
(:mod:`hipaa_policies.core.props`, :class:`~hipaa_policies.core.stack_index.StackIndex`).

Values are reported by reference and never in the clear when they are secret: a wrapped secret
(anywhere on the path to the value) reads as ``[secret]``, an unknown value as ``[unknown]``, a
linked resource as its URN, an ARN or id as written.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from hipaa_policies.core import tokens
from hipaa_policies.core.props import LazyMapping, MISSING, UNKNOWN, get, is_unknown, parse_path
from hipaa_policies.core.resource import Resource
from hipaa_policies.core.sentinels import SECRET_SIG, SECRET_SIG_KEY
from hipaa_policies.core.stack_index import StackIndex

SECRET = "[secret]"
UNKNOWN_TEXT = "[unknown]"

# Verdicts of a policy on a resource, as the scan classified the pack's diagnostics.
PASS, FAIL, EXEMPT, UNVERIFIED = "pass", "fail", "exempt", "unverified"
NOT_EVALUATED = "not evaluated"          # no result: out of the PHI scope, policy disabled
VERDICT_ORDER = {FAIL: 0, UNVERIFIED: 1, EXEMPT: 2, PASS: 3, NOT_EVALUATED: 4}

# Status labels of register columns.
YES, NO, NO_POLICY = "yes", "no", "no policy"
STATUSES = (YES, NO, UNVERIFIED, EXEMPT, NOT_EVALUATED, NO_POLICY)
POSITIVE = {PASS: YES, FAIL: NO, UNVERIFIED: UNVERIFIED, EXEMPT: EXEMPT, NOT_EVALUATED: NOT_EVALUATED}
NEGATIVE = {PASS: NO, FAIL: YES, UNVERIFIED: UNVERIFIED, EXEMPT: EXEMPT, NOT_EVALUATED: NOT_EVALUATED}

KMS_KEYS = ("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/externalKey:ExternalKey",
            "aws:kms/replicaExternalKey:ReplicaExternalKey", "aws:kms/alias:Alias")
BUCKET = "aws:s3/bucket:Bucket"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def combine(verdicts: Iterable[str]) -> str:
    """The verdict of several policies on one resource: the worst (fail, unverified, exempt, pass)."""
    out = NOT_EVALUATED
    for v in verdicts:
        if VERDICT_ORDER.get(v, 4) < VERDICT_ORDER[out]:
            out = v
    return out


def status_of(verdict: str, negate: bool = False) -> str:
    """The label of a status column for a (combined) verdict; ``negate`` for columns that say
    whether something bad holds (public: a passing no-public policy means "no")."""
    return (NEGATIVE if negate else POSITIVE)[verdict]


@dataclass
class Column:
    key: str
    title: str
    kind: str = "text"        # text | status | ref | number | list | bool
    description: str = ""

    def to_json(self) -> Dict[str, str]:
        out = {"key": self.key, "title": self.title, "kind": self.kind}
        if self.description:
            out["description"] = self.description
        return out


@dataclass
class Table:
    id: str
    title: str
    columns: List[Column]
    description: str = ""
    entries: List[Dict[str, Any]] = field(default_factory=list)

    def add(self, entry: Dict[str, Any]) -> Dict[str, Any]:
        self.entries.append(entry)
        return entry

    def to_json(self) -> Dict[str, Any]:
        self.entries.sort(key=lambda e: (str(e.get("type", "")), str(e.get("urn", "")), str(e.get("name", ""))))
        return {"id": self.id, "title": self.title, "description": self.description,
                "columns": [c.to_json() for c in self.columns], "entries": self.entries}


def status_column(key: str, title: str, description: str = "") -> Column:
    return Column(key, title, "status", description)


IDENTITY = [Column("urn", "URN", "ref"), Column("type", "Type"), Column("name", "Name")]


def _is_secret(value: Any) -> bool:
    if type(value) is LazyMapping:
        return value.is_secret_wrapper()
    if isinstance(value, Mapping):
        try:
            return value.get(SECRET_SIG_KEY) == SECRET_SIG
        except Exception:
            return False
    return False


def secret_on_path(raw: Any, path: str) -> bool:
    """Whether a wrapped secret lies on ``path`` (at any depth up to the value, or inside it)."""
    cur = raw
    for part in parse_path(path):
        if _is_secret(cur):
            return True
        if isinstance(part, int):
            if isinstance(cur, (list, tuple)) and -len(cur) <= part < len(cur):
                cur = cur[part]
            else:
                return False
        elif type(cur) is LazyMapping:
            cur = cur.lookup(part)
            if cur is MISSING:
                return False
        elif isinstance(cur, Mapping):
            try:
                cur = cur.get(part)
            except Exception:
                return False
        else:
            return False
    return contains_secret(cur)


def contains_secret(value: Any, depth: int = 0) -> bool:
    if _is_secret(value):
        return True
    if depth > 20:
        return True  # deeper than any real property: report by reference, never by value
    if isinstance(value, Mapping):
        return any(contains_secret(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_secret(v, depth + 1) for v in value)
    return False


def scalar(value: Any) -> Any:
    """A JSON-safe plain value: numbers as int when whole, unknown as ``[unknown]``, None when absent."""
    if value is MISSING or value is None:
        return None
    if value is UNKNOWN or is_unknown(value):
        return UNKNOWN_TEXT
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [scalar(v) for v in value if not isinstance(v, (Mapping, list, tuple))]
    return None  # objects are never copied into a register


def csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(csv_text(v) for v in value)
    return str(value)


class Context:
    """One scanned stack: a read-only view of its resources (over the scanner's own copy of the
    properties, converted lazily as the pack converts them), the stack index the stack policies
    use, and the scan's verdicts."""

    def __init__(self, report: Any, stack_report: Any, config: Mapping[str, Any]) -> None:
        from hipaa_policies.cli.scan.runner import _in_scope_fn, _scope
        from hipaa_policies.runtime.fast_servicer import lazy_struct
        self.report = report
        self.stack = stack_report
        self.input = stack_report.input
        self.config = config
        self.settings = _scope(config)
        self._in_scope = _in_scope_fn(self.settings, report.stack_tags)
        self.captured = {r.urn: r for r in self.input.resources}
        self.index = StackIndex(
            Resource(r.type, lazy_struct(r.properties), r.urn, r.name, r.parent or None, r.dependencies,
                     r.property_dependencies)
            for r in self.input.resources)
        self.verdicts: Dict[str, Dict[str, str]] = {}
        for res in stack_report.results:
            per = self.verdicts.setdefault(res.policy, {})
            old = per.get(res.urn)
            per[res.urn] = res.status if old is None else combine((old, res.status))
        self.policies = report.policies
        self._expanded: Dict[Tuple[str, ...], frozenset] = {}

    # -- scope and verdicts ------------------------------------------------------------------
    def in_scope(self, r: Resource) -> bool:
        c = self.captured.get(r.urn)
        return bool(c is not None and self._in_scope(c))

    def verdict(self, policy: str, urn: str) -> str:
        return self.verdicts.get(policy, {}).get(urn, NOT_EVALUATED)

    def check(self, entry: Dict[str, Any], key: str, urn: str, policies: Sequence[str],
              negate: bool = False) -> str:
        """Set status column ``key`` of ``entry`` from the verdicts of ``policies`` on ``urn``."""
        policies = [p for p in policies if p in self.policies]
        if not policies:
            return self.basis(entry, key, NO_POLICY, "no policy of the pack checks this")
        evidence = [{"policy": p, "verdict": self.verdict(p, urn), "resource": urn} for p in policies]
        status = status_of(combine(e["verdict"] for e in evidence), negate)
        entry[key] = status
        entry.setdefault("evidence", {})[key] = evidence
        return status

    def basis(self, entry: Dict[str, Any], key: str, status: str, why: str,
              policies: Sequence[Tuple[str, str]] = ()) -> str:
        """Set status column ``key`` from a fact that no verdict states (an AWS default, a key the
        column's value depends on); ``policies`` are (policy, urn) pairs whose verdicts it rests on."""
        entry[key] = status
        ev: List[Dict[str, str]] = [{"basis": why}]
        ev += [{"policy": p, "verdict": self.verdict(p, u), "resource": u} for p, u in policies]
        entry.setdefault("evidence", {})[key] = ev
        return status

    # -- reads -------------------------------------------------------------------------------
    def entry(self, r: Resource, **values: Any) -> Dict[str, Any]:
        return {"urn": r.urn, "type": r.type, "name": r.name, **values}

    def value(self, r: Any, path: str) -> Any:
        """The value at ``path`` (core read), ``[secret]`` when a secret is on the path."""
        raw = r.raw if hasattr(r, "raw") else r
        if secret_on_path(raw, path):
            return SECRET
        return scalar(get(raw, path))

    def tag(self, r: Resource, *keys: str) -> Any:
        """The first of the tags ``keys`` the resource carries (``[secret]`` when secret)."""
        tags = r.raw.get("tags") if isinstance(r.raw, Mapping) else None
        if _is_secret(tags):
            return SECRET
        if not isinstance(tags, Mapping):
            return UNKNOWN_TEXT if is_unknown(tags) else None
        for key in keys:
            if key in tags:
                v = tags[key]
                return SECRET if contains_secret(v) else scalar(v)
        return None

    def targets(self, r: Resource, path: str, types: Tuple[str, ...]) -> Tuple[List[Resource], bool]:
        """Resources of ``types`` that ``r.<path>`` links to (property dependency of the top-level
        property, or the value as a name/id/ARN/URN), and whether the link is unknown."""
        types = tuple(types)
        expanded = self._expanded.get(types)
        if expanded is None:
            expanded = self._expanded[types] = frozenset(tokens.expand(types))
        parts = parse_path(path)
        top = str(parts[0]) if parts else path
        found: Dict[str, Resource] = {}
        for urn in r.property_dependencies.get(top, ()):
            t = self.index.by_urn.get(urn)
            if t is not None and t.type in expanded:
                found[t.urn] = t
        if found:
            return list(found.values()), False
        if top not in r.raw:
            return [], False  # nothing written, and no dependency: no link
        if secret_on_path(r.raw, path):
            return [], False
        return self.index.resolve(r, path, types)

    def ref(self, r: Resource, path: str, types: Sequence[str]) -> Any:
        """One reference: the URN of the linked resource, or the value as written (ARN, id, alias)."""
        refs = self.refs(r, path, types)
        return refs[0] if refs else None

    def refs(self, r: Resource, path: str, types: Sequence[str]) -> List[Any]:
        found, open_link = self.targets(r, path, types)
        if found:
            return sorted(t.urn for t in found)
        v = self.value(r, path)
        if v is None:
            return [UNKNOWN_TEXT] if open_link else []
        if isinstance(v, list):
            return [x for x in v if x not in ("", None)]
        if v == "":
            return []
        return [v]

    def resolved(self, r: Resource, path: str, types: Sequence[str]) -> Optional[Resource]:
        found, _ = self.targets(r, path, types)
        return sorted(found, key=lambda t: t.urn)[0] if found else None

    def of_type(self, *types: str) -> List[Resource]:
        return self.index.of_type(*types)


def key_management(ctx: Context, r: Resource, path: str, default: str) -> Tuple[Any, str, Optional[Resource]]:
    """(key reference, management, key resource in the stack) for a KMS key property.

    management: ``customer-managed`` (a key declared in the stack), ``aws-managed`` (an
    ``alias/aws/...`` key), ``external`` (an id or ARN of a key outside the stack: who manages it
    cannot be told from here), ``unknown`` (not known until deployment), or ``default`` when no key
    is given (then the service's own default applies, named by the caller)."""
    key = ctx.resolved(r, path, KMS_KEYS)
    if key is not None:
        if key.type == "aws:kms/alias:Alias":
            target = ctx.resolved(key, "targetKeyId", KMS_KEYS[:4])
            if target is not None:
                return target.urn, "customer-managed", target
            name = ctx.value(key, "name")
            if isinstance(name, str) and name.startswith("alias/aws/"):
                return key.urn, "aws-managed", None
            return key.urn, "customer-managed", None
        return key.urn, "customer-managed", key
    written = ctx.ref(r, path, KMS_KEYS)
    if written is None:
        return None, default, None
    if written in (SECRET,):
        return written, "external", None
    if written == UNKNOWN_TEXT:
        return written, "unknown", None
    text = str(written)
    if text.startswith("alias/aws/") or ":alias/aws/" in text:
        return written, "aws-managed", None
    return written, "external", None


def rotation(ctx: Context, entry: Dict[str, Any], key: Optional[Resource], management: str) -> None:
    """Key rotation of the key that protects a store: the verdict of kms-key-rotation-enabled on
    that key when the stack declares it, otherwise what the key's management implies."""
    if key is not None and key.type == "aws:kms/key:Key":
        ctx.check(entry, "keyRotation", key.urn, ["kms-key-rotation-enabled"])
    elif management == "aws-managed":
        ctx.basis(entry, "keyRotation", YES, "AWS managed keys rotate automatically every year")
    elif management == "aws-owned":
        ctx.basis(entry, "keyRotation", NO_POLICY, "AWS owned keys are rotated by AWS and not visible to the account")
    elif management == "none":
        ctx.basis(entry, "keyRotation", NO_POLICY, "no encryption key")
    else:
        ctx.basis(entry, "keyRotation", NOT_EVALUATED, "the key is not declared in this stack")


def setting_text(ctx: "Context", r: Any, path: str) -> str:
    """``path: value`` as written (``not set`` when absent), booleans in lower case."""
    v = ctx.value(r, path)
    if v is None:
        return f"{path}: not set"
    return f"{path}: {csv_text(v)}"


def items(r: Any, path: str) -> List[Any]:
    """Props of each object in the list at ``path`` (none when the list is secret or unknown)."""
    from hipaa_policies.core.props import Props
    p = r if isinstance(r, Props) else Props(r)
    if secret_on_path(p.raw, path):
        return []
    return [item for _, item in p.items(path)]


def arn_parts(value: Any) -> Tuple[Optional[str], Optional[str]]:
    """(region, account) of an ARN as written, or (None, None)."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None, None
    parts = value.split(":", 5)
    if len(parts) < 6:
        return None, None
    return (parts[3] or None), (parts[4] or None)
