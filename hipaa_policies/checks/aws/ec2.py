"""Amazon EC2: dedicated tenancy, security group exposure, IMDSv2, public addressing.

An instance is dedicated when its own ``tenancy`` is ``dedicated``/``host``, when its launch
template places it so, or when its subnet's VPC has ``instanceTenancy: dedicated``; the last two
are joins across the stack (as is IMDSv2 through a launch template).  Security group checks cover
inline ``ingress`` blocks, ``aws.ec2.SecurityGroupRule`` and ``aws.vpc.SecurityGroupIngressRule``.
"""
from __future__ import annotations

import math

from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN, UNVERIFIED, Finding, is_unknown
from hipaa_policies.core.policy import remediation_for, resource_policy, stack_policy

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


# =========================================================================== network exposure
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
# SSH, RDP, FTP (20/21), databases, caches, search, Redshift, and AWS Config's 4333 (MySQL Cluster/Jetty admin)
ADMIN_PORTS = [20, 21, 22, 3389, 3306, 5432, 1433, 1521, 4333, 27017, 6379, 9200, 5439, 11211]
WORLD = ("0.0.0.0/0", "::/0")
ALL_PROTOCOLS = ("-1", "all")
PORTED_PROTOCOLS = ("tcp", "udp", "6", "17")
OPEN_EXPECTED = ("a source other than `0.0.0.0/0` or `::/0` when the rule's ports include an administrative or "
                 "database port (config `ports`)")


