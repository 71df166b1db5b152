"""AWS Step Functions: state machines log their executions to CloudWatch Logs (164.312(b)).

Workflows that move ePHI between services leave their audit trail in the execution history; Express
workflows keep none, and Standard workflows keep it for 90 days only, so the pack requires execution
logging to a log group (where cloudwatch-log-group-retention keeps it six years).

Decision on ``includeExecutionData``: not required and not forbidden.  With it, the log records the
input and output of each state (the ePHI itself), which helps to reconstruct what happened to a record
but turns the log group into an ePHI store: it must then be KMS-encrypted (cloudwatch-log-group-kms)
and access to it restricted like the data store.
"""
from __future__ import annotations

from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.policy import resource_policy

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
LEVELS = ["ALL", "ERROR", "FATAL"]


@resource_policy(
    name="sfn-state-machine-logging",
    description="Step Functions state machines must log executions to CloudWatch Logs (level `ALL` or `ERROR`).",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[STATE_MACHINE],
    remediation="Set `loggingConfiguration: {level: \"ALL\", logDestination: f\"{log_group.arn}:*\", "
                "includeExecutionData: <see notes>}` and give the state machine's role the CloudWatch Logs "
                "log-delivery permissions.",
    config={"allowedLevels": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": LEVELS},
                              "default": ["ALL", "ERROR"],
                              "description": "Logging levels accepted (`FATAL` records only executions that fail "
                                             "to complete)."}},
    notes="The default is `OFF`. `includeExecutionData` is neither required nor forbidden: with it the log holds the "
          "states' input and output (ePHI), so the log group must be KMS-encrypted and its access restricted. "
          "AWS Config: step-functions-state-machine-logging-enabled.",
)
def sfn_state_machine_logging(r, cfg):
    if r.get("loggingConfiguration") is UNKNOWN:
        return r.unverified("loggingConfiguration", "execution logging to a CloudWatch log group")
    allowed = cfg["allowedLevels"]
    findings = r.expect_in("loggingConfiguration.level", allowed,
                           " or ".join(f"`{a}`" for a in allowed) + " (the default is `OFF`)")
    if not findings:
        findings += r.expect_present("loggingConfiguration.logDestination",
                                     "the ARN of a CloudWatch log group followed by `:*`")
    return findings
