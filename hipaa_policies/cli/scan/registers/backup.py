"""Backup and recovery register (164.308(a)(7)): AWS Backup plans rule by rule (frequency,
retention, copies to other regions or accounts), selections and the data stores they cover,
vaults and their locks, restore-testing plans, and per data store its own backups,
point-in-time recovery, Multi-AZ and deletion protection."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from hipaa_policies.core.helpers.backup_selection import DATA_STORES as SELECTABLE, covers
from hipaa_policies.core.tokens import canonical
from hipaa_policies.cli.scan.registers._base import (
    IDENTITY, NO_POLICY, Column, Context, Table, arn_parts, items, key_management, status_column)
from hipaa_policies.cli.scan.registers.datastores import TYPES as STORE_TYPES

PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
RESTORE_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
RESTORE_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"

PLAN_COLUMNS = IDENTITY + [
    Column("rule", "Rule"),
    Column("schedule", "Schedule"),
    Column("retentionDays", "Retention (days)", "number", "empty: kept until deleted"),
    Column("coldStorageAfterDays", "Cold storage after (days)", "number"),
    Column("continuous", "Continuous backup (PITR)", "bool"),
    Column("vault", "Vault", "ref"),
    Column("copyTo", "Copies to", "list"),
    Column("copyRegions", "Copy regions", "list"),
    Column("copyAccounts", "Copy accounts", "list"),
    status_column("retention", "Retention meets policy", "the verdict of backup-plan-min-retention"),
]
SELECTION_COLUMNS = IDENTITY + [
    Column("plan", "Plan", "ref"),
    Column("resources", "Resources named", "list"),
    Column("selectionTags", "Selection tags", "list"),
    Column("covers", "Data stores covered", "list", "as backup-selection-covers-data-stores judges a selection"),
    Column("coversUnknown", "Coverage unknown until deployment", "list"),
]
VAULT_COLUMNS = IDENTITY + [
    Column("kmsKey", "KMS key", "ref"),
    Column("keyManagement", "Key management"),
    status_column("customerKey", "Customer managed key", "the verdict of backup-vault-customer-kms-key"),
    Column("lock", "Vault lock"),
]
RESTORE_COLUMNS = IDENTITY + [
    Column("schedule", "Schedule"),
    Column("algorithm", "Recovery point selection"),
    Column("resourceTypes", "Protected resource types", "list"),
]
CONTINUITY_COLUMNS = IDENTITY + [
    Column("retentionDays", "Backup retention (days)", "number"),
    status_column("retention", "Backups meet policy"),
    status_column("pointInTimeRecovery", "Point-in-time recovery"),
    status_column("multiAz", "Multi-AZ / failover"),
    status_column("deletionProtection", "Deletion protection"),
]

# type -> (retention property, retention policies, PITR policies, multi-AZ policies, deletion-protection policies)
CONTINUITY: Dict[str, Tuple[Any, Tuple[str, ...], Tuple[str, ...], Tuple[str, ...], Tuple[str, ...]]] = {
    "aws:rds/instance:Instance": ("backupRetentionPeriod", ("rds-backup-retention",), (), ("rds-instance-multi-az",),
                                  ("rds-deletion-protection",)),
    "aws:rds/cluster:Cluster": ("backupRetentionPeriod", ("rds-backup-retention",), (), (), ("rds-deletion-protection",)),
    "aws:dynamodb/table:Table": ("pointInTimeRecovery.recoveryPeriodInDays", ("dynamodb-point-in-time-recovery",),
                                 ("dynamodb-point-in-time-recovery",), (), ("dynamodb-deletion-protection",)),
    "aws:efs/fileSystem:FileSystem": (None, ("efs-automatic-backups",), (), (), ()),
    "aws:docdb/cluster:Cluster": ("backupRetentionPeriod", ("docdb-backup-retention",), (), (), ("docdb-deletion-protection",)),
    "aws:neptune/cluster:Cluster": ("backupRetentionPeriod", ("neptune-backup-retention",), (), (),
                                    ("neptune-deletion-protection",)),
    "aws:redshift/cluster:Cluster": ("automatedSnapshotRetentionPeriod", ("redshift-snapshot-retention",), (), (), ()),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("snapshotRetentionLimit", ("elasticache-snapshot-retention",), (),
                                                          ("elasticache-automatic-failover",), ()),
    "aws:elasticache/cluster:Cluster": ("snapshotRetentionLimit", ("elasticache-snapshot-retention",), (), (), ()),
    "aws:elasticache/serverlessCache:ServerlessCache": ("snapshotRetentionLimit", ("elasticache-snapshot-retention",), (),
                                                        (), ()),
    "aws:memorydb/cluster:Cluster": ("snapshotRetentionLimit", ("memorydb-snapshot-retention",), (),
                                     ("memorydb-multi-az-replicas",), ()),
    "aws:s3/bucket:Bucket": (None, ("s3-bucket-versioning-declared",), (), (), ()),
}


def _plans(ctx: Context) -> Table:
    t = Table("plans", "Backup plans (one row per rule)", PLAN_COLUMNS)
    for plan in ctx.of_type(PLAN):
        rules = items(plan, "rules")
        for rule in rules or [None]:
            e = t.add(ctx.entry(plan))
            if rule is not None:
                e["rule"] = ctx.value(rule, "ruleName")
                e["schedule"] = ctx.value(rule, "schedule")
                e["retentionDays"] = ctx.value(rule, "lifecycle.deleteAfter")
                e["coldStorageAfterDays"] = ctx.value(rule, "lifecycle.coldStorageAfter")
                e["continuous"] = ctx.value(rule, "enableContinuousBackup")
                e["vault"] = _vault_ref(ctx, plan, rule)
                copies = [ctx.value(c, "destinationVaultArn") for c in items(rule, "copyActions")]
                e["copyTo"] = [c for c in copies if c is not None]
                parts = [arn_parts(c) for c in copies]
                e["copyRegions"] = sorted({p[0] for p in parts if p[0]})
                e["copyAccounts"] = sorted({p[1] for p in parts if p[1]})
            ctx.check(e, "retention", plan.urn, ["backup-plan-min-retention"])
    return t


def _vault_ref(ctx: Context, plan: Any, rule: Any) -> Any:
    """The vault a rule writes to: a vault of the stack named by the rule, or the name as written."""
    name = ctx.value(rule, "targetVaultName")
    for urn in plan.property_dependencies.get("rules", ()):
        v = ctx.index.by_urn.get(urn)
        if v is not None and canonical(v.type) == VAULT and (name in (None, "[unknown]") or ctx.value(v, "name") == name
                                                            or v.name == name):
            return v.urn
    if isinstance(name, str):
        for v in ctx.of_type(VAULT):
            if ctx.value(v, "name") == name:
                return v.urn
    return name


def _selections(ctx: Context) -> Table:
    t = Table("selections", "Backup selections", SELECTION_COLUMNS)
    stores = ctx.of_type(*SELECTABLE)
    for sel in ctx.of_type(SELECTION):
        e = t.add(ctx.entry(sel, plan=ctx.ref(sel, "planId", (PLAN,)),
                            resources=ctx.refs(sel, "resources", tuple(SELECTABLE) + STORE_TYPES)))
        e["selectionTags"] = [f"{ctx.value(tag, 'key')}={ctx.value(tag, 'value')}" for tag in items(sel, "selectionTags")]
        verdicts = [(s.urn, covers(ctx.index, sel, s)) for s in stores]
        e["covers"] = sorted(u for u, v in verdicts if v is True)
        e["coversUnknown"] = sorted(u for u, v in verdicts if v is None)
    return t


def _vaults(ctx: Context) -> Table:
    t = Table("vaults", "Backup vaults", VAULT_COLUMNS)
    for vault in ctx.of_type(VAULT):
        ref, mgmt, _key = key_management(ctx, vault, "kmsKeyArn", "aws-managed")
        e = t.add(ctx.entry(vault, kmsKey=ref, keyManagement=mgmt))
        ctx.check(e, "customerKey", vault.urn, ["backup-vault-customer-kms-key"])
        locks = ctx.index.referrers(vault, [VAULT_LOCK], "backupVaultName").resources
        if locks:
            lock = sorted(locks, key=lambda x: x.urn)[0]
            changeable = ctx.value(lock, "changeableForDays")
            mode = "compliance" if changeable is not None else "governance"
            e["lock"] = (f"{mode} mode, retention {ctx.value(lock, 'minRetentionDays')}-"
                         f"{ctx.value(lock, 'maxRetentionDays')} days")
        else:
            e["lock"] = "no vault lock"
    return t


def _restore_tests(ctx: Context) -> Table:
    t = Table("restoreTesting", "Restore testing plans", RESTORE_COLUMNS,
              "AWS Backup restore testing (164.308(a)(7)(ii)(D)); no policy of the pack requires it.")
    for plan in ctx.of_type(RESTORE_PLAN):
        e = t.add(ctx.entry(plan, schedule=ctx.value(plan, "scheduleExpression"),
                            algorithm=ctx.value(plan, "recoveryPointSelection.algorithm")))
        selections = ctx.index.referrers(plan, [RESTORE_SELECTION], "restoreTestingPlanName").resources
        e["resourceTypes"] = sorted({str(ctx.value(s, "protectedResourceType")) for s in selections})
    return t


def _continuity(ctx: Context) -> Table:
    t = Table("continuity", "Data store backups, recovery and availability", CONTINUITY_COLUMNS)
    for r in ctx.of_type(*CONTINUITY):
        prop, retention, pitr, multi_az, deletion = CONTINUITY[canonical(r.type)]
        e = t.add(ctx.entry(r, retentionDays=ctx.value(r, prop) if prop else None))
        for key, policies in (("retention", retention), ("pointInTimeRecovery", pitr), ("multiAz", multi_az),
                              ("deletionProtection", deletion)):
            if policies:
                ctx.check(e, key, r.urn, policies)
            else:
                ctx.basis(e, key, NO_POLICY, "no policy of the pack checks this for the type")
    return t


def build(ctx: Context) -> List[Table]:
    return [_plans(ctx), _selections(ctx), _vaults(ctx), _restore_tests(ctx), _continuity(ctx)]

