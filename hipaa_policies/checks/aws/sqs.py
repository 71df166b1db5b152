"""Amazon SQS: queues encrypt messages at rest with a KMS key (164.312(a)(2)(iv)) and their policies
stay closed to the public (164.312(a)(1)).

Decision: by default a queue must name a KMS key (``kmsMasterKeyId``, SSE-KMS), as the AWS
Config HIPAA conformance pack's encryption rules expect: with KMS every decrypt is authorised by
a key policy and logged in CloudTrail.  SQS-managed SSE (SSE-SQS, on by default for new queues
since 2022) encrypts too, but with keys nobody can audit or revoke; set ``allowSqsManagedSse``
to accept it (an omitted ``sqsManagedSseEnabled`` then counts as the AWS default, enabled).
"""
from hipaa_policies.core.helpers.principals import public_findings
from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN
from hipaa_policies.core.policy import remediation_for, resource_policy

QUEUE = "aws:sqs/queue:Queue"


@resource_policy(
    name="sqs-queue-encrypted-kms",
    description="SQS queues must encrypt messages at rest with a KMS key (SSE-KMS).",
    citations=["164.312(a)(2)(iv)", "164.310(d)(1)"],
    severity="high",
    resource_types=[QUEUE],
    remediation="Set `kmsMasterKeyId` to a customer managed KMS key (or `alias/aws/sqs`) and drop "
                "`sqsManagedSseEnabled`; producers and consumers need `kms:GenerateDataKey`/`kms:Decrypt` on the key.",
    config={"allowSqsManagedSse": {"type": "boolean", "default": False,
                                   "description": "Accept SQS-managed server-side encryption (SSE-SQS) instead of a KMS key."}},
    notes="SSE-SQS is rejected by default because its keys cannot be audited or revoked; see `allowSqsManagedSse`.",
)
def sqs_queue_encrypted_kms(r, cfg):
    key = r.get("kmsMasterKeyId")
    if key is UNKNOWN or (isinstance(key, str) and key.strip()):
        return r.expect_present("kmsMasterKeyId", "a KMS key id, ARN or alias")
    if cfg["allowSqsManagedSse"]:
        return r.expect_true("sqsManagedSseEnabled",
                             "true (or unset: SSE-SQS is the AWS default), or `kmsMasterKeyId` set to a KMS key",
                             absent_ok=True)
    return r.fail("kmsMasterKeyId", "set to a KMS key (SSE-KMS)")


@remediation_for(sqs_queue_encrypted_kms)
def _use_kms(r, cfg):
    if not any(f.status == FAIL for f in sqs_queue_encrypted_kms(r, cfg)):
        return None
    new = {k: v for k, v in r.raw.items() if k != "sqsManagedSseEnabled"}
    new["kmsMasterKeyId"] = "alias/aws/sqs"
    return new


QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"


@resource_policy(
    name="sqs-queue-policy-no-public-principal",
    description="SQS queue policies must not let everyone (`Principal: \"*\"`) send, receive or manage messages "
                "without a condition restricting the caller.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="critical",
    resource_types=[QUEUE_POLICY, QUEUE],
    remediation="Name the principals in each `Allow` statement, or restrict `Principal: \"*\"` with a condition such "
                "as `aws:SourceArn` (the SNS topic or S3 bucket that sends), `aws:SourceAccount` or "
                "`aws:PrincipalOrgID`.",
    notes="Reads `policy` of `aws.sqs.QueuePolicy` and of the queue; shared public-principal analysis (see "
          "s3-bucket-policy-no-public-principal). A queue without a policy is private.",
)
def sqs_queue_policy_no_public_principal(r, cfg):
    return public_findings(r.get("policy"), "policy", absent=UNKNOWN if r.type == QUEUE_POLICY else MISSING)
