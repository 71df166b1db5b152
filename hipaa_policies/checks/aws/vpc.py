"""Amazon VPC: flow logs for every VPC the stack declares (164.312(b)); internet gateways only on
allowed VPCs, no route to the internet from ePHI subnets, network ACLs without allow-all ingress and
default security groups adopted and closed (164.312(e)(1), 164.312(a)(1)).

Flow logs, gateways, routes and rules are separate resources linked to their VPC, subnet or table
by ids, so most checks are stack-level joins (property dependency, id or name); route reasoning
is shared with EMR (:mod:`hipaa_policies.core.helpers.network`).
"""
from __future__ import annotations

import fnmatch

from hipaa_policies.core.helpers.links import LinkedUnknown, references
from hipaa_policies.core.helpers.network import Routes
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import resource_policy, stack_policy

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
            findings.append(Finding("FlowLog.vpcId", "this VPC's id, for a flow log of its traffic", UNVERIFIED, vpc.urn))
            continue
        findings.append(Finding("FlowLog", "declared for this VPC (`aws.ec2.FlowLog` with `vpcId`)", FAIL, vpc.urn))
    return findings


# =========================================================================== internet gateways
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
IGW_ATTACHMENT = "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"
SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"


def _names(stack, key):
    """Names an allow-list entry may use for a reference key: logical name, `Name` tag, id, literal."""
    if key.startswith("name:"):
        return [key[5:]]
    r = stack.by_urn.get(key)
    if r is None:
        return []
    out = [r.name]
    for value in (r.get("id"), r.tags().get("Name")):
        if isinstance(value, str) and value:
            out.append(value)
    return out


def _listed(stack, key, patterns):
    return any(fnmatch.fnmatchcase(n, p) for n in _names(stack, key) for p in patterns)


@stack_policy(
    name="vpc-internet-gateway-authorized",
    description="Internet gateways may be attached only to VPCs on the allow-list of internet-facing VPCs.",
    citations=["164.312(e)(1)", "164.312(a)(1)"],
    severity="medium",
    resource_types=[INTERNET_GATEWAY, IGW_ATTACHMENT, VPC],
    remediation="Attach internet gateways only to the VPCs that serve the internet and name them in the policy's "
                "`authorizedVpcs` config (logical name, `Name` tag or VPC id); keep ePHI data tiers in VPCs without "
                "an internet gateway, reaching AWS services through VPC endpoints.",
    config={"authorizedVpcs": {"type": "array", "items": {"type": "string"}, "default": [],
                               "description": "VPCs (Pulumi logical names, `Name` tags or ids; globs allowed) that may "
                                              "have an internet gateway."}},
    notes="AWS Config internet-gateway-authorized-vpc-only: with an empty allow-list every attached internet gateway "
          "fails, as that rule does without its parameter. Reads `vpcId` of `aws.ec2.InternetGateway` and of "
          "`aws.ec2.InternetGatewayAttachment`; a gateway whose VPC is unknown until deployment is unverified.",
)
def vpc_internet_gateway_authorized(stack, cfg):
    allowed = cfg["authorizedVpcs"]
    expected = "a VPC on the `authorizedVpcs` allow-list (internet-facing VPCs)"
    findings = []
    for igw in stack.of_type(INTERNET_GATEWAY, IGW_ATTACHMENT):
        if not igw.has("vpcId") and not igw.property_dependencies.get("vpcId"):
            continue  # a detached gateway (or attached by an attachment, checked there)
        vpcs, unresolved = references(stack, igw, "vpcId", [VPC, DEFAULT_VPC])
        if any(not _listed(stack, v, allowed) for v in vpcs):
            findings.append(Finding("vpcId", expected, FAIL, igw.urn))
        elif unresolved:
            findings.append(Finding("vpcId", expected, UNVERIFIED, igw.urn))
    return findings


def _public_tiers(stack):
    """Subnet keys used by NAT gateways or internet-facing load balancers (public by design)."""
    keys = set()
    for nat in stack.of_type(NAT_GATEWAY):
        keys |= references(stack, nat, "subnetId", [SUBNET, DEFAULT_SUBNET])[0]
    for lb in stack.of_type(LOAD_BALANCER):
        if lb.bool("internal") is not False and lb.has("internal"):
            continue
        keys |= references(stack, lb, "subnets", [SUBNET, DEFAULT_SUBNET])[0]
        for _path, mapping in lb.items("subnetMappings"):
            value = mapping.get("subnetId")
            if isinstance(value, str):
                hits = stack._targets_of_type((SUBNET,)).get(value, ())
                keys |= {h.urn for h in hits}
        keys |= {u for u in lb.property_dependencies.get("subnetMappings", ()) if u in stack.by_urn
                 and stack.by_urn[u].type in (SUBNET, DEFAULT_SUBNET)}
    return keys


