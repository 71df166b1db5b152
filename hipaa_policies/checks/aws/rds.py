"""Amazon RDS: encryption at rest of DB instances, clusters and snapshots (164.312(a)(2)(iv)),
private instances and snapshots (164.312(a)(1)), backups, Multi-AZ and deletion protection
(164.308(a)(7)(ii), 164.312(c)(1)), IAM database authentication (164.312(d)), log exports
(164.312(b)) and parameter groups that refuse unencrypted connections (164.312(e)(2)(ii)).

Snapshots inherit the encryption of their source, so ``rds-snapshot-encrypted`` is a stack join:
a snapshot is judged by the DB instance or cluster it is taken from, a copy by its own ``kmsKeyId``
or else by the snapshot it copies.
"""
from __future__ import annotations

import math

import re

from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN, UNVERIFIED, Finding, is_unknown, unwrap
from hipaa_policies.core.policy import resource_policy, stack_policy
from hipaa_policies.core.remediation import fix_by_raising, fix_by_setting
from hipaa_policies.core.helpers.log_exports import exports_engine_audit_log
from hipaa_policies.core.helpers.retention import retention_check

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
SNAPSHOT = "aws:rds/snapshot:Snapshot"
CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
CLUSTER_SNAPSHOT_COPY = "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
SNAPSHOT_TYPES = [SNAPSHOT, CLUSTER_SNAPSHOT, SNAPSHOT_COPY, CLUSTER_SNAPSHOT_COPY]




def _engine(r):
    """Lower-case engine name, UNKNOWN, or MISSING."""
    e = r.str("engine")
    return e.lower() if isinstance(e, str) else e


def _serverless_v1(r):
    mode = r.str("engineMode")
    return isinstance(mode, str) and mode.lower() == "serverless"


def _replica(r):
    """Read replicas (``replicateSourceDb`` set) take their data from the source database."""
    v = r.get("replicateSourceDb")
    return v is UNKNOWN or (isinstance(v, str) and v != "")


# =========================================================================== encryption at rest
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


fix_by_setting(rds_storage_encrypted, "storageEncrypted", True)


# snapshot type -> (property naming its source, source types, extra identity properties of the sources)
_SOURCES = {
    SNAPSHOT: ("dbInstanceIdentifier", [INSTANCE]),
    CLUSTER_SNAPSHOT: ("dbClusterIdentifier", [CLUSTER]),
    SNAPSHOT_COPY: ("sourceDbSnapshotIdentifier", [SNAPSHOT, SNAPSHOT_COPY]),
    CLUSTER_SNAPSHOT_COPY: ("sourceDbClusterSnapshotIdentifier", [CLUSTER_SNAPSHOT, CLUSTER_SNAPSHOT_COPY]),
}
_OWN_IDS = {
    INSTANCE: ("identifier",),
    CLUSTER: ("clusterIdentifier",),
    SNAPSHOT: ("dbSnapshotIdentifier", "dbSnapshotArn"),
    CLUSTER_SNAPSHOT: ("dbClusterSnapshotIdentifier", "dbClusterSnapshotArn"),
    SNAPSHOT_COPY: ("targetDbSnapshotIdentifier", "dbSnapshotArn"),
    CLUSTER_SNAPSHOT_COPY: ("targetDbClusterSnapshotIdentifier", "dbClusterSnapshotArn"),
}


def _own_id_index(stack):
    """(type, physical identifier) -> resources, for every snapshot source type (built once per call)."""
    index = {}
    for t in stack.of_type(*_OWN_IDS):
        for key in _OWN_IDS.get(t.type, ()):
            v = t.str(key)
            if isinstance(v, str) and v:
                index.setdefault((t.type, v), []).append(t)
    return index


def _sources(stack, r, prop, types, ids):
    """(resources ``r.<prop>`` names, link open?) — by link, name, id, ARN or physical identifier."""
    found, open_link = stack.resolve(r, prop, types)
    if found or open_link:
        return found, open_link
    value = r.str(prop)
    if not isinstance(value, str) or not value:
        return [], False
    tail = value.rsplit(":", 1)[-1]
    out = {}
    for t in types:
        for v in {value, tail}:
            for res in ids.get((t, v), ()):
                out[res.urn] = res
    return list(out.values()), False


