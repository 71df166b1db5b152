"""Amazon RDS: encryption at rest of DB instances and clusters (164.312(a)(2)(iv))."""
from ..registry import remediation_for, resource_policy

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"


@resource_policy(
    name="rds-storage-encrypted",
    description="RDS DB instances and Aurora/Multi-AZ DB clusters must encrypt storage at rest.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[INSTANCE, CLUSTER],
    remediation="Set `storageEncrypted: true` and `kmsKeyId` to a customer managed KMS key. "
                "An existing unencrypted database cannot be encrypted in place: snapshot it, copy the "
                "snapshot with encryption, and restore.",
    notes="Remediation sets `storageEncrypted` on the inputs; on an existing database that forces "
          "a replacement, so use `remediate` only for databases not yet created.",
)
def rds_storage_encrypted(r, cfg):
    # Aurora Serverless v1 clusters are always encrypted.
    if r.type.endswith("cluster:Cluster") and r.str("engineMode") == "serverless":
        return []
    return r.expect_true("storageEncrypted")


@remediation_for(rds_storage_encrypted)
def _encrypt_rds(r, cfg):
    if r.bool("storageEncrypted") is True:
        return None
    return {**r.raw, "storageEncrypted": True}
