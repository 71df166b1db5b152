"""Amazon EMR: security configurations enable at-rest and in-transit encryption
(164.312(a)(2)(iv), 164.312(e)(2)(ii)), clusters use one, authenticate with Kerberos (164.312(d)) and
run in private subnets (164.312(a)(1)).

An EMR security configuration is a JSON document in the ``configuration`` string; it is parsed
here without ever echoing it.
"""
from __future__ import annotations

import json

from hipaa_policies.core.helpers.links import LinkedUnknown, references
from hipaa_policies.core.helpers.network import Routes
from hipaa_policies.core.props import (FAIL, MISSING, UNKNOWN, UNKNOWN_SENTINELS, UNVERIFIED, Finding, Props,
                                       is_unknown, unwrap)
from hipaa_policies.core.policy import resource_policy, stack_policy

SECURITY_CONFIGURATION = "aws:emr/securityConfiguration:SecurityConfiguration"
CLUSTER = "aws:emr/cluster:Cluster"


def parse_document(value):
    """A dict from a JSON string (or a dict), UNKNOWN, or None when it is not a JSON object."""
    value = unwrap(value)
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        return None
    if any(s in value for s in UNKNOWN_SENTINELS):
        return UNKNOWN  # an output interpolated into the document during preview
    try:
        doc = json.loads(value)
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


