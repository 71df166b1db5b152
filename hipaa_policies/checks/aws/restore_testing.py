"""AWS Backup restore testing: backups of ePHI data stores are restored on a schedule and validated.

Written for the 2025 proposed rule's contingency planning (proposed §164.308(a)(13): restore critical
systems within 72 hours, backups verified; not in force), and today's data backup and disaster
recovery plans (164.308(a)(7)(ii)(A), (B)).  Enabled by the ``proposed-rule-2025`` profile only.
"""
from hipaa_policies.core.props import FAIL, UNVERIFIED, Finding, is_unknown
from hipaa_policies.core.policy import stack_policy

PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
# data store type -> the restore testing `protectedResourceType` that covers it
STORES = {
    "aws:rds/instance:Instance": "RDS",
    "aws:rds/cluster:Cluster": "Aurora",
    "aws:dynamodb/table:Table": "DynamoDB",
    "aws:efs/fileSystem:FileSystem": "EFS",
    "aws:ebs/volume:Volume": "EBS",
    "aws:ec2/instance:Instance": "EC2",
    "aws:docdb/cluster:Cluster": "DocumentDB",
    "aws:neptune/cluster:Cluster": "Neptune",
    "aws:fsx/lustreFileSystem:LustreFileSystem": "FSx",
    "aws:fsx/windowsFileSystem:WindowsFileSystem": "FSx",
    "aws:fsx/ontapFileSystem:OntapFileSystem": "FSx",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": "FSx",
}


@stack_policy(
    name="backup-restore-testing-covers-data-stores",
    description="Every ePHI data store type in the stack must be covered by an AWS Backup restore testing "
                "selection in a restore testing plan, so recovery points are restored and validated on a schedule.",
    citations=["164.308(a)(7)(ii)(B)", "164.308(a)(7)(ii)(A)"],
    severity="medium",
    resource_types=list(STORES) + [PLAN, SELECTION],
    remediation="Declare `aws.backup.RestoreTestingPlan` (schedule, recovery point selection) and an "
                "`aws.backup.RestoreTestingSelection` per protected resource type (`protected_resource_type`, "
                "`restore_testing_plan_name=plan.name`, `iam_role_arn`), with a validation window.",
    notes="Proposed rule (NPRM 2025, not in force): backups verified and critical systems restorable within "
          "72 hours. Enabled only by the `proposed-rule-2025` profile.",
)
def backup_restore_testing_covers_data_stores(stack, cfg):
    plans = stack.of_type(PLAN)
    plan_names = {n for r in plans for n in (r.str("name"), r.name) if isinstance(n, str)}
    covered, unknown = set(), False
    for sel in stack.of_type(SELECTION):
        ptype = sel.str("protectedResourceType")
        links, open_link = stack.resolve(sel, "restoreTestingPlanName", [PLAN])
        plan_name = sel.str("restoreTestingPlanName")
        in_plan = bool(links) or (isinstance(plan_name, str) and plan_name in plan_names)
        if is_unknown(ptype) or (open_link and not in_plan):
            unknown = True
            continue
        if in_plan and isinstance(ptype, str):
            covered.add(ptype.lower())
    findings = []
    for type_, ptype in STORES.items():
        for store in stack.of_type(type_):
            if ptype.lower() in covered:
                continue
            findings.append(Finding("RestoreTestingSelection.protectedResourceType",
                                    f"`{ptype}` in a selection of an `aws.backup.RestoreTestingPlan`",
                                    UNVERIFIED if unknown else FAIL, store.urn))
    return findings
