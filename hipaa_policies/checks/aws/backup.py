"""AWS Backup: vaults under a customer managed key (164.312(a)(2)(iv)), plans that keep recovery
points long enough and selections that cover the stack's ePHI data stores (164.308(a)(7)(ii)(A)).

A selection covers a data store when it names it in ``resources`` (by property dependency, ARN,
id or name, or an ARN pattern with ``*``) or matches one of its tags through ``selectionTags``,
and every ``conditions.stringEquals`` tag condition holds and ``notResources`` does not name it.
"""
from __future__ import annotations


from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import resource_policy, stack_policy
from hipaa_policies.core.helpers.backup_selection import DATA_STORES, covers, _or

VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"



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


# ---------------------------------------------------------------------------------------- coverage














@stack_policy(
    name="backup-selection-covers-data-stores",
    description="Every RDS instance or cluster, DynamoDB table and EFS file system in the stack must be "
                "selected by an AWS Backup selection.",
    citations=["164.308(a)(7)(ii)(A)", "164.308(a)(7)(i)"],
    severity="high",
    resource_types=[SELECTION] + list(DATA_STORES),
    remediation="Declare an `aws.backup.Selection` for a backup plan whose `resources` lists the data store's ARN "
                "(e.g. `resources=[db.arn]`) or whose `selectionTags` match a tag the data store carries.",
    notes="ARN patterns are matched against the data store's physical name when the program sets one; "
          "`stringLike`/`stringNotEquals`/`stringNotLike` conditions are not evaluated (reported unverified). "
          "Point-in-time recovery or snapshots managed outside AWS Backup are not recognised: exempt with a reason.",
)
def backup_selection_covers_data_stores(stack, cfg):
    selections = stack.of_type(SELECTION)
    findings = []
    for store in stack.of_type(*DATA_STORES):
        verdict = False
        for sel in selections:
            verdict = _or(verdict, covers(stack, sel, store))
            if verdict is True:
                break
        if verdict is None:
            findings.append(Finding("aws.backup.Selection", "present, with `resources` or `selectionTags` covering this "
                                    "data store (a selection's resources or tags are unknown until deployment)",
                                    UNVERIFIED, store.urn))
        elif verdict is False:
            findings.append(Finding("aws.backup.Selection", "present, with `resources` or `selectionTags` "
                                    "covering this data store", FAIL, store.urn))
    return findings
