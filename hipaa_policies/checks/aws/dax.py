"""Amazon DynamoDB Accelerator (DAX): clusters encrypt cached items at rest (164.312(a)(2)(iv)) and
their endpoint in transit (164.312(e)(2)(ii)).  A DAX cache holds copies of DynamoDB items, so the
ePHI a table protects is also in the cluster's memory and disks."""
from hipaa_policies.core.policy import resource_policy
from hipaa_policies.core.remediation import fix_by_enabling

CLUSTER = "aws:dax/cluster:Cluster"


@resource_policy(
    name="dax-cluster-encrypted-at-rest",
    description="DAX clusters must encrypt cached data at rest.",
    citations=["164.312(a)(2)(iv)", "164.310(d)(1)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Set `serverSideEncryption: {enabled: true}` (chosen at creation: changing it replaces the cluster).",
    notes="AWS Config dax-encryption-enabled. Without the block encryption at rest is off.",
)
def dax_cluster_encrypted_at_rest(r, cfg):
    return r.expect_true("serverSideEncryption.enabled", "true (the default is false)")


fix_by_enabling(dax_cluster_encrypted_at_rest, "serverSideEncryption")


@resource_policy(
    name="dax-cluster-tls-endpoint",
    description="DAX cluster endpoints must require TLS.",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Set `clusterEndpointEncryptionType: \"TLS\"` (chosen at creation) and connect with a TLS-capable "
                "DAX client (`daxs://` endpoint).",
    notes="AWS Config dax-tls-endpoint-encryption. The default is `NONE` (plain text).",
)
def dax_cluster_tls_endpoint(r, cfg):
    return r.expect_in("clusterEndpointEncryptionType", ["TLS"], "`TLS` (the default is `NONE`)")
