"""Finding messages read as sentences (issue 12 section 3): which property or resource, and the
expected setting; never a property of one resource presented as another's, never ``(stack)``."""
from __future__ import annotations

import re

import pytest

from cases import all_cases, build
from hipaa_policies.core.props import FAIL, STACK_PATH, UNVERIFIED, Finding
from test_policy_cases import _in_process

SENTENCES = [
    (Finding("storageEncrypted", "true"), "`storageEncrypted` must be true."),
    (Finding("BackupPolicy", "an `aws.efs.BackupPolicy` with `backupPolicy.status: ENABLED`", FAIL, "urn:x"),
     "This resource must be accompanied by an `aws.efs.BackupPolicy` with `backupPolicy.status: ENABLED`."),
    (Finding(STACK_PATH, "an `aws.cloudtrail.Trail` recording management events"),
     "The stack must be accompanied by an `aws.cloudtrail.Trail` recording management events."),
    (Finding(STACK_PATH, "accompanied by a trail", FAIL, "urn:x"), "This resource must be accompanied by a trail."),
    # a property of a related resource keeps its own subject
    (Finding("VaultPolicy.policy", "a document denying `backup:DeleteRecoveryPoint`"),
     "`VaultPolicy.policy` must be a document denying `backup:DeleteRecoveryPoint`."),
    (Finding("BucketPolicy", "declared for this bucket"), "A `BucketPolicy` must be declared for this bucket."),
    (Finding("FlowLog.vpcId", "this VPC's id", UNVERIFIED),
     "unverified: `FlowLog.vpcId` is not known until the resource is deployed; expected this VPC's id."),
]


@pytest.mark.parametrize("finding,text", SENTENCES, ids=[t for _, t in SENTENCES])
def test_finding_sentences(finding, text):
    assert finding.message() == text


AWKWARD = [
    (re.compile(r"\(stack\)"), "the internal stack path"),
    (re.compile(r"^(An?|`[^`]+`) .*must be an? `aws\."), "a resource or property said to 'be' another resource"),
    (re.compile(r"expected linked to"), "'expected linked to'"),
    (re.compile(r"\ban `[B-DF-HJ-NP-TV-Z]"), "'an' before a consonant"),
]


def test_no_fixture_message_reads_awkwardly():
    """Every message the fixture cases produce, checked for the phrasings reviewers flagged."""
    found = []
    for case in all_cases():
        for _kind, _urn, message in _in_process(case, build(case)):
            body = message.split("\n", 1)[-1]
            found += [f"{case.key}: {why}: {body[:160]}" for pattern, why in AWKWARD if pattern.search(body)]
    assert not found, "\n".join(found[:20])


def test_s3_kms_finding_on_a_bucket_names_the_configuration_resource():
    case = next(c for c in all_cases() if c.policy == "s3-bucket-default-encryption-kms" and c.expect == "fail"
                and any(r.type.endswith("BucketServerSideEncryptionConfiguration") for r in build(c)))
    bodies = [m.split("\n", 1)[-1] for _k, _u, m in _in_process(case, build(case))]
    assert bodies and all("`BucketServerSideEncryptionConfiguration." in b or "aws.s3" in b for b in bodies), bodies
