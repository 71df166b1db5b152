"""Enforcement profiles: levels per profile from data, chosen in hipaa-pack-settings.profile."""
import grpc
import pytest

from hipaa_policies import registry
from hipaa_policies.core.errors import ConfigError
from hipaa_policies.frameworks import profiles
from hipaa_policies.testing import resource

ENCRYPTION_AND_TLS = ["rds-storage-encrypted", "s3-bucket-default-encryption-kms", "ebs-volume-encrypted",
                      "lb-listener-tls", "cloudfront-viewer-https-only", "elasticache-encrypted-in-transit",
                      "dynamodb-table-encrypted-kms", "efs-encrypted"]
NPRM_ONLY = ["inspector2-scanning-enabled", "backup-restore-testing-covers-data-stores", "ssm-patch-baseline-approval-delay"]


@pytest.mark.parametrize("name", ENCRYPTION_AND_TLS)
def test_default_profile_blocks_unencrypted_ephi_whatever_the_citation(name):
    spec = registry.get(name)
    assert profiles.level(spec) == "mandatory"
    assert profiles.level(spec, "audit") == "advisory"


def test_required_only_is_the_2013_letter():
    spec = registry.get("rds-storage-encrypted")       # 164.312(a)(2)(iv) is Addressable
    assert profiles.level(spec, "required-only") == "advisory"
    assert profiles.level(registry.get("rds-backup-retention"), "required-only") == "mandatory"  # (a)(7)(ii)(A) R


def test_availability_and_hygiene_stay_advisory_by_default():
    for name in ("rds-backup-retention", "rds-deletion-protection", "guardduty-detector-enabled"):
        assert profiles.level(registry.get(name)) == "advisory", name


@pytest.mark.parametrize("name", NPRM_ONLY)
def test_proposed_rule_policies_run_only_under_their_profile(name):
    spec = registry.get(name)
    assert profiles.level(spec, "proposed-rule-2025") == "mandatory"
    for pid in ("default", "required-only", "audit"):
        assert profiles.level(spec, pid) == "disabled"


def test_stated_policy_levels_keep_their_reason():
    spec = registry.get("ec2-dedicated-tenancy")
    assert spec.default_level == "advisory" and spec.level_reason
    assert profiles.level(spec) == "advisory" and profiles.level(spec, "proposed-rule-2025") == "advisory"


def test_unknown_profile_names_the_setting():
    with pytest.raises(ConfigError, match=r"hipaa-pack-settings\.profile.*'nope'.*default, required-only"):
        profiles.get("nope")


def _rds_violation(pack):
    r = resource("aws:rds/instance:Instance", {"storageEncrypted": False}, name="db")
    return [d for d in pack.check([r]).diagnostics if d.policy == "rds-storage-encrypted"]


def test_profile_chosen_in_configure_changes_levels_through_the_protocol(pack):
    assert [d.level for d in _rds_violation(pack)] == ["mandatory"]
    try:
        pack.configure({"hipaa-pack-settings": {"profile": "audit"}})
        assert [d.level for d in _rds_violation(pack)] == ["advisory"]
        pack.configure({"hipaa-pack-settings": {"profile": "required-only"}})
        assert [d.level for d in _rds_violation(pack)] == ["advisory"]
        # a per-policy level that differs from the advertised one wins over the profile (one equal to
        # it cannot be told apart from no setting: the CLI sends the advertised level for those)
        pack.configure({"hipaa-pack-settings": {"profile": "proposed-rule-2025"}, "rds-storage-encrypted": "disabled"})
        assert _rds_violation(pack) == []
    finally:
        pack.configure({})
    assert [d.level for d in _rds_violation(pack)] == ["mandatory"]


def test_proposed_profile_enables_nprm_policies_through_the_protocol(pack):
    r = resource("aws:lambda/function:Function", {"role": "arn:aws:iam::1:role/x"}, name="fn")
    assert not [d for d in pack.check([r]).diagnostics if d.policy == "inspector2-scanning-enabled"]
    try:
        pack.configure({"hipaa-pack-settings": {"profile": "proposed-rule-2025"}})
        diags = [d for d in pack.check([r]).diagnostics if d.policy == "inspector2-scanning-enabled"]
        assert [(d.kind, d.level) for d in diags] == [("violation", "mandatory")]
    finally:
        pack.configure({})


def test_unknown_profile_is_invalid_argument_naming_the_key(pack):
    with pytest.raises(grpc.RpcError) as e:
        pack.configure({"hipaa-pack-settings": {"profile": "strictest"}})
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "hipaa-pack-settings.profile" in e.value.details() and "strictest" in e.value.details()
    pack.configure({})