@stack_policy(
    name="vpc-subnet-no-route-to-internet-gateway",
    description="Subnets that hold ePHI must not route `0.0.0.0/0` (or `::/0`) to an internet gateway; only public "
                "tiers (load balancers, NAT gateways) may.",
    citations=["164.312(e)(1)", "164.312(a)(1)"],
    severity="high",
    resource_types=[SUBNET, DEFAULT_SUBNET, "aws:ec2/routeTable:RouteTable", "aws:ec2/route:Route",
                    "aws:ec2/routeTableAssociation:RouteTableAssociation"],
    remediation="Associate ePHI subnets with a route table whose default route goes to a NAT gateway "
                "(`natGatewayId`) or nowhere, and reach AWS services through VPC endpoints; put load balancers in "
                "separate public subnets (or name public tiers in the policy's `publicSubnets` config).",
    config={"publicSubnets": {"type": "array", "items": {"type": "string"}, "default": [],
                              "description": "Subnets (Pulumi logical names, `Name` tags or ids; globs allowed) that "
                                             "are public tiers by design."}},
    notes="AWS Config no-unrestricted-route-to-igw, narrowed to ePHI subnets: a subnet used by a NAT gateway or an "
          "internet-facing load balancer is a public tier and is not checked, nor are subnets on `publicSubnets`; "
          "with PHI scoping only subnets classified as PHI are. The route table is the subnet's association, else "
          "its VPC's main table (see the network helper); a table or VPC not declared in the stack is unverified. "
          "Default subnets are public by definition.",
)
def vpc_subnet_no_route_to_internet_gateway(stack, cfg):
    subnets = stack.of_type(SUBNET, DEFAULT_SUBNET)
    if not subnets:
        return []
    routes = Routes(stack)
    public_tiers = _public_tiers(stack)
    expected = "a route table without a `0.0.0.0/0` or `::/0` route to an internet gateway (an ePHI subnet)"
    findings = []
    for subnet in subnets:
        if subnet.urn in public_tiers or _listed(stack, subnet.urn, cfg["publicSubnets"]):
            continue
        state = routes.subnet_public(subnet)
        if state is True:
            findings.append(Finding("routeTable", expected, FAIL, subnet.urn))
        elif state is UNKNOWN:
            findings.append(LinkedUnknown("routeTable", expected, UNVERIFIED, subnet.urn))
    return findings


# =========================================================================== network ACLs
NETWORK_ACL = "aws:ec2/networkAcl:NetworkAcl"
DEFAULT_NETWORK_ACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
NETWORK_ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"
WORLD = ("0.0.0.0/0", "::/0")
NACL_EXPECTED = ("limited to the protocols and ports the subnet serves (not every protocol and port from "
                 "`0.0.0.0/0` or `::/0`)")


def _all_traffic(rule, action_key):
    """(True / False / UNKNOWN, the deciding property when unknown): an ingress entry allows every
    port from the internet."""
    for key in (action_key, "protocol", "cidrBlock", "ipv6CidrBlock"):
        if rule.get(key) is UNKNOWN:
            return UNKNOWN, key
    action, proto = rule.str(action_key), rule.get("protocol")
    sources = [rule.get("cidrBlock"), rule.get("ipv6CidrBlock")]
    if not (isinstance(action, str) and action.strip().lower() == "allow"):
        return False, None
    if not any(isinstance(s, str) and s.strip() in WORLD for s in sources):
        return False, None
    proto = str(int(proto)) if isinstance(proto, float) else str(proto).strip().lower()
    if proto in ("-1", "all"):
        return True, None
    if proto in ("6", "17", "tcp", "udp"):
        low, high = rule.num("fromPort"), rule.num("toPort")
        if low is UNKNOWN or high is UNKNOWN:
            return UNKNOWN, "fromPort" if low is UNKNOWN else "toPort"
        return isinstance(low, float) and isinstance(high, float) and low <= 0 and high >= 65535, None
    return False, None


