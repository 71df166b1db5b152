"""Policy documents (IAM identity policies and resource policies): parsing that never raises on
odd input, and the statement view every policy-document check shares (164.312(a)(1)).

A document reaches a check as a JSON string or an object (``aws.iam.get_policy_document``'s
``json``, ``json.dumps(...)``, a dict in a hand-written resource).  :func:`read` turns any of them
into a document, :data:`UNKNOWN` (not known until deployment: an unknown sentinel, or absent where
a document is required, as data sources leave it under the offline scanner's mocks) or
:data:`UNPARSEABLE`.  :class:`Statement` normalises one statement: ``Action``/``NotAction``,
``Resource``/``NotResource`` as a string or a list, ``Principal``/``NotPrincipal``, ``Condition``.

Identity-policy reasoning (what a statement grants on every resource) lives here; who a resource
policy lets in is :mod:`hipaa_policies.core.helpers.principals`.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import json as _json
from collections.abc import Mapping
from typing import Any, Iterable, List, Optional, Tuple

from hipaa_policies.core.props import (FAIL, MISSING, UNKNOWN, UNKNOWN_SENTINELS, UNVERIFIED, Finding, _Marker,
                                       is_unknown, unwrap)
from hipaa_policies.core.diagnostics import format_body

UNPARSEABLE = _Marker("UNPARSEABLE")


class Unparseable(Exception):
    """A policy document that is not JSON (or not an object)."""


@dataclasses.dataclass(frozen=True)
class UnparseableDocument(Finding):
    """An unverified finding for a document that is not a JSON policy object."""

    status: str = UNVERIFIED

    def message(self) -> str:
        return format_body(UNVERIFIED, f"the policy document could not be parsed (`{self.path}`); expected {self.expected}.")


def _contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, str):
        return any(s in value for s in UNKNOWN_SENTINELS)
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_unknown(v) for v in value)
    return False


def policy_document(value: Any) -> Any:
    """A policy document (dict) from a JSON string or an object; UNKNOWN when not known yet
    (the value or a part of it is an unknown sentinel); raises Unparseable for anything else."""
    value = unwrap(value)
    if value is UNKNOWN or _contains_unknown(value):
        return UNKNOWN
    if isinstance(value, str):
        try:
            value = _json.loads(value)
        except (ValueError, RecursionError):
            raise Unparseable("not JSON") from None
        if _contains_unknown(value):
            return UNKNOWN
    if not isinstance(value, Mapping):
        raise Unparseable("not an object")
    return value


def read(value: Any, absent: Any = UNKNOWN) -> Any:
    """A document, UNKNOWN, UNPARSEABLE, or ``absent`` for a missing/null/empty value.

    ``absent`` is UNKNOWN where the document is a required input (an absent one was computed by
    a data source the run could not evaluate) and MISSING where no document is a valid setting."""
    value = unwrap(value)
    if value is MISSING or value is None or value == "":
        return absent
    try:
        return policy_document(value)
    except Unparseable:
        return UNPARSEABLE


def statements(doc: Mapping) -> List[Mapping]:
    """The statements of a policy document (a single statement object or a list)."""
    raw = doc.get("Statement") if isinstance(doc, Mapping) else None
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    return [s for s in raw if isinstance(s, Mapping)]


def str_values(value: Any) -> List[str]:
    """A policy element (string or list of strings) as a list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _lower(value: Any) -> Optional[Tuple[str, ...]]:
    """Lower-cased, stripped strings of a present element; None when the element is absent."""
    if value is None:
        return None
    return tuple(v.strip().lower() for v in str_values(value))


def matches(pattern: str, action: str) -> bool:
    """IAM wildcard match of ``action`` against ``pattern`` (both lower case; ``*`` and ``?``)."""
    return fnmatch.fnmatchcase(action, pattern.replace("[", "[[]"))


def overlaps(pattern: str, other: str) -> bool:
    """Whether two action patterns can name a common action (either covers the other)."""
    return matches(pattern, other) or matches(other, pattern)


@dataclasses.dataclass(frozen=True)
class Statement:
    """One statement, its elements normalised (lower case; None for an absent element)."""

    index: int
    path: str
    effect: str
    actions: Optional[Tuple[str, ...]]
    not_actions: Optional[Tuple[str, ...]]
    resources: Optional[Tuple[str, ...]]
    not_resources: Optional[Tuple[str, ...]]
    principal: Any
    not_principal: Any
    condition: Mapping

    @property
    def allows(self) -> bool:
        return self.effect == "allow"

    @property
    def denies(self) -> bool:
        return self.effect == "deny"

    @property
    def conditioned(self) -> bool:
        """A non-empty condition block (its keys are not evaluated)."""
        return any(isinstance(v, Mapping) and v for v in self.condition.values())

    @property
    def on_every_resource(self) -> bool:
        """``Resource: "*"`` or a ``NotResource`` (every resource but some)."""
        if self.not_resources is not None:
            return True
        return self.resources is not None and "*" in self.resources

    def covers(self, action: str) -> bool:
        """Whether the statement applies to ``action`` (lower case; a pattern counts when it overlaps)."""
        if self.not_actions is not None:
            return not any(matches(p, action) for p in self.not_actions)
        return any(overlaps(p, action) for p in self.actions or ())

    def condition_entries(self) -> Iterable[Tuple[str, str, List[Any]]]:
        """(operator, key, values) for each condition, operator and key lower case."""
        for op, block in self.condition.items():
            if not isinstance(block, Mapping):
                continue
            for key, value in block.items():
                values = value if isinstance(value, list) else [value]
                yield str(op).strip().lower(), str(key).strip().lower(), values