def _encrypted(stack, r, ids, depth=0):
    """True / False / UNKNOWN (unknown value or unresolvable link) / None (source outside the stack)."""
    if r.type in (INSTANCE, CLUSTER):
        if r.type == CLUSTER and _serverless_v1(r):
            return True
        v = r.bool("storageEncrypted")
        return v if v is UNKNOWN else v is True
    if r.type in (SNAPSHOT_COPY, CLUSTER_SNAPSHOT_COPY):
        key = r.get("kmsKeyId")
        if key is UNKNOWN:
            return UNKNOWN
        if isinstance(key, str) and key:
            return True
    if depth > 8 or r.type not in _SOURCES:
        return None
    prop, types = _SOURCES[r.type]
    sources, open_link = _sources(stack, r, prop, types, ids)
    if not sources:
        return UNKNOWN if open_link or r.get(prop) is UNKNOWN else None
    results = [_encrypted(stack, s, ids, depth + 1) for s in sources]
    if False in results:
        return False
    if UNKNOWN in results:
        return UNKNOWN
    if None in results:
        return None
    return True


@stack_policy(
    name="rds-snapshot-encrypted",
    description="RDS DB snapshots and cluster snapshots (and their copies) must be encrypted.",
    citations=["164.312(a)(2)(iv)", "164.310(d)(2)(iv)"],
    severity="high",
    resource_types=SNAPSHOT_TYPES,
    remediation="Take snapshots only of databases with `storageEncrypted: true`; to encrypt an existing "
                "unencrypted snapshot, copy it with `aws.rds.SnapshotCopy`/`aws.rds.ClusterSnapshotCopy` and "
                "`kms_key_id` set to a customer managed KMS key.",
    notes="A snapshot has the encryption of its source: a snapshot is judged by the DB instance or cluster it "
          "is taken from, a copy by its `kmsKeyId` or else by the snapshot it copies. A source that is not "
          "declared in the stack cannot be judged and is reported unverified. AWS Config: rds-snapshot-encrypted.",
)
def rds_snapshot_encrypted(stack, cfg):
    findings = []
    ids = _own_id_index(stack)
    for snap in stack.of_type(*SNAPSHOT_TYPES):
        verdict = _encrypted(stack, snap, ids)
        if verdict is True:
            continue
        prop, types = _SOURCES[snap.type]
        if snap.type in (SNAPSHOT, CLUSTER_SNAPSHOT):
            what = "DB instance" if snap.type == SNAPSHOT else "DB cluster"
            expected = f"a {what} with `storageEncrypted: true` (a snapshot inherits its source's encryption)"
        else:
            prop = "kmsKeyId"
            expected = "the ARN of a KMS key (or a copy of an encrypted snapshot declared in this stack)"
        if verdict is False:
            findings.append(Finding(prop, expected, FAIL, snap.urn))
        elif verdict is UNKNOWN:
            findings.append(Finding(prop, expected, UNVERIFIED, snap.urn))
        else:
            findings.append(Finding(prop, expected + "; its source is not declared in this stack",
                                    UNVERIFIED, snap.urn))
    return findings


# =========================================================================== public access
@resource_policy(
    name="rds-not-publicly-accessible",
    description="RDS DB instances, Aurora cluster instances and Multi-AZ DB clusters must not be publicly accessible.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="critical",
    resource_types=[INSTANCE, CLUSTER_INSTANCE, CLUSTER],
    remediation="Set `publiclyAccessible: false` (the default) and place the database in private subnets "
                "(`dbSubnetGroupName`); reach it through a VPN, bastion or VPC endpoint.",
    notes="The provider sends `publiclyAccessible: false` when the argument is omitted, so absence passes. "
          "AWS Config: rds-instance-public-access-check.",
)
def rds_not_publicly_accessible(r, cfg):
    return r.expect_false("publiclyAccessible", "false", absent_ok=True)


fix_by_setting(rds_not_publicly_accessible, "publiclyAccessible", False)


