"""Run one policy on one resource (or the stack) and turn findings into diagnostics.

This is the single place that owns what every policy shares: configuration defaults and
validation, message wording (property path and expected setting, never the value),
unknown values reported as *unverified*, exemptions and PHI scoping, and containment of any
error inside a check.  Both the fast servicer and the plain pulumi-policy path call it.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional

from hipaa_policies.core import settings as pack_settings
from hipaa_policies.core.config_schema import resolve
from hipaa_policies.core.props import FAIL, UNVERIFIED, Finding
from hipaa_policies.registry import PolicySpec
from hipaa_policies.core.resource import Resource

from hipaa_policies.core.diagnostics import EXEMPTED, NOTE, VIOLATION, format_body  # noqa: F401
from hipaa_policies.core.diagnostics import UNVERIFIED as UNVERIFIED_DIAG


@dataclass(frozen=True)
class Diagnostic:
    kind: str
    message: str
    urn: str = ""


@dataclass
class Context:
    """What a run knows beyond the resource: stack tags and pack settings."""

    stack_tags: Mapping[str, str] = field(default_factory=dict)
    settings: pack_settings.Settings = field(default_factory=pack_settings.Settings)
    today: Optional[_dt.date] = None

    def date(self) -> _dt.date:
        return self.today or _dt.date.today()


def _collect(spec: PolicySpec, target: Any, config: Dict[str, Any]) -> List[Finding]:
    try:
        result = spec.check(target, config)
        return [f for f in (result or ()) if isinstance(f, Finding)]
    except Exception as e:  # a check must never break a preview: surface it as unverified
        return [Finding("(policy)", f"evaluable ({type(e).__name__} in the check; please report it)",
                        UNVERIFIED)]


def _group(findings: Iterable[Finding], default_urn: str) -> Dict[str, Dict[str, List[Finding]]]:
    grouped: Dict[str, Dict[str, List[Finding]]] = {}
    for f in findings:
        urn = f.urn or default_urn
        grouped.setdefault(urn, {}).setdefault(f.status, []).append(f)
    return grouped


def _text(findings: List[Finding]) -> str:
    """The findings of one diagnostic as sentences: findings about the same path become one sentence
    (``"x" must be A and B.``, their common words said once), never the same subject twice."""
    by_path: Dict[tuple, List[Finding]] = {}
    for f in findings:
        by_path.setdefault((f.path, f.status, f.urn), []).append(f)
    out = []
    for group in by_path.values():
        expected = list(dict.fromkeys(f.expected for f in group))
        first = group[0]
        if len(expected) > 1:
            first = Finding(first.path, _merge_expected(expected), first.status, first.urn)
        out.append(first.message())
    return " ".join(out)


def _balanced(text: str) -> bool:
    return text.count("`") % 2 == 0 and text.count("(") == text.count(")") and text.count("[") == text.count("]") \
        and text.count("{") == text.count("}")


def _merge_expected(expected: List[str]) -> str:
    """``["a filter matching X, with an alarm", "a filter matching Y, with an alarm"]`` →
    ``"a filter matching X and Y, with an alarm"``: the common leading and trailing words once (at
    word boundaries outside quotes and brackets), the differing middles joined; else ``"A; and B"``."""
    words = [e.split(" ") for e in expected]
    shortest = min(len(w) for w in words)
    head = 0
    while head < shortest - 1 and all(w[head] == words[0][head] for w in words) and \
            _balanced(" ".join(words[0][:head + 1])):
        head += 1
    while head > 0 and not _balanced(" ".join(words[0][:head])):
        head -= 1
    tail = 0
    while tail < shortest - head - 1 and all(w[-1 - tail] == words[0][-1 - tail] for w in words):
        tail += 1
    while tail > 0 and not _balanced(" ".join(words[0][len(words[0]) - tail:])):
        tail -= 1
    middles = [" ".join(w[head:len(w) - tail]) for w in words]
    if head == 0 and tail == 0 or not all(middles) or not all(_balanced(m) for m in middles):
        return "; and ".join(expected)
    suffix = " ".join(words[0][len(words[0]) - tail:]) if tail else ""
    if suffix and middles[-1].endswith(","):  # "X, with a ..." keeps its comma after the last middle
        middles = [m[:-1] if m.endswith(",") else m for m in middles]
        suffix = ", " + suffix
    elif suffix:
        suffix = " " + suffix
    joined = ", ".join(middles[:-1]) + " and " + middles[-1] if len(middles) > 1 else middles[0]
    prefix = " ".join(words[0][:head])
    return (prefix + " " if prefix else "") + joined + suffix


def findings_to_diagnostics(spec: PolicySpec, findings: List[Finding], resources_by_urn: Mapping[str, Resource],
                            default_urn: str, ctx: Context) -> List[Diagnostic]:
    out: List[Diagnostic] = []
    for urn, by_status in _group(findings, default_urn).items():
        fails = by_status.get(FAIL, [])
        unverified = by_status.get(UNVERIFIED, [])
        if fails:
            resource = resources_by_urn.get(urn)
            decision = ctx.settings.exemption_for(spec.name, resource, urn, ctx.date())
            for note in decision.notes:
                out.append(Diagnostic(NOTE, note, urn))
            if decision.exempt:
                out.append(Diagnostic(EXEMPTED, format_body(EXEMPTED, f"{decision.summary} Would otherwise fail: {_text(fails)}"), urn))
            else:
                out.append(Diagnostic(VIOLATION, _text(fails), urn))
        if unverified:
            out.append(Diagnostic(UNVERIFIED_DIAG, _text(unverified), urn))
    return out


def run_resource(spec: PolicySpec, resource: Resource, config: Dict[str, Any], ctx: Context) -> List[Diagnostic]:
    """Diagnostics of one resource policy on one resource (empty list: compliant or out of scope).
    ``config`` is already resolved (:func:`resolve_config`)."""
    if resource.type not in spec.resource_types:
        return []
    if not ctx.settings.in_scope(resource, ctx.stack_tags):
        return []
    findings = _collect(spec, resource, config)
    if not findings:
        return []
    return findings_to_diagnostics(spec, findings, {resource.urn: resource}, resource.urn, ctx)


def run_stack(spec: PolicySpec, index: Any, config: Dict[str, Any], ctx: Context) -> List[Diagnostic]:
    """Diagnostics of one stack policy; each finding names the resource it is about."""
    index.settings = ctx.settings
    findings = _collect(spec, index, config)
    if ctx.settings.scoped:
        findings = [f for f in findings
                    if f.urn is None or f.urn not in index.by_urn
                    or ctx.settings.in_scope(index.by_urn[f.urn], ctx.stack_tags)]
    if not findings:
        return []
    return findings_to_diagnostics(spec, findings, index.by_urn, "", ctx)


def remediate_resource(spec: PolicySpec, resource: Resource, config: Dict[str, Any],
                       ctx: Context) -> Optional[Mapping[str, Any]]:
    """New inputs from the policy's ``remediate``, or None.  Remediation honours what Analyze
    honours: nothing happens to a resource out of PHI scope, validly exempted, compliant, or whose
    failing property is only unverified (unknown in preview); an error in the fix is contained."""
    if spec.remediate is None or resource.type not in spec.resource_types:
        return None
    if not ctx.settings.in_scope(resource, ctx.stack_tags):
        return None
    if not any(f.status == FAIL for f in _collect(spec, resource, config)):
        return None
    if ctx.settings.exemption_for(spec.name, resource, resource.urn, ctx.date()).exempt:
        return None
    try:
        return spec.remediate(resource, config) or None
    except Exception:
        return None


def resolve_config(spec: PolicySpec, raw_config: Any) -> Dict[str, Any]:
    """Defaults merged with validated user values (raises ConfigError naming policy and key)."""
    return resolve(spec.name, spec.config, raw_config)
