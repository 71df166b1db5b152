"""Amazon MSK: TLS between clients and brokers and within the cluster (164.312(e)(1),
164.312(e)(2)(ii)) and encryption at rest with a customer managed KMS key (164.312(a)(2)(iv))."""
from hipaa_policies.core.policy import resource_policy

CLUSTER = "aws:msk/cluster:Cluster"


@resource_policy(
    name="msk-cluster-encryption-in-transit",
    description="MSK clusters must encrypt client-broker traffic with TLS only and encrypt traffic between brokers.",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Set `encryptionInfo.encryptionInTransit.clientBroker: \"TLS\"` and leave `inCluster` true (both "
                "are the AWS defaults); move plaintext clients to port 9094 (TLS) or 9098 (IAM).",
)
def msk_cluster_encryption_in_transit(r, cfg):
    base = "encryptionInfo.encryptionInTransit."
    findings = r.expect_in(f"{base}clientBroker", ["TLS"], "`TLS` (not `TLS_PLAINTEXT` or `PLAINTEXT`)",
                           absent_ok=True)
    findings += r.expect_true(f"{base}inCluster", "true", absent_ok=True)
    return findings


@resource_policy(
    name="msk-cluster-encryption-at-rest-kms",
    description="MSK clusters must encrypt broker storage with a customer managed KMS key.",
    citations=["164.312(a)(2)(iv)"],
    severity="medium",
    resource_types=[CLUSTER],
    remediation="Set `encryptionInfo.encryptionAtRestKmsKeyArn` to a customer managed KMS key (only at creation).",
    notes="Without the key MSK encrypts with the AWS managed key `aws/kafka`, whose key policy cannot restrict "
          "who decrypts. MSK Serverless always encrypts and is not checked.",
)
def msk_cluster_encryption_at_rest_kms(r, cfg):
    return r.expect_present("encryptionInfo.encryptionAtRestKmsKeyArn", "the ARN of a customer managed KMS key")
