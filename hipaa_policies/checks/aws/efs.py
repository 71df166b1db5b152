"""Amazon EFS: file systems encrypted at rest (164.312(a)(2)(iv)) and backed up automatically
(164.308(a)(7)(ii)(A)) through an ``aws.efs.BackupPolicy`` or an AWS Backup selection (selections
indexed once per call: ``core/helpers/backup_selection.py``)."""
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import resource_policy, stack_policy
from hipaa_policies.core.remediation import fix_by_setting
from hipaa_policies.core.helpers import backup_selection as _backup

FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
BACKUP_POLICY = "aws:efs/backupPolicy:BackupPolicy"


@resource_policy(
    name="efs-encrypted",
    description="EFS file systems must be encrypted at rest.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[FILE_SYSTEM],
    remediation="Set `encrypted: true` and `kmsKeyId` to a customer managed KMS key. Encryption is chosen at "
                "creation: create an encrypted file system and copy the data (e.g. with AWS DataSync).",
    notes="The API default is unencrypted (the console defaults to encrypted). Remediation sets `encrypted`, "
          "which replaces an existing file system. AWS Config: efs-encrypted-check.",
)
def efs_encrypted(r, cfg):
    return r.expect_true("encrypted", "true (the API default is false)")


fix_by_setting(efs_encrypted, "encrypted", True)


def _status(policy):
    status = policy.str("backupPolicy.status")
    if status is UNKNOWN:
        return UNKNOWN
    return isinstance(status, str) and status.upper() == "ENABLED"


@stack_policy(
    name="efs-automatic-backups",
    description="EFS file systems must be backed up automatically: an `aws.efs.BackupPolicy` with status "
                "`ENABLED`, or an AWS Backup selection that covers the file system.",
    citations=["164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"],
    severity="high",
    resource_types=[FILE_SYSTEM, BACKUP_POLICY],
    remediation="Declare `aws.efs.BackupPolicy(file_system_id=fs.id, backup_policy={\"status\": \"ENABLED\"})` "
                "(daily backups kept 35 days in the default AWS Backup vault), or select the file system in an "
                "`aws.backup.Selection` of your own plan.",
    notes="Automatic backups are on by default only for file systems created in the console. "
          "AWS Config: efs-in-backup-plan.",
)
def efs_automatic_backups(stack, cfg):
    findings = []
    selections = _backup.SelectionIndex(stack, [FILE_SYSTEM])
    expected = "an `aws.efs.BackupPolicy` with `backupPolicy.status: ENABLED` (or an AWS Backup selection covering it)"
    for fs in stack.of_type(FILE_SYSTEM):
        links = stack.referrers(fs, [BACKUP_POLICY], "fileSystemId")
        statuses = [_status(p) for p in links.resources]
        if True in statuses:
            continue
        covered = selections.verdict(fs)
        if covered is True:
            continue
        if False in statuses:
            findings.append(Finding("BackupPolicy.backupPolicy.status", "`ENABLED` (or an AWS Backup selection "
                                    "covering the file system)", FAIL, fs.urn))
        elif UNKNOWN in statuses or links.unresolved or covered is None:
            findings.append(Finding("BackupPolicy", expected, UNVERIFIED, fs.urn))
        else:
            findings.append(Finding("BackupPolicy", expected, FAIL, fs.urn))
    return findings
