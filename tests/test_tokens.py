"""Every resource type a policy names exists in pulumi-aws v7 or is a documented legacy token."""
import re
from pathlib import Path

import pulumi_aws

from hipaa_policies import registry

from hipaa_policies.core import tokens


def _v7_tokens():
    root = Path(pulumi_aws.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        found.update(re.findall(r'@pulumi\.type_token\("(aws:[^"]+)"\)', path.read_text(encoding="utf-8")))
    return found


def test_policy_tokens_exist():
    v7 = _v7_tokens()
    assert "aws:s3/bucket:Bucket" in v7
    unknown = sorted({t for s in registry.policies() for t in s.resource_types
                      if t not in v7 and t not in tokens.LEGACY_ONLY})
    assert not unknown, f"tokens neither in pulumi-aws v7 nor tokens.LEGACY_ONLY: {unknown}"


def test_alias_pairs_are_expanded():
    spec = registry.get("lb-listener-tls")
    assert {"aws:lb/listener:Listener", "aws:alb/listener:Listener"} <= set(spec.resource_types)
    assert "aws:s3/bucketV2:BucketV2" in tokens.expand(["aws:s3/bucket:Bucket"])
    assert tokens.canonical("aws:s3/bucketV2:BucketV2") == "aws:s3/bucket:Bucket"
