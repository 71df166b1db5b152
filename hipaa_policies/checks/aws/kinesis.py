"""Amazon Kinesis Data Streams and Amazon Data Firehose: server-side encryption at rest
(164.312(a)(2)(iv))."""
from hipaa_policies.core.props import FAIL, UNKNOWN
from hipaa_policies.core.policy import remediation_for, resource_policy

STREAM = "aws:kinesis/stream:Stream"
FIREHOSE = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"


@resource_policy(
    name="kinesis-stream-encrypted-kms",
    description="Kinesis data streams must use server-side encryption with a KMS key.",
    citations=["164.312(a)(2)(iv)", "164.310(d)(1)"],
    severity="high",
    resource_types=[STREAM],
    remediation="Set `encryptionType: \"KMS\"` and `kmsKeyId` to a customer managed key (or `alias/aws/kinesis`).",
)
def kinesis_stream_encrypted_kms(r, cfg):
    findings = r.expect_in("encryptionType", ["KMS"], "`KMS` (the default is `NONE`)")
    findings += r.expect_present("kmsKeyId", "a KMS key id, ARN or alias")
    return findings


@remediation_for(kinesis_stream_encrypted_kms)
def _encrypt_stream(r, cfg):
    if not any(f.status == FAIL for f in kinesis_stream_encrypted_kms(r, cfg)):
        return None
    kind, key = r.str("encryptionType"), r.get("kmsKeyId")
    if kind is UNKNOWN or key is UNKNOWN:
        return None
    new = dict(r.raw)
    if not (isinstance(kind, str) and kind.upper() == "KMS"):
        new["encryptionType"] = "KMS"
    if not (isinstance(key, str) and key.strip()):
        new["kmsKeyId"] = "alias/aws/kinesis"
    return new if new != dict(r.raw) else None


@resource_policy(
    name="kinesis-firehose-server-side-encryption",
    description="Firehose delivery streams must encrypt buffered records with server-side encryption.",
    citations=["164.312(a)(2)(iv)"],
    severity="medium",
    resource_types=[FIREHOSE],
    remediation="Set `serverSideEncryption: {enabled: true, keyType: \"CUSTOMER_MANAGED_CMK\", keyArn: <key>}` "
                "(or `keyType: \"AWS_OWNED_CMK\"`). For a stream reading from Kinesis Data Streams or MSK, "
                "encrypt the source instead.",
    config={"requireCustomerKey": {"type": "boolean", "default": False,
                                   "description": "Require `keyType: CUSTOMER_MANAGED_CMK` rather than an AWS owned key."}},
    notes="Delivery streams whose source is a Kinesis data stream or an MSK cluster cannot enable "
          "server-side encryption; they are skipped (their source's encryption policies apply).",
)
def kinesis_firehose_server_side_encryption(r, cfg):
    for source in ("kinesisSourceConfiguration", "mskSourceConfiguration"):
        value = r.get(source)
        if value is UNKNOWN:
            return r.unverified(source, "known, to tell whether server-side encryption applies")
        if isinstance(value, dict) and value:
            return []
    findings = r.expect_true("serverSideEncryption.enabled")
    if cfg["requireCustomerKey"]:
        findings += r.expect_in("serverSideEncryption.keyType", ["CUSTOMER_MANAGED_CMK"])
        findings += r.expect_present("serverSideEncryption.keyArn", "the ARN of a customer managed KMS key")
    return findings
