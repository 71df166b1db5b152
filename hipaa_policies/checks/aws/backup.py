"""AWS Backup and data backups: vaults under a customer managed key (164.312(a)(2)(iv)) that forbid
deleting recovery points (164.312(c)(1)), plans that back up daily and keep recovery points long
enough, every ePHI data store backed up natively or by AWS Backup (164.308(a)(7)(ii)(A)), and, as
the stronger practice, selected by an AWS Backup plan (164.310(d)(2)(iv)).

A selection covers a data store when it names it in ``resources`` (by property dependency, ARN,
id or name, or an ARN pattern with ``*``) or matches one of its tags through ``selectionTags``,
and every ``conditions.stringEquals`` tag condition holds and ``notResources`` does not name it
(``core/helpers/backup_selection.py``, indexed once per call).  The joins to EFS backup policies,
Data Lifecycle Manager policies and volume attachments are built once per call too.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from hipaa_policies.core.helpers.backup_selection import SELECTION, SelectionIndex
from hipaa_policies.core.helpers.policy_documents import Unparseable, policy_document, statements, str_values
from hipaa_policies.core.policy import resource_policy, stack_policy
from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN, UNVERIFIED, Finding, is_unknown, unwrap
from hipaa_policies.core.helpers.policy_documents import UnparseableDocument

VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"


@resource_policy(
    name="backup-vault-customer-kms-key",
    description="AWS Backup vaults must encrypt recovery points with a customer managed KMS key.",
    citations=["164.312(a)(2)(iv)", "164.308(a)(7)(ii)(A)"],
    severity="medium",
    resource_types=[VAULT],
    remediation="Set `kmsKeyArn` to a customer managed KMS key (it cannot be changed after the vault exists; "
                "create a new vault and point backup plans at it).",
    notes="Without `kmsKeyArn` the vault uses the AWS managed key `aws/backup`, whose key policy cannot "
          "restrict who decrypts or be used across accounts for copies.",
)
def backup_vault_customer_kms_key(r, cfg):
    return r.expect_present("kmsKeyArn", "the ARN of a customer managed KMS key")


@resource_policy(
    name="backup-plan-min-retention",
    description="AWS Backup plan rules (and their copy actions) must retain recovery points for at least N days.",
    citations=["164.308(a)(7)(ii)(A)", "164.308(a)(7)(ii)(B)"],
    severity="medium",
    resource_types=[PLAN],
    remediation="Set each rule's `lifecycle.deleteAfter` (and each copy action's `lifecycle.deleteAfter`) to at "
                "least the required number of days, or omit the lifecycle to keep recovery points indefinitely.",
    config={"minRetentionDays": {"type": "integer", "default": 35, "minimum": 1, "maximum": 36500,
                                 "description": "Minimum retention of recovery points in days (AWS Config uses 35)."}},
)
def backup_plan_min_retention(r, cfg):
    minimum = cfg["minRetentionDays"]
    rules = r.list("rules")
    if rules is UNKNOWN:
        return r.unverified("rules", "backup rules retaining recovery points")
    if not rules:
        return r.fail("rules", "at least one backup rule")
    expected = f"at least {minimum} days (or no lifecycle: keep indefinitely)"
    findings = []
    for _path, rule in r.items("rules"):
        findings += rule.expect_at_least("lifecycle.deleteAfter", minimum, expected, absent_ok=True)
        for _, copy in rule.items("copyActions"):
            findings += copy.expect_at_least("lifecycle.deleteAfter", minimum, expected, absent_ok=True)
    return findings


# ---------------------------------------------------------------------------------------- frequency
def _cron_daily(expression):
    """True (runs every day or more often), False, or None (not a schedule expression we can read)."""
    text = expression.strip()
    if text.lower().startswith("rate(") and text.endswith(")"):
        parts = text[5:-1].split()
        if len(parts) != 2:
            return None
        try:
            n = float(parts[0])
        except ValueError:
            return None
        unit = parts[1].lower().rstrip("s")
        hours = {"minute": n / 60, "hour": n, "day": n * 24}.get(unit)
        return None if hours is None else hours <= 24
    if not (text.lower().startswith("cron(") and text.endswith(")")):
        return None
    fields = text[5:-1].split()
    if len(fields) != 6:
        return None
    _minutes, _hours, dom, month, dow, year = fields
    every = ("*", "?", "*/1", "1/1")
    return (dom in every or dom == "1-31") and month in every + ("1-12", "JAN-DEC") and \
        (dow in every or dow.upper() in ("1-7", "SUN-SAT", "MON-SUN") or _all_days(dow)) and year in every


def _all_days(dow):
    names = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
    items = {d.strip().upper() for d in dow.split(",")}
    return items == names or items == {str(i) for i in range(1, 8)}


@resource_policy(
    name="backup-plan-daily-frequency",
    description="AWS Backup plans must back up at least daily: some rule runs every day (or more often), or uses "
                "continuous backup.",
    citations=["164.308(a)(7)(ii)(A)", "164.308(a)(7)(ii)(B)"],
    severity="medium",
    resource_types=[PLAN],
    remediation="Give a rule `schedule: \"cron(0 5 ? * * *)\"` (daily at 05:00 UTC; omit `schedule` for the same "
                "default) or a more frequent cron expression, or `enableContinuousBackup: true`; keep weekly or monthly "
                "rules for long-term copies beside it.",
    notes="One daily rule is enough: a plan may add weekly or monthly rules for long retention (AWS Config's "
          "backup-plan-min-frequency-and-min-retention-check judges each rule). A rule without `schedule` uses AWS "
          "Backup's default `cron(0 5 ? * * *)`. Retention is checked by backup-plan-min-retention.",
)
def backup_plan_daily_frequency(r, cfg):
    expected = "a rule scheduled daily or more often (`cron(... ? * * *)`), or `enableContinuousBackup: true`"
    rules = r.list("rules")
    if rules is UNKNOWN:
        return r.unverified("rules", expected)
    pending, bad = None, None
    for path, rule in r.items("rules"):
        if rule.bool("enableContinuousBackup") is True:
            return []
        schedule = rule.get("schedule")
        if schedule is UNKNOWN:
            pending = pending or f"{path}.schedule"
            continue
        if schedule is MISSING:
            return []  # AWS Backup's default schedule is daily
        daily = _cron_daily(schedule) if isinstance(schedule, str) else None
        if daily is True:
            return []
        bad = bad or f"{path}.schedule"
    if pending:
        return r.unverified(pending, expected)
    return r.fail(bad or "rules", expected)


# ---------------------------------------------------------------------------------------- vault policy
VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
DELETE_ACTION = "backup:deleterecoverypoint"



def _action_matches(pattern, action):
    return fnmatch.fnmatchcase(action, pattern.strip().lower())


def _everyone(principal):
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        values = principal.get("AWS")
        return "*" in str_values(values)
    return False


def _denies_deletion(doc):
    """A Deny statement for every principal covering backup:DeleteRecoveryPoint."""
    for st in statements(doc):
        if str(st.get("Effect", "")).lower() != "deny" or not _everyone(st.get("Principal")):
            continue
        if "Action" in st and any(_action_matches(a, DELETE_ACTION) for a in str_values(st.get("Action"))):
            return True
        if "NotAction" in st and not any(_action_matches(a, DELETE_ACTION) for a in str_values(st.get("NotAction"))):
            return True
    return False


@stack_policy(
    name="backup-vault-deletion-protected",
    description="AWS Backup vaults must forbid deleting recovery points: a vault access policy denying "
                "`backup:DeleteRecoveryPoint` to every principal, or a vault lock in compliance mode.",
    citations=["164.312(c)(1)", "164.308(a)(7)(ii)(A)"],
    severity="medium",
    resource_types=[VAULT, VAULT_POLICY, VAULT_LOCK],
    remediation="Declare `aws.backup.VaultPolicy(backup_vault_name=vault.name, policy=...)` with a statement "
                "`{Effect: Deny, Principal: {AWS: \"*\"}, Action: [\"backup:DeleteRecoveryPoint\", "
                "\"backup:UpdateRecoveryPointLifecycle\"], Resource: \"*\"}` (a condition such as `ArnNotLike "
                "aws:PrincipalArn` may exempt a break-glass role), or an `aws.backup.VaultLockConfiguration` with "
                "`changeableForDays` (compliance mode: no one can delete recovery points before their retention ends).",
    notes="Conditions on the deny statement (the usual exception for a break-glass role) are accepted. A vault lock "
          "without `changeableForDays` is in governance mode, which principals allowed to remove the lock can "
          "bypass, and does not count on its own. AWS Config: backup-recovery-point-manual-deletion-disabled.",
)
def backup_vault_deletion_protected(stack, cfg):
    findings = []
    expected = ("an `aws.backup.VaultPolicy` denying `backup:DeleteRecoveryPoint` to every principal, or an "
                "`aws.backup.VaultLockConfiguration` with `changeableForDays` (compliance mode)")
    for vault in stack.of_type(VAULT):
        locks = stack.referrers(vault, [VAULT_LOCK], "backupVaultName")
        lock_states = [lock.get("changeableForDays") for lock in locks.resources]
        if any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in lock_states):
            continue
        pols = stack.referrers(vault, [VAULT_POLICY], "backupVaultName")
        verdicts, unparseable = [], False
        for pol in pols.resources:
            if pol.get("policy") is MISSING:  # computed by a data source the run could not evaluate
                verdicts.append(UNKNOWN)
                continue
            try:
                doc = policy_document(pol.get("policy"))
            except Unparseable:
                unparseable = True
                continue
            verdicts.append(UNKNOWN if doc is UNKNOWN else _denies_deletion(doc))
        if True in verdicts:
            continue
        if UNKNOWN in verdicts or UNKNOWN in lock_states or any(is_unknown(v) for v in lock_states) \
                or pols.unresolved or locks.unresolved:
            findings.append(Finding("VaultPolicy.policy", expected, UNVERIFIED, vault.urn))
        elif unparseable:
            findings.append(UnparseableDocument("VaultPolicy.policy", expected, urn=vault.urn))
        elif pols.resources:  # a vault policy that does not deny deletion
            findings.append(Finding("VaultPolicy.policy", "a document denying `backup:DeleteRecoveryPoint` to every "
                                    "principal (or the vault locked in compliance mode by an "
                                    "`aws.backup.VaultLockConfiguration` with `changeableForDays`)", FAIL, vault.urn))
        else:
            findings.append(Finding("VaultPolicy", expected, FAIL, vault.urn))
    return findings


# ---------------------------------------------------------------------------------------- coverage
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
TABLE = "aws:dynamodb/table:Table"
FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
EFS_BACKUP_POLICY = "aws:efs/backupPolicy:BackupPolicy"
VOLUME = "aws:ebs/volume:Volume"
EC2_INSTANCE = "aws:ec2/instance:Instance"
VOLUME_ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment"
DLM_POLICY = "aws:dlm/lifecyclePolicy:LifecyclePolicy"
FSX_WINDOWS = "aws:fsx/windowsFileSystem:WindowsFileSystem"
FSX_LUSTRE = "aws:fsx/lustreFileSystem:LustreFileSystem"
FSX_ONTAP = "aws:fsx/ontapFileSystem:OntapFileSystem"
FSX_OPENZFS = "aws:fsx/openZfsFileSystem:OpenZfsFileSystem"
FSX = [FSX_WINDOWS, FSX_LUSTRE, FSX_ONTAP, FSX_OPENZFS]
# what the mandatory check judges (EC2 instances are rebuilt from images; their data volumes are judged)
BACKED_UP_STORES = [RDS_INSTANCE, RDS_CLUSTER, TABLE, FILE_SYSTEM, VOLUME] + FSX
# what the AWS Backup plan check judges (the anchors' "in a backup plan" rules)
PLAN_STORES = [RDS_INSTANCE, RDS_CLUSTER, TABLE, FILE_SYSTEM, VOLUME, EC2_INSTANCE] + FSX


def _replica(r):
    v = r.get("replicateSourceDb")
    return v is UNKNOWN or (isinstance(v, str) and v != "")


def _scratch(fs):
    """FSx for Lustre scratch file systems cannot be backed up at all (temporary storage by design)."""
    if fs.type != FSX_LUSTRE:
        return False
    kind = fs.str("deploymentType")
    return not isinstance(kind, str) or kind.upper().startswith("SCRATCH")


class _Dlm:
    """Amazon Data Lifecycle Manager snapshot/AMI policies, by target tag (built once per call)."""

    def __init__(self, stack):
        self.every = {"VOLUME": False, "INSTANCE": False}
        self.unknown = {"VOLUME": False, "INSTANCE": False}
        self.by_tag = {}
        for pol in stack.of_type(DLM_POLICY):
            state = pol.str("state")
            if state is UNKNOWN:
                self._unknown(("VOLUME", "INSTANCE"))
                continue
            if isinstance(state, str) and state.upper() != "ENABLED":
                continue
            default = pol.str("defaultPolicy")
            if default is UNKNOWN:
                self._unknown(("VOLUME", "INSTANCE"))
            elif isinstance(default, str) and default.upper() in self.every:
                self.every[default.upper()] = True
                continue
            kind = pol.str("policyDetails.policyType")
            if kind is UNKNOWN:
                self._unknown(("VOLUME", "INSTANCE"))
                continue
            if isinstance(kind, str) and kind.upper() not in ("EBS_SNAPSHOT_MANAGEMENT", "IMAGE_MANAGEMENT"):
                continue
            types = pol.list("policyDetails.resourceTypes")
            tags = pol.get("policyDetails.targetTags")
            if types is UNKNOWN or is_unknown(tags):
                self._unknown(("VOLUME", "INSTANCE"))
                continue
            targets = [t.upper() for t in types if isinstance(t, str) and t.upper() in self.every]
            if isinstance(kind, str) and kind.upper() == "IMAGE_MANAGEMENT":
                targets = ["INSTANCE"]
            if not isinstance(tags, Mapping):
                continue
            for key, value in tags.items():
                value = unwrap(value)
                if is_unknown(value):
                    self._unknown(targets)
                elif isinstance(value, str):
                    for t in targets:
                        self.by_tag.setdefault((t, key, value), True)

    def _unknown(self, kinds):
        for k in kinds:
            self.unknown[k] = True

    def covers(self, resource, kind):
        """True / False / UNKNOWN: a DLM policy snapshots this volume (or instance)."""
        if self.every[kind]:
            return True
        tags = resource.get("tags")
        if is_unknown(tags):
            return UNKNOWN if (self.unknown[kind] or any(k[0] == kind for k in self.by_tag)) else False
        if isinstance(tags, Mapping):
            for key, value in tags.items():
                value = unwrap(value)
                if is_unknown(value):
                    return UNKNOWN
                if isinstance(value, str) and (kind, key, value) in self.by_tag:
                    return True
        return UNKNOWN if self.unknown[kind] else False


def _any3(values):
    if True in values:
        return True
    return UNKNOWN if UNKNOWN in values or None in values else False


class _Coverage:
    """Everything the coverage checks join, built once per call."""

    def __init__(self, stack):
        self.stack = stack
        self.selections = SelectionIndex(stack, PLAN_STORES)
        self.dlm = _Dlm(stack)
        self._instances = {}

    def selected(self, store):
        """True / False / UNKNOWN: selected by an AWS Backup plan (directly, or through its instance)."""
        verdict = self.selections.verdict(store)
        verdict = UNKNOWN if verdict is None else verdict
        if verdict is True or store.type != VOLUME:
            return verdict
        return _any3([verdict] + [self.selections.verdict(i) for i in self.attached_instances(store)])

    def attached_instances(self, volume):
        links = self.stack.referrers(volume, [VOLUME_ATTACHMENT], "volumeId")
        out = []
        for att in links.resources:
            instances, _open = self.stack.resolve(att, "instanceId", [EC2_INSTANCE])
            out += instances
        return out

    def native(self, store):
        """(True / False / UNKNOWN, property that decides, expected) for backups the service keeps itself."""
        t = store.type
        if t == RDS_INSTANCE:
            if _replica(store):
                return True, "", ""
            days = store.num("backupRetentionPeriod")
            expected = "at least 1 (automated backups; 0 turns them off)"
            if days is UNKNOWN:
                return UNKNOWN, "backupRetentionPeriod", expected
            return (days is MISSING or days >= 1), "backupRetentionPeriod", expected
        if t == RDS_CLUSTER:
            return True, "", ""  # Aurora and Multi-AZ DB clusters always keep continuous backups (1-35 days)
        if t == TABLE:
            on = store.bool("pointInTimeRecovery.enabled")
            return (UNKNOWN if on is UNKNOWN else on is True), "pointInTimeRecovery.enabled", "true"
        if t == FILE_SYSTEM:
            links = self.stack.referrers(store, [EFS_BACKUP_POLICY], "fileSystemId")
            states = []
            for pol in links.resources:
                status = pol.str("backupPolicy.status")
                states.append(UNKNOWN if status is UNKNOWN else isinstance(status, str) and status.upper() == "ENABLED")
            if links.unresolved:
                states.append(UNKNOWN)
            return _any3(states), "BackupPolicy.backupPolicy.status", "`ENABLED` (an `aws.efs.BackupPolicy`)"
        if t in FSX:
            days = store.num("automaticBackupRetentionDays")
            expected = "at least 1 (automatic daily backups)"
            if days is UNKNOWN:
                return UNKNOWN, "automaticBackupRetentionDays", expected
            if days is MISSING:  # Windows, ONTAP and OpenZFS default to automatic backups; Lustre to none
                return t != FSX_LUSTRE, "automaticBackupRetentionDays", expected
            return days >= 1, "automaticBackupRetentionDays", expected
        if t == VOLUME:
            verdicts = [self.dlm.covers(store, "VOLUME")]
            verdicts += [self.dlm.covers(i, "INSTANCE") for i in self.attached_instances(store)]
            return _any3(verdicts), "aws.dlm.LifecyclePolicy", "a Data Lifecycle Manager policy targeting this volume"
        return False, "", ""


@stack_policy(
    name="backup-selection-covers-data-stores",
    description="Every RDS instance or cluster, DynamoDB table, EFS and FSx file system and EBS volume in the stack "
                "must be backed up: by the service's own backups (RDS automated backups, Aurora continuous backups, "
                "DynamoDB point-in-time recovery, EFS automatic backups, FSx automatic backups, Data Lifecycle "
                "Manager snapshots) or by an AWS Backup selection.",
    citations=["164.308(a)(7)(ii)(A)", "164.308(a)(7)(i)"],
    severity="high",
    resource_types=[SELECTION] + BACKED_UP_STORES,
    remediation="Keep the service's own backups on: RDS `backupRetentionPeriod` of 1 or more (the default is 1), "
                "DynamoDB `pointInTimeRecovery: {enabled: true}`, an `aws.efs.BackupPolicy` with status `ENABLED`, "
                "FSx `automaticBackupRetentionDays` of 1 or more, an `aws.dlm.LifecyclePolicy` targeting the EBS "
                "volume's tags; or select the store in an `aws.backup.Selection` (`resources=[store.arn]` or "
                "`selectionTags`).",
    notes="Native backups satisfy the data backup plan: Aurora and Multi-AZ DB clusters always keep continuous "
          "backups; RDS read replicas are covered by their source; FSx for Lustre scratch file systems cannot be "
          "backed up and are not checked; an EBS volume attached to an instance counts as covered when the instance "
          "is snapshotted (DLM `INSTANCE` policy or an AWS Backup selection). Centralised AWS Backup plans with a "
          "locked vault are the stronger practice (backup-data-stores-in-backup-plan, "
          "backup-vault-deletion-protected). Retention lengths are judged by the per-service retention policies.",
)
def backup_selection_covers_data_stores(stack, cfg):
    cov = _Coverage(stack)
    findings = []
    for store in stack.of_type(*BACKED_UP_STORES):
        if store.type in FSX and _scratch(store):
            continue
        native, path, expected = cov.native(store)
        if native is True:
            continue
        selected = cov.selected(store)
        if selected is True:
            continue
        want = f"{expected}, or an AWS Backup selection covering this data store"
        status = UNVERIFIED if UNKNOWN in (native, selected) else FAIL
        findings.append(Finding(path, want, status, store.urn))
    return findings


@stack_policy(
    name="backup-data-stores-in-backup-plan",
    description="RDS instances and clusters, DynamoDB tables, EFS and FSx file systems, EBS volumes and EC2 "
                "instances should be selected by an AWS Backup plan (centralised backup, beyond each service's own).",
    citations=["164.310(d)(2)(iv)", "164.308(a)(7)(ii)(B)"],
    severity="low",
    resource_types=[SELECTION] + PLAN_STORES,
    remediation="Declare an `aws.backup.Selection` for a backup plan whose `resources` lists the store's ARN "
                "(e.g. `resources=[db.arn]`), an ARN pattern, or whose `selectionTags` match a tag the store carries; "
                "keep the plan's vault under a customer managed key and locked.",
    notes="Advisory: the mandatory minimum is that every store is backed up at all "
          "(backup-selection-covers-data-stores accepts the services' own backups). AWS Backup adds one schedule, "
          "retention and vault lock across services and cross-account or cross-Region copies. ARN patterns are "
          "matched against the store's physical name when the program sets one; `stringLike`/`stringNotEquals`/"
          "`stringNotLike` conditions are not evaluated (reported unverified). An EBS volume attached to a selected "
          "instance counts as selected. RDS read replicas and FSx for Lustre scratch file systems are not checked. "
          "AWS Config: rds-in-backup-plan, aurora-resources-protected-by-backup-plan, dynamodb-in-backup-plan, "
          "efs-in-backup-plan, ebs-in-backup-plan, ec2-resources-protected-by-backup-plan, "
          "fsx-resources-protected-by-backup-plan.",
)
def backup_data_stores_in_backup_plan(stack, cfg):
    cov = _Coverage(stack)
    findings = []
    expected = "present, with `resources` or `selectionTags` covering this resource"
    for store in stack.of_type(*PLAN_STORES):
        if (store.type in FSX and _scratch(store)) or (store.type == RDS_INSTANCE and _replica(store)):
            continue
        selected = cov.selected(store)
        if selected is True:
            continue
        if selected is UNKNOWN:
            findings.append(Finding("aws.backup.Selection", expected + " (a selection's resources or tags are unknown "
                                    "until deployment)", UNVERIFIED, store.urn))
        else:
            findings.append(Finding("aws.backup.Selection", expected, FAIL, store.urn))
    return findings
