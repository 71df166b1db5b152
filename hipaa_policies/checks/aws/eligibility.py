"""Business associate scope: ePHI only on HIPAA-eligible AWS services (164.308(b)(1), 164.314(a)).

The AWS Business Associate Addendum covers only the services on AWS's "HIPAA Eligible Services
Reference".  Resources that a program classifies as holding ePHI (a data-classification tag) must
belong to one of them.  The list is data, ``hipaa_policies/data/hipaa_eligible_services.toml``,
keyed by pulumi-aws module name, with its source URL and as-of date.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Dict, Mapping

from hipaa_policies.core.errors import RegistryError
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding, is_unknown, unwrap
from hipaa_policies.core.policy import stack_policy

DATA_FILE = "checks/aws/data/hipaa_eligible_services.toml"


@lru_cache(maxsize=1)
def eligible_services() -> Dict[str, object]:
    """The parsed list: ``source``, ``as_of``, ``modules`` (module -> service), ``conditions``."""
    try:
        text = resources.files("hipaa_policies").joinpath(DATA_FILE).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise RegistryError(f"hipaa_policies/{DATA_FILE}: cannot load the HIPAA-eligible service list: {e}") from e
    modules = data.get("modules")
    if not isinstance(modules, Mapping) or not modules or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in modules.items()):
        raise RegistryError(f"hipaa_policies/{DATA_FILE}: [modules] must map module names to service names")
    for key in ("source", "as_of"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise RegistryError(f"hipaa_policies/{DATA_FILE}: `{key}` is missing")
    no_content = data.get("no_content") or {}
    if not isinstance(no_content, Mapping):
        raise RegistryError(f"hipaa_policies/{DATA_FILE}: [no_content] must map module names to reasons")
    return {"source": data["source"], "as_of": data["as_of"], "modules": dict(modules),
            "conditions": dict(data.get("conditions") or {}), "no_content": dict(no_content)}


def module_of(token: str):
    """``rds`` for ``aws:rds/instance:Instance``; None for tokens of other providers."""
    if not isinstance(token, str) or not token.startswith("aws:"):
        return None
    rest = token[4:]
    return rest.split("/", 1)[0] if "/" in rest else None


_LIST = eligible_services()


@stack_policy(
    name="phi-on-hipaa-eligible-service",
    description="Resources classified as holding ePHI must belong to an AWS service covered by the AWS "
                f"Business Associate Addendum (HIPAA Eligible Services Reference, list as of {_LIST['as_of']}).",
    citations=["164.308(b)(1)", "164.314(a)(1)", "164.314(a)(2)(i)"],
    severity="critical",
    remediation="Move the ePHI to a HIPAA-eligible service (see the AWS HIPAA Eligible Services Reference), or "
                "correct the resource's data-classification tag if it holds no ePHI. If AWS has added the service "
                "to the list since the pack's as-of date, add its pulumi-aws module to `additionalEligibleModules`.",
    config={
        "additionalEligibleModules": {
            "type": "array", "items": {"type": "string"}, "default": [],
            "description": "pulumi-aws module names (e.g. `healthlake`) to treat as eligible in addition to the "
                           "pack's list, for services AWS added later.",
        },
    },
    notes="The classification tag and its PHI values are the pack's (`hipaa-pack-settings` `scope.tagKey` and "
          "`scope.tagValues`, whatever the scope mode). "
          f"Eligible-service list: {_LIST['source']} (as of {_LIST['as_of']}), kept in "
          f"`hipaa_policies/{DATA_FILE}`. Signing the BAA itself (AWS Artifact) is a process control.",
)
def phi_on_hipaa_eligible_service(stack, cfg):
    # the pack's PHI classification (hipaa-pack-settings scope.tagKey / tagValues), one definition
    tag_key, phi_values = stack.settings.tag_key, {v.strip().lower() for v in stack.settings.tag_values}
    eligible = set(_LIST["modules"]) | {m.strip() for m in (cfg.get("additionalEligibleModules") or [])}
    findings = []
    for r in stack.resources:
        module = module_of(r.type)
        if module is None or module in eligible or module in _LIST["no_content"]:
            continue  # eligible, or a control-plane service that never holds ePHI (common tags reach it)
        tags = r.get("tags")
        path = f"tags.{tag_key}"
        expected = (f"a non-PHI classification: `aws:{module}` is not on the HIPAA-eligible service list "
                    f"(as of {_LIST['as_of']}), so it must not store or process ePHI")
        if tags is UNKNOWN:
            findings.append(Finding("tags", expected, UNVERIFIED, urn=r.urn))
            continue
        if not isinstance(tags, Mapping):
            continue
        value = unwrap(tags.get(tag_key))
        if value is UNKNOWN or is_unknown(value):
            findings.append(Finding(path, expected, UNVERIFIED, urn=r.urn))
        elif isinstance(value, str) and value.strip().lower() in phi_values:
            findings.append(Finding(path, expected, FAIL, urn=r.urn))
    return findings
