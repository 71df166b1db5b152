"""AWS Elastic Beanstalk: environments keep their platform patched with managed platform updates
(protection from malicious software, 164.308(a)(5)(ii)(B)).

Settings are ``{namespace, name, value}`` option settings on the environment or on the
``aws.elasticbeanstalk.ConfigurationTemplate`` it launches from (``templateName``); environment
settings override the template's.
"""
from __future__ import annotations

from hipaa_policies.core.helpers.links import LinkedUnknown
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import stack_policy

ENVIRONMENT = "aws:elasticbeanstalk/environment:Environment"
TEMPLATE = "aws:elasticbeanstalk/configurationTemplate:ConfigurationTemplate"
MANAGED = ("aws:elasticbeanstalk:managedactions", "managedactionsenabled")
LEVEL = ("aws:elasticbeanstalk:managedactions:platformupdate", "updatelevel")
UPDATES_EXPECTED = ("`ManagedActionsEnabled: true` (namespace `aws:elasticbeanstalk:managedactions`) with "
                    "`UpdateLevel` `minor` or `patch` (namespace `aws:elasticbeanstalk:managedactions:platformupdate`)")


def _options(r):
    """(namespace, name) -> value of a resource's option settings; UNKNOWN when the list is unknown."""
    settings = r.list("settings")
    if settings is UNKNOWN:
        return UNKNOWN
    out = {}
    for _path, s in r.items("settings"):
        ns, name = s.str("namespace"), s.str("name")
        if isinstance(ns, str) and isinstance(name, str):
            out[(ns.strip().lower(), name.strip().lower())] = s.get("value")
        elif UNKNOWN in (ns, name):
            out[("?", "?")] = UNKNOWN
    return out


def _updates(options):
    """True / False / UNKNOWN for merged options."""
    if ("?", "?") in options and (MANAGED not in options or LEVEL not in options):
        return UNKNOWN
    enabled, level = options.get(MANAGED), options.get(LEVEL)
    if enabled is UNKNOWN or level is UNKNOWN:
        return UNKNOWN
    on = isinstance(enabled, (str, bool)) and str(enabled).strip().lower() == "true"
    return on and isinstance(level, str) and level.strip().lower() in ("minor", "patch")


@stack_policy(
    name="elasticbeanstalk-managed-platform-updates",
    description="Elastic Beanstalk environments must apply platform updates automatically (managed actions).",
    citations=["164.308(a)(5)(ii)(B)", "164.308(a)(1)(ii)(B)"],
    severity="medium",
    resource_types=[ENVIRONMENT, TEMPLATE],
    remediation="Add option settings `{namespace: \"aws:elasticbeanstalk:managedactions\", name: "
                "\"ManagedActionsEnabled\", value: \"true\"}`, `{namespace: \"aws:elasticbeanstalk:managedactions\", "
                "name: \"PreferredStartTime\", value: \"Sun:03:00\"}` and `{namespace: "
                "\"aws:elasticbeanstalk:managedactions:platformupdate\", name: \"UpdateLevel\", value: \"minor\"}` to "
                "the environment (or its configuration template).",
    notes="AWS Config elastic-beanstalk-managed-updates-enabled. Environments created through the API (as Pulumi "
          "does) do not enable managed actions unless the settings say so. Settings of the configuration template "
          "named by `templateName` count; a template outside the stack is unverified.",
)
def elasticbeanstalk_managed_platform_updates(stack, cfg):
    findings = []
    for env in stack.of_type(ENVIRONMENT):
        own = _options(env)
        if own is UNKNOWN:
            findings.append(Finding("settings", UPDATES_EXPECTED, UNVERIFIED, env.urn))
            continue
        merged, open_template = {}, False
        if env.has("templateName") or env.property_dependencies.get("templateName"):
            templates, unresolved = stack.resolve(env, "templateName", [TEMPLATE])
            for t in templates:
                opts = _options(t)
                if opts is UNKNOWN:
                    open_template = True
                else:
                    merged.update(opts)
            open_template |= unresolved or not templates
        merged.update(own)
        state = _updates(merged)
        if state is True:
            continue
        if state is UNKNOWN:
            findings.append(Finding("settings", UPDATES_EXPECTED, UNVERIFIED, env.urn))
        elif open_template:
            findings.append(LinkedUnknown("templateName", UPDATES_EXPECTED, UNVERIFIED, env.urn))
        else:
            findings.append(Finding("settings", UPDATES_EXPECTED, FAIL, env.urn))
    return findings
