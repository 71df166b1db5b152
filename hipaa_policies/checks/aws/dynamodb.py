"""Amazon DynamoDB: tables encrypted with a KMS key (164.312(a)(2)(iv)), point-in-time recovery
(164.308(a)(7)(ii)(A)), deletion protection (164.312(c)(1)) and capacity that scales (on-demand or auto
scaling, 164.308(a)(7))."""
from hipaa_policies.core.helpers.links import LinkedUnknown
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import resource_policy, stack_policy
from hipaa_policies.core.remediation import fix_by_enabling, fix_by_setting

TABLE = "aws:dynamodb/table:Table"


@resource_policy(
    name="dynamodb-table-encrypted-kms",
    description="DynamoDB tables must be encrypted with an AWS KMS key (AWS managed `aws/dynamodb` or customer "
                "managed), not the AWS owned default key.",
    citations=["164.312(a)(2)(iv)"],
    severity="medium",
    resource_types=[TABLE],
    remediation="Set `serverSideEncryption: {enabled: true, kmsKeyArn: <customer managed key ARN>}` (without "
                "`kmsKeyArn` DynamoDB uses the AWS managed key `aws/dynamodb`).",
    notes="Every DynamoDB table is encrypted at rest; with `serverSideEncryption` absent or disabled the key is "
          "AWS owned, invisible in CloudTrail and outside your key policy. AWS Config: dynamodb-table-encrypted-kms.",
)
def dynamodb_table_encrypted_kms(r, cfg):
    return r.expect_true("serverSideEncryption.enabled", "true (KMS encryption; the default is an AWS owned key)")


fix_by_enabling(dynamodb_table_encrypted_kms, "serverSideEncryption")


@resource_policy(
    name="dynamodb-point-in-time-recovery",
    description="DynamoDB tables must have point-in-time recovery (continuous backups) enabled.",
    citations=["164.308(a)(7)(ii)(A)", "164.308(a)(7)(ii)(B)"],
    severity="high",
    resource_types=[TABLE],
    remediation="Set `pointInTimeRecovery: {enabled: true}` (optionally `recoveryPeriodInDays`, 1-35).",
    notes="AWS Config: dynamodb-pitr-enabled.",
)
def dynamodb_point_in_time_recovery(r, cfg):
    return r.expect_true("pointInTimeRecovery.enabled", "true (the default is false)")


fix_by_enabling(dynamodb_point_in_time_recovery, "pointInTimeRecovery")


@resource_policy(
    name="dynamodb-deletion-protection",
    description="DynamoDB tables must have deletion protection enabled.",
    citations=["164.312(c)(1)", "164.308(a)(7)(ii)(C)"],
    severity="medium",
    resource_types=[TABLE],
    remediation="Set `deletionProtectionEnabled: true`; turn it off in a reviewed change before a planned deletion.",
)
def dynamodb_deletion_protection(r, cfg):
    return r.expect_true("deletionProtectionEnabled", "true (the default is false)")


fix_by_setting(dynamodb_deletion_protection, "deletionProtectionEnabled", True)


# --------------------------------------------------------------------------- capacity
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
DIMENSIONS = ("dynamodb:table:readcapacityunits", "dynamodb:table:writecapacityunits")
CAPACITY_EXPECTED = ("`PAY_PER_REQUEST` (on-demand), or `PROVISIONED` with `aws.appautoscaling.Policy` scaling of "
                     "both `dynamodb:table:ReadCapacityUnits` and `dynamodb:table:WriteCapacityUnits`")


def _scaled_tables(stack):
    """Table key -> set of scaled dimensions (lower case, or UNKNOWN), and whether some link is open."""
    targets = {}  # target urn -> (table keys, dimension)
    table_ident = stack._targets_of_type((TABLE,))
    open_links = False

    def table_keys(r):
        nonlocal open_links
        keys = {u for u in r.property_dependencies.get("resourceId", ())
                if u in stack.by_urn and stack.by_urn[u].type in (TABLE, SCALING_TARGET)}
        value = r.get("resourceId")
        if isinstance(value, str) and value.startswith("table/") and "/index/" not in value:
            hits = table_ident.get(value[len("table/"):], ())
            keys |= {h.urn for h in hits} or {"name:" + value[len("table/"):]}
        elif value is UNKNOWN and not keys:
            open_links = True
        return keys

    def dimension(r):
        d = r.get("scalableDimension")
        return UNKNOWN if d is UNKNOWN else d.strip().lower() if isinstance(d, str) else None

    for t in stack.of_type(SCALING_TARGET):
        targets[t.urn] = (table_keys(t), dimension(t))
    scaled = {}
    for p in stack.of_type(SCALING_POLICY):
        dim = dimension(p)
        for key in table_keys(p):
            if key in targets:  # `resource_id=target.resource_id`
                keys, target_dim = targets[key]
                dim = target_dim if dim is None else dim
            else:
                keys = {key}
            for k in keys:
                scaled.setdefault(k, set()).add(dim)
    return scaled, open_links


@stack_policy(
    name="dynamodb-table-capacity-scales",
    description="DynamoDB tables must use on-demand capacity or auto scaling of provisioned read and write "
                "capacity, so load peaks do not throttle access to ePHI.",
    citations=["164.308(a)(7)(i)", "164.308(a)(7)(ii)(C)"],
    severity="low",
    resource_types=[TABLE, SCALING_TARGET, SCALING_POLICY],
    remediation="Set `billingMode: PAY_PER_REQUEST`, or register `aws.appautoscaling.Target`s for "
                "`dynamodb:table:ReadCapacityUnits` and `dynamodb:table:WriteCapacityUnits` (`resourceId: "
                "table/<name>`) with target-tracking `aws.appautoscaling.Policy` resources.",
    notes="AWS Config dynamodb-autoscaling-enabled. `billingMode` defaults to `PROVISIONED`. A scaling policy "
          "linked to its table by `resourceId` (`table/<name>`, an output of the table, or the target's "
          "`resourceId`) counts; global secondary indexes are not checked.",
)
def dynamodb_table_capacity_scales(stack, cfg):
    tables = stack.of_type(TABLE)
    if not tables:
        return []
    scaled, open_links = _scaled_tables(stack)
    findings = []
    for table in tables:
        mode = table.str("billingMode")
        if isinstance(mode, str) and mode.strip().upper() == "PAY_PER_REQUEST":
            continue
        if mode is UNKNOWN:
            findings.append(Finding("billingMode", CAPACITY_EXPECTED, UNVERIFIED, table.urn))
            continue
        dims = set(scaled.get(table.urn, set()))
        name = table.str("name")
        if isinstance(name, str):
            dims |= scaled.get("name:" + name, set())
        if all(d in dims for d in DIMENSIONS):
            continue
        if UNKNOWN in dims or open_links:
            findings.append(LinkedUnknown("billingMode", CAPACITY_EXPECTED, UNVERIFIED, table.urn))
        else:
            findings.append(Finding("billingMode", CAPACITY_EXPECTED, FAIL, table.urn))
    return findings