@resource_policy(
    name="rds-snapshot-not-public",
    description="RDS DB snapshots and cluster snapshots must not be shared publicly.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="critical",
    resource_types=SNAPSHOT_TYPES,
    remediation="Remove `all` from `sharedAccounts`; share a snapshot only with named AWS account IDs covered "
                "by your BAA.",
    notes="AWS Config: rds-snapshots-public-prohibited.",
)
def rds_snapshot_not_public(r, cfg):
    accounts = r.list("sharedAccounts")
    expected = "AWS account IDs only, never `all` (public)"
    if accounts is UNKNOWN:
        return r.unverified("sharedAccounts", expected)
    findings = []
    for i, a in enumerate(accounts):
        if is_unknown(a):
            findings += r.unverified(f"sharedAccounts[{i}]", expected)
        elif isinstance(a, str) and a.strip().lower() == "all":
            findings += r.fail(f"sharedAccounts[{i}]", expected)
    return findings


# =========================================================================== backups and availability
@resource_policy(
    name="rds-backup-retention",
    description="RDS DB instances and clusters must keep automated backups for at least N days.",
    citations=["164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"],
    severity="high",
    resource_types=[INSTANCE, CLUSTER],
    remediation="Set `backupRetentionPeriod` to at least the required number of days (1-35) and a "
                "`backupWindow`/`preferredBackupWindow` outside peak hours.",
    config={"minimumDays": {"type": "integer", "default": 7, "minimum": 1, "maximum": 35,
                            "description": "Minimum automated backup retention in days (RDS allows 1-35)."}},
    notes="The AWS default when `backupRetentionPeriod` is omitted is 1 day. Read replicas "
          "(`replicateSourceDb`) are not checked: the source database's backups cover the data. "
          "AWS Config: db-instance-backup-enabled.",
)
def rds_backup_retention(r, cfg):
    if r.type == INSTANCE and _replica(r):
        return []
    return retention_check(r, "backupRetentionPeriod", cfg["minimumDays"], 1)


fix_by_raising(rds_backup_retention, "backupRetentionPeriod", "minimumDays")


@resource_policy(
    name="rds-instance-multi-az",
    description="RDS DB instances must run as Multi-AZ deployments so a standby takes over when an "
                "Availability Zone fails.",
    citations=["164.308(a)(7)(ii)(B)", "164.308(a)(7)(ii)(C)"],
    severity="medium",
    resource_types=[INSTANCE],
    remediation="Set `multiAz: true` (the standby is kept in another Availability Zone and promoted automatically).",
    notes="Read replicas are not checked. Aurora and Multi-AZ DB clusters replicate across zones by design "
          "(give an Aurora cluster instances in at least two zones). AWS Config: rds-multi-az-support.",
)
def rds_instance_multi_az(r, cfg):
    if _replica(r):
        return []
    return r.expect_true("multiAz", "true (the default is false)")


fix_by_setting(rds_instance_multi_az, "multiAz", True)


def _aurora(r):
    """True / False / UNKNOWN: an Aurora cluster (engine `aurora`, `aurora-mysql`, `aurora-postgresql`)."""
    engine = _engine(r)
    if engine is UNKNOWN:
        return UNKNOWN
    return isinstance(engine, str) and engine.startswith("aurora")


