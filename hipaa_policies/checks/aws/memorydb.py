"""Amazon MemoryDB: TLS in transit (164.312(e)(2)(ii)), replicas in other zones
(164.308(a)(7)(ii)(B)) and automatic snapshots (164.308(a)(7)(ii)(A)).

MemoryDB always encrypts data at rest, so there is no at-rest check."""
from hipaa_policies.core.policy import resource_policy
from hipaa_policies.core.remediation import fix_by_raising
from hipaa_policies.core.helpers.retention import retention_check

CLUSTER = "aws:memorydb/cluster:Cluster"


@resource_policy(
    name="memorydb-tls-enabled",
    description="MemoryDB clusters must encrypt client connections with TLS.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="high",
    resource_types=[CLUSTER],
    remediation="Leave `tlsEnabled` unset or true (the default); a cluster without TLS must use the `open-access` "
                "ACL, so also give it a real ACL (`aclName`).",
    notes="Changing `tlsEnabled` replaces the cluster.",
)
def memorydb_tls_enabled(r, cfg):
    return r.expect_true("tlsEnabled", "true (the default)", absent_ok=True)


@resource_policy(
    name="memorydb-snapshot-retention",
    description="MemoryDB clusters must keep automatic snapshots for at least N days.",
    citations=["164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"],
    severity="medium",
    resource_types=[CLUSTER],
    remediation="Set `snapshotRetentionLimit` to at least the required number of days (up to 35) and a "
                "`snapshotWindow`.",
    config={"minimumDays": {"type": "integer", "default": 7, "minimum": 1, "maximum": 35,
                            "description": "Minimum automatic snapshot retention in days."}},
    notes="The default `snapshotRetentionLimit` is 0: no automatic snapshots. The transaction log keeps data "
          "durable across node failures but does not protect against deletion or corruption.",
)
def memorydb_snapshot_retention(r, cfg):
    return retention_check(r, "snapshotRetentionLimit", cfg["minimumDays"], 0)


fix_by_raising(memorydb_snapshot_retention, "snapshotRetentionLimit", "minimumDays")


@resource_policy(
    name="memorydb-multi-az-replicas",
    description="MemoryDB clusters must keep at least one replica per shard so a replica in another "
                "Availability Zone takes over on failure.",
    citations=["164.308(a)(7)(ii)(B)", "164.308(a)(7)(ii)(C)"],
    severity="medium",
    resource_types=[CLUSTER],
    remediation="Set `numReplicasPerShard` to 1 or more (the default is 1).",
    config={"minimumReplicas": {"type": "integer", "default": 1, "minimum": 1, "maximum": 5,
                                "description": "Minimum replicas per shard (MemoryDB allows 0-5; the default is 1)."}},
)
def memorydb_multi_az_replicas(r, cfg):
    minimum = cfg["minimumReplicas"]
    return r.expect_at_least("numReplicasPerShard", minimum, f"at least {minimum} (the default is 1)",
                             absent_ok=minimum <= 1)
