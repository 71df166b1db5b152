"""AWS CloudTrail: log-file integrity validation (164.312(c)(2), 164.312(b)), multi-region coverage,
encryption, CloudWatch Logs delivery, management events, and a trail for stacks holding ePHI."""
from __future__ import annotations

from hipaa_policies.core.props import FAIL, UNKNOWN, Finding
from hipaa_policies.core.policy import resource_policy, stack_policy
from hipaa_policies.core.remediation import fix_by_setting

TRAIL = "aws:cloudtrail/trail:Trail"
# Resources that typically store ePHI; a stack declaring one should have its API activity recorded.
DATA_STORES = [
    "aws:s3/bucket:Bucket", "aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:dynamodb/table:Table",
    "aws:ebs/volume:Volume", "aws:efs/fileSystem:FileSystem", "aws:redshift/cluster:Cluster",
    "aws:docdb/cluster:Cluster", "aws:neptune/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:opensearch/domain:Domain", "aws:backup/vault:Vault",
]


@resource_policy(
    name="cloudtrail-log-file-validation",
    description="CloudTrail trails must enable log-file integrity validation.",
    citations=["164.312(c)(2)", "164.312(c)(1)", "164.312(b)"],
    severity="high",
    resource_types=[TRAIL],
    remediation="Set `enableLogFileValidation: true` so CloudTrail writes signed digest files for every log file.",
)
def cloudtrail_log_file_validation(r, cfg):
    return r.expect_true("enableLogFileValidation")


fix_by_setting(cloudtrail_log_file_validation, "enableLogFileValidation", True)


@resource_policy(
    name="cloudtrail-multi-region",
    description="CloudTrail trails must record activity in every region.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="high",
    resource_types=[TRAIL],
    remediation="Set `isMultiRegionTrail: true` (and keep `includeGlobalServiceEvents` true) so API activity in "
                "any region, including IAM and sign-in events, is recorded.",
)
def cloudtrail_multi_region(r, cfg):
    return r.expect_true("isMultiRegionTrail")


fix_by_setting(cloudtrail_multi_region, "isMultiRegionTrail", True)


@resource_policy(
    name="cloudtrail-kms-encryption",
    description="CloudTrail trails must encrypt their log files with a KMS key.",
    citations=["164.312(a)(2)(iv)", "164.312(b)", "164.312(c)(1)"],
    severity="medium",
    resource_types=[TRAIL],
    remediation="Set `kmsKeyId` to a customer managed KMS key whose key policy lets CloudTrail encrypt and only "
                "auditors decrypt.",
)
def cloudtrail_kms_encryption(r, cfg):
    return r.expect_present("kmsKeyId", "a KMS key ARN (SSE-KMS for log files)")


@resource_policy(
    name="cloudtrail-cloudwatch-logs",
    description="CloudTrail trails must deliver events to CloudWatch Logs for monitoring and alerting.",
    citations=["164.308(a)(1)(ii)(D)", "164.312(b)", "164.308(a)(6)(ii)"],
    severity="medium",
    resource_types=[TRAIL],
    remediation="Set `cloudWatchLogsGroupArn` (the log group ARN followed by `:*`) and `cloudWatchLogsRoleArn` "
                "(a role CloudTrail can assume to write to it).",
)
def cloudtrail_cloudwatch_logs(r, cfg):
    findings = r.expect_present("cloudWatchLogsGroupArn", "the ARN of a CloudWatch Logs log group")
    findings += r.expect_present("cloudWatchLogsRoleArn", "the ARN of a role CloudTrail assumes to deliver logs")
    return findings


def _advanced_logs_management(selector, require_all):
    """True / False / UNKNOWN for one advanced event selector."""
    fields = selector.list("fieldSelectors")
    if fields is UNKNOWN:
        return UNKNOWN
    management, rw_limited = False, False
    for _path, fs in selector.items("fieldSelectors"):
        name = fs.str("field")
        if name is UNKNOWN:
            return UNKNOWN
        if not isinstance(name, str):
            continue
        equals = fs.list("equals")
        if equals is UNKNOWN:
            return UNKNOWN
        if name == "eventCategory":
            management = "Management" in equals
        elif name == "readOnly":
            rw_limited = True
    return management and not (require_all and rw_limited)


def _basic_logs_management(selector, require_all):
    include = selector.bool("includeManagementEvents")
    rw = selector.str("readWriteType")
    if UNKNOWN in (include, rw):
        return UNKNOWN
    if include is False:
        return False
    return not require_all or not isinstance(rw, str) or rw.lower() == "all"


@resource_policy(
    name="cloudtrail-management-events",
    description="CloudTrail trails must record management events (read and write).",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="high",
    resource_types=[TRAIL],
    remediation="Leave event selectors unset (management events are recorded by default) or keep "
                "`includeManagementEvents: true` with `readWriteType: All` on an event selector; with advanced "
                "event selectors, add one with `eventCategory` equals `Management` and no `readOnly` filter.",
    config={"requireReadAndWrite": {"type": "boolean", "default": True,
                                    "description": "Require both read and write management events."}},
)
def cloudtrail_management_events(r, cfg):
    require_all = cfg["requireReadAndWrite"]
    expected = "a selector that records management events" + (" (read and write)" if require_all else "")
    for path, check in (("advancedEventSelectors", _advanced_logs_management),
                        ("eventSelectors", _basic_logs_management)):
        selectors = r.list(path)
        if selectors is UNKNOWN:
            return r.unverified(path, expected)
        if not selectors:
            continue
        results = [check(sel, require_all) for _p, sel in r.items(path)]
        if any(res is True for res in results):
            return []
        if UNKNOWN in results:
            return r.unverified(path, expected)
        return r.fail(path, expected)
    return []  # no selectors: CloudTrail records all management events


@stack_policy(
    name="cloudtrail-trail-declared",
    description="A stack that declares ePHI data stores should declare a CloudTrail trail (or rely on an "
                "organisation trail managed elsewhere).",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[TRAIL] + DATA_STORES,
    remediation="Declare an `aws.cloudtrail.Trail` (multi-region, validated, KMS-encrypted, delivering to "
                "CloudWatch Logs), or exempt the stack if an organisation trail in a central account covers it.",
    default_level="advisory",
    level_reason="many organisations record API activity with one organisation trail in a central stack, which "
                 "this stack cannot see",
)
def cloudtrail_trail_declared(stack, cfg):
    if stack.has_type(TRAIL):
        return []
    return [Finding("(stack)", "accompanied by an `aws.cloudtrail.Trail` (or an organisation trail) recording "
                    "access to this data store", FAIL, store.urn)
            for store in stack.of_type(*DATA_STORES)]