@stack_policy(
    name="rds-aurora-multi-az",
    description="Aurora clusters must run instances in at least two Availability Zones, so a replica in another "
                "zone takes over when the writer's zone fails.",
    citations=["164.308(a)(7)(ii)(B)", "164.308(a)(7)(ii)(C)"],
    severity="medium",
    resource_types=[CLUSTER, CLUSTER_INSTANCE],
    remediation="Declare at least two `aws.rds.ClusterInstance`s with `clusterIdentifier` set to the cluster, and "
                "either leave `availabilityZone` unset (RDS spreads them over the subnet group's zones) or set "
                "different zones.",
    notes="Cluster instances are joined through `clusterIdentifier`. Aurora Serverless v1 clusters fail over across "
          "zones by design, and Multi-AZ DB clusters (non-Aurora engines) always run three instances in three zones; "
          "neither is checked. AWS Config: rds-cluster-multi-az-enabled.",
)
def rds_aurora_multi_az(stack, cfg):
    findings = []
    expected = ("at least two `aws.rds.ClusterInstance`s in different Availability Zones (joined through "
                "`clusterIdentifier`)")
    for cluster in stack.of_type(CLUSTER):
        aurora = _aurora(cluster)
        if aurora is False or _serverless_v1(cluster):
            continue
        links = stack.referrers(cluster, [CLUSTER_INSTANCE], "clusterIdentifier")
        zones = [i.str("availabilityZone") for i in links.resources]
        if len(zones) >= 2:
            known = {z for z in zones if isinstance(z, str) and z}
            if len(known) == 1 and all(isinstance(z, str) and z for z in zones):
                findings.append(Finding("availabilityZone", "different Availability Zones for the cluster's "
                                        "instances (all are in one zone)", FAIL, cluster.urn))
            elif len(known) < 2 and UNKNOWN in zones and MISSING not in zones:
                findings.append(Finding("availabilityZone", expected, UNVERIFIED, cluster.urn))
            continue
        status = FAIL if aurora is True and not links.unresolved else UNVERIFIED
        findings.append(Finding("ClusterInstance", expected, status, cluster.urn))
    return findings




def _monitored(r):
    n = r.num("monitoringInterval")
    return UNKNOWN if n is UNKNOWN else isinstance(n, float) and n > 0


@stack_policy(
    name="rds-enhanced-monitoring",
    description="RDS DB instances, Aurora cluster instances and Multi-AZ DB clusters should publish Enhanced "
                "Monitoring (operating-system metrics and process lists) at an interval of at most N seconds.",
    citations=["164.308(a)(1)(ii)(D)", "164.312(b)"],
    severity="low",
    resource_types=[INSTANCE, CLUSTER_INSTANCE, CLUSTER],
    remediation="Set `monitoringInterval` (1, 5, 10, 15, 30 or 60 seconds) and `monitoringRoleArn` to a role with "
                "the `AmazonRDSEnhancedMonitoringRole` managed policy; on Aurora it may be set on the cluster for all "
                "its instances.",
    config={"maximumIntervalSeconds": {"type": "integer", "default": 60, "minimum": 1, "maximum": 60,
                                       "description": "Longest accepted monitoring interval in seconds."}},
    notes="The default interval is 0 (off). An Aurora cluster instance passes when its cluster sets the interval. "
          "Aurora clusters themselves are judged through their instances; a cluster with `dbClusterInstanceClass` "
          "(Multi-AZ DB cluster) is judged on its own. AWS Config: rds-enhanced-monitoring-enabled.",
)
def rds_enhanced_monitoring(stack, cfg):
    maximum = cfg["maximumIntervalSeconds"]
    expected = f"a value from 1 to {maximum} seconds (0, the default, turns Enhanced Monitoring off)"
    findings = []

    def judge(r, fallback=None):
        state = _monitored(r)
        if state is True:
            n = r.num("monitoringInterval")
            if n <= maximum:
                return
            findings.append(Finding("monitoringInterval", expected, FAIL, r.urn))
            return
        if fallback is not None and state is not UNKNOWN:
            inherited = [_monitored(c) for c in fallback]
            if True in inherited:
                return
            if UNKNOWN in inherited:
                state = UNKNOWN
        findings.append(Finding("monitoringInterval", expected, UNVERIFIED if state is UNKNOWN else FAIL, r.urn))

    for inst in stack.of_type(INSTANCE):
        judge(inst)
    for member in stack.of_type(CLUSTER_INSTANCE):
        clusters, _open = stack.resolve(member, "clusterIdentifier", [CLUSTER])
        judge(member, clusters)
    for cluster in stack.of_type(CLUSTER):
        kind = cluster.get("dbClusterInstanceClass")
        if isinstance(kind, str) and kind:
            judge(cluster)
    return findings


