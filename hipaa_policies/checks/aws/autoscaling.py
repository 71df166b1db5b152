"""Amazon EC2 Auto Scaling: groups behind a load balancer replace instances the load balancer finds
unhealthy (164.308(a)(7)(ii)(B), (C)).

With the default ``EC2`` health check a group replaces only instances whose hardware or hypervisor
fails; an instance whose application stopped answering stays in service while the load balancer
routes around it, and capacity for ePHI applications quietly shrinks.  A group counts as attached to
a load balancer through its own ``loadBalancers``, ``targetGroupArns`` or ``trafficSources``, or
through an ``aws.autoscaling.Attachment`` / ``TrafficSourceAttachment`` (joined on
``autoscalingGroupName``).
"""
from __future__ import annotations

from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import stack_policy

GROUP = "aws:autoscaling/group:Group"
ATTACHMENT = "aws:autoscaling/attachment:Attachment"
TRAFFIC_SOURCE_ATTACHMENT = "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment"


def _listed(r, path):
    """True / False / UNKNOWN: the list at ``path`` names something."""
    values = r.list(path)
    if values is UNKNOWN:
        return UNKNOWN
    return bool(values)


def _attached(stack, group):
    """(True / False / UNKNOWN, a traffic source is VPC Lattice) for load balancers in front of the group."""
    lattice = False
    states = [_listed(group, "loadBalancers"), _listed(group, "targetGroupArns")]
    sources = group.list("trafficSources")
    if sources is UNKNOWN:
        states.append(UNKNOWN)
    for _p, src in group.items("trafficSources"):
        kind = src.str("type")
        lattice = lattice or (isinstance(kind, str) and kind.lower() == "vpc-lattice")
        states.append(True)
    links = stack.referrers(group, [ATTACHMENT], "autoscalingGroupName")
    traffic = stack.referrers(group, [TRAFFIC_SOURCE_ATTACHMENT], "autoscalingGroupName")
    if links.resources or traffic.resources:
        states.append(True)
    for att in traffic.resources:
        kind = att.str("trafficSource.type")
        lattice = lattice or (isinstance(kind, str) and kind.lower() == "vpc-lattice")
    if links.unresolved or traffic.unresolved:
        states.append(UNKNOWN)
    if True in states:
        return True, lattice
    return (UNKNOWN if UNKNOWN in states else False), lattice


@stack_policy(
    name="autoscaling-group-elb-health-check",
    description="Auto Scaling groups attached to a load balancer must use the load balancer's health checks "
                "(`healthCheckType: ELB`), so instances that stop serving are replaced.",
    citations=["164.308(a)(7)(ii)(B)", "164.308(a)(7)(ii)(C)"],
    severity="low",
    resource_types=[GROUP, ATTACHMENT, TRAFFIC_SOURCE_ATTACHMENT],
    remediation="Set `healthCheckType: \"ELB\"` (`VPC_LATTICE` for VPC Lattice target groups) and a "
                "`healthCheckGracePeriod` long enough for the application to start.",
    notes="Groups without a load balancer are not checked. AWS Config: autoscaling-group-elb-healthcheck-required.",
)
def autoscaling_group_elb_health_check(stack, cfg):
    findings = []
    for group in stack.of_type(GROUP):
        kind = group.str("healthCheckType")
        accepted = ("ELB", "VPC_LATTICE")
        if isinstance(kind, str) and kind.upper() in accepted:
            continue
        attached, lattice = _attached(stack, group)
        if attached is False:
            continue
        expected = "`VPC_LATTICE` or `ELB`" if lattice else "`ELB` (the default `EC2` ignores the load balancer)"
        expected += " for a group behind a load balancer"
        if kind is UNKNOWN or attached is UNKNOWN:
            findings.append(Finding("healthCheckType", expected, UNVERIFIED, group.urn))
        else:
            findings.append(Finding("healthCheckType", expected, FAIL, group.urn))
    return findings
