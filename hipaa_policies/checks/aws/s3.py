"""Amazon S3: encryption, public access (ACLs, bucket policies), ACLs disabled, versioning, logging,
transport security, retention, Object Lock on CloudTrail buckets, replication.

pulumi-aws v7 declares a bucket's settings as separate resources (encryption, versioning, public
access block, logging, policy, lifecycle, ACL...) linked by their ``bucket`` input, so most checks
are stack-level joins through :meth:`StackIndex.referrers`.  Findings about a bucket's settings
are reported on the bucket (it carries the tags that scoping and exemptions read), with the path
naming the settings resource type.  The deprecated inline arguments (``versioning``, ``logging``,
``policy``, ``acl``, ``lifecycleRules``...) and the legacy v6 tokens (``BucketV2``, ``...V2``
settings) are recognised too.
"""
from __future__ import annotations

import dataclasses

from hipaa_policies.core import tokens
from hipaa_policies.core.helpers.links import LinkedUnknown
from hipaa_policies.core.helpers.policy_documents import UNPARSEABLE, UnparseableDocument, parse_statements, read
from hipaa_policies.core.helpers.principals import names_everyone, public_findings
from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN, UNVERIFIED, Finding, Props
from hipaa_policies.core.policy import remediation_for, resource_policy, stack_policy

BUCKET = "aws:s3/bucket:Bucket"
SSE_CONFIG = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"]


def _rule_status(rules, path: str, allowed) -> list:
    """Findings for a list of encryption rules (engine shape), relative to ``path``."""
    if rules is UNKNOWN:
        return [Finding(path, "a rule with SSE-KMS", UNVERIFIED)]
    findings = []
    if not rules:
        return [Finding(path, "a rule whose `applyServerSideEncryptionByDefault.sseAlgorithm` is "
                        + " or ".join(f"`{a}`" for a in allowed), FAIL)]
    for i, rule in enumerate(rules):
        p = Props(rule, f"{path}[{i}].")
        findings += p.expect_in("applyServerSideEncryptionByDefault.sseAlgorithm", allowed)
    return findings


def _with_urn(findings, urn):
    return [dataclasses.replace(f, urn=urn) for f in findings]


@stack_policy(
    name="s3-bucket-default-encryption-kms",
    description="S3 buckets must encrypt objects by default with SSE-KMS.",
    citations=["164.312(a)(2)(iv)", "164.310(d)(1)"],
    severity="high",
    resource_types=[BUCKET, SSE_CONFIG],
    remediation="Declare an `aws.s3.BucketServerSideEncryptionConfiguration` for the bucket with "
                "`rules=[{apply_server_side_encryption_by_default: {sse_algorithm: \"aws:kms\", "
                "kms_master_key_id: <your key>}, bucket_key_enabled: True}]`.",
    config={"allowedAlgorithms": {"type": "array", "items": {"type": "string", "enum": ["aws:kms", "aws:kms:dsse", "AES256"]},
                                  "minItems": 1, "default": KMS_ALGORITHMS,
                                  "description": "Server-side encryption algorithms accepted as compliant."}},
)
def s3_bucket_default_encryption_kms(stack, cfg):
    allowed = cfg["allowedAlgorithms"]
    findings = []
    for bucket in stack.of_type(BUCKET):
        links = stack.referrers(bucket, [SSE_CONFIG], "bucket")
        if links.resources:
            for conf in links.resources:
                findings += _with_urn(_rule_status(conf.list("rules"), "BucketServerSideEncryptionConfiguration.rules",
                                                   allowed), bucket.urn)
            continue
        inline = bucket.get("serverSideEncryptionConfiguration")
        if inline is UNKNOWN:
            findings.append(Finding("serverSideEncryptionConfiguration", "SSE-KMS", UNVERIFIED, bucket.urn))
            continue
        if isinstance(inline, dict):
            rules = bucket.list("serverSideEncryptionConfiguration.rule")
            if rules is not UNKNOWN and not rules:
                rules = bucket.list("serverSideEncryptionConfiguration.rules")
            findings += _with_urn(_rule_status(rules, "serverSideEncryptionConfiguration.rule", allowed), bucket.urn)
            continue
        if links.unresolved:
            findings.append(_open_link(bucket, "BucketServerSideEncryptionConfiguration", "SSE-KMS"))
            continue
        findings.append(Finding("BucketServerSideEncryptionConfiguration",
                                "declared for this bucket with `sseAlgorithm` " + " or ".join(f"`{a}`" for a in allowed),
                                FAIL, bucket.urn))
    return findings