@resource_policy(
    name="rds-deletion-protection",
    description="RDS DB instances and clusters must have deletion protection enabled.",
    citations=["164.312(c)(1)", "164.308(a)(7)(ii)(C)"],
    severity="medium",
    resource_types=[INSTANCE, CLUSTER],
    remediation="Set `deletionProtection: true`; turn it off deliberately (in a reviewed change) before a "
                "planned deletion.",
    notes="AWS Config: rds-cluster-deletion-protection-enabled, rds-instance-deletion-protection-enabled.",
)
def rds_deletion_protection(r, cfg):
    return r.expect_true("deletionProtection", "true (the default is false)")


fix_by_setting(rds_deletion_protection, "deletionProtection", True)


@resource_policy(
    name="rds-auto-minor-version-upgrade",
    description="RDS DB instances, Aurora cluster instances and Multi-AZ DB clusters should apply minor engine "
                "upgrades (security patches) automatically.",
    citations=["164.308(a)(5)(ii)(B)", "164.308(a)(1)(ii)(B)"],
    severity="low",
    resource_types=[INSTANCE, CLUSTER_INSTANCE, CLUSTER],
    remediation="Leave `autoMinorVersionUpgrade` unset or set it to true, with a `maintenanceWindow`.",
    notes="`autoMinorVersionUpgrade` defaults to true. AWS Config: rds-automatic-minor-version-upgrade-enabled.",
)
def rds_auto_minor_version_upgrade(r, cfg):
    return r.expect_true("autoMinorVersionUpgrade", "true (the default)", absent_ok=True)


# =========================================================================== authentication and logs
IAM_AUTH_ENGINES = ("mysql", "mariadb", "postgres", "aurora", "aurora-mysql", "aurora-postgresql")


@resource_policy(
    name="rds-iam-authentication",
    description="RDS MySQL, MariaDB and PostgreSQL databases should authenticate users with IAM database "
                "authentication.",
    citations=["164.312(d)", "164.312(a)(2)(i)"],
    severity="medium",
    resource_types=[INSTANCE, CLUSTER],
    remediation="Set `iamDatabaseAuthenticationEnabled: true` and grant `rds-db:connect` to the IAM roles of the "
                "applications and people who connect.",
    default_level="advisory",
    level_reason="password authentication with Secrets Manager-managed, rotated credentials (`manageMasterUserPassword`) "
                 "is an accepted alternative; raise to mandatory where IAM authentication is the standard",
    notes="Oracle, SQL Server and Db2 engines do not support IAM database authentication and are not checked; "
          "neither are Aurora Serverless v1 clusters.",
)
def rds_iam_authentication(r, cfg):
    if _serverless_v1(r):
        return []
    engine = _engine(r)
    if isinstance(engine, str) and engine not in IAM_AUTH_ENGINES:
        return []
    enabled = r.bool("iamDatabaseAuthenticationEnabled")
    if enabled is True:
        return []
    if engine is UNKNOWN and enabled is not UNKNOWN:
        return r.unverified("engine", "an engine whose `iamDatabaseAuthenticationEnabled` is true")
    return r.expect_true("iamDatabaseAuthenticationEnabled", "true")


@resource_policy(
    name="rds-cloudwatch-logs-exported",
    description="RDS DB instances and clusters must export the engine's audit log to CloudWatch Logs: `audit` for "
                "MySQL, MariaDB and Aurora MySQL, `postgresql` for PostgreSQL and Aurora PostgreSQL.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[INSTANCE, CLUSTER],
    remediation="Set `enabledCloudwatchLogsExports` to include the engine's audit log: `[\"audit\", \"error\"]` for "
                "MySQL/MariaDB/Aurora MySQL (and enable the audit plugin: `MARIADB_AUDIT_PLUGIN` in an option group, "
                "or `server_audit_logging=1` in the Aurora cluster parameter group), `[\"postgresql\"]` for "
                "PostgreSQL/Aurora PostgreSQL (with `pgaudit` or `log_statement` in the parameter group), "
                "`[\"audit\", \"alert\"]` for Oracle, `[\"error\", \"agent\"]` for SQL Server, `[\"diag.log\"]` "
                "for Db2.",
    notes="The required export follows the engine (`core/helpers/log_exports.py`): MySQL family `audit`, "
          "PostgreSQL family `postgresql`, Oracle `audit`, SQL Server `error` (SQL Server Audit itself writes to "
          "S3 through an option group), Db2 `diag.log`; other engines need a non-empty list; RDS Custom engines "
          "export no logs and are not checked. Aurora Serverless v1 clusters publish logs through parameters only "
          "and are not checked. Aurora cluster members export through their cluster. AWS Config: rds-logging-enabled.",
)
def rds_cloudwatch_logs_exported(r, cfg):
    if _serverless_v1(r):
        return []
    return exports_engine_audit_log(r, "enabledCloudwatchLogsExports", _engine(r))


