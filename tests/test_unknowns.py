"""Unknown values during preview (issue 6, part 4): policies check what is known, a known failing
property still fails when another property is unknown, and every unknown property a policy needs
is reported as an advisory "unverified" message naming it (never a silent pass, never the SDK's
generic skip)."""
from __future__ import annotations

import pytest

from cases import all_cases, build
from hipaa_policies.runtime import engine
from hipaa_policies import registry
from hipaa_policies.runtime.fast_servicer import struct_to_dict
from hipaa_policies.core.props import FAIL, UNKNOWN_SENTINELS, UNKNOWN_STRING, UNVERIFIED
from hipaa_policies.core.resource import Resource
from hipaa_policies.testing import resource

PP = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
PP_POLICY = "iam-account-password-policy"
GOOD_PP = {"minimumPasswordLength": 16.0, "passwordReusePrevention": 24.0, "requireLowercaseCharacters": True,
           "requireUppercaseCharacters": True, "requireNumbers": True, "requireSymbols": True,
           "maxPasswordAge": 90.0}
SDK_SKIP = "can't run policy"  # pulumi-policy's generic message when a policy reads an unknown value


@pytest.fixture
def fresh(pack):
    pack.configure({PP_POLICY: "mandatory", "rds-storage-encrypted": "mandatory",
                    "s3-bucket-default-encryption-kms": "mandatory"})
    yield pack
    pack.configure({})


def body(d):
    return d.message.split("\n", 1)[-1]


def test_known_failure_still_fails_beside_an_unknown_property(fresh):
    props = dict(GOOD_PP, minimumPasswordLength=8.0, maxPasswordAge=UNKNOWN_STRING)
    diags = [d for d in fresh.analyze(resource(PP, props, name="pp")) if d.policy == PP_POLICY]
    by_kind = {d.kind: d for d in diags}
    assert sorted(by_kind) == ["unverified", "violation"], diags
    assert by_kind["violation"].level == "mandatory"
    assert "`minimumPasswordLength` must be at least 14" in body(by_kind["violation"])
    assert "maxPasswordAge" not in body(by_kind["violation"])
    unverified = by_kind["unverified"]
    assert unverified.level == "advisory"
    assert "unverified" in body(unverified) and "`maxPasswordAge`" in body(unverified)
    assert "minimumPasswordLength" not in body(unverified)


@pytest.mark.parametrize("sentinel", sorted(UNKNOWN_SENTINELS))
def test_every_unknown_sentinel_is_unverified_never_a_pass(fresh, sentinel):
    diags = [d for d in fresh.analyze(resource("aws:rds/instance:Instance", {"storageEncrypted": sentinel}, name="db"))
             if d.policy == "rds-storage-encrypted"]
    assert [(d.kind, d.level) for d in diags] == [("unverified", "advisory")]
    assert "`storageEncrypted`" in body(diags[0]) and SDK_SKIP not in diags[0].message


def test_all_unknown_password_policy_names_each_property(fresh):
    props = {k: UNKNOWN_STRING for k in GOOD_PP}
    diags = [d for d in fresh.analyze(resource(PP, props, name="pp")) if d.policy == PP_POLICY]
    assert [d.kind for d in diags] == ["unverified"]
    for key in GOOD_PP:
        assert f"`{key}`" in body(diags[0]), key


def test_unknown_link_in_stack_policy_is_unverified_for_that_resource(fresh):
    bucket = resource("aws:s3/bucket:Bucket", {"bucket": UNKNOWN_STRING}, name="b")
    conf = resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    {"bucket": UNKNOWN_STRING, "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]},
                    name="sse")
    diags = [d for d in fresh.analyze_stack([bucket, conf]) if d.policy == "s3-bucket-default-encryption-kms"]
    assert [(d.kind, d.level, d.urn) for d in diags] == [("unverified", "advisory", bucket.urn)]
    assert "unverified" in body(diags[0]) and "`BucketServerSideEncryptionConfiguration.bucket`" in body(diags[0])


def test_preview_program_reports_unverified_not_the_sdk_skip(fresh):
    from hipaa_policies.testing import capture

    def program():
        import pulumi_aws as aws
        key = aws.kms.Key("k")
        aws.cloudwatch.LogGroup("lg", kms_key_id=key.arn, retention_in_days=30)
    resources = capture(program, preview=True)
    result = fresh.check(resources)
    assert not [d for d in result.diagnostics if SDK_SKIP in d.message]
    retention = result.of("cloudwatch-log-group-retention")
    assert [d.kind for d in retention] == ["violation"]


def test_engine_unverified_message_shape():
    spec = registry.get(PP_POLICY)
    r = Resource(PP, dict(GOOD_PP, requireSymbols=UNKNOWN_STRING), "urn:pp", "pp")
    diags = engine.run_resource(spec, r, engine.resolve_config(spec, None), engine.Context())
    assert [d.kind for d in diags] == [engine.UNVERIFIED_DIAG]
    assert diags[0].message.startswith("unverified: `requireSymbols`")


# ------------------------------------------------------------------ every policy, from its fail cases
def _fail_cases():
    out = []
    for case in all_cases():
        spec = registry.load().get(case.policy)
        if spec and spec.kind == "resource" and case.expect == "fail" and not case.settings and not case.stack_tags:
            out.append(case)
    return out


FAIL_CASES = _fail_cases()


@pytest.mark.parametrize("case", FAIL_CASES, ids=[c.key for c in FAIL_CASES])
def test_known_failures_survive_other_unknown_properties(case):
    """For each top-level property not on a failing path, make it unknown: every failing path still
    fails, unless the unknown property decides whether the control applies (an engine, a protocol,
    a parameter-group family) and is itself reported unverified.  Never a silent pass."""
    spec = registry.get(case.policy)
    cfg = engine.resolve_config(spec, case.config)
    problems = []
    for r in build(case):
        if r.type not in spec.resource_types:
            continue
        props = struct_to_dict(r.properties)
        fails = {f.path for f in spec.check(Resource(r.type, props, r.urn, r.name), cfg) if f.status == FAIL}
        for key in props:
            if not fails or any(p == key or p.startswith((key + ".", key + "[")) for p in fails):
                continue
            findings = list(spec.check(Resource(r.type, dict(props, **{key: UNKNOWN_STRING}), r.urn, r.name), cfg))
            still = {f.path for f in findings if f.status == FAIL}
            named = [f for f in findings if f.status == UNVERIFIED and f.path.split(".")[0].split("[")[0] == key]
            if fails <= still or named:
                continue
            problems.append(f"{spec.name} on {case.key}: `{key}` unknown turns failing {sorted(fails - still)} into "
                            f"{[(f.path, f.status) for f in findings] or 'a silent pass'}")
    assert not problems, "\n".join(problems)