# =========================================================================== shared helpers
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
ACL = "aws:s3/bucketAcl:BucketAcl"
TRAIL = "aws:cloudtrail/trail:Trail"
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_CANNED_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GRANTEE_URIS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                       "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


def _settings(conf, type_name: str) -> Props:
    """Props of a settings resource whose finding paths start with its type name."""
    return Props(conf.raw, f"{type_name}.")


def _open_link(bucket, type_name: str, expected: str) -> Finding:
    """A settings resource's ``bucket`` input is unknown: it may or may not name this bucket."""
    return Finding(f"{type_name}.bucket", f"this bucket, for a `{type_name}` with {expected}", UNVERIFIED, bucket.urn)


def _first_bool(bucket, *paths):
    """The first of ``paths`` that is present on the bucket: (path, bool/UNKNOWN) or (None, MISSING)."""
    for path in paths:
        value = bucket.get(path)
        if value is not MISSING:
            return path, bucket.bool(path)
    return None, MISSING


# =========================================================================== public access
def _pab_findings(conf, type_name: str):
    p = _settings(conf, type_name)
    findings = []
    for flag in PAB_FLAGS:
        findings += p.expect_true(flag)
    return findings


@stack_policy(
    name="s3-bucket-public-access-block",
    description="Every S3 bucket must have a public access block with all four settings enabled "
                "(or the account-level block must be fully enabled in the stack).",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="critical",
    resource_types=[BUCKET, PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK],
    remediation="Declare `aws.s3.BucketPublicAccessBlock(bucket=<bucket>.id, block_public_acls=True, "
                "block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)` for each "
                "bucket, or `aws.s3.AccountPublicAccessBlock` with the same four flags.",
)
def s3_bucket_public_access_block(stack, cfg):
    for account in stack.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK):
        if not _pab_findings(account, "AccountPublicAccessBlock"):
            return []  # the account-wide block overrides every bucket
    findings = []
    for bucket in stack.of_type(BUCKET):
        links = stack.referrers(bucket, [PUBLIC_ACCESS_BLOCK], "bucket")
        if links.resources:
            per = [_pab_findings(conf, "BucketPublicAccessBlock") for conf in links.resources]
            if not any(not f for f in per):
                findings += _with_urn(min(per, key=len), bucket.urn)
            continue
        if links.unresolved:
            findings.append(_open_link(bucket, "BucketPublicAccessBlock", "all four flags true"))
            continue
        findings.append(Finding("BucketPublicAccessBlock", "declared for this bucket with `blockPublicAcls`, "
                                "`blockPublicPolicy`, `ignorePublicAcls` and `restrictPublicBuckets` true",
                                FAIL, bucket.urn))
    return findings


@resource_policy(
    name="s3-account-public-access-block",
    description="The account-level S3 public access block must enable all four settings.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="high",
    resource_types=[ACCOUNT_PUBLIC_ACCESS_BLOCK],
    remediation="Set `blockPublicAcls`, `blockPublicPolicy`, `ignorePublicAcls` and `restrictPublicBuckets` "
                "to true on `aws.s3.AccountPublicAccessBlock` (each defaults to false).",
)
def s3_account_public_access_block(r, cfg):
    findings = []
    for flag in PAB_FLAGS:
        findings += r.expect_true(flag)
    return findings


@remediation_for(s3_account_public_access_block)
def _block_account(r, cfg):
    if all(r.bool(flag) is True for flag in PAB_FLAGS):
        return None
    return {**r.raw, **{flag: True for flag in PAB_FLAGS}}


@resource_policy(
    name="s3-bucket-no-public-acl",
    description="S3 bucket ACLs must not grant access to everyone or to any authenticated AWS user.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="critical",
    resource_types=[ACL, BUCKET],
    remediation="Use `acl: private` (or no ACL: Object Ownership `BucketOwnerEnforced` disables ACLs) and remove "
                "grants to the `AllUsers` and `AuthenticatedUsers` groups.",
)
def s3_bucket_no_public_acl(r, cfg):
    expected = "not `public-read`, `public-read-write` or `authenticated-read`"
    findings = r.expect_not_in("acl", PUBLIC_CANNED_ACLS, expected)
    grants = "accessControlPolicy.grants" if r.has("accessControlPolicy") else "grants"
    grant_list = r.list(grants)
    if grant_list is UNKNOWN:
        return findings + r.unverified(grants, "no grant to the `AllUsers` or `AuthenticatedUsers` group")
    for _path, grant in r.items(grants):
        uri_path = "grantee.uri" if grant.has("grantee") else "uri"
        uri = grant.str(uri_path)
        if uri is UNKNOWN:
            findings += grant.unverified(uri_path, "not the `AllUsers` or `AuthenticatedUsers` group")
        elif isinstance(uri, str) and uri.strip().rstrip("/") in PUBLIC_GRANTEE_URIS:
            findings += grant.fail(uri_path, "not the `AllUsers` or `AuthenticatedUsers` group")
    return findings


