"""Amazon Neptune: cluster storage encrypted (164.312(a)(2)(iv)), backups kept
(164.308(a)(7)(ii)(A)), IAM database authentication (164.312(d)), audit logs exported (164.312(b))
and deletion protection (164.312(c)(1))."""
from hipaa_policies.core.policy import resource_policy
from hipaa_policies.core.remediation import fix_by_raising, fix_by_setting
from hipaa_policies.core.helpers.log_exports import audit_export_check
from hipaa_policies.core.helpers.retention import retention_check

CLUSTER = "aws:neptune/cluster:Cluster"


@resource_policy(
    name="neptune-cluster-encrypted",
    description="Neptune clusters must encrypt storage at rest.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Set `storageEncrypted: true` and `kmsKeyArn` to a customer managed KMS key (chosen at creation: "
                "restore an encrypted cluster from a snapshot).",
    notes="The default is unencrypted. Remediation sets `storageEncrypted`, which replaces an existing cluster.",
)
def neptune_cluster_encrypted(r, cfg):
    return r.expect_true("storageEncrypted", "true (the default is false)")


fix_by_setting(neptune_cluster_encrypted, "storageEncrypted", True)


@resource_policy(
    name="neptune-backup-retention",
    description="Neptune clusters must keep automated backups for at least N days.",
    citations=["164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Set `backupRetentionPeriod` to at least the required number of days (1-35).",
    config={"minimumDays": {"type": "integer", "default": 7, "minimum": 1, "maximum": 35,
                            "description": "Minimum automated backup retention in days (Neptune allows 1-35)."}},
    notes="The AWS default is 1 day.",
)
def neptune_backup_retention(r, cfg):
    return retention_check(r, "backupRetentionPeriod", cfg["minimumDays"], 1)


fix_by_raising(neptune_backup_retention, "backupRetentionPeriod", "minimumDays")


@resource_policy(
    name="neptune-iam-authentication",
    description="Neptune clusters must authenticate requests with IAM database authentication.",
    citations=["164.312(d)", "164.312(a)(1)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Set `iamDatabaseAuthenticationEnabled: true` and grant `neptune-db:*` actions to the IAM roles "
                "that query the graph (requests are signed with SigV4).",
    notes="Neptune has no database users: without IAM authentication anyone who reaches the endpoint can read "
          "and write the graph.",
)
def neptune_iam_authentication(r, cfg):
    return r.expect_true("iamDatabaseAuthenticationEnabled", "true (the default is false)")


fix_by_setting(neptune_iam_authentication, "iamDatabaseAuthenticationEnabled", True)


@resource_policy(
    name="neptune-audit-logs-exported",
    description="Neptune clusters must export audit logs to CloudWatch Logs.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[CLUSTER],
    remediation="Set `enableCloudwatchLogsExports: [\"audit\"]` and `neptune_enable_audit_log: 1` in the cluster "
                "parameter group.",
    notes="The export delivers audit events only when the cluster parameter `neptune_enable_audit_log` is 1.",
)
def neptune_audit_logs_exported(r, cfg):
    return audit_export_check(r, "enableCloudwatchLogsExports")


@resource_policy(
    name="neptune-deletion-protection",
    description="Neptune clusters must have deletion protection enabled.",
    citations=["164.312(c)(1)", "164.308(a)(7)(ii)(C)"],
    severity="medium",
    resource_types=[CLUSTER],
    remediation="Set `deletionProtection: true`.",
)
def neptune_deletion_protection(r, cfg):
    return r.expect_true("deletionProtection", "true (the default is false)")


fix_by_setting(neptune_deletion_protection, "deletionProtection", True)
