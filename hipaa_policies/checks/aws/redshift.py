"""Amazon Redshift: clusters encrypted (164.312(a)(2)(iv)) and private (164.312(a)(1)), parameter
groups that require SSL (164.312(e)(2)(ii)), audit logging (164.312(b)), automated snapshots
(164.308(a)(7)(ii)(A)) and automatic version upgrades (164.308(a)(5)(ii)(B)).

Audit logging is a separate ``aws.redshift.Logging`` resource in pulumi-aws v7, so that check is a
stack join on ``clusterIdentifier``.
"""
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding, is_unknown, unwrap
from hipaa_policies.core.policy import remediation_for, resource_policy, stack_policy
from hipaa_policies.core.remediation import fix_by_raising, fix_by_setting
from hipaa_policies.core.helpers.retention import retention_check

CLUSTER = "aws:redshift/cluster:Cluster"
PARAMETER_GROUP = "aws:redshift/parameterGroup:ParameterGroup"
LOGGING = "aws:redshift/logging:Logging"


@resource_policy(
    name="redshift-cluster-encrypted",
    description="Redshift clusters must encrypt data at rest.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Leave `encrypted` unset or `true` (the default) and set `kmsKeyId` to a customer managed KMS key.",
    notes="AWS Config: redshift-cluster-configuration-check (clusterDbEncrypted).",
)
def redshift_cluster_encrypted(r, cfg):
    return r.expect_true("encrypted", "true (the default)", absent_ok=True)


@remediation_for(redshift_cluster_encrypted)
def _encrypt(r, cfg):
    if r.bool("encrypted") is not False:
        return None
    return {**r.raw, "encrypted": "true"}


@resource_policy(
    name="redshift-cluster-not-public",
    description="Redshift clusters must not be publicly accessible.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="critical",
    resource_types=[CLUSTER],
    remediation="Set `publiclyAccessible: false` (the default) and use a private `clusterSubnetGroupName`.",
    notes="AWS Config: redshift-cluster-public-access-check.",
)
def redshift_cluster_not_public(r, cfg):
    return r.expect_false("publiclyAccessible", "false", absent_ok=True)


fix_by_setting(redshift_cluster_not_public, "publiclyAccessible", False)


@resource_policy(
    name="redshift-parameter-group-require-ssl",
    description="Redshift parameter groups must set `require_ssl` to true so clients connect only over TLS.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="high",
    resource_types=[PARAMETER_GROUP],
    remediation="Add `{name: \"require_ssl\", value: \"true\"}` to `parameters` and attach the group to the cluster "
                "(`clusterParameterGroupName`).",
    notes="A cluster left on a default parameter group is not covered by this check. "
          "AWS Config: redshift-require-tls-ssl.",
)
def redshift_parameter_group_require_ssl(r, cfg):
    expected = "a parameter `require_ssl` with value `true`"
    params = r.list("parameters")
    if params is UNKNOWN:
        return r.unverified("parameters", expected)
    pending = False
    for i, p in enumerate(params):
        if not isinstance(p, dict):
            continue
        name = unwrap(p.get("name"))
        if is_unknown(name):
            pending = True
            continue
        if not (isinstance(name, str) and name.lower() == "require_ssl"):
            continue
        value = unwrap(p.get("value"))
        if is_unknown(value):
            return r.unverified(f"parameters[{i}].value", expected)
        if value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "on")):
            return []
        return r.fail(f"parameters[{i}].value", expected)
    if pending:
        return r.unverified("parameters", expected)
    return r.fail("parameters", expected)


def _logging_ok(log):
    """True / False / UNKNOWN for one aws.redshift.Logging."""
    kind = log.str("logDestinationType")
    if kind is UNKNOWN:
        return UNKNOWN
    if isinstance(kind, str) and kind.lower() == "cloudwatch":
        exports = log.list("logExports")
        if exports is UNKNOWN:
            return UNKNOWN
        return bool(exports)
    bucket = log.get("bucketName")
    if bucket is UNKNOWN:
        return UNKNOWN
    return isinstance(bucket, str) and bucket != ""


@stack_policy(
    name="redshift-audit-logging",
    description="Redshift clusters must have audit logging enabled (an `aws.redshift.Logging` to S3 or CloudWatch).",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[CLUSTER, LOGGING],
    remediation="Declare `aws.redshift.Logging(cluster_identifier=cluster.id, log_destination_type=\"cloudwatch\", "
                "log_exports=[\"connectionlog\", \"userlog\", \"useractivitylog\"])` (or `s3` with `bucket_name`); "
                "user activity logs also need `enable_user_activity_logging=true` in the parameter group.",
    notes="AWS Config: redshift-cluster-configuration-check (loggingEnabled).",
)
def redshift_audit_logging(stack, cfg):
    findings = []
    expected = ("an `aws.redshift.Logging` for this cluster with `logDestinationType: cloudwatch` and `logExports`, "
                "or `s3` with a `bucketName`")
    for cluster in stack.of_type(CLUSTER):
        links = stack.referrers(cluster, [LOGGING], "clusterIdentifier")
        verdicts = [_logging_ok(log) for log in links.resources]
        if True in verdicts:
            continue
        if False in verdicts:
            findings.append(Finding("Logging", expected, FAIL, cluster.urn))
        elif UNKNOWN in verdicts or links.unresolved:
            findings.append(Finding("Logging", expected, UNVERIFIED, cluster.urn))
        else:
            findings.append(Finding("Logging", expected, FAIL, cluster.urn))
    return findings


@resource_policy(
    name="redshift-snapshot-retention",
    description="Redshift clusters must keep automated snapshots for at least N days.",
    citations=["164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"],
    severity="medium",
    resource_types=[CLUSTER],
    remediation="Set `automatedSnapshotRetentionPeriod` to at least the required number of days (1-35).",
    config={"minimumDays": {"type": "integer", "default": 7, "minimum": 1, "maximum": 35,
                            "description": "Minimum automated snapshot retention in days (7, as AWS Config's "
                                           "redshift-backup-enabled; the AWS default is 1)."}},
    notes="The AWS default is 1 day and 0 turns automated snapshots off; the default minimum of 7 days follows AWS "
          "Config's redshift-backup-enabled (MinRetentionPeriod). AWS Config: redshift-backup-enabled.",
)
def redshift_snapshot_retention(r, cfg):
    return retention_check(r, "automatedSnapshotRetentionPeriod", cfg["minimumDays"], 1)


fix_by_raising(redshift_snapshot_retention, "automatedSnapshotRetentionPeriod", "minimumDays")


@resource_policy(
    name="redshift-allow-version-upgrade",
    description="Redshift clusters should receive engine upgrades (security patches) in the maintenance window.",
    citations=["164.308(a)(5)(ii)(B)", "164.308(a)(1)(ii)(B)"],
    severity="low",
    resource_types=[CLUSTER],
    remediation="Leave `allowVersionUpgrade` unset or true (the default) and set `preferredMaintenanceWindow`.",
    notes="AWS Config: redshift-cluster-maintenancesettings-check.",
)
def redshift_allow_version_upgrade(r, cfg):
    return r.expect_true("allowVersionUpgrade", "true (the default)", absent_ok=True)