# =========================================================================== versioning
@stack_policy(
    name="s3-bucket-versioning-declared",
    description="Every S3 bucket must declare versioning so objects can be recovered after deletion or "
                "overwrite (its status is checked by s3-bucket-versioning-enabled).",
    citations=["164.312(c)(1)", "164.308(a)(7)(ii)(A)"],
    severity="medium",
    resource_types=[BUCKET, VERSIONING],
    remediation="Declare `aws.s3.BucketVersioning(bucket=<bucket>.id, versioning_configuration={\"status\": "
                "\"Enabled\"})` for the bucket.",
)
def s3_bucket_versioning_declared(stack, cfg):
    findings = []
    for bucket in stack.of_type(BUCKET):
        links = stack.referrers(bucket, [VERSIONING], "bucket")
        if links.resources:
            continue
        path, inline = _first_bool(bucket, "versioning.enabled", "versionings[0].enabled")
        if inline is True:
            continue
        if inline is UNKNOWN:
            findings.append(Finding(path, "true", UNVERIFIED, bucket.urn))
            continue
        if inline is False or path is not None:
            findings.append(Finding(path or "versioning.enabled", "true (or declare `aws.s3.BucketVersioning`)",
                                    FAIL, bucket.urn))
            continue
        if links.unresolved:
            findings.append(_open_link(bucket, "BucketVersioning", "`status: Enabled`"))
            continue
        findings.append(Finding("BucketVersioning", "declared for this bucket with "
                                "`versioningConfiguration.status: Enabled`", FAIL, bucket.urn))
    return findings


@resource_policy(
    name="s3-bucket-versioning-enabled",
    description="S3 bucket versioning configurations must be Enabled (not Suspended or Disabled).",
    citations=["164.312(c)(1)", "164.308(a)(7)(ii)(A)"],
    severity="medium",
    resource_types=[VERSIONING],
    remediation="Set `versioningConfiguration.status: Enabled` on the `aws.s3.BucketVersioning`.",
    notes="Not required (anchor rule s3-version-lifecycle-policy-check): a lifecycle configuration on versioned "
          "buckets. Expiring noncurrent versions controls cost; it removes the very copies that let ePHI be "
          "recovered, so its absence is no ePHI weakness. Expirations that are too short on audit-log buckets are "
          "checked by s3-audit-bucket-retention.",
)
def s3_bucket_versioning_enabled(r, cfg):
    return r.expect_in("versioningConfiguration.status", ["Enabled"], "`Enabled`")


@remediation_for(s3_bucket_versioning_enabled)
def _enable_versioning(r, cfg):
    status = r.str("versioningConfiguration.status")
    if status is UNKNOWN or (isinstance(status, str) and status.lower() == "enabled"):
        return None
    conf = r.get("versioningConfiguration")
    conf = dict(conf) if isinstance(conf, dict) else {}
    conf["status"] = "Enabled"
    return {**r.raw, "versioningConfiguration": conf}


# =========================================================================== access logging
def _log_targets(stack):
    """URNs of buckets that receive server access logs, and whether some target is unknown."""
    urns, unknown = set(), False
    for conf in stack.of_type(LOGGING):
        targets, open_link = stack.resolve(conf, "targetBucket", [BUCKET])
        unknown = unknown or open_link
        urns.update(t.urn for t in targets)
    ident = None
    for bucket in stack.of_type(BUCKET):
        for path in ("logging.targetBucket", "loggings[0].targetBucket"):
            value = bucket.get(path)
            if value is UNKNOWN:
                unknown = True
            elif isinstance(value, str):
                if ident is None:
                    ident = stack._targets_of_type([BUCKET])
                urns.update(t.urn for t in ident.get(value, ()))
    return urns, unknown