def _protocol(value):
    """'all' / 'ports' / 'none' / UNKNOWN for a security group rule's protocol."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value)) if math.isfinite(value) else str(value)
    if not isinstance(value, str):
        return "all"  # absent protocol cannot be deployed; be conservative
    value = value.strip().lower()
    if value in ALL_PROTOCOLS:
        return "all"
    return "ports" if value in PORTED_PROTOCOLS else "none"


def _exposes_admin_port(rule, ports, proto_key):
    """(True / False / UNKNOWN, the property that is unknown): the rule's protocol and port range
    cover one of ``ports``."""
    proto = _protocol(rule.get(proto_key))
    if proto is UNKNOWN:
        return UNKNOWN, proto_key
    if proto == "none":
        return False, None
    if proto == "all":
        return True, None
    low, high = rule.num("fromPort"), rule.num("toPort")
    if low is UNKNOWN or high is UNKNOWN:
        return UNKNOWN, "fromPort" if low is UNKNOWN else "toPort"
    low = low if isinstance(low, float) else 0.0
    high = high if isinstance(high, float) else 65535.0
    if low < 0 or high < 0:  # -1 with tcp/udp is not valid; treat as every port
        return True, None
    return any(low <= p <= high for p in ports), None


def _world_sources(rule, keys):
    """(path, True/UNKNOWN) of the first source that is open to the world (or unknown), or None."""
    maybe = None
    for key in keys:
        value = rule.get(key)
        if value is UNKNOWN:
            maybe = maybe or key
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            if v is UNKNOWN or (isinstance(v, str) and is_unknown(v)):
                maybe = maybe or key
            elif isinstance(v, str) and v.strip() in WORLD:
                return key, True
    return (maybe, UNKNOWN) if maybe else None


def _rule_findings(rule, ports, proto_key, source_keys):
    source = _world_sources(rule, source_keys)
    if source is None:
        return []
    exposed, unknown_key = _exposes_admin_port(rule, ports, proto_key)
    if exposed is False:
        return []
    path, open_ = source
    if open_ is True and exposed is True:
        return rule.fail(path, OPEN_EXPECTED)
    # name the property that is not known yet: the source, or the protocol/port that decides
    return rule.unverified(path if open_ is UNKNOWN else unknown_key, OPEN_EXPECTED)


@resource_policy(
    name="ec2-security-group-no-public-admin-ports",
    description="Security groups must not allow ingress from 0.0.0.0/0 or ::/0 to administrative or database ports.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)", "164.312(e)(1)"],
    severity="critical",
    resource_types=[SECURITY_GROUP, DEFAULT_SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE],
    remediation="Restrict the rule's source to known CIDR ranges, a prefix list or another security group; reach "
                "hosts through AWS Systems Manager Session Manager or a VPN instead of opening SSH/RDP, and keep "
                "databases in private subnets.",
    config={"ports": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535}, "minItems": 1,
                      "default": ADMIN_PORTS,
                      "description": "Administrative and database ports that must never be open to the internet."}},
    notes="Protocol `-1` (all) covers every port; port ranges cover every port inside them; ICMP and other "
          "port-less protocols are ignored.",
)
def ec2_security_group_no_public_admin_ports(r, cfg):
    ports = cfg["ports"]
    if r.type == INGRESS_RULE:
        return _rule_findings(r, ports, "ipProtocol", ("cidrIpv4", "cidrIpv6"))
    if r.type == SECURITY_GROUP_RULE:
        kind = r.str("type")
        if isinstance(kind, str) and kind.lower() != "ingress":
            return []
        findings = _rule_findings(r, ports, "protocol", ("cidrBlocks", "ipv6CidrBlocks"))
        if kind is UNKNOWN and findings:
            return r.unverified("type", OPEN_EXPECTED)
        return findings
    if r.list("ingress") is UNKNOWN:
        return r.unverified("ingress", OPEN_EXPECTED)
    findings = []
    for _path, rule in r.items("ingress"):
        findings += _rule_findings(rule, ports, "protocol", ("cidrBlocks", "ipv6CidrBlocks"))
    return findings


@resource_policy(
    name="ec2-default-security-group-closed",
    description="The default security group of a VPC must allow no traffic (no ingress or egress rules).",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="medium",
    resource_types=[DEFAULT_SECURITY_GROUP],
    remediation="Declare `aws.ec2.DefaultSecurityGroup(vpc_id=...)` without `ingress` and `egress` (the provider "
                "then removes every rule) and give workloads purpose-built security groups.",
)
def ec2_default_security_group_closed(r, cfg):
    findings = []
    for key in ("ingress", "egress"):
        findings += r.expect(key, lambda v: isinstance(v, list) and not v, "empty (no rules)", absent_ok=True)
    return findings


@remediation_for(ec2_default_security_group_closed)
def _close_default_group(r, cfg):
    if not ec2_default_security_group_closed(r, cfg) or any(r.get(k) is UNKNOWN for k in ("ingress", "egress")):
        return None
    return {**{k: v for k, v in r.raw.items() if k not in ("ingress", "egress")}, "ingress": [], "egress": []}


# =========================================================================== instance metadata (IMDSv2)
IMDS_EXPECTED = "`required` (IMDSv2 session tokens) or `metadataOptions.httpEndpoint: disabled`"


def _imds(p, prefix="metadataOptions"):
    """True (IMDSv2 enforced or IMDS off) / False / UNKNOWN / MISSING (nothing declared)."""
    endpoint = p.str(f"{prefix}.httpEndpoint")
    tokens = p.str(f"{prefix}.httpTokens")
    if isinstance(endpoint, str) and endpoint.lower() == "disabled":
        return True
    if tokens is UNKNOWN:
        return UNKNOWN
    if isinstance(tokens, str):
        return tokens.lower() == "required"
    return MISSING if p.get(f"{prefix}.httpTokens") is MISSING else False


def _templates_of(stack, inst):
    templates, open_link = stack.resolve(inst, "launchTemplate", [LAUNCH_TEMPLATE])
    if templates or open_link:
        return templates, open_link
    for path in ("launchTemplate.id", "launchTemplate.name"):
        found, open_path = stack.resolve(inst, path, [LAUNCH_TEMPLATE])
        if found or open_path:
            return found, open_path
    return [], False


@stack_policy(
    name="ec2-imdsv2-required",
    description="EC2 instances, launch templates and launch configurations must require IMDSv2 session tokens.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="high",
    resource_types=[INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION],
    remediation="Set `metadataOptions.httpTokens: required` (and a small `httpPutResponseHopLimit`) on instances, "
                "launch templates and launch configurations; an instance passes when its launch template requires it.",
)
def ec2_imdsv2_required(stack, cfg):
    findings = []
    for res in stack.of_type(LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION):
        state = _imds(res)
        if state is UNKNOWN:
            findings.append(Finding("metadataOptions.httpTokens", IMDS_EXPECTED, UNVERIFIED, res.urn))
        elif state is not True:
            findings.append(Finding("metadataOptions.httpTokens", IMDS_EXPECTED, FAIL, res.urn))
    for inst in stack.of_type(INSTANCE):
        state = _imds(inst)
        if state is True:
            continue
        if state is UNKNOWN:
            findings.append(Finding("metadataOptions.httpTokens", IMDS_EXPECTED, UNVERIFIED, inst.urn))
            continue
        if state is False:
            findings.append(Finding("metadataOptions.httpTokens", IMDS_EXPECTED, FAIL, inst.urn))
            continue
        templates, open_link = _templates_of(stack, inst)
        states = [_imds(t) for t in templates]
        if states and all(s is True for s in states):
            continue
        if open_link or UNKNOWN in states:
            findings.append(Finding("metadataOptions.httpTokens", IMDS_EXPECTED, UNVERIFIED, inst.urn))
        else:
            findings.append(Finding("metadataOptions.httpTokens", IMDS_EXPECTED, FAIL, inst.urn))
    return findings


# =========================================================================== public addressing
DEFAULT_VPC_EXPECTED = ("set: an instance launched without `subnetId` (or a launch template naming a subnet) runs in "
                        "the default VPC, whose subnets assign public IP addresses; set `subnetId` to a private subnet "
                        "and `associatePublicIpAddress: false`")


def _placement_declared(r):
    """The instance names where it runs: a subnet, a launch template, or network interfaces it attaches."""
    return any(r.get(k) is not MISSING for k in ("subnetId", "launchTemplate", "networkInterfaces",
                                                   "primaryNetworkInterface"))


@resource_policy(
    name="ec2-instance-no-public-ip",
    description="EC2 instances, launch templates and launch configurations must not assign public IP addresses "
                "(an instance launched without a subnet gets one in the default VPC).",
    citations=["164.312(a)(1)", "164.312(e)(1)"],
    severity="high",
    resource_types=[INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION],
    remediation="Remove `associatePublicIpAddress: true` (launch templates: `networkInterfaces[].associatePublicIpAddress`), "
                "launch instances into private subnets (`subnetId`) rather than the default VPC, and publish services "
                "through a load balancer or API gateway.",
    notes="An instance that relies on its subnet's `mapPublicIpOnLaunch` is judged by ec2-instance-subnet-public-ip, "
          "which joins the subnet.",
)
def ec2_instance_no_public_ip(r, cfg):
    if r.type == LAUNCH_TEMPLATE:
        if r.list("networkInterfaces") is UNKNOWN:
            return r.unverified("networkInterfaces", "interfaces without `associatePublicIpAddress: true`")
        findings = []
        for _path, nic in r.items("networkInterfaces"):
            findings += nic.expect_false("associatePublicIpAddress")
        return findings
    findings = r.expect_false("associatePublicIpAddress")
    if r.type == INSTANCE and not findings and r.get("associatePublicIpAddress") is MISSING \
            and not _placement_declared(r):
        return r.fail("subnetId", DEFAULT_VPC_EXPECTED)
    return findings


@remediation_for(ec2_instance_no_public_ip)
def _no_public_ip(r, cfg):
    if r.type == LAUNCH_TEMPLATE or r.bool("associatePublicIpAddress") is False:
        return None
    return {**r.raw, "associatePublicIpAddress": False}


SUBNET_EXPECTED = ("`false`, or a subnet whose `mapPublicIpOnLaunch` is false (the instance takes its subnet's "
                   "default)")


def _subnet_maps_public(stack, holder, prop):
    """(True / False / UNKNOWN, open) for the subnets ``holder.<prop>`` names: does one assign public IPs?"""
    subnets, open_link = stack.resolve(holder, prop, [SUBNET])
    if open_link or not subnets:
        return UNKNOWN, True
    states = [s.bool("mapPublicIpOnLaunch") for s in subnets]
    if True in states:
        return True, False
    return (UNKNOWN if UNKNOWN in states else False), False


@stack_policy(
    name="ec2-instance-subnet-public-ip",
    description="EC2 instances that leave `associatePublicIpAddress` unset must not land in a subnet (or default "
                "VPC) that assigns public IP addresses.",
    citations=["164.312(a)(1)", "164.312(e)(1)"],
    severity="medium",
    resource_types=[INSTANCE, SUBNET, LAUNCH_TEMPLATE],
    remediation="Set `associatePublicIpAddress: false` on the instance (or its launch template's network interface), "
                "or launch it into a private subnet (`mapPublicIpOnLaunch: false`).",
    notes="The subnet is joined through `subnetId` (or the launch template's `networkInterfaces[0].subnetId`); a "
          "subnet not declared in this stack, or unknown, leaves the address unverified. An instance launched without "
          "any subnet is reported by ec2-instance-no-public-ip (default VPC). Instances attaching an existing network "
          "interface get no automatic public address.",
)
def ec2_instance_subnet_public_ip(stack, cfg):
    findings = []
    for inst in stack.of_type(INSTANCE):
        if inst.get("associatePublicIpAddress") is not MISSING:
            continue  # stated on the instance: ec2-instance-no-public-ip judges it
        if inst.get("networkInterfaces") is not MISSING or inst.get("primaryNetworkInterface") is not MISSING:
            continue
        if inst.get("subnetId") is not MISSING:
            public, open_link = _subnet_maps_public(stack, inst, "subnetId")
        elif inst.get("launchTemplate") is MISSING:
            continue  # no placement at all: ec2-instance-no-public-ip reports the default VPC
        else:
            public, open_link = _template_public(stack, *_templates_of(stack, inst))
        if public is True:
            findings.append(Finding("subnetId", SUBNET_EXPECTED, FAIL, inst.urn))
        elif public is UNKNOWN:
            findings.append(Finding("aws.ec2.Subnet.mapPublicIpOnLaunch", "false for the instance's subnet (not declared "
                                    "in this stack, or not known yet), or `associatePublicIpAddress: false` on the "
                                    "instance", UNVERIFIED, inst.urn))
    return findings


def _template_public(stack, templates, open_lt):
    """(True / False / UNKNOWN, open) for an instance placed by its launch template."""
    if open_lt or not templates:
        return UNKNOWN, True
    verdicts = []
    for lt in templates:
        nics = lt.list("networkInterfaces")
        if nics is UNKNOWN:
            verdicts.append(UNKNOWN)
            continue
        first = next((nic for _p, nic in lt.items("networkInterfaces")), None)
        if first is None:
            verdicts.append(True)  # no subnet anywhere: the default VPC assigns public addresses
            continue
        own = first.bool("associatePublicIpAddress")
        if own is not MISSING:
            verdicts.append(own)
            continue
        if first.get("networkInterfaceId") is not MISSING:
            verdicts.append(False)
            continue
        if first.get("subnetId") is MISSING:
            verdicts.append(True)
            continue
        subnets, open_link = stack.resolve(lt, "networkInterfaces", [SUBNET])
        states = [s.bool("mapPublicIpOnLaunch") for s in subnets]
        if True in states:
            verdicts.append(True)
        elif open_link or not subnets or UNKNOWN in states:
            verdicts.append(UNKNOWN)
        else:
            verdicts.append(False)
    if True in verdicts:
        return True, False
    return (UNKNOWN if UNKNOWN in verdicts else False), False


# =========================================================================== instance profiles
@stack_policy(
    name="ec2-instance-profile-attached",
    description="EC2 instances should run with an IAM instance profile, so software on them uses short-lived role "
                "credentials instead of access keys stored on the host.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="low",
    resource_types=[INSTANCE, LAUNCH_TEMPLATE],
    remediation="Set `iamInstanceProfile` to an `aws.iam.InstanceProfile` whose role grants only what the workload "
                "needs (or set `iamInstanceProfile.name`/`arn` on the launch template); remove access keys from user "
                "data and disks.",
    notes="An instance passes when its launch template attaches a profile. AWS Config: ec2-instance-profile-attached.",
)
def ec2_instance_profile_attached(stack, cfg):
    findings = []
    expected = "an instance profile name or ARN (here or on the instance's launch template)"
    for inst in stack.of_type(INSTANCE):
        own = inst.get("iamInstanceProfile")
        if isinstance(own, str) and own:
            continue
        if own is UNKNOWN:
            findings.append(Finding("iamInstanceProfile", expected, UNVERIFIED, inst.urn))
            continue
        templates, open_lt = _templates_of(stack, inst)
        states = []
        for lt in templates:
            name, arn = lt.get("iamInstanceProfile.name"), lt.get("iamInstanceProfile.arn")
            if any(isinstance(v, str) and v for v in (name, arn)):
                states.append(True)
            elif UNKNOWN in (name, arn) or lt.get("iamInstanceProfile") is UNKNOWN:
                states.append(UNKNOWN)
            else:
                states.append(False)
        if True in states:
            continue
        pending = open_lt or UNKNOWN in states
        findings.append(Finding("iamInstanceProfile", expected, UNVERIFIED if pending else FAIL, inst.urn))
    return findings


@resource_policy(
    name="ec2-subnet-no-auto-public-ip",
    description="Subnets should not assign public IP addresses to instances launched in them.",
    citations=["164.312(a)(1)", "164.312(e)(1)"],
    severity="low",
    resource_types=[SUBNET],
    remediation="Leave `mapPublicIpOnLaunch` unset or false; keep ePHI workloads in private subnets and give only "
                "load balancers or NAT gateways public addresses.",
    default_level="advisory",
    level_reason="public subnets are normal for load balancers and NAT gateways; the instance-level check "
                 "(ec2-instance-no-public-ip) is the mandatory one",
)
def ec2_subnet_no_auto_public_ip(r, cfg):
    return r.expect_false("mapPublicIpOnLaunch")