@resource_policy(
    name="vpc-network-acl-no-allow-all-ingress",
    description="Network ACLs must not allow all inbound traffic from the internet.",
    citations=["164.312(e)(1)", "164.312(a)(1)"],
    severity="medium",
    resource_types=[NETWORK_ACL, DEFAULT_NETWORK_ACL, NETWORK_ACL_RULE],
    remediation="Replace allow-all ingress entries (`protocol: \"-1\"` or ports 0-65535 from `0.0.0.0/0`) with rules "
                "for the ports the subnet serves (e.g. 443, and ephemeral ports 1024-65535 for return traffic).",
    notes="Prowler ec2_networkacl_allow_ingress_any_port. Only declared ACLs are read: a VPC's default ACL that the "
          "stack does not adopt allows everything, and security groups (stateful) remain the primary control; "
          "adopt it with `aws.ec2.DefaultNetworkAcl` to tighten it.",
)
def vpc_network_acl_no_allow_all_ingress(r, cfg):
    if r.type == NETWORK_ACL_RULE:
        egress = r.bool("egress")
        if egress is True:
            return []
        state, unknown_key = _all_traffic(r, "ruleAction")
        if state is True:
            return r.unverified("egress", NACL_EXPECTED) if egress is UNKNOWN else r.fail("protocol", NACL_EXPECTED)
        return r.unverified(unknown_key, NACL_EXPECTED) if state is UNKNOWN else []
    if r.list("ingress") is UNKNOWN:
        return r.unverified("ingress", NACL_EXPECTED)
    findings = []
    for path, rule in r.items("ingress"):
        state, _key = _all_traffic(rule, "action")
        if state is True:
            findings += r.fail(path, NACL_EXPECTED)
        elif state is UNKNOWN:
            findings += r.unverified(path, NACL_EXPECTED)
    return findings


# =========================================================================== default security groups
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG_RULE_TYPES = ("aws:ec2/securityGroupRule:SecurityGroupRule",
                 "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                 "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
ADOPT_EXPECTED = ("declared for this VPC (`aws.ec2.DefaultSecurityGroup` with no `ingress` or `egress`): AWS creates "
                  "the default group allowing all traffic between its members and all egress")


@stack_policy(
    name="vpc-default-security-group-adopted",
    description="Every VPC the stack declares must adopt its default security group and keep it closed, so "
                "resources launched without a group get no access.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="medium",
    resource_types=[VPC, DEFAULT_VPC, DEFAULT_SECURITY_GROUP, *SG_RULE_TYPES],
    remediation="Declare `aws.ec2.DefaultSecurityGroup(vpc_id=<vpc>.id)` without `ingress` and `egress` (the "
                "provider then removes every rule), add no `SecurityGroupRule`/`SecurityGroupIngressRule`/"
                "`SecurityGroupEgressRule` to it, and give workloads purpose-built security groups.",
    notes="AWS Config vpc-default-security-group-closed. The rules of an adopted default group are checked by "
          "ec2-default-security-group-closed; this policy fails a VPC whose default group is not adopted (AWS's "
          "default rules then stay) and rule resources attached to the default group (by the "
          "`DefaultSecurityGroup`'s id or the VPC's `defaultSecurityGroupId`).",
)
def vpc_default_security_group_adopted(stack, cfg):
    vpcs = stack.of_type(VPC, DEFAULT_VPC)
    if not vpcs:
        return []
    adopted, open_adoption = set(), False
    group_of = {}
    for sg in stack.of_type(DEFAULT_SECURITY_GROUP):
        keys, unresolved = references(stack, sg, "vpcId", [VPC, DEFAULT_VPC])
        adopted |= keys
        open_adoption |= unresolved
        for k in keys:
            group_of.setdefault(k, []).append(sg.urn)
    reopened = {}
    default_groups = stack._targets_of_type((DEFAULT_SECURITY_GROUP,))
    for rule in stack.of_type(*SG_RULE_TYPES):
        targets = [stack.by_urn[u] for u in rule.property_dependencies.get("securityGroupId", ()) if u in stack.by_urn]
        value = rule.get("securityGroupId")
        if not targets and isinstance(value, str):
            targets = default_groups.get(value, [])
        for target in targets:
            if target.type in (VPC, DEFAULT_VPC):  # `vpc.default_security_group_id`
                reopened.setdefault(target.urn, rule)
            elif target.type == DEFAULT_SECURITY_GROUP:
                for v in references(stack, target, "vpcId", [VPC, DEFAULT_VPC])[0]:
                    reopened.setdefault(v, rule)
    findings = []
    for vpc in vpcs:
        if vpc.urn in reopened:
            rule = reopened[vpc.urn]
            findings.append(Finding(rule.type.split(":")[-1], "attached to a purpose-built security group, not the VPC's default group",
                                    FAIL, vpc.urn))
        elif vpc.urn not in adopted:
            if open_adoption:
                findings.append(LinkedUnknown("DefaultSecurityGroup.vpcId", "an `aws.ec2.DefaultSecurityGroup` for this "
                                              "VPC with no `ingress` or `egress`", UNVERIFIED, vpc.urn))
            else:
                findings.append(Finding("DefaultSecurityGroup", ADOPT_EXPECTED, FAIL, vpc.urn))
    return findings
