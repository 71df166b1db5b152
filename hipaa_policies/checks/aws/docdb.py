"""Amazon DocumentDB: cluster storage encrypted (164.312(a)(2)(iv)), backups kept
(164.308(a)(7)(ii)(A)), audit logs exported (164.312(b)), deletion protection (164.312(c)(1)) and
TLS left on in cluster parameter groups (164.312(e)(2)(ii))."""
from hipaa_policies.core.props import UNKNOWN, is_unknown, unwrap
from hipaa_policies.core.policy import resource_policy
from hipaa_policies.core.remediation import fix_by_raising, fix_by_setting
from hipaa_policies.core.helpers.retention import retention_check
from hipaa_policies.core.helpers.log_exports import audit_export_check

CLUSTER = "aws:docdb/cluster:Cluster"
PARAMETER_GROUP = "aws:docdb/clusterParameterGroup:ClusterParameterGroup"


@resource_policy(
    name="docdb-cluster-encrypted",
    description="DocumentDB clusters must encrypt storage at rest.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Set `storageEncrypted: true` and `kmsKeyId` to a customer managed KMS key (chosen at creation: "
                "restore an encrypted cluster from a snapshot).",
    notes="The default is unencrypted. Remediation sets `storageEncrypted`, which replaces an existing cluster.",
)
def docdb_cluster_encrypted(r, cfg):
    return r.expect_true("storageEncrypted", "true (the default is false)")


fix_by_setting(docdb_cluster_encrypted, "storageEncrypted", True)


@resource_policy(
    name="docdb-backup-retention",
    description="DocumentDB clusters must keep automated backups for at least N days.",
    citations=["164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Set `backupRetentionPeriod` to at least the required number of days (1-35).",
    config={"minimumDays": {"type": "integer", "default": 7, "minimum": 1, "maximum": 35,
                            "description": "Minimum automated backup retention in days (DocumentDB allows 1-35)."}},
    notes="The AWS default is 1 day.",
)
def docdb_backup_retention(r, cfg):
    return retention_check(r, "backupRetentionPeriod", cfg["minimumDays"], 1)


fix_by_raising(docdb_backup_retention, "backupRetentionPeriod", "minimumDays")




@resource_policy(
    name="docdb-audit-logs-exported",
    description="DocumentDB clusters must export audit logs to CloudWatch Logs.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[CLUSTER],
    remediation="Set `enabledCloudwatchLogsExports: [\"audit\", \"profiler\"]` and `audit_logs: enabled` in the "
                "cluster parameter group.",
    notes="The export delivers audit events only when the cluster parameter `audit_logs` is enabled.",
)
def docdb_audit_logs_exported(r, cfg):
    return audit_export_check(r, "enabledCloudwatchLogsExports")


@resource_policy(
    name="docdb-deletion-protection",
    description="DocumentDB clusters must have deletion protection enabled.",
    citations=["164.312(c)(1)", "164.308(a)(7)(ii)(C)"],
    severity="medium",
    resource_types=[CLUSTER],
    remediation="Set `deletionProtection: true`.",
)
def docdb_deletion_protection(r, cfg):
    return r.expect_true("deletionProtection", "true (the default is false)")


fix_by_setting(docdb_deletion_protection, "deletionProtection", True)


@resource_policy(
    name="docdb-parameter-group-tls",
    description="DocumentDB cluster parameter groups must not turn TLS off.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="high",
    resource_types=[PARAMETER_GROUP],
    remediation="Remove the `tls` parameter or set it to `enabled` (or `tls1.2+`, `tls1.3+`, `fips-140-3`).",
    notes="TLS is enabled by default in DocumentDB parameter groups.",
)
def docdb_parameter_group_tls(r, cfg):
    expected = "not `disabled` (`enabled`, `tls1.2+`, `tls1.3+` or `fips-140-3`)"
    params = r.list("parameters")
    if params is UNKNOWN:
        return r.unverified("parameters", expected)
    findings = []
    for i, p in enumerate(params):
        if not isinstance(p, dict):
            continue
        name = unwrap(p.get("name"))
        if is_unknown(name):
            findings += r.unverified(f"parameters[{i}].name", expected)
            continue
        if not (isinstance(name, str) and name.lower() == "tls"):
            continue
        value = unwrap(p.get("value"))
        if is_unknown(value):
            findings += r.unverified(f"parameters[{i}].value", expected)
        elif not (isinstance(value, str) and value.strip().lower() in ("enabled", "tls1.2+", "tls1.3+", "fips-140-3")):
            findings += r.fail(f"parameters[{i}].value", expected)
    return findings
