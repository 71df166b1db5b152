"""Amazon EC2 and VPC: dedicated tenancy for hosts that process ePHI (164.308(a)(4)(ii)(A)).

An instance is dedicated when its own ``tenancy`` is ``dedicated``/``host``, when its launch
template places it so, or when its subnet's VPC has ``instanceTenancy: dedicated``; the last two
are joins across the stack.
"""
from __future__ import annotations

from ..props import FAIL, UNKNOWN, UNVERIFIED, Finding
from ..registry import stack_policy

INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
DEDICATED = ("dedicated", "host")
EXPECTED = "`dedicated` or `host` (or launch into a VPC whose `instanceTenancy` is `dedicated`)"


def _tenancy(value):
    if value is UNKNOWN:
        return UNKNOWN
    return isinstance(value, str) and value.lower() in DEDICATED


def _vpc_dedicated(stack, instance):
    """True / False / UNKNOWN / None (no subnet or VPC declared in this stack)."""
    subnets, open_link = stack.resolve(instance, "subnetId", [SUBNET])
    if open_link:
        return UNKNOWN
    if not subnets:
        return None
    results = []
    for subnet in subnets:
        vpcs, open_vpc = stack.resolve(subnet, "vpcId", [VPC])
        if open_vpc:
            return UNKNOWN
        results += [_tenancy(v.get("instanceTenancy")) for v in vpcs]
    if not results:
        return None
    if UNKNOWN in results:
        return UNKNOWN
    return all(results)


@stack_policy(
    name="ec2-dedicated-tenancy",
    description="EC2 instances, launch templates and VPCs that host ePHI should use dedicated tenancy.",
    citations=["164.308(a)(4)(ii)(A)", "164.312(a)(1)"],
    severity="low",
    resource_types=[INSTANCE, LAUNCH_TEMPLATE, VPC],
    remediation="Set `tenancy: dedicated` on instances (or `placement.tenancy` on launch templates), or "
                "`instanceTenancy: dedicated` on the VPC they run in.",
    default_level="advisory",
    level_reason="AWS removed dedicated tenancy from its BAA requirements in 2017; organisations that still "
                 "require physical isolation raise it to mandatory",
)
def ec2_dedicated_tenancy(stack, cfg):
    findings = []
    for vpc in stack.of_type(VPC):
        t = _tenancy(vpc.get("instanceTenancy"))
        if t is UNKNOWN:
            findings.append(Finding("instanceTenancy", "`dedicated`", UNVERIFIED, vpc.urn))
        elif not t:
            findings.append(Finding("instanceTenancy", "`dedicated`", FAIL, vpc.urn))
    for lt in stack.of_type(LAUNCH_TEMPLATE):
        t = _tenancy(lt.get("placement.tenancy"))
        if t is UNKNOWN:
            findings.append(Finding("placement.tenancy", "`dedicated` or `host`", UNVERIFIED, lt.urn))
        elif not t:
            findings.append(Finding("placement.tenancy", "`dedicated` or `host`", FAIL, lt.urn))
    for inst in stack.of_type(INSTANCE):
        own = inst.get("tenancy")
        t = _tenancy(own)
        if t is True:
            continue
        if t is UNKNOWN:
            findings.append(Finding("tenancy", EXPECTED, UNVERIFIED, inst.urn))
            continue
        if isinstance(own, str) and own.lower() == "default":
            findings.append(Finding("tenancy", EXPECTED, FAIL, inst.urn))
            continue
        templates, open_lt = stack.resolve(inst, "launchTemplate.id", [LAUNCH_TEMPLATE])
        if not templates:
            templates, open_lt2 = stack.resolve(inst, "launchTemplate.name", [LAUNCH_TEMPLATE])
            open_lt = open_lt or open_lt2
        if templates and all(_tenancy(lt.get("placement.tenancy")) is True for lt in templates):
            continue
        vpc = _vpc_dedicated(stack, inst)
        if vpc is True:
            continue
        if vpc is UNKNOWN or open_lt:
            findings.append(Finding("tenancy", EXPECTED, UNVERIFIED, inst.urn))
        else:
            findings.append(Finding("tenancy", EXPECTED, FAIL, inst.urn))
    return findings
