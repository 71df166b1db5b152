"""AWS CodeBuild: build logs kept (164.312(b)), no plaintext AWS keys in project environment variables
and no credentials in source repository URLs (164.312(a)(1), 164.308(a)(5)(ii)(D)).

Build projects often run with access to ePHI stores (migrations, data pipelines, test fixtures).
Environment variables of type ``PLAINTEXT`` and source URLs are readable by anyone allowed
``codebuild:BatchGetProjects`` and appear in the console: a key or token there is a shared,
unrotated credential.  Values are never echoed.
"""
from __future__ import annotations

from hipaa_policies.core.props import UNKNOWN, is_unknown
from hipaa_policies.core.policy import resource_policy

PROJECT = "aws:codebuild/project:Project"


@resource_policy(
    name="codebuild-project-logging",
    description="CodeBuild projects must keep build logs in CloudWatch Logs or S3.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[PROJECT],
    remediation="Leave `logsConfig.cloudwatchLogs.status` unset or `ENABLED` (with a `groupName` retained six "
                "years), or set `logsConfig.s3Logs: {status: \"ENABLED\", location: \"<bucket>/<prefix>\"}`.",
    notes="CloudWatch Logs is on by default (`ENABLED`) and S3 logs off; a project fails only when CloudWatch "
          "Logs is `DISABLED` and S3 logs are not `ENABLED`. AWS Config: codebuild-project-logging-enabled.",
)
def codebuild_project_logging(r, cfg):
    cw, s3 = r.str("logsConfig.cloudwatchLogs.status"), r.str("logsConfig.s3Logs.status")
    if r.get("logsConfig") is UNKNOWN:
        return r.unverified("logsConfig", "CloudWatch Logs or S3 logs `ENABLED`")
    cw_on = UNKNOWN if cw is UNKNOWN else not (isinstance(cw, str) and cw.upper() == "DISABLED")
    s3_on = UNKNOWN if s3 is UNKNOWN else isinstance(s3, str) and s3.upper() == "ENABLED"
    if cw_on is True or s3_on is True:
        return []
    expected = "`ENABLED` (the default), or `logsConfig.s3Logs.status` `ENABLED`"
    if UNKNOWN in (cw_on, s3_on):
        return r.unverified("logsConfig.cloudwatchLogs.status" if cw_on is UNKNOWN else "logsConfig.s3Logs.status",
                            expected)
    return r.fail("logsConfig.cloudwatchLogs.status", expected)


AWS_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
CREDENTIALS_EXPECTED = ("`PARAMETER_STORE` or `SECRETS_MANAGER` for AWS credential variables (better: no keys at "
                        "all — the project's `serviceRole` supplies credentials)")


@resource_policy(
    name="codebuild-no-plaintext-aws-credentials",
    description="CodeBuild projects must not hold AWS access keys in plaintext environment variables.",
    citations=["164.312(a)(1)", "164.308(a)(5)(ii)(D)", "164.308(a)(4)(ii)(B)"],
    severity="high",
    resource_types=[PROJECT],
    remediation="Remove `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` from "
                "`environment.environmentVariables` and grant the build what it needs through the project's "
                "`serviceRole`; if a key is unavoidable, store it in Secrets Manager or Parameter Store and reference "
                "it with `type: SECRETS_MANAGER` / `PARAMETER_STORE`. Rotate any key that was in plaintext.",
    notes="A variable's `type` defaults to `PLAINTEXT`. AWS Config: codebuild-project-envvar-awscred-check.",
)
def codebuild_no_plaintext_aws_credentials(r, cfg):
    variables = r.list("environment.environmentVariables")
    if variables is UNKNOWN:
        return r.unverified("environment.environmentVariables", CREDENTIALS_EXPECTED)
    findings = []
    for _path, var in r.items("environment.environmentVariables"):
        name = var.str("name")
        if name is UNKNOWN:
            findings += var.unverified("name", CREDENTIALS_EXPECTED)
            continue
        if not (isinstance(name, str) and name.strip().upper() in AWS_CREDENTIAL_VARIABLES):
            continue
        findings += var.expect_not_in("type", ["PLAINTEXT"], CREDENTIALS_EXPECTED, absent_ok=False)
    return findings


def _credentials_in_url(value):
    """True when a URL carries user information (``https://user:token@host/...`` or ``https://token@host``)."""
    if not isinstance(value, str) or "://" not in value:
        return False
    authority = value.split("://", 1)[1].split("/", 1)[0]
    return "@" in authority


SOURCE_EXPECTED = ("a repository URL without user name, password or token (connect GitHub, GitLab or Bitbucket "
                   "through `source.auth` with CodeConnections or an `aws.codebuild.SourceCredential`)")


@resource_policy(
    name="codebuild-source-no-credentials-in-url",
    description="CodeBuild project sources must not carry credentials (personal access tokens, user:password) in "
                "their repository URL.",
    citations=["164.312(a)(1)", "164.308(a)(5)(ii)(D)", "164.312(d)"],
    severity="high",
    resource_types=[PROJECT],
    remediation="Set `source.location` (and each `secondarySources[].location`) to the plain repository URL, e.g. "
                "`https://github.com/org/repo.git`, and authenticate with `source.auth: {type: \"CODECONNECTIONS\", "
                "resource: <connection ARN>}` (OAuth through AWS CodeConnections) or an "
                "`aws.codebuild.SourceCredential`. Revoke any token that was in a URL.",
    notes="AWS Config: codebuild-project-source-repo-url-check. The URL is never echoed.",
)
def codebuild_source_no_credentials_in_url(r, cfg):
    findings = []
    locations = [("source.location", r.get("source.location"))]
    secondary = r.list("secondarySources")
    if secondary is UNKNOWN:
        findings += r.unverified("secondarySources", SOURCE_EXPECTED)
    else:
        locations += [(f"{path}.location", src.get("location")) for path, src in r.items("secondarySources")]
    if r.get("source") is UNKNOWN:
        locations[0] = ("source", UNKNOWN)
    for path, value in locations:
        if value is UNKNOWN or is_unknown(value):
            findings += r.unverified(path, SOURCE_EXPECTED)
        elif _credentials_in_url(value):
            findings += r.fail(path, SOURCE_EXPECTED)
    return findings
