"""Amazon SNS: topics encrypt messages at rest with a KMS key (164.312(a)(2)(iv)) and their policies
stay closed to the public (164.312(a)(1))."""
from hipaa_policies.core.helpers.principals import public_findings
from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN
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


TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"


@resource_policy(
    name="sns-topic-policy-no-public-principal",
    description="SNS topic policies must not let everyone (`Principal: \"*\"`) publish, subscribe or manage the "
                "topic without a condition restricting the caller.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="critical",
    resource_types=[TOPIC_POLICY, TOPIC],
    remediation="Name the principals in each `Allow` statement, or restrict `Principal: \"*\"` with a condition such "
                "as `aws:SourceOwner`/`aws:SourceAccount` (the default topic policy does this), `aws:SourceArn` "
                "or `aws:PrincipalOrgID`.",
    notes="Reads `policy` of `aws.sns.TopicPolicy` and of the topic; shared public-principal analysis (see "
          "s3-bucket-policy-no-public-principal). Anyone subscribing to a topic receives every message it carries.",
)
def sns_topic_policy_no_public_principal(r, cfg):
    return public_findings(r.get("policy"), "policy", absent=UNKNOWN if r.type == TOPIC_POLICY else MISSING)
