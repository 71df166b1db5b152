"""Amazon EMR: security configurations enable at-rest and in-transit encryption
(164.312(a)(2)(iv), 164.312(e)(2)(ii)) and clusters use one.

An EMR security configuration is a JSON document in the ``configuration`` string; it is parsed
here without ever echoing it.
"""
from __future__ import annotations

import json

from hipaa_policies.core.props import UNKNOWN, UNKNOWN_SENTINELS, Props, is_unknown, unwrap
from hipaa_policies.core.policy import resource_policy

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
