"""Amazon ElastiCache: Redis OSS/Valkey replication groups encrypted at rest (164.312(a)(2)(iv)) and
in transit (164.312(e)(2)(ii)), with automatic failover across zones (164.308(a)(7)(ii)(B)) and
automatic snapshots (164.308(a)(7)(ii)(A)).

Serverless caches always encrypt at rest and in transit; only their snapshot retention is checked.
A single-node Redis OSS/Valkey ``aws.elasticache.Cluster`` outside a replication group cannot encrypt
at all and fails the encryption checks.
"""
from hipaa_policies.core.props import FAIL, UNKNOWN
from hipaa_policies.core.policy import remediation_for, resource_policy
from hipaa_policies.core.remediation import fix_by_raising
from hipaa_policies.core.helpers.retention import retention_check

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CLUSTER = "aws:elasticache/cluster:Cluster"
SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache"
STANDALONE = ("a replication group (`aws.elasticache.ReplicationGroup`): a single-node Redis OSS/Valkey cluster "
              "cannot encrypt")


def _engine(r, default):
    e = r.str("engine")
    if e is UNKNOWN:
        return UNKNOWN
    return e.lower() if isinstance(e, str) else default


def _in_group(r):
    """A cluster that is a member of a replication group (judged through the group)."""
    v = r.get("replicationGroupId")
    return v is UNKNOWN or (isinstance(v, str) and v != "")


@resource_policy(
    name="elasticache-encrypted-at-rest",
    description="ElastiCache Redis OSS/Valkey replication groups must encrypt data at rest.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[REPLICATION_GROUP, CLUSTER],
    remediation="Set `atRestEncryptionEnabled: true` (and `kmsKeyId` for a customer managed key) on an "
                "`aws.elasticache.ReplicationGroup`; at-rest encryption is chosen at creation, so an existing "
                "group is replaced (restore it from a snapshot).",
    notes="Valkey replication groups encrypt at rest by default, Redis OSS ones do not. Memcached keeps no data "
          "at rest and is not checked.",
)
def elasticache_encrypted_at_rest(r, cfg):
    if r.type == CLUSTER:
        engine = _engine(r, "")
        if engine == "memcached" or _in_group(r):
            return []
        if engine is UNKNOWN:
            return r.unverified("engine", "`memcached`, or " + STANDALONE)
        return r.fail("engine", STANDALONE)
    engine = _engine(r, "redis")
    expected = "true (the default for the `redis` engine is false)"
    if engine is UNKNOWN and not r.has("atRestEncryptionEnabled"):
        return r.unverified("atRestEncryptionEnabled", expected)
    return r.expect_true("atRestEncryptionEnabled", expected, absent_ok=engine == "valkey")


@remediation_for(elasticache_encrypted_at_rest)
def _at_rest(r, cfg):
    if r.type != REPLICATION_GROUP or r.bool("atRestEncryptionEnabled") is True:
        return None
    return {**r.raw, "atRestEncryptionEnabled": True}


@resource_policy(
    name="elasticache-encrypted-in-transit",
    description="ElastiCache replication groups and Memcached clusters must require TLS for every connection.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="high",
    resource_types=[REPLICATION_GROUP, CLUSTER],
    remediation="Set `transitEncryptionEnabled: true` and leave `transitEncryptionMode` at `required` (use "
                "`preferred` only while migrating clients, then switch to `required`); clients connect with TLS.",
    notes="`transitEncryptionMode: preferred` still accepts plaintext connections and fails.",
)
def elasticache_encrypted_in_transit(r, cfg):
    if r.type == CLUSTER:
        engine = _engine(r, "")
        if _in_group(r):
            return []
        if engine == "memcached":
            return r.expect_true("transitEncryptionEnabled", "true (Memcached 1.6.12 or later)")
        if engine is UNKNOWN:
            return r.unverified("engine", "`memcached` with `transitEncryptionEnabled: true`, or " + STANDALONE)
        return r.fail("engine", STANDALONE)
    findings = r.expect_true("transitEncryptionEnabled", "true (the default is false)")
    findings += r.expect_in("transitEncryptionMode", ["required"], "`required` (`preferred` accepts plaintext)",
                            absent_ok=True)
    return findings


@remediation_for(elasticache_encrypted_in_transit)
def _in_transit(r, cfg):
    if r.type != REPLICATION_GROUP:
        return None
    out = {**r.raw, "transitEncryptionEnabled": True}
    if "transitEncryptionMode" in out:
        out["transitEncryptionMode"] = "required"
    return out


@resource_policy(
    name="elasticache-automatic-failover",
    description="ElastiCache replication groups must fail over automatically to a replica in another "
                "Availability Zone.",
    citations=["164.308(a)(7)(ii)(B)", "164.308(a)(7)(ii)(C)"],
    severity="medium",
    resource_types=[REPLICATION_GROUP],
    remediation="Set `automaticFailoverEnabled: true` and `multiAzEnabled: true` with at least one replica "
                "(`numCacheClusters` >= 2 or `replicasPerNodeGroup` >= 1).",
)
def elasticache_automatic_failover(r, cfg):
    findings = r.expect_true("automaticFailoverEnabled", "true (the default is false)")
    findings += r.expect_true("multiAzEnabled", "true (the default is false)")
    return findings


@resource_policy(
    name="elasticache-snapshot-retention",
    description="ElastiCache Redis OSS/Valkey replication groups, clusters and serverless caches must keep "
                "automatic snapshots for at least N days.",
    citations=["164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"],
    severity="medium",
    resource_types=[REPLICATION_GROUP, CLUSTER, SERVERLESS],
    remediation="Set `snapshotRetentionLimit` to at least the required number of days (up to 35) and a "
                "`snapshotWindow` (`dailySnapshotTime` for serverless caches).",
    config={"minimumDays": {"type": "integer", "default": 15, "minimum": 1, "maximum": 35,
                            "description": "Minimum automatic snapshot retention in days (15, as AWS Config's "
                                           "elasticache-redis-cluster-automatic-backup-check)."}},
    notes="Automatic snapshots are off (retention 0) unless set. The default minimum of 15 days follows AWS Config's "
          "HIPAA conformance pack. Memcached has no snapshots and is not checked; members of a replication group are "
          "judged through the group. AWS Config: elasticache-redis-cluster-automatic-backup-check.",
)
def elasticache_snapshot_retention(r, cfg):
    if r.type == CLUSTER and _in_group(r):
        return []
    engine = _engine(r, "redis" if r.type == REPLICATION_GROUP else "")
    if engine == "memcached":
        return []
    findings = retention_check(r, "snapshotRetentionLimit", cfg["minimumDays"], 0)
    if engine is UNKNOWN and any(f.status == FAIL for f in findings):
        return r.unverified("engine", "`memcached` (no snapshots), or `snapshotRetentionLimit` of at least "
                            f"{cfg['minimumDays']}")
    return findings


fix_by_raising(elasticache_snapshot_retention, "snapshotRetentionLimit", "minimumDays")
