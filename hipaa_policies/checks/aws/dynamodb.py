"""Amazon DynamoDB: tables encrypted with a KMS key (164.312(a)(2)(iv)), point-in-time recovery
(164.308(a)(7)(ii)(A)) and deletion protection (164.312(c)(1))."""
from hipaa_policies.core.policy import remediation_for, resource_policy
from hipaa_policies.core.remediation import fix_by_setting

TABLE = "aws:dynamodb/table:Table"


@resource_policy(
    name="dynamodb-table-encrypted-kms",
    description="DynamoDB tables must be encrypted with an AWS KMS key (AWS managed `aws/dynamodb` or customer "
                "managed), not the AWS owned default key.",
    citations=["164.312(a)(2)(iv)"],
    severity="medium",
    resource_types=[TABLE],
    remediation="Set `serverSideEncryption: {enabled: true, kmsKeyArn: <customer managed key ARN>}` (without "
                "`kmsKeyArn` DynamoDB uses the AWS managed key `aws/dynamodb`).",
    notes="Every DynamoDB table is encrypted at rest; with `serverSideEncryption` absent or disabled the key is "
          "AWS owned, invisible in CloudTrail and outside your key policy. AWS Config: dynamodb-table-encrypted-kms.",
)
def dynamodb_table_encrypted_kms(r, cfg):
    return r.expect_true("serverSideEncryption.enabled", "true (KMS encryption; the default is an AWS owned key)")


@remediation_for(dynamodb_table_encrypted_kms)
def _kms(r, cfg):
    if r.bool("serverSideEncryption.enabled") is True:
        return None
    sse = r.get("serverSideEncryption")
    sse = dict(sse) if isinstance(sse, dict) else {}
    sse["enabled"] = True
    return {**r.raw, "serverSideEncryption": sse}


@resource_policy(
    name="dynamodb-point-in-time-recovery",
    description="DynamoDB tables must have point-in-time recovery (continuous backups) enabled.",
    citations=["164.308(a)(7)(ii)(A)", "164.308(a)(7)(ii)(B)"],
    severity="high",
    resource_types=[TABLE],
    remediation="Set `pointInTimeRecovery: {enabled: true}` (optionally `recoveryPeriodInDays`, 1-35).",
    notes="AWS Config: dynamodb-pitr-enabled.",
)
def dynamodb_point_in_time_recovery(r, cfg):
    return r.expect_true("pointInTimeRecovery.enabled", "true (the default is false)")


@remediation_for(dynamodb_point_in_time_recovery)
def _pitr(r, cfg):
    if r.bool("pointInTimeRecovery.enabled") is True:
        return None
    pitr = r.get("pointInTimeRecovery")
    pitr = dict(pitr) if isinstance(pitr, dict) else {}
    pitr["enabled"] = True
    return {**r.raw, "pointInTimeRecovery": pitr}


@resource_policy(
    name="dynamodb-deletion-protection",
    description="DynamoDB tables must have deletion protection enabled.",
    citations=["164.312(c)(1)", "164.308(a)(7)(ii)(C)"],
    severity="medium",
    resource_types=[TABLE],
    remediation="Set `deletionProtectionEnabled: true`; turn it off in a reviewed change before a planned deletion.",
)
def dynamodb_deletion_protection(r, cfg):
    return r.expect_true("deletionProtectionEnabled", "true (the default is false)")


fix_by_setting(dynamodb_deletion_protection, "deletionProtectionEnabled", True)
