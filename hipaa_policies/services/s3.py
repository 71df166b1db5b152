"""Amazon S3: default encryption with SSE-KMS (164.312(a)(2)(iv)).

pulumi-aws v7 declares a bucket's encryption as a separate
``BucketServerSideEncryptionConfiguration`` linked by its ``bucket`` input, so this is a
stack-level join.  The deprecated inline ``serverSideEncryptionConfiguration`` argument and the
legacy v6 tokens (``BucketV2``, ``...V2`` settings) are recognised too.
"""
from __future__ import annotations

import dataclasses

from ..props import FAIL, UNKNOWN, UNVERIFIED, Finding, Props
from ..registry import stack_policy

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
                findings += _with_urn(_rule_status(conf.list("rules"), "rules", allowed), bucket.urn)
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
            findings.append(Finding("bucket", "linked to a BucketServerSideEncryptionConfiguration with SSE-KMS "
                                    "(a configuration's `bucket` input is unknown until deployment)",
                                    UNVERIFIED, bucket.urn))
            continue
        findings.append(Finding("BucketServerSideEncryptionConfiguration",
                                "declared for this bucket with `sseAlgorithm` " + " or ".join(f"`{a}`" for a in allowed),
                                FAIL, bucket.urn))
    return findings
