"""Amazon CloudWatch Logs: retention of audit records for six years (164.316(b)(2)(i))."""
from ..registry import remediation_for, resource_policy

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


@resource_policy(
    name="cloudwatch-log-group-retention",
    description="CloudWatch log groups must keep events for at least six years (or never expire).",
    citations=["164.316(b)(2)(i)", "164.312(b)"],
    severity="medium",
    resource_types=[LOG_GROUP],
    remediation="Set `retentionInDays` to 2192 (six years) or more, or leave it unset (never expire). "
                "Valid CloudWatch values at or above six years: 2192, 2557, 2922, 3288, 3653.",
    config={"minimumDays": {"type": "integer", "default": 2192, "minimum": 1, "maximum": 3653,
                            "description": "Minimum retention in days (2192 = 6 years, 164.316(b)(2)(i))."}},
)
def cloudwatch_log_group_retention(r, cfg):
    minimum = cfg["minimumDays"]
    return r.expect_at_least("retentionInDays", minimum, f"at least {minimum} days, or 0/unset to never expire",
                             absent_ok=True, allow=(0.0,))


VALID_RETENTION = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                   2922, 3288, 3653)


@remediation_for(cloudwatch_log_group_retention)
def _fix_retention(r, cfg):
    current = r.num("retentionInDays")
    if not isinstance(current, float) or current == 0 or current >= cfg["minimumDays"]:
        return None
    target = next(v for v in VALID_RETENTION if v >= cfg["minimumDays"])
    return {**r.raw, "retentionInDays": target}
