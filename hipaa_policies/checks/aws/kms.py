"""AWS KMS: automatic key rotation and a long deletion window (164.312(a)(2)(iv)), and key
policies that never open a key to every principal (164.308(a)(4)(ii)(B), 164.312(a)(1)).

Key policies (``policy`` on a key or an ``aws.kms.KeyPolicy``) go through the shared public-principal
analysis (:mod:`hipaa_policies.core.helpers.principals`); findings name the statement and element only.
"""
from __future__ import annotations

from hipaa_policies.core.helpers.principals import public_findings
from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN
from hipaa_policies.core.policy import remediation_for, resource_policy

KEY = "aws:kms/key:Key"
EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"


def _fails(findings):
    return any(f.status == FAIL for f in findings)


def _rotatable(r):
    """True / False / UNKNOWN: only symmetric encryption keys in AWS KMS key material rotate."""
    spec, usage = r.str("customerMasterKeySpec"), r.str("keyUsage")
    if spec is UNKNOWN or usage is UNKNOWN:
        return UNKNOWN
    if isinstance(spec, str) and spec and spec.upper() != "SYMMETRIC_DEFAULT":
        return False
    if isinstance(usage, str) and usage and usage.upper() != "ENCRYPT_DECRYPT":
        return False
    for store in ("customKeyStoreId", "xksKeyId"):
        value = r.get(store)
        if value is UNKNOWN:
            return UNKNOWN
        if isinstance(value, str) and value:
            return False
    return True


@resource_policy(
    name="kms-key-rotation-enabled",
    description="Symmetric KMS keys must rotate their key material automatically.",
    citations=["164.312(a)(2)(iv)"],
    severity="medium",
    resource_types=[KEY],
    remediation="Set `enableKeyRotation: true` (optionally `rotationPeriodInDays`, 90-2560; default 365).",
    notes="Asymmetric, HMAC, custom key store and external (imported) keys cannot rotate automatically and "
          "are skipped; rotate them manually by creating a new key and moving the alias. A key spec unknown "
          "during preview counts as the default (symmetric).",
)
def kms_key_rotation_enabled(r, cfg):
    # a key spec or store unknown until deployment is treated as the default (symmetric, rotatable)
    if _rotatable(r) is False:
        return []
    return r.expect_true("enableKeyRotation", "true (the default is false)")


@remediation_for(kms_key_rotation_enabled)
def _rotate(r, cfg):
    if not _fails(kms_key_rotation_enabled(r, cfg)):
        return None
    return {**r.raw, "enableKeyRotation": True}


@resource_policy(
    name="kms-key-deletion-window",
    description="KMS keys must have a deletion waiting period of at least N days, so a scheduled deletion "
                "that would make ePHI undecryptable can be noticed and cancelled.",
    citations=["164.312(a)(2)(iv)", "164.308(a)(7)(i)"],
    severity="medium",
    resource_types=[KEY, EXTERNAL_KEY, REPLICA_KEY, REPLICA_EXTERNAL_KEY],
    remediation="Set `deletionWindowInDays` to 30 (the AWS default and maximum) or omit it, and alarm on "
                "CloudTrail `ScheduleKeyDeletion` events.",
    config={"minimumDays": {"type": "integer", "default": 30, "minimum": 7, "maximum": 30,
                            "description": "Minimum deletion waiting period in days (AWS allows 7-30; default 30)."}},
)
def kms_key_deletion_window(r, cfg):
    minimum = cfg["minimumDays"]
    return r.expect_at_least("deletionWindowInDays", minimum,
                             f"at least {minimum} days (or unset: 30 days)", absent_ok=True)


# ---------------------------------------------------------------------------------- key policies
@resource_policy(
    name="kms-key-policy-no-wildcard-principal",
    description="KMS key policies must not allow every principal (`*`) without a condition restricting the caller.",
    citations=["164.308(a)(4)(ii)(B)", "164.312(a)(1)"],
    severity="critical",
    resource_types=[KEY, EXTERNAL_KEY, REPLICA_KEY, REPLICA_EXTERNAL_KEY, KEY_POLICY],
    remediation="Name specific principals (account root, roles) in each `Allow` statement, or add a `Condition` "
                "such as `kms:CallerAccount`, `aws:PrincipalOrgID` or `aws:SourceAccount`; never use an `Allow` "
                "with `NotPrincipal`.",
    default_level="mandatory",
    level_reason="a key open to every AWS principal exposes all ePHI encrypted under it; there is no "
                 "reasonable alternative to document instead",
    notes="Shared public-principal analysis (see s3-bucket-policy-no-public-principal): a wildcard principal is "
          "restricted only by a positive condition on a caller key such as `kms:CallerAccount` (the pattern of AWS "
          "managed keys, with `kms:ViaService`), `aws:PrincipalOrgID`, `aws:PrincipalAccount` or `aws:SourceArn`; "
          "other conditions (`kms:ViaService` alone, `kms:EncryptionContext...`) do not say who calls. An "
          "omitted policy (the default key policy: account root only) passes; a document not known until "
          "deployment or not JSON is unverified.",
)
def kms_key_policy_no_wildcard_principal(r, cfg):
    return public_findings(r.get("policy"), "policy", absent=UNKNOWN if r.type == KEY_POLICY else MISSING)
