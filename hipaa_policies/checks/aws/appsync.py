"""AWS AppSync: GraphQL and Event APIs log requests to CloudWatch Logs (164.312(b)).

Field-level logs record each resolver call (who asked for which field, and errors); request-level logs
come with any level other than ``NONE``.  At ``ALL`` (or ``DEBUG``) the logs can hold response data —
ePHI — unless ``excludeVerboseContent`` is set, so the log group must then be KMS-encrypted.
"""
from __future__ import annotations

from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.policy import resource_policy

GRAPHQL_API = "aws:appsync/graphQLApi:GraphQLApi"
EVENT_API = "aws:appsync/api:Api"
LEVELS = ["ALL", "ERROR", "INFO", "DEBUG"]


@resource_policy(
    name="appsync-api-logging",
    description="AppSync GraphQL and Event APIs must log to CloudWatch Logs (field log level other than `NONE`).",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[GRAPHQL_API, EVENT_API],
    remediation="Set `logConfig: {fieldLogLevel: \"ERROR\" (or \"ALL\"), cloudwatchLogsRoleArn: <role ARN>}` on an "
                "`aws.appsync.GraphQLApi` (`eventConfig.logConfig: {logLevel: ..., cloudwatchLogsRoleArn: ...}` on an "
                "`aws.appsync.Api`); the role needs the AWSAppSyncPushToCloudWatchLogs permissions.",
    config={"allowedLevels": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": LEVELS},
                              "default": LEVELS, "description": "Log levels accepted."}},
    notes="Without `logConfig` AppSync writes no logs. At `ALL`/`DEBUG` the logs may contain response data (ePHI) "
          "unless `excludeVerboseContent: true`: encrypt the log group with KMS. AWS Config: appsync-logging-enabled.",
)
def appsync_api_logging(r, cfg):
    if r.type == EVENT_API:
        base, level_key = "eventConfig.logConfig", "logLevel"
    else:
        base, level_key = "logConfig", "fieldLogLevel"
    if r.get(base) is UNKNOWN:
        return r.unverified(base, "logging to CloudWatch Logs")
    allowed = cfg["allowedLevels"]
    findings = r.expect_in(f"{base}.{level_key}", allowed, " or ".join(f"`{a}`" for a in allowed) +
                           " (no `logConfig`, or `NONE`, writes no logs)")
    if not findings:
        findings += r.expect_present(f"{base}.cloudwatchLogsRoleArn",
                                     "the ARN of a role AppSync assumes to write to CloudWatch Logs")
    return findings
