"""Assemble the registry into pulumi-policy objects and serve the pack.

Each :class:`~hipaa_policies.registry.PolicySpec` becomes one ``ResourceValidationPolicy`` or
``StackValidationPolicy`` with the full metadata contract.  Their ``validate`` functions are the
plain pulumi-policy path; :mod:`hipaa_policies.runtime.fast_servicer` runs the same engine faster and is
installed when the SDK has the shape it expects.
"""
from __future__ import annotations

from typing import Any, Dict, List

from hipaa_policies.runtime import engine
from hipaa_policies.frameworks.catalogue import load_catalogue
from hipaa_policies.registry import RESOURCE, PolicySpec, policies
from hipaa_policies.core.resource import Resource

PACK_NAME = "aws-hipaa"
HIPAA_ID = "hipaa-security-rule"
DOCS_URL = "https://github.com/aws-hipaa/aws-hipaa/blob/main/docs/policies.md"


def default_level(spec: PolicySpec, profile: str = "default") -> str:
    """The level the pack advertises: the policy's level under the ``default`` enforcement profile
    (``hipaa_policies/frameworks/profiles.toml``); ``profile`` selects another."""
    from hipaa_policies.frameworks import profiles
    return profiles.level(spec, profile)


def tags_for(spec: PolicySpec) -> List[str]:
    """HIPAA citations, then ``<framework id>:<requirement>`` for every other framework the
    policy maps to (pulumi-policy allows one ``framework`` per policy: HIPAA)."""
    from hipaa_policies.registry import frameworks
    tags = list(spec.citations) + ["hipaa", spec.service]
    for fid, fw in frameworks().items():
        if fid == HIPAA_ID:
            continue
        tags.extend(f"{fid}:{req}" for req in _requirements_by_policy(fid, fw).get(spec.name, ()))
    return tags


_BY_POLICY: Dict[str, Dict[str, tuple]] = {}


def _requirements_by_policy(fid: str, fw: Any) -> Dict[str, tuple]:
    if fid not in _BY_POLICY:
        _BY_POLICY[fid] = fw.requirements_by_policy()
    return _BY_POLICY[fid]


def _unproxy(value: Any) -> Any:
    """Plain dicts/lists from pulumi-policy's unknown-checking proxies (keeps unknown sentinels)."""
    from pulumi_policy.proxy import _DictProxy, _ListProxy  # the plain path only
    if isinstance(value, _DictProxy):
        return {k: _unproxy(v) for k, v in value["__target"].items()}
    if isinstance(value, _ListProxy):
        return [_unproxy(v) for v in value["__target"]]
    if isinstance(value, dict):
        return {k: _unproxy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unproxy(v) for v in value]
    return value


class AdvisoryNotice(Exception):
    """Raised on the plain path to surface unverified/exempted notes at advisory level."""


def _emit_plain(diags: List[engine.Diagnostic], report_violation) -> None:
    advisory = []
    for d in diags:
        if d.kind == engine.VIOLATION:
            report_violation(d.message, d.urn or None)
        else:
            advisory.append(d.message)
    if advisory:
        from pulumi_policy.proxy import UnknownValueError
        from hipaa_policies.core.sentinels import UNKNOWN_STRING
        err = UnknownValueError(UNKNOWN_STRING, [])
        err.message = " ".join(advisory)
        raise err


def _plain_ctx(args: Any) -> engine.Context:
    from hipaa_policies.core.settings import current
    return engine.Context(stack_tags=dict(getattr(args, "stack_tags", {}) or {}), settings=current())


def _resource_validate(spec: PolicySpec):
    def validate(args, report_violation):
        resource = Resource(args.resource_type, _unproxy(args.props), args.urn, args.name)
        config = engine.resolve_config(spec, args.get_config())
        _emit_plain(engine.run_resource(spec, resource, config, _plain_ctx(args)), report_violation)
    return validate


