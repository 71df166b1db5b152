"""AWS CloudTrail: log-file integrity validation (164.312(c)(2), 164.312(b))."""
from ..registry import remediation_for, resource_policy

TRAIL = "aws:cloudtrail/trail:Trail"


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


@remediation_for(cloudtrail_log_file_validation)
def _enable_validation(r, cfg):
    return None if r.bool("enableLogFileValidation") is True else {**r.raw, "enableLogFileValidation": True}
