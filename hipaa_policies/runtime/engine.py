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
    return " ".join(f.message() for f in findings)


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
