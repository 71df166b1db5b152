"""Amazon VPC: flow logs for every VPC the stack declares (164.312(b)).

Flow logs are separate ``aws.ec2.FlowLog`` resources linked to their VPC by ``vpcId``, so this
is a stack-level join (property dependency, id or name).
"""
from __future__ import annotations

from hipaa_policies.core.props import FAIL, UNVERIFIED, Finding
from hipaa_policies.core.policy import stack_policy

VPC = "aws:ec2/vpc:Vpc"
DEFAULT_VPC = "aws:ec2/defaultVpc:DefaultVpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"


@stack_policy(
    name="vpc-flow-logs-enabled",
    description="Every VPC the stack declares must have a flow log.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[VPC, DEFAULT_VPC, FLOW_LOG],
    remediation="Declare `aws.ec2.FlowLog(vpc_id=<vpc>.id, traffic_type=\"ALL\", log_destination_type=...)` "
                "delivering to CloudWatch Logs or S3.",
    config={"requireAllTraffic": {"type": "boolean", "default": False,
                                  "description": "Require `trafficType: ALL` (not only ACCEPT or REJECT)."}},
)
def vpc_flow_logs_enabled(stack, cfg):
    findings = []
    for vpc in stack.of_type(VPC, DEFAULT_VPC):
        links = stack.referrers(vpc, [FLOW_LOG], "vpcId")
        if links.resources:
            if not cfg["requireAllTraffic"]:
                continue
            per = [log.expect_in("trafficType", ["ALL"], "`ALL`") for log in links.resources]
            if any(not f for f in per):
                continue
            status = UNVERIFIED if all(f.status == UNVERIFIED for fs in per for f in fs) else FAIL
            findings.append(Finding("FlowLog.trafficType", "`ALL`", status, vpc.urn))
            continue
        if links.unresolved:
            findings.append(Finding("FlowLog.vpcId", "linked to this VPC (a flow log's `vpcId` is unknown until "
                                    "deployment)", UNVERIFIED, vpc.urn))
            continue
        findings.append(Finding("FlowLog", "declared for this VPC (`aws.ec2.FlowLog` with `vpcId`)", FAIL, vpc.urn))
    return findings
