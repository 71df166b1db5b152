"""Amazon Inspector: automated vulnerability scanning of the workloads that process ePHI.

Written for the 2025 proposed rule's vulnerability management (proposed §164.312(h): automated
scans at least every six months; not in force), and today's risk management and protection from
malicious software (164.308(a)(1)(ii)(B), 164.308(a)(5)(ii)(B)).  Enabled by the
``proposed-rule-2025`` profile only.
"""
from hipaa_policies.core.props import FAIL, UNVERIFIED, Finding, is_unknown
from hipaa_policies.core.policy import resource_policy, stack_policy
from hipaa_policies.core.stack_index import string_list

ENABLER = "aws:inspector2/enabler:Enabler"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
# workload type -> the Inspector resource type that scans it
WORKLOADS = {
    "aws:ec2/instance:Instance": "EC2",
    "aws:ec2/launchTemplate:LaunchTemplate": "EC2",
    "aws:autoscaling/group:Group": "EC2",
    "aws:ecr/repository:Repository": "ECR",
    "aws:lambda/function:Function": "LAMBDA",
}


@stack_policy(
    name="inspector2-scanning-enabled",
    description="Amazon Inspector must scan the stack's EC2 instances, container images and Lambda functions "
                "for vulnerabilities continuously (an `aws.inspector2.Enabler` covering each workload type).",
    citations=["164.308(a)(1)(ii)(B)", "164.308(a)(5)(ii)(B)"],
    severity="high",
    resource_types=list(WORKLOADS) + [ENABLER],
    remediation="Declare `aws.inspector2.Enabler(account_ids=[account_id], resource_types=[\"EC2\", \"ECR\", "
                "\"LAMBDA\"])` (or enable Inspector for the organization from the delegated administrator "
                "account and exempt the stack with that reason).",
    notes="Proposed rule (NPRM 2025, not in force): vulnerability scanning at least every six months. "
          "Inspector scans continuously once enabled. Enabled only by the `proposed-rule-2025` profile.",
)
def inspector2_scanning_enabled(stack, cfg):
    covered, unknown = set(), False
    for enabler in stack.of_type(ENABLER):
        types = enabler.get("resourceTypes")
        if is_unknown(types):
            unknown = True
            continue
        covered.update(t.upper() for t in string_list(types))
    findings = []
    for type_, scan_type in WORKLOADS.items():
        for r in stack.of_type(type_):
            if scan_type in covered:
                continue
            status = UNVERIFIED if unknown else FAIL
            if covered or unknown:  # enablers for other workload types
                findings.append(Finding("Enabler.resourceTypes", f"a list including `{scan_type}`", status, r.urn))
            else:
                findings.append(Finding("Enabler", f"an `aws.inspector2.Enabler` whose `resourceTypes` include "
                                        f"`{scan_type}`", status, r.urn))
    return findings


@resource_policy(
    name="ecr-registry-continuous-scanning",
    description="ECR registry scanning must be enhanced (Amazon Inspector) with continuous scanning, so images "
                "are rescanned when new vulnerabilities are published, not only when pushed.",
    citations=["164.308(a)(1)(ii)(B)", "164.308(a)(5)(ii)(B)"],
    severity="medium",
    resource_types=[REGISTRY_SCANNING],
    remediation="Set `scan_type=\"ENHANCED\"` and a rule with `scan_frequency=\"CONTINUOUS_SCAN\"` and a "
                "repository filter covering the repositories that hold ePHI workloads.",
    notes="Proposed rule (NPRM 2025, not in force): vulnerability scanning at least every six months; a "
          "scan on push alone leaves images that are never rebuilt unscanned. Enabled only by the "
          "`proposed-rule-2025` profile.",
)
def ecr_registry_continuous_scanning(r, cfg):
    findings = r.expect_in("scanType", ["ENHANCED"], "`ENHANCED`")
    if findings:
        return findings
    rules = r.list("rules")
    expected = "a rule with `scanFrequency: CONTINUOUS_SCAN`"
    if is_unknown(rules):
        return r.unverified("rules", expected)
    freqs = [rule.get("scanFrequency") for rule in rules if isinstance(rule, dict)] if isinstance(rules, list) else []
    if any(isinstance(f, str) and f.upper() == "CONTINUOUS_SCAN" for f in freqs):
        return []
    if any(is_unknown(f) for f in freqs):
        return r.unverified("rules", expected)
    return r.fail("rules", expected)
