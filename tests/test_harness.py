"""hipaa_policies.testing as users use it in their own pytest suites."""
import pytest

from hipaa_policies.testing import PackServer, capture, resource


def phi_program():
    import pulumi_aws as aws
    bucket = aws.s3.Bucket("records")
    aws.s3.BucketServerSideEncryptionConfiguration(
        "records-sse", bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}])
    aws.rds.Instance("db", instance_class="db.t3.micro", engine="postgres", allocated_storage=20)


def test_capture_records_engine_shape_and_links():
    resources = {r.name: r for r in capture(phi_program, preview=True)}
    assert resources["db"].type == "aws:rds/instance:Instance"
    assert resources["db"].props()["allocatedStorage"] == 20.0  # numbers are floats
    sse = resources["records-sse"]
    assert sse.props()["bucket"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # unknown during preview
    assert sse.property_dependencies["bucket"] == [resources["records"].urn]


def test_user_stack_check(pack):
    result = pack.check(capture(phi_program))
    assert [d.policy for d in result.violations("rds-storage-encrypted")] == ["rds-storage-encrypted"]
    assert not result.violations("s3-bucket-default-encryption-kms")
    assert "storageEncrypted" in result.summary()


def test_configure_levels_change_enforcement(pack):
    bad = resource("aws:rds/instance:Instance", {"storageEncrypted": False}, name="db")
    try:
        pack.configure({"rds-storage-encrypted": "mandatory"})
        assert [d.level for d in pack.analyze(bad) if d.policy == "rds-storage-encrypted"] == ["mandatory"]
        pack.configure({"rds-storage-encrypted": "disabled"})
        assert [d for d in pack.analyze(bad) if d.policy == "rds-storage-encrypted"] == []
        pack.configure({"all": "advisory"})
        assert {d.level for d in pack.analyze(bad)} == {"advisory"}
    finally:
        pack.configure({})


def test_messages_never_echo_values(pack):
    secret = "s3cr3t-VALUE-9f1c"
    r = resource("aws:rds/instance:Instance", {"storageEncrypted": secret, "password": secret}, name="db")
    diags = pack.analyze(r)
    assert diags and all(secret not in d.message for d in diags)


def test_pack_dir_must_be_a_pack(tmp_path):
    with pytest.raises(FileNotFoundError, match="PulumiPolicy.yaml"):
        PackServer(tmp_path)


def test_capture_names_every_missing_config_key_or_fills_placeholders():
    import pulumi
    import pulumi_aws as aws
    from hipaa_policies.testing import MissingConfig

    def program():
        cfg = pulumi.Config()
        aws.s3.Bucket("b", bucket=cfg.require("bucketName"), tags={"team": cfg.require_secret("team")})
        aws.cloudwatch.LogGroup("l", retention_in_days=cfg.require_int("retentionDays"))
    try:
        capture(program, project="p")
        raise AssertionError("expected MissingConfig")
    except MissingConfig as e:
        assert e.keys == {"p:bucketName": False, "p:team": True, "p:retentionDays": False}
    resources = capture(program, project="p", placeholder_config=True)
    assert resources.placeholders == {"p:bucketName": False, "p:team": True, "p:retentionDays": False}
    log_group = next(r for r in resources if r.name == "l")
    assert log_group.props()["retentionInDays"] == 1.0  # require_int got a number


def test_capture_is_deterministic_and_records_declaring_lines():
    import pulumi_aws as aws

    def program():
        key = aws.kms.Key("k")
        aws.s3.Bucket("b")
        aws.s3.BucketServerSideEncryptionConfiguration("sse", bucket="b", rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}])
    runs = [[(r.urn, r.props(), r.source) for r in capture(program)] for _ in range(5)]
    assert all(run == runs[0] for run in runs)
    sse = runs[0][2]
    assert sse[1]["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith("arn:aws:kms:us-east-1:")
    assert sse[2][0] == __file__ and sse[2][1] > runs[0][0][2][1]
