"""AWS Backup: vaults under a customer managed key (164.312(a)(2)(iv)), plans that keep recovery
points long enough and selections that cover the stack's ePHI data stores (164.308(a)(7)(ii)(A)).

A selection covers a data store when it names it in ``resources`` (by property dependency, ARN,
id or name, or an ARN pattern with ``*``) or matches one of its tags through ``selectionTags``,
and every ``conditions.stringEquals`` tag condition holds and ``notResources`` does not name it.
"""
from __future__ import annotations

import fnmatch

from ..props import FAIL, UNKNOWN, UNVERIFIED, Finding, Props, as_list, is_unknown, unwrap
from ..registry import resource_policy, stack_policy

VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"

# data store type -> (ARN service, ARN resource prefixes, properties holding its physical name)
DATA_STORES = {
    "aws:rds/instance:Instance": ("rds", ("db:",), ("identifier",)),
    "aws:rds/cluster:Cluster": ("rds", ("cluster:",), ("clusterIdentifier",)),
    "aws:dynamodb/table:Table": ("dynamodb", ("table/",), ("name",)),
    "aws:efs/fileSystem:FileSystem": ("elasticfilesystem", ("file-system/",), ()),
}


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
def _strings(value):
    items = as_list(value)
    if items is UNKNOWN:
        return UNKNOWN
    return [v for v in items if isinstance(v, str)]


def _physical_name(store):
    for key in DATA_STORES.get(store.type, ("", (), ()))[2]:
        v = store.get(key)
        if isinstance(v, str) and v and not is_unknown(v):
            return v
    return None


def _pattern_covers(pattern: str, store):
    """True / False / None (cannot tell) for an ARN pattern with wildcards."""
    if pattern.strip() == "*":
        return True
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return False
    service, prefixes, _ = DATA_STORES.get(store.type, ("", (), ()))
    if not fnmatch.fnmatchcase(service, parts[2]):
        return False
    rest = parts[5]
    for prefix in prefixes:
        if fnmatch.fnmatchcase(prefix + "\x00", rest) or rest in ("*", prefix + "*"):
            return True
        name = _physical_name(store)
        if name is not None and fnmatch.fnmatchcase(prefix + name, rest):
            return True
    if any(rest.startswith(p) for p in prefixes) or rest.startswith("*"):
        return None if _physical_name(store) is None else False
    return False


def _tag_match(store, key, value):
    """True / False / None (tags unknown)."""
    tags = store.get("tags")
    if is_unknown(tags):
        return None
    if not isinstance(tags, dict):
        return False
    v = unwrap(tags.get(key))
    if is_unknown(v):
        return None
    return isinstance(v, str) and isinstance(value, str) and v == value


def _and(a, b):
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a, b):
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _covers(stack, sel, store):
    """True / False / None (cannot tell until deployment)."""
    store_type = store.type
    # resources: explicit links, ARN patterns
    chosen = False
    targets, open_link = stack.resolve(sel, "resources", [store_type])
    if any(t.urn == store.urn for t in targets):
        chosen = True
    elif open_link:
        chosen = None
    else:
        values = _strings(sel.get("resources"))
        if values is UNKNOWN:
            chosen = None
        else:
            for v in values:
                if "*" in v:
                    chosen = _or(chosen, _pattern_covers(v, store))
    # selectionTags (OR with resources)
    tags = sel.get("selectionTags")
    if is_unknown(tags):
        chosen = _or(chosen, None)
    else:
        for _, t in Props(sel.raw).items("selectionTags"):
            kind = t.str("type")
            if isinstance(kind, str) and kind.upper() == "STRINGEQUALS":
                chosen = _or(chosen, _tag_match(store, t.get("key"), t.get("value")))
            elif kind is UNKNOWN:
                chosen = _or(chosen, None)
    if chosen is False:
        return False
    # conditions narrow the selection (AND)
    conditions = sel.get("conditions")
    if is_unknown(conditions):
        chosen = _and(chosen, None)
    else:
        for _, cond in Props(sel.raw).items("conditions"):
            for _, eq in cond.items("stringEquals"):
                key = eq.get("key")
                if is_unknown(key):
                    chosen = _and(chosen, None)
                elif isinstance(key, str) and key.startswith("aws:ResourceTag/"):
                    chosen = _and(chosen, _tag_match(store, key[len("aws:ResourceTag/"):], eq.get("value")))
            for kind in ("stringLike", "stringNotEquals", "stringNotLike"):
                if cond.list(kind):
                    chosen = _and(chosen, None)  # not evaluated: cannot tell
    if chosen is False:
        return False
    # notResources excludes
    excluded, open_excl = stack.resolve(sel, "notResources", [store_type])
    if any(t.urn == store.urn for t in excluded):
        return False
    if open_excl:
        chosen = _and(chosen, None)
    return chosen


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
            verdict = _or(verdict, _covers(stack, sel, store))
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