def _stack_validate(spec: PolicySpec):
    def validate(args, report_violation):
        from hipaa_policies.core.stack_index import StackIndex
        index = StackIndex(Resource(r.resource_type, _unproxy(r.props), r.urn, r.name,
                                    r.parent.urn if r.parent else None,
                                    [d.urn for d in r.dependencies],
                                    {k: [d.urn for d in v] for k, v in r.property_dependencies.items()})
                           for r in args.resources)
        config = engine.resolve_config(spec, args.get_config())
        _emit_plain(engine.run_stack(spec, index, config, _plain_ctx(args)), report_violation)
    return validate


def _secret_preserving(value: Any) -> Any:
    """Plain containers from the remediation path's secrets-preserving proxies, keeping each
    ``Secret`` wrapper so a remediation that copies inputs never turns a secret into plaintext."""
    from pulumi_policy.secret import Secret, _DictSecretsProxy, _ListSecretsProxy
    if isinstance(value, (_DictSecretsProxy, _ListSecretsProxy)):
        value = value["__target"]
    if isinstance(value, Secret):
        return Secret(_secret_preserving(value.value))
    if isinstance(value, dict):
        return {k: _secret_preserving(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_secret_preserving(v) for v in value]
    return value


def _remediate(spec: PolicySpec):
    def remediate(args):
        from pulumi_policy.secret import Secret
        from hipaa_policies.core import props as props_module
        props_module.SECRET_CLASSES = (Secret,)
        if args.resource_type not in spec.resource_types:
            return None
        props = _secret_preserving(_unproxy(args.props))
        resource = Resource(args.resource_type, props, args.urn, args.name)
        config = engine.resolve_config(spec, args.get_config())
        return engine.remediate_resource(spec, resource, config, _plain_ctx(args))
    return remediate


def to_pulumi_policy(spec: PolicySpec):
    from pulumi_policy import (EnforcementLevel, PolicyComplianceFramework, PolicyConfigSchema,
                               ResourceValidationPolicy, Severity, StackValidationPolicy)
    from hipaa_policies.core.config_schema import to_pulumi_schema
    from hipaa_policies.registry import frameworks
    hipaa = frameworks()[HIPAA_ID]
    level = EnforcementLevel(default_level(spec))
    common: Dict[str, Any] = dict(
        name=spec.name,
        description=spec.description,
        enforcement_level=level,
        config_schema=PolicyConfigSchema(properties=to_pulumi_schema(spec.config)) if spec.config else None,
        severity=Severity(spec.severity),
        framework=PolicyComplianceFramework(name=hipaa.name, version=hipaa.version,
                                            reference=spec.primary,
                                            specification=load_catalogue()[spec.primary].title),
        tags=tags_for(spec),
        remediation_steps=spec.remediation,
        url=f"{DOCS_URL}#{spec.name}",
    )
    if spec.kind == RESOURCE:
        policy = ResourceValidationPolicy(
            validate=_resource_validate(spec),
            remediate=_remediate(spec) if spec.remediate else None,
            **common)
    else:
        policy = StackValidationPolicy(validate=_stack_validate(spec), **common)
    policy._hipaa_spec = spec  # read by the fast servicer
    return policy


def build_policies() -> list:
    return [to_pulumi_policy(spec) for spec in policies()]


def serve() -> None:
    """Start the pack as the Pulumi CLI expects (prints the port, never returns)."""
    import os
    from pulumi_policy import EnforcementLevel, PolicyPack
    from hipaa_policies.runtime.pack_info import description
    if os.environ.get("HIPAA_POLICIES_PLAIN_SERVICER") != "1":
        from hipaa_policies.runtime import fast_servicer
        fast_servicer.install()
    PolicyPack(name=PACK_NAME, policies=build_policies(), enforcement_level=EnforcementLevel.ADVISORY,
               description=description(), display_name="AWS HIPAA Security Rule", provider="aws",
               tags=["hipaa", "aws", "compliance"])