# =========================================================================== TLS via parameter groups
_FAMILY = re.compile(r"^(aurora-postgresql|aurora-mysql|aurora|postgres|mysql|mariadb|sqlserver-[a-z]+)-?(\d+(?:\.\d+)?)?")
ON_VALUES = ("1", "on", "true")


def _family_rule(family):
    """(parameter name, AWS default is compliant?) for a family, or None when SSL is enforced elsewhere."""
    m = _FAMILY.match(family.lower())
    if not m:
        return None
    kind, version = m.group(1), m.group(2)
    major = tuple(int(x) for x in version.split(".")) if version else (0,)
    if kind in ("postgres", "aurora-postgresql"):
        # RDS for PostgreSQL 15 and later default rds.force_ssl to 1.
        return "rds.force_ssl", kind == "postgres" and major >= (15,)
    if kind.startswith("sqlserver"):
        return "rds.force_ssl", False
    if kind == "mariadb":
        # RDS for MariaDB 11.8 and later default require_secure_transport to ON.
        return "require_secure_transport", major >= (11, 8)
    return "require_secure_transport", False


@resource_policy(
    name="rds-parameter-group-requires-tls",
    description="RDS DB and DB cluster parameter groups must refuse unencrypted client connections "
                "(`rds.force_ssl` for PostgreSQL and SQL Server, `require_secure_transport` for MySQL and MariaDB).",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="high",
    resource_types=[PARAMETER_GROUP, CLUSTER_PARAMETER_GROUP],
    remediation="Add `{name: \"rds.force_ssl\", value: \"1\"}` (PostgreSQL, Aurora PostgreSQL, SQL Server) or "
                "`{name: \"require_secure_transport\", value: \"ON\"}` (MySQL, Aurora MySQL, MariaDB 10.5+) to "
                "`parameters`, and attach the group to the database.",
    notes="Oracle (TLS through the SSL option of an option group) and Db2 families are not checked. A database "
          "left on the default parameter group is not covered by this check. RDS for PostgreSQL 15+ and "
          "MariaDB 11.8+ enforce TLS by default.",
)
def rds_parameter_group_requires_tls(r, cfg):
    family = r.str("family")
    if family is UNKNOWN:
        return r.unverified("family", "a family whose TLS parameter is set")
    if not isinstance(family, str):
        return []
    rule = _family_rule(family)
    if rule is None:
        return []
    name, default_ok = rule
    expected = f"a parameter `{name}` with value `1`" if name == "rds.force_ssl" else \
        f"a parameter `{name}` with value `ON` (or `1`)"
    params = r.list("parameters")
    if params is UNKNOWN:
        return r.unverified("parameters", expected)
    pending = False
    for i, p in enumerate(params):
        if not isinstance(p, dict):
            continue
        pname = unwrap(p.get("name"))
        if is_unknown(pname):
            pending = True
            continue
        if not (isinstance(pname, str) and pname.lower() == name):
            continue
        value = unwrap(p.get("value"))
        if is_unknown(value):
            return r.unverified(f"parameters[{i}].value", expected)
        if isinstance(value, bool):
            value = "1" if value else "0"
        if isinstance(value, (int, float)):
            value = str(int(value)) if math.isfinite(value) else str(value)
        if isinstance(value, str) and value.strip().lower() in ON_VALUES:
            return []
        return r.fail(f"parameters[{i}].value", expected)
    if pending:
        return r.unverified("parameters", expected)
    if default_ok:
        return []
    return r.fail("parameters", expected)