@resource_policy(
    name="emr-security-configuration-encryption",
    description="EMR security configurations must enable both at-rest and in-transit encryption.",
    citations=["164.312(a)(2)(iv)", "164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="high",
    resource_types=[SECURITY_CONFIGURATION],
    remediation="In the `configuration` JSON set `EncryptionConfiguration.EnableAtRestEncryption: true` with an "
                "`AtRestEncryptionConfiguration` (S3 SSE-KMS and local disk KMS) and "
                "`EncryptionConfiguration.EnableInTransitEncryption: true` with a TLS certificate provider.",
)
def emr_security_configuration_encryption(r, cfg):
    doc = parse_document(r.get("configuration"))
    if doc is UNKNOWN:
        return r.unverified("configuration", "a JSON document enabling at-rest and in-transit encryption")
    if doc is None:
        return r.fail("configuration", "a JSON object (security configuration document)")
    enc = Props(doc, "configuration.")
    findings = enc.expect_true("EncryptionConfiguration.EnableAtRestEncryption")
    findings += enc.expect_true("EncryptionConfiguration.EnableInTransitEncryption")
    if enc.bool("EncryptionConfiguration.EnableAtRestEncryption") is True:
        findings += enc.expect(
            "EncryptionConfiguration.AtRestEncryptionConfiguration",
            lambda v: isinstance(v, dict) and bool(v), "an S3 and/or local disk encryption configuration")
    return findings


@resource_policy(
    name="emr-cluster-security-configuration",
    description="EMR clusters must be launched with a security configuration.",
    citations=["164.312(a)(2)(iv)", "164.312(e)(1)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Create an `aws.emr.SecurityConfiguration` with at-rest and in-transit encryption and set the "
                "cluster's `securityConfiguration` to its name (this replaces a running cluster).",
)
def emr_cluster_security_configuration(r, cfg):
    return r.expect_present("securityConfiguration", "the name of an EMR security configuration")


# --------------------------------------------------------------------------- Kerberos authentication
KERBEROS_EXPECTED = ("a security configuration with Kerberos authentication "
                     "(`AuthenticationConfiguration.KerberosConfiguration`)")


@stack_policy(
    name="emr-kerberos-enabled",
    description="EMR clusters must authenticate users and services with Kerberos (a security configuration with a "
                "Kerberos configuration and the cluster's `kerberosAttributes`).",
    citations=["164.312(d)", "164.312(a)(2)(i)", "164.312(a)(1)"],
    severity="medium",
    resource_types=[CLUSTER, SECURITY_CONFIGURATION],
    remediation="Add `AuthenticationConfiguration: {KerberosConfiguration: {Provider: \"ClusterDedicatedKdc\", "
                "ClusterDedicatedKdcConfiguration: {TicketLifetimeInHours: 24}}}` to the security configuration's "
                "`configuration` JSON and set the cluster's `kerberosAttributes` (`realm`, `kdcAdminPassword`).",
    notes="AWS Config emr-kerberos-enabled. Without Kerberos every user who reaches a node acts as the same Hadoop "
          "user: there is no per-person identity in YARN, HDFS or Hive. The cluster's `securityConfiguration` is "
          "joined to an `aws.emr.SecurityConfiguration` by name; one outside the stack passes when the cluster sets "
          "`kerberosAttributes.realm` (EMR accepts it only with a Kerberos configuration) and is unverified otherwise.",
)
def emr_kerberos_enabled(stack, cfg):
    findings = []
    for cluster in stack.of_type(CLUSTER):
        name = cluster.get("securityConfiguration")
        if name is MISSING or name == "":
            findings.append(Finding("securityConfiguration", KERBEROS_EXPECTED, FAIL, cluster.urn))
            continue
        configs, unresolved = stack.resolve(cluster, "securityConfiguration", [SECURITY_CONFIGURATION])
        realm = cluster.get("kerberosAttributes.realm")
        if not configs:
            if isinstance(realm, str) and realm.strip():
                continue
            findings.append(LinkedUnknown("securityConfiguration", KERBEROS_EXPECTED, UNVERIFIED, cluster.urn))
            continue
        docs = [parse_document(c.get("configuration")) for c in configs]
        if UNKNOWN in docs or None in docs:
            findings.append(LinkedUnknown("securityConfiguration", KERBEROS_EXPECTED, UNVERIFIED, cluster.urn))
            continue
        if not any(isinstance(Props(d).get("AuthenticationConfiguration.KerberosConfiguration"), dict) for d in docs):
            findings.append(Finding("securityConfiguration", KERBEROS_EXPECTED, FAIL, cluster.urn))
            continue
        if realm is UNKNOWN:
            findings.append(Finding("kerberosAttributes.realm", "the Kerberos realm", UNVERIFIED, cluster.urn))
        elif not (isinstance(realm, str) and realm.strip()):
            findings.append(Finding("kerberosAttributes.realm", "the Kerberos realm", FAIL, cluster.urn))
    return findings


# --------------------------------------------------------------------------- master node reachability
SUBNET_TYPES = ("aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet")
PRIVATE_EXPECTED = "a private subnet (no `0.0.0.0/0` route to an internet gateway), so the master node gets no public IP"


def _cluster_subnets(stack, cluster):
    """(subnet resources, unresolved, declared): the subnets the cluster launches in."""
    found, unresolved, declared = {}, False, False
    for path in ("ec2Attributes.subnetId", "ec2Attributes.subnetIds"):
        value = cluster.get(path)
        if value is MISSING or value == [] or value == "":
            continue
        declared = True
        keys, open_link = references(stack, cluster, path, SUBNET_TYPES)
        for k in keys:
            found[k] = stack.by_urn.get(k)
        unresolved |= open_link
    if unresolved or cluster.get("ec2Attributes") is UNKNOWN:
        declared = True
        deps = [stack.by_urn[u] for u in cluster.property_dependencies.get("ec2Attributes", ()) if u in stack.by_urn]
        subnets = [d for d in deps if d.type in SUBNET_TYPES]
        unresolved = not subnets
        found.update({s.urn: s for s in subnets})
    return found, unresolved, declared


@stack_policy(
    name="emr-master-node-not-public",
    description="EMR clusters must launch in private subnets so their master nodes have no public IP address.",
    citations=["164.312(a)(1)", "164.312(e)(1)"],
    severity="high",
    resource_types=[CLUSTER, *SUBNET_TYPES],
    remediation="Set `ec2Attributes.subnetId` (or `subnetIds`) to private subnets whose route table sends "
                "`0.0.0.0/0` to a NAT gateway, reach the cluster through Session Manager or a VPN, and declare "
                "`aws.emr.BlockPublicAccessConfiguration(block_public_security_group_rules=True)`.",
    notes="AWS Config emr-master-no-public-ip. Uses the shared route-table reasoning (see "
          "vpc-subnet-no-route-to-internet-gateway): a cluster without a subnet launches in the default VPC, "
          "whose subnets are public; a subnet the stack does not declare is unverified.",
)
def emr_master_node_not_public(stack, cfg):
    clusters = stack.of_type(CLUSTER)
    if not clusters:
        return []
    routes = Routes(stack)
    findings = []
    for cluster in clusters:
        subnets, unresolved, declared = _cluster_subnets(stack, cluster)
        if not declared:
            findings.append(Finding("ec2Attributes.subnetId", PRIVATE_EXPECTED + " (without one the cluster launches "
                                    "in the default VPC)", FAIL, cluster.urn))
            continue
        states = [UNKNOWN if s is None else routes.subnet_public(s) for s in subnets.values()]
        if True in states:
            findings.append(Finding("ec2Attributes.subnetId", PRIVATE_EXPECTED, FAIL, cluster.urn))
        elif UNKNOWN in states or unresolved:
            findings.append(LinkedUnknown("ec2Attributes.subnetId", PRIVATE_EXPECTED, UNVERIFIED, cluster.urn))
    return findings


BLOCK_PUBLIC_ACCESS = "aws:emr/blockPublicAccessConfiguration:BlockPublicAccessConfiguration"


@resource_policy(
    name="emr-block-public-access",
    description="The account's EMR block public access configuration must block security group rules open to the "
                "internet, with no permitted port ranges.",
    citations=["164.312(a)(1)", "164.312(e)(1)"],
    severity="medium",
    resource_types=[BLOCK_PUBLIC_ACCESS],
    remediation="Set `blockPublicSecurityGroupRules: true` and drop `permittedPublicSecurityGroupRuleRanges` (AWS's "
                "default exception opens port 22); reach clusters through Session Manager or a VPN.",
    notes="Prowler emr_cluster_account_public_block_enabled. Declared configurations are checked; any permitted "
          "range lets a cluster security group accept that port from `0.0.0.0/0`.",
)
def emr_block_public_access(r, cfg):
    findings = r.expect_true("blockPublicSecurityGroupRules")
    ranges = r.list("permittedPublicSecurityGroupRuleRanges")
    if ranges is UNKNOWN:
        findings += r.unverified("permittedPublicSecurityGroupRuleRanges", "empty (no port open to the internet)")
    elif ranges:
        findings += r.fail("permittedPublicSecurityGroupRuleRanges", "empty (no port open to the internet)")
    return findings
