"""AWS Secrets Manager: secrets under a customer managed KMS key (164.312(a)(2)(iv)) and
rotated automatically (164.308(a)(5)(ii)(D), 164.312(d)), resource policies closed to the public
(164.312(a)(1)).

Rotation is a separate ``aws.secretsmanager.SecretRotation`` resource linked by its ``secretId``
input (the secret's id or ARN), so the rotation check is a stack-level join.
"""
from __future__ import annotations

from hipaa_policies.core.helpers.principals import public_findings
from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN, UNVERIFIED, Finding, Props
from hipaa_policies.core.policy import resource_policy, stack_policy

SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
AWS_MANAGED_KEY = "alias/aws/secretsmanager"


def _aws_managed(key: str) -> bool:
    k = key.strip().lower()
    return k == AWS_MANAGED_KEY or k.endswith(":" + AWS_MANAGED_KEY)


@resource_policy(
    name="secretsmanager-secret-customer-kms-key",
    description="Secrets Manager secrets must be encrypted with a customer managed KMS key.",
    citations=["164.312(a)(2)(iv)", "164.312(a)(1)"],
    severity="medium",
    resource_types=[SECRET],
    remediation="Set `kmsKeyId` to a customer managed KMS key whose key policy limits `kms:Decrypt` to the "
                "principals that read the secret.",
    notes="Without `kmsKeyId` Secrets Manager uses the AWS managed key `aws/secretsmanager`, whose key "
          "policy cannot restrict who decrypts.",
)
def secretsmanager_secret_customer_kms_key(r, cfg):
    return r.expect("kmsKeyId", lambda v: isinstance(v, str) and bool(v.strip()) and not _aws_managed(v),
                    "a customer managed KMS key (not `aws/secretsmanager`)")


def _rotation_findings(rot: Props, max_days: int, urn: str) -> list:
    out = []
    enabled = rot.bool("rotationEnabled")
    if enabled is UNKNOWN:
        out.append(Finding("SecretRotation.rotationEnabled", "true", UNVERIFIED, urn))
    elif enabled is False:
        out.append(Finding("SecretRotation.rotationEnabled", "true", FAIL, urn))
    rules = rot.get("rotationRules")
    if rules is UNKNOWN:
        return out + [Finding("SecretRotation.rotationRules", f"a schedule of at most {max_days} days",
                              UNVERIFIED, urn)]
    if not isinstance(rules, dict):
        return out + [Finding("SecretRotation.rotationRules", f"a schedule of at most {max_days} days", FAIL, urn)]
    days = Props(rules).num("automaticallyAfterDays")
    schedule = Props(rules).get("scheduleExpression")
    expected = f"at most {max_days} days"
    if days is UNKNOWN:
        out.append(Finding("SecretRotation.rotationRules.automaticallyAfterDays", expected, UNVERIFIED, urn))
    elif isinstance(days, float):
        if days > max_days or days < 1:
            out.append(Finding("SecretRotation.rotationRules.automaticallyAfterDays", expected, FAIL, urn))
    elif schedule is UNKNOWN:
        out.append(Finding("SecretRotation.rotationRules.scheduleExpression", "a rotation schedule",
                           UNVERIFIED, urn))
    elif not (isinstance(schedule, str) and schedule.strip()):
        out.append(Finding("SecretRotation.rotationRules", "`automaticallyAfterDays` (at most "
                           f"{max_days}) or `scheduleExpression`", FAIL, urn))
    return out


@stack_policy(
    name="secretsmanager-secret-rotation-enabled",
    description="Every Secrets Manager secret must have automatic rotation (an aws.secretsmanager.SecretRotation) "
                "at most every N days.",
    citations=["164.308(a)(5)(ii)(D)", "164.312(d)"],
    severity="medium",
    resource_types=[SECRET, ROTATION],
    remediation="Declare `aws.secretsmanager.SecretRotation(secret_id=secret.id, rotation_lambda_arn=..., "
                "rotation_rules={\"automatically_after_days\": 30})` for the secret (managed rotation for "
                "RDS/Redshift/DocumentDB needs no Lambda).",
    config={"maxRotationDays": {"type": "integer", "default": 90, "minimum": 1, "maximum": 1000,
                                "description": "Longest accepted rotation interval in days (AWS Config uses 90)."}},
    notes="A `scheduleExpression` (cron or rate) is accepted without evaluating its interval.",
)
def secretsmanager_secret_rotation_enabled(stack, cfg):
    findings = []
    for secret in stack.of_type(SECRET):
        links = stack.referrers(secret, [ROTATION], "secretId")
        if links.resources:
            for rot in links.resources:
                findings += _rotation_findings(rot, cfg["maxRotationDays"], secret.urn)
        elif links.unresolved:
            findings.append(Finding("SecretRotation.secretId", "a SecretRotation linked to this secret (a rotation's "
                                    "`secretId` is unknown until deployment)", UNVERIFIED, secret.urn))
        else:
            findings.append(Finding("SecretRotation", "declared for this secret (automatic rotation)",
                                    FAIL, secret.urn))
    return findings


SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"


@resource_policy(
    name="secretsmanager-secret-policy-no-public-principal",
    description="Secrets Manager resource policies must not let everyone (`Principal: \"*\"`) read or manage a secret "
                "without a condition restricting the caller.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)", "164.312(d)"],
    severity="critical",
    resource_types=[SECRET_POLICY, SECRET],
    remediation="Name the roles that read the secret in each `Allow` statement, or restrict `Principal: \"*\"` with "
                "`aws:PrincipalOrgID`, `aws:PrincipalAccount` or `aws:SourceVpce`; keep `blockPublicPolicy: true` on "
                "`aws.secretsmanager.SecretPolicy`.",
    notes="Reads `policy` of `aws.secretsmanager.SecretPolicy` and of the secret; shared public-principal analysis "
          "(see s3-bucket-policy-no-public-principal). `blockPublicPolicy` makes AWS refuse such a policy at "
          "deployment; the document itself is still checked.",
)
def secretsmanager_secret_policy_no_public_principal(r, cfg):
    return public_findings(r.get("policy"), "policy", absent=UNKNOWN if r.type == SECRET_POLICY else MISSING)