@stack_policy(
    name="s3-bucket-access-logging",
    description="S3 buckets must record server access logs (buckets that receive access logs are exempt).",
    citations=["164.312(b)", "164.310(d)(2)(iii)"],
    severity="medium",
    resource_types=[BUCKET, LOGGING],
    remediation="Declare `aws.s3.BucketLogging(bucket=<bucket>.id, target_bucket=<log bucket>.id, "
                "target_prefix=\"<bucket>/\")` for the bucket (or use CloudTrail S3 data events).",
    notes="Not required (anchor rule s3-event-notifications-enabled): S3 event notifications. They trigger "
          "processing, not audit: object-level activity is recorded by these access logs and CloudTrail data "
          "events, so a bucket without notifications has no ePHI weakness.",
    config={"exemptLogTargets": {"type": "boolean", "default": True,
                                 "description": "Do not require access logging on buckets that are themselves "
                                                "access-log targets (a bucket logging to itself loops)."}},
)
def s3_bucket_access_logging(stack, cfg):
    targets = _log_targets(stack)[0] if cfg["exemptLogTargets"] else set()
    findings = []
    for bucket in stack.of_type(BUCKET):
        if bucket.urn in targets:
            continue
        links = stack.referrers(bucket, [LOGGING], "bucket")
        if links.resources:
            continue  # `targetBucket` is a required input: a linked BucketLogging delivers somewhere
        inline_path = next((p for p in ("logging", "loggings") if bucket.has(p)), None)
        if inline_path is not None:
            path = "logging.targetBucket" if inline_path == "logging" else "loggings[0].targetBucket"
            if bucket.get(path) is MISSING or bucket.get(path) == "":
                findings.append(Finding(path, "the log bucket", FAIL, bucket.urn))
            continue
        if links.unresolved:
            findings.append(_open_link(bucket, "BucketLogging", "a `targetBucket`"))
            continue
        findings.append(Finding("BucketLogging", "declared for this bucket with a `targetBucket`", FAIL, bucket.urn))
    return findings


# =========================================================================== transport security
DENY_INSECURE = ("a `Deny` statement for `Principal: \"*\"` on the bucket's objects (`arn:aws:s3:::<bucket>/*`) "
                 "with `Condition: {Bool: {aws:SecureTransport: false}}`")
OBJECTS_TOO = "the bucket's objects too (`arn:aws:s3:::<bucket>/*`), not only the bucket ARN"
SECURE_TRANSPORT = "a document with " + DENY_INSECURE


def _covers_objects(st) -> bool:
    if st.not_resources is not None:
        return not any("/" in r for r in st.not_resources)
    for r in st.resources or ():
        if r == "*" or r.endswith("*") or "/" in r.split(":::", 1)[-1]:
            return True
    return False


def _insecure_transport_deny(st) -> bool:
    for op, key, values in st.condition_entries():
        if key == "aws:securetransport" and op in ("bool", "boolifexists") and any(
                v is False or (isinstance(v, str) and v.strip().lower() == "false") for v in values):
            return True
    return False


def _transport_status(value, path):
    """(True / False / UNKNOWN / UNPARSEABLE, path to name) for one bucket policy document:
    True when a deny of insecure transport covers the objects."""
    doc = read(value)
    if doc is UNKNOWN or doc is UNPARSEABLE:
        return doc, path
    bucket_only = None
    for st in parse_statements(doc, path):
        if not (st.denies and names_everyone(st.principal) and st.covers("s3:getobject")
                and _insecure_transport_deny(st)):
            continue
        if _covers_objects(st):
            return True, path
        bucket_only = bucket_only or f"{st.path}.Resource"
    return (False, bucket_only) if bucket_only else (False, path)