def parse_statements(doc: Mapping, path: str = "") -> List[Statement]:
    """Every statement of ``doc`` as a :class:`Statement` (``path``: the document's property)."""
    raw = doc.get("Statement") if isinstance(doc, Mapping) else None
    single = isinstance(raw, Mapping)
    items = [raw] if single else raw if isinstance(raw, list) else []
    out = []
    for i, s in enumerate(items):
        if not isinstance(s, Mapping):
            continue
        effect = s.get("Effect")
        cond = s.get("Condition")
        suffix = "Statement" if single else f"Statement[{i}]"
        out.append(Statement(
            index=i, path=f"{path}.{suffix}" if path else suffix,
            effect=effect.strip().lower() if isinstance(effect, str) else "",
            actions=_lower(s.get("Action")), not_actions=_lower(s.get("NotAction")),
            resources=_lower(s.get("Resource")), not_resources=_lower(s.get("NotResource")),
            principal=s.get("Principal"), not_principal=s.get("NotPrincipal"),
            condition=cond if isinstance(cond, Mapping) else {}))
    return out


def document_findings(value: Any, path: str, expected: str, judge, absent: Any = UNKNOWN,
                      urn: Optional[str] = None) -> List[Finding]:
    """Findings for the document at ``path``: unverified when unknown or unparseable, else
    ``judge(doc, path)`` (a list of findings).  ``absent`` as in :func:`read` (MISSING: no
    finding for an absent document)."""
    doc = read(value, absent)
    if doc is MISSING:
        return []
    if doc is UNKNOWN:
        return [Finding(path, expected, UNVERIFIED, urn)]
    if doc is UNPARSEABLE:
        return [UnparseableDocument(path, expected, UNVERIFIED, urn)]
    return [dataclasses.replace(f, urn=urn) if urn and not f.urn else f for f in judge(doc, path)]


# =========================================================================== identity grants
ADMIN_ACTIONS = ("*", "*:*")
KMS_DECRYPT_ACTIONS = ("kms:decrypt", "kms:reencryptfrom", "kms:reencryptto", "kms:reencrypt*")


def admin_statements(doc: Mapping, path: str = "policy") -> List[Tuple[Statement, str]]:
    """Allow statements without a condition that grant administrator access: ``"*"``/``"*:*"``
    on every resource, or a ``NotAction`` (every action but some) on every resource.  Each comes
    with the element to name (``Action`` or ``NotAction``)."""
    out = []
    for st in parse_statements(doc, path):
        if not st.allows or st.conditioned or not st.on_every_resource:
            continue
        if st.not_actions is not None:
            out.append((st, "NotAction"))
        elif any(a in ADMIN_ACTIONS for a in st.actions or ()):
            out.append((st, "Action"))
    return out


def service_wildcards(doc: Mapping, path: str = "policy") -> List[Tuple[Statement, str]]:
    """Allow statements without a condition granting ``<service>:*`` on every resource (with the
    service).  ``Describe*``, ``List*``, ``Get*`` and other partial wildcards are not service-wide."""
    out = []
    for st in parse_statements(doc, path):
        if not st.allows or st.conditioned or not st.on_every_resource or st.actions is None:
            continue
        for a in st.actions:
            service, _, name = a.partition(":")
            if name == "*" and service and service != "*":
                out.append((st, service))
                break
    return out


def grants_on_every_resource(doc: Mapping, actions: Iterable[str], path: str = "policy") -> List[Tuple[Statement, str]]:
    """Allow statements without a condition that grant one of ``actions`` (lower-case names or
    patterns) on every resource, with the first action granted."""
    wanted = [a.strip().lower() for a in actions]
    out = []
    for st in parse_statements(doc, path):
        if not st.allows or st.conditioned or not st.on_every_resource:
            continue
        hit = next((a for a in wanted if st.covers(a)), None)
        if hit is not None:
            out.append((st, hit))
    return out


MFA_KEY = "aws:multifactorauthpresent"


def denies_without_mfa(doc: Mapping) -> bool:
    """Whether a ``Deny`` statement blocks (nearly) everything when no MFA is present: a
    ``NotAction`` list (the usual "everything but managing your own MFA device") or ``*``, with
    ``BoolIfExists``/``Bool`` ``aws:MultiFactorAuthPresent: false`` (or ``Null ... true``)."""
    for st in parse_statements(doc):
        if not st.denies:
            continue
        if st.not_actions is None and not any(a in ADMIN_ACTIONS for a in st.actions or ()):
            continue
        for op, key, values in st.condition_entries():
            if key != MFA_KEY:
                continue
            want = "true" if op == "null" else "false"
            if op in ("bool", "boolifexists", "null") and any(str(v).strip().lower() == want for v in values
                                                             if isinstance(v, (str, bool))):
                return True
    return False


__all__ = ["FAIL", "UNVERIFIED", "UNKNOWN", "MISSING", "UNPARSEABLE", "Unparseable", "UnparseableDocument",
           "policy_document", "read", "statements", "str_values", "matches", "overlaps", "Statement",
           "parse_statements", "document_findings", "admin_statements", "service_wildcards",
           "grants_on_every_resource", "denies_without_mfa", "KMS_DECRYPT_ACTIONS", "ADMIN_ACTIONS"]
