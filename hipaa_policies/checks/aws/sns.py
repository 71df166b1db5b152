"""Amazon SNS: topics encrypt messages at rest with a KMS key (164.312(a)(2)(iv))."""
from hipaa_policies.core.props import FAIL, UNKNOWN
from hipaa_policies.core.policy import remediation_for, resource_policy

TOPIC = "aws:sns/topic:Topic"


@resource_policy(
    name="sns-topic-encrypted-kms",
    description="SNS topics must encrypt messages at rest with a KMS key.",
    citations=["164.312(a)(2)(iv)", "164.310(d)(1)"],
    severity="high",
    resource_types=[TOPIC],
    remediation="Set `kmsMasterKeyId` to a customer managed KMS key (or `alias/aws/sns`). Publishers need "
                "`kms:GenerateDataKey*` and `kms:Decrypt` on a customer managed key.",
)
def sns_topic_encrypted_kms(r, cfg):
    return r.expect_present("kmsMasterKeyId", "a KMS key id, ARN or alias")


@remediation_for(sns_topic_encrypted_kms)
def _use_kms(r, cfg):
    if not any(f.status == FAIL for f in sns_topic_encrypted_kms(r, cfg)):
        return None
    key = r.get("kmsMasterKeyId")
    if key is UNKNOWN or (isinstance(key, str) and key.strip()):
        return None
    return {**r.raw, "kmsMasterKeyId": "alias/aws/sns"}