@stack_policy(
    name="s3-bucket-secure-transport",
    description="S3 bucket policies must deny requests to the bucket's objects that do not use TLS "
                "(aws:SecureTransport false).",
    citations=["164.312(e)(1)", "164.312(e)(2)(i)"],
    severity="high",
    resource_types=[BUCKET, BUCKET_POLICY],
    remediation="Declare an `aws.s3.BucketPolicy` for the bucket with a statement `{\"Effect\": \"Deny\", "
                "\"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": [<bucket ARN>, <bucket ARN>/*], "
                "\"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"false\"}}}`.",
    notes="The deny must cover the objects (`<bucket ARN>/*`, a wildcard or `*`): a deny on the bucket ARN alone "
          "leaves every `GetObject` over plain HTTP allowed. A policy document that is not known until deployment "
          "(an output, or `aws.iam.get_policy_document` under the offline scan's mocks, which compute no data "
          "source) and one that is not JSON are unverified, never failed.",
)
def s3_bucket_secure_transport(stack, cfg):
    findings = []
    for bucket in stack.of_type(BUCKET):
        links = stack.referrers(bucket, [BUCKET_POLICY], "bucket")
        results = [_transport_status(c.get("policy"), "BucketPolicy.policy") for c in links.resources]
        if bucket.has("policy"):
            results.append(_transport_status(bucket.get("policy"), "policy"))
        if any(ok is True for ok, _p in results):
            continue
        unknown = [p for ok, p in results if ok is UNKNOWN]
        unparseable = [p for ok, p in results if ok is UNPARSEABLE]
        bucket_only = [p for ok, p in results if ok is False and p.endswith(".Resource")]
        if bucket_only:
            findings.append(Finding(bucket_only[0], OBJECTS_TOO, FAIL, bucket.urn))
        elif unknown:
            findings.append(Finding(unknown[0], SECURE_TRANSPORT, UNVERIFIED, bucket.urn))
        elif unparseable:
            findings.append(UnparseableDocument(unparseable[0], SECURE_TRANSPORT, UNVERIFIED, bucket.urn))
        elif links.unresolved:
            findings.append(_open_link(bucket, "BucketPolicy", DENY_INSECURE))
        elif results:
            findings.append(Finding(results[0][1], SECURE_TRANSPORT, FAIL, bucket.urn))
        else:
            findings.append(Finding("BucketPolicy", "declared for this bucket with " + DENY_INSECURE,
                                    FAIL, bucket.urn))
    return findings


# =========================================================================== public bucket policies
PAB_NOTE = "; a public access block does not make this safe, since it can be removed later"


@resource_policy(
    name="s3-bucket-policy-no-public-principal",
    description="S3 bucket policies must not allow everyone (`Principal: \"*\"`) without a condition that "
                "restricts the caller's account, organisation or network.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="critical",
    resource_types=[BUCKET_POLICY, BUCKET],
    remediation="Name the principals (account roots, roles) in each `Allow` statement of the bucket policy, or add a "
                "condition such as `aws:PrincipalOrgID`, `aws:SourceVpce` or `aws:SourceArn`; serve public content "
                "through CloudFront with origin access control instead of a public bucket policy.",
    notes="Shared public-principal analysis (also used for SQS, SNS, ECR, Secrets Manager, OpenSearch, KMS, API "
          "Gateway and IAM trust policies): an `Allow` is public when its `Principal` is `*` or `{AWS: \"*\"}` (or a "
          "list or ARN pattern with `*`), or it uses `NotPrincipal`, unless a positive condition (not `...IfExists`, "
          "not negated) on `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOwner`, `aws:SourceVpc`, "
          "`aws:SourceVpce`, `aws:SourceIp`, `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalArn` and "
          "similar keys restricts it, or a `Deny` for everyone covering its actions applies unless such a key "
          "matches. A public access block with `restrictPublicBuckets` blocks the grant today but is a separate "
          "resource that can be removed, so the policy itself must be closed.",
)
def s3_bucket_policy_no_public_principal(r, cfg):
    if r.type == BUCKET_POLICY:  # `policy` is required: absent means computed by a data source
        return public_findings(r.get("policy"), "policy", note=PAB_NOTE, absent=UNKNOWN)
    return public_findings(r.get("policy"), "policy", note=PAB_NOTE)


# =========================================================================== object lock
@resource_policy(
    name="s3-bucket-object-lock-retention",
    description="Where S3 Object Lock is configured, it must set a default retention in COMPLIANCE or "
                "GOVERNANCE mode.",
    citations=["164.312(c)(1)", "164.316(b)(2)(i)"],
    severity="low",
    resource_types=[OBJECT_LOCK],
    remediation="Set `rule.defaultRetention.mode` to `COMPLIANCE` (or `GOVERNANCE`) with `days` or `years` on the "
                "`aws.s3.BucketObjectLockConfiguration`.",
    config={"allowedModes": {"type": "array", "items": {"type": "string", "enum": ["COMPLIANCE", "GOVERNANCE"]},
                             "minItems": 1, "default": ["COMPLIANCE", "GOVERNANCE"],
                             "description": "Object Lock retention modes accepted."}},
    default_level="advisory",
    level_reason="Object Lock is one of several ways to protect ePHI from improper alteration (versioning and "
                 "backups are others); it is checked only where a program configures it",
)
def s3_bucket_object_lock_retention(r, cfg):
    findings = r.expect_in("rule.defaultRetention.mode", cfg["allowedModes"])
    if not findings:
        days, years = r.get("rule.defaultRetention.days"), r.get("rule.defaultRetention.years")
        if UNKNOWN in (days, years):
            findings += r.unverified("rule.defaultRetention.days", "a retention period (`days` or `years`)")
        elif days is MISSING and years is MISSING:
            findings += r.fail("rule.defaultRetention.days", "a retention period (`days` or `years`)")
    return findings


# =========================================================================== audit log retention
def _audit_buckets(stack):
    """URNs of buckets that hold audit records (CloudTrail destinations, access-log targets),
    and whether some trail's or logging's destination is unknown."""
    urns, unknown = _log_targets(stack)
    for trail in stack.of_type(TRAIL):
        targets, open_link = stack.resolve(trail, "s3BucketName", [BUCKET])
        unknown = unknown or open_link
        urns.update(t.urn for t in targets)
    return urns, unknown


def _short_expirations(bucket, stack, minimum):
    """(path, status) for each enabled lifecycle rule expiring current objects before ``minimum`` days."""
    out = []
    for conf in stack.referrers(bucket, [LIFECYCLE], "bucket").resources:
        rules = conf.list("rules")
        if rules is UNKNOWN:
            out.append(("BucketLifecycleConfiguration.rules", UNVERIFIED))
            continue
        for _path, rule in _settings(conf, "BucketLifecycleConfiguration").items("rules"):
            status = rule.str("status")
            if isinstance(status, str) and status.lower() == "disabled":
                continue
            out += _expiry(rule, "expiration.days", minimum, status is UNKNOWN)
    for attr, days_path in (("lifecycleRules", "expiration.days"), ("lifecycleRules", "expirations[0].days")):
        for _path, rule in bucket.items(attr):
            enabled = rule.bool("enabled")
            if enabled is False:
                continue
            out += _expiry(rule, days_path, minimum, enabled is UNKNOWN)
    return out


def _expiry(rule, days_path, minimum, status_unknown):
    days = rule.num(days_path)
    full = rule._full(days_path)
    if days is UNKNOWN:
        return [(full, UNVERIFIED)]
    if isinstance(days, float) and days < minimum:
        return [(full, UNVERIFIED if status_unknown else FAIL)]
    return []


@stack_policy(
    name="s3-audit-bucket-retention",
    description="Buckets that receive audit logs (CloudTrail, S3 access logs) must not expire objects before "
                "six years.",
    citations=["164.316(b)(2)(i)", "164.316(b)(2)(ii)", "164.312(b)"],
    severity="high",
    resource_types=[BUCKET, LIFECYCLE, TRAIL],
    remediation="Raise `expiration.days` of every enabled lifecycle rule on audit-log buckets to 2192 days (six "
                "years) or more, or transition old logs to Glacier instead of expiring them.",
    config={"minimumDays": {"type": "integer", "default": 2192, "minimum": 1, "maximum": 36500,
                            "description": "Shortest allowed expiration of audit-log objects in days "
                                           "(2192 = 6 years, 164.316(b)(2)(i))."}},
)
def s3_audit_bucket_retention(stack, cfg):
    minimum = cfg["minimumDays"]
    audit, unknown = _audit_buckets(stack)
    expected = f"at least {minimum} days on a bucket that holds audit logs"
    findings = []
    for bucket in stack.of_type(BUCKET):
        short = _short_expirations(bucket, stack, minimum)
        if not short:
            continue
        if bucket.urn in audit:
            findings += [Finding(p, expected, status, bucket.urn) for p, status in short]
        elif unknown:
            findings += [Finding(p, expected + " (a trail or logging destination is unknown until deployment)",
                                 UNVERIFIED, bucket.urn) for p, _status in short[:1]]
    return findings


# =========================================================================== replication
@resource_policy(
    name="s3-replication-kms",
    description="Where S3 replication is configured, replicas must be encrypted with a KMS key.",
    citations=["164.312(a)(2)(iv)", "164.312(e)(2)(ii)"],
    severity="low",
    resource_types=[REPLICATION, BUCKET],
    remediation="Set `destination.encryptionConfiguration.replicaKmsKeyId` on every enabled replication rule and "
                "`sourceSelectionCriteria.sseKmsEncryptedObjects.status: Enabled` so KMS-encrypted objects "
                "replicate.",
)
def s3_replication_kms(r, cfg):
    if r.type in (REPLICATION,):
        rules_path, key_path = "rules", "destination.encryptionConfiguration.replicaKmsKeyId"
    else:
        if not r.has("replicationConfiguration"):
            return []
        rules_path, key_path = "replicationConfiguration.rules", "destination.replicaKmsKeyId"
    if r.list(rules_path) is UNKNOWN:
        return r.unverified(rules_path, "rules that replicate with a KMS key")
    findings = []
    for _path, rule in r.items(rules_path):
        status = rule.str("status")
        if isinstance(status, str) and status.lower() == "disabled":
            continue
        findings += rule.expect_present(key_path, "a KMS key ARN for the replicas")
    return findings


# =========================================================================== ACLs disabled
OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ACLS_EXPECTED = ("`BucketOwnerEnforced` (ACLs disabled: access is decided by policies alone, and no object can carry "
                 "its own grant)")


@stack_policy(
    name="s3-bucket-acls-disabled",
    description="S3 buckets must keep ACLs disabled (Object Ownership `BucketOwnerEnforced`).",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="low",
    resource_types=[BUCKET, OWNERSHIP_CONTROLS, ACL],
    remediation="Declare `aws.s3.BucketOwnershipControls(bucket=<bucket>.id, rule={\"object_ownership\": "
                "\"BucketOwnerEnforced\"})` (the default for buckets created since April 2023) and remove "
                "`aws.s3.BucketAcl` resources and inline `acl`/`grants`.",
    notes="AWS Config s3-bucket-acl-prohibited. A bucket without `BucketOwnershipControls` gets `BucketOwnerEnforced` "
          "(AWS's default since April 2023) and passes unless the stack gives it an ACL (`aws.s3.BucketAcl`, or a "
          "deprecated inline `acl` other than `private` or `grants`), which requires ACLs enabled. Public ACL grants "
          "themselves are checked by s3-bucket-no-public-acl.",
)
def s3_bucket_acls_disabled(stack, cfg):
    findings = []
    for bucket in stack.of_type(BUCKET):
        controls = stack.referrers(bucket, [OWNERSHIP_CONTROLS], "bucket")
        modes = [c.str("rule.objectOwnership") for c in controls.resources]
        if any(isinstance(m, str) and m.strip() != "BucketOwnerEnforced" for m in modes):
            findings.append(Finding("BucketOwnershipControls.rule.objectOwnership", ACLS_EXPECTED, FAIL, bucket.urn))
            continue
        if UNKNOWN in modes:
            findings.append(Finding("BucketOwnershipControls.rule.objectOwnership", ACLS_EXPECTED, UNVERIFIED,
                                    bucket.urn))
            continue
        if modes:
            continue  # enforced: an ACL resource would be rejected at deployment
        acl = bucket.str("acl")
        grants = bucket.list("grants")
        if stack.referrers(bucket, [ACL], "bucket").resources or (
                isinstance(acl, str) and acl.strip().lower() != "private") or (grants is not UNKNOWN and grants):
            findings.append(Finding("BucketOwnershipControls", "declared for this bucket with `rule.objectOwnership` "
                                    + ACLS_EXPECTED + "; the bucket is given an ACL", FAIL, bucket.urn))
        elif acl is UNKNOWN or grants is UNKNOWN:
            findings.append(Finding("acl", "`private` or absent (ACLs disabled)", UNVERIFIED, bucket.urn))
    return findings


# =========================================================================== Object Lock on CloudTrail buckets
LOCK_EXPECTED = ("an `aws.s3.BucketObjectLockConfiguration` for this CloudTrail bucket with `rule.defaultRetention` "
                 "(`COMPLIANCE` or `GOVERNANCE` mode and `days` or `years`)")


def _lock_state(bucket, stack):
    """True / False / UNKNOWN: a default retention locks new objects of the bucket."""
    states = []
    for conf in stack.referrers(bucket, [OBJECT_LOCK], "bucket").resources:
        mode = conf.get("rule.defaultRetention.mode")
        states.append(UNKNOWN if mode is UNKNOWN or conf.get("rule") is UNKNOWN else
                      isinstance(mode, str) and bool(mode.strip()))
    inline = bucket.get("objectLockConfiguration.rule.defaultRetention.mode")
    if inline is not MISSING:
        states.append(UNKNOWN if inline is UNKNOWN else isinstance(inline, str) and bool(inline.strip()))
    if True in states:
        return True
    return UNKNOWN if UNKNOWN in states else False


@stack_policy(
    name="s3-cloudtrail-bucket-object-lock",
    description="Buckets that receive CloudTrail logs must lock new objects with S3 Object Lock default retention, so "
                "audit records cannot be deleted or overwritten.",
    citations=["164.312(b)", "164.312(c)(1)", "164.316(b)(2)(i)"],
    severity="medium",
    resource_types=[BUCKET, OBJECT_LOCK, TRAIL],
    remediation="Create the trail's bucket with `objectLockEnabled: true` and declare "
                "`aws.s3.BucketObjectLockConfiguration(bucket=<bucket>.id, rule={\"default_retention\": "
                "{\"mode\": \"COMPLIANCE\", \"years\": 6}})` (GOVERNANCE lets privileged roles shorten it).",
    notes="Anchors: Steampipe/Prowler object-lock checks on audit-log buckets. The trail's `s3BucketName` is joined to "
          "the bucket. Buckets that receive S3 server access logs are not required to lock: S3 does not deliver "
          "access logs to a bucket with a default Object Lock retention, so their protection is versioning, "
          "replication and s3-audit-bucket-retention. A trail whose bucket is unknown until deployment makes "
          "unlocked buckets unverified.",
)
def s3_cloudtrail_bucket_object_lock(stack, cfg):
    trail_buckets, unknown = set(), False
    for trail in stack.of_type(TRAIL):
        targets, open_link = stack.resolve(trail, "s3BucketName", [BUCKET])
        unknown = unknown or open_link
        trail_buckets.update(t.urn for t in targets)
    if not trail_buckets and not unknown:
        return []
    findings = []
    for bucket in stack.of_type(BUCKET):
        if bucket.urn not in trail_buckets and not unknown:
            continue
        state = _lock_state(bucket, stack)
        if state is True:
            continue
        if bucket.urn in trail_buckets:
            findings.append(Finding("BucketObjectLockConfiguration", LOCK_EXPECTED,
                                    UNVERIFIED if state is UNKNOWN else FAIL, bucket.urn))
        else:
            findings.append(LinkedUnknown("Trail.s3BucketName", LOCK_EXPECTED, UNVERIFIED, bucket.urn))
    return findings


# =========================================================================== replication
REPLICATION_EXPECTED = ("an `aws.s3.BucketReplicationConfig` for this bucket with an enabled rule replicating to a "
                        "bucket in another Region or account")


def _replication_destinations(stack):
    """URNs of buckets that receive replicas (they need no replication of their own)."""
    ident = stack._targets_of_type((BUCKET,))
    urns = set()
    for conf in stack.of_type(REPLICATION):
        urns |= {u for u in conf.property_dependencies.get("rules", ()) if u in stack.by_urn
                 and tokens.canonical(stack.by_urn[u].type) == BUCKET}
        for _path, rule in conf.items("rules"):
            dest = rule.str("destination.bucket")
            if isinstance(dest, str):
                name = dest.split(":::", 1)[-1]
                urns |= {t.urn for t in ident.get(dest, ()) or ident.get(name, ())}
    return urns


def _replicates(bucket, stack):
    states = []
    for conf in stack.referrers(bucket, [REPLICATION], "bucket").resources:
        rules = conf.list("rules")
        if rules is UNKNOWN:
            states.append(UNKNOWN)
            continue
        for _path, rule in conf.items("rules"):
            status = rule.str("status")
            states.append(UNKNOWN if status is UNKNOWN else isinstance(status, str) and status.lower() == "enabled")
    if bucket.has("replicationConfiguration"):
        rules = bucket.list("replicationConfiguration.rules")
        if rules is UNKNOWN:
            states.append(UNKNOWN)
        else:
            for _path, rule in bucket.items("replicationConfiguration.rules"):
                status = rule.str("status")
                states.append(UNKNOWN if status is UNKNOWN else isinstance(status, str) and status.lower() == "enabled")
    if True in states:
        return True
    return UNKNOWN if UNKNOWN in states else False


@stack_policy(
    name="s3-bucket-replication",
    description="S3 buckets holding ePHI should replicate to another Region or account, so a regional outage or an "
                "account compromise does not take the only copy.",
    citations=["164.308(a)(7)(ii)(B)", "164.308(a)(7)(ii)(A)", "164.310(d)(2)(iv)"],
    severity="low",
    resource_types=[BUCKET, REPLICATION],
    remediation="Enable versioning on source and destination and declare `aws.s3.BucketReplicationConfig(bucket="
                "<bucket>.id, role=<replication role>.arn, rules=[{\"status\": \"Enabled\", \"destination\": "
                "{\"bucket\": <replica bucket ARN>, \"encryption_configuration\": {\"replica_kms_key_id\": <key>}}, "
                "\"source_selection_criteria\": {\"sse_kms_encrypted_objects\": {\"status\": \"Enabled\"}}}])`.",
    notes="AWS Config s3-bucket-replication-enabled. Buckets that are replication destinations are not required to "
          "replicate again. With PHI scoping only buckets classified as PHI are checked; unscoped, every bucket is. "
          "AWS Backup for S3 is an alternative: exempt the bucket with that reason.",
)
def s3_bucket_replication(stack, cfg):
    replicas = _replication_destinations(stack)
    findings = []
    for bucket in stack.of_type(BUCKET):
        if bucket.urn in replicas:
            continue
        state = _replicates(bucket, stack)
        if state is True:
            continue
        links = stack.referrers(bucket, [REPLICATION], "bucket")
        if state is UNKNOWN:
            findings.append(Finding("BucketReplicationConfig.rules", REPLICATION_EXPECTED, UNVERIFIED, bucket.urn))
        elif links.unresolved:
            findings.append(_open_link(bucket, "BucketReplicationConfig", "an enabled rule"))
        else:
            findings.append(Finding("BucketReplicationConfig", REPLICATION_EXPECTED, FAIL, bucket.urn))
    return findings
