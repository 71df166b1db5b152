"""The policy metadata contract: every control is a :class:`PolicySpec` registered by a decorator.

A check module under ``hipaa_policies/checks/aws`` declares a check with :func:`resource_policy`
or :func:`stack_policy`; registration validates the metadata (name, description, citations,
severity, remediation, resource types, config schema).  :mod:`hipaa_policies.registry` discovers
the check modules and validates the citations against the frameworks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple

from hipaa_policies.core import tokens
from hipaa_policies.core.config_schema import check_schema
from hipaa_policies.core.errors import ConfigError, RegistryError

NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SEVERITIES = ("low", "medium", "high", "critical")
from hipaa_policies.core.levels import LEVELS  # noqa: E402
CITATION_RE = re.compile(r"^164\.3(08|10|12|14|16)(\([A-Za-z0-9]+\))+$")

RESOURCE = "resource"
STACK = "stack"


@dataclass
class PolicySpec:
    """One HIPAA control: metadata plus a check function.

    ``check`` receives a :class:`~hipaa_policies.resource.Resource` (resource policies) or a
    :class:`~hipaa_policies.stack_index.StackIndex` (stack policies) and the resolved config,
    and yields :class:`~hipaa_policies.props.Finding` objects.
    """

    name: str
    description: str
    citations: Tuple[str, ...]
    severity: str
    remediation: str
    kind: str
    check: Callable[..., Iterable[Any]]
    resource_types: Tuple[str, ...] = ()
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    remediate: Optional[Callable[..., Optional[Mapping[str, Any]]]] = None
    default_level: Optional[str] = None  # override of the Required/Addressable rule ...
    level_reason: str = ""  # ... with the reason, shown in docs
    notes: str = ""  # caveats shown in docs (e.g. a remediation that replaces a database)
    module: str = ""

    @property
    def primary(self) -> str:
        return self.citations[0]

    @property
    def service(self) -> str:
        return self.module.rsplit(".", 1)[-1].rstrip("_")

    def defaults(self) -> Dict[str, Any]:
        return {k: v.get("default") for k, v in self.config.items() if "default" in v}


_REGISTRY: Dict[str, PolicySpec] = {}


def _register(spec: PolicySpec) -> PolicySpec:
    problems = []
    if not NAME_RE.match(spec.name) or len(spec.name) > 100:
        problems.append("name must be kebab-case (a-z, 0-9, single hyphens), at most 100 characters")
    if spec.name == "all":
        problems.append('"all" is reserved by Pulumi')
    if not spec.description.strip():
        problems.append("description is empty")
    if not spec.citations:
        problems.append("cites no CFR section")
    for c in spec.citations:
        if not CITATION_RE.match(c):
            problems.append(f"citation {c!r} is not a 45 CFR 164.3xx citation such as 164.312(a)(2)(iv)")
    if spec.severity not in SEVERITIES:
        problems.append(f"severity {spec.severity!r} is not one of {', '.join(SEVERITIES)}")
    if not spec.remediation.strip():
        problems.append("remediation steps are empty")
    if spec.kind == RESOURCE and not spec.resource_types:
        problems.append("resource policy names no resource types")
    if spec.default_level is not None and (spec.default_level not in LEVELS or not spec.level_reason):
        problems.append("default_level must be a Pulumi enforcement level and come with level_reason")
    for key, schema in spec.config.items():
        if "type" not in schema or "description" not in schema:
            problems.append(f"config key {key!r} needs a type and a description")
    if not problems:
        try:
            check_schema(spec.name, spec.config)
        except ConfigError as e:
            problems.append(str(e))
    if spec.name in _REGISTRY:
        problems.append(f"name already registered by {_REGISTRY[spec.name].module}")
    if problems:
        raise RegistryError(f"policy {spec.name!r} ({spec.module}): " + "; ".join(problems))
    _REGISTRY[spec.name] = spec
    return spec


def _decorator(kind: str, **meta: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        citations = meta.pop("citations")
        types = meta.pop("resource_types", ())
        if isinstance(types, str):
            types = (types,)
        spec = PolicySpec(
            kind=kind,
            check=fn,
            citations=tuple([citations] if isinstance(citations, str) else citations),
            resource_types=tokens.expand(types),
            module=fn.__module__,
            **meta,
        )
        _register(spec)
        fn.spec = spec  # type: ignore[attr-defined]
        return fn
    return wrap


def resource_policy(*, name: str, description: str, citations: Any, severity: str,
                    resource_types: Any, remediation: str,
                    config: Optional[Mapping[str, Mapping[str, Any]]] = None,
                    default_level: Optional[str] = None, level_reason: str = "",
                    notes: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a check of one resource: ``fn(resource, config) -> Iterable[Finding]``."""
    return _decorator(RESOURCE, name=name, description=description, citations=citations,
                      severity=severity, resource_types=resource_types, remediation=remediation,
                      config=dict(config or {}), default_level=default_level,
                      level_reason=level_reason, notes=notes)


def stack_policy(*, name: str, description: str, citations: Any, severity: str,
                 remediation: str, resource_types: Any = (),
                 config: Optional[Mapping[str, Mapping[str, Any]]] = None,
                 default_level: Optional[str] = None, level_reason: str = "",
                 notes: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a check across the stack: ``fn(stack_index, config) -> Iterable[Finding]``.

    ``resource_types`` names the types the check is about (used for docs and for
    not-applicable reporting); findings must carry the URN of the resource they concern.
    """
    return _decorator(STACK, name=name, description=description, citations=citations,
                      severity=severity, resource_types=resource_types, remediation=remediation,
                      config=dict(config or {}), default_level=default_level,
                      level_reason=level_reason, notes=notes)


def remediation_for(policy_fn: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach an automatic fix to a registered resource policy:
    ``fn(resource, config) -> new inputs (dict) or None``."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        policy_fn.spec.remediate = fn  # type: ignore[attr-defined]
        return fn
    return wrap
