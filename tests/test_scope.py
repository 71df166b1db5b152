"""PHI scoping (issue 6, part 2): `hipaa-pack-settings.scope` limits policies to resources tagged
as PHI (resource-tag) or to stacks whose stack tag says they hold PHI (stack-tag).  Through the
Analyzer protocol (Configure + ConfigureStack + Analyze/AnalyzeStack) and in-process."""
from __future__ import annotations

import pytest

from hipaa_policies.core.props import UNKNOWN_STRING
from hipaa_policies.core.resource import Resource
from hipaa_policies.core.settings import SETTINGS_POLICY, Settings
from hipaa_policies.testing import resource

RDS = "aws:rds/instance:Instance"
POLICY = "rds-storage-encrypted"
S3_POLICY = "s3-bucket-default-encryption-kms"


@pytest.fixture
def fresh(pack):
    yield pack
    pack.configure({})
    pack.configure_stack()


def scope(**s):
    return {SETTINGS_POLICY: {"scope": s}}


def kinds(diags, policy=POLICY):
    return [d.kind for d in diags if d.policy == policy]


def db(tags=None, name="db"):
    props = {"storageEncrypted": False}
    if tags is not None:
        props["tags"] = tags
    return resource(RDS, props, name=name)


def test_default_scope_is_every_resource(fresh):
    fresh.configure({})
    assert kinds(fresh.analyze(db())) == ["violation"]
    assert kinds(fresh.analyze(db({"data-classification": "public"}))) == ["violation"]


@pytest.mark.parametrize("tags, in_scope", [
    (None, False),
    ({}, False),
    ({"data-classification": "public"}, False),
    ({"data-classification": "phi"}, True),
    ({"data-classification": "PHI"}, True),
    ({"Data-Classification": "phi"}, False),     # tag keys are case-sensitive in AWS
    ({"data-classification": UNKNOWN_STRING}, True),  # unknown in preview: stays in scope
    (UNKNOWN_STRING, True),
])
def test_resource_tag_scope(fresh, tags, in_scope):
    fresh.configure(scope(mode="resource-tag"))
    assert kinds(fresh.analyze(db(tags))) == (["violation"] if in_scope else [])


def test_resource_tag_scope_with_custom_key_and_values(fresh):
    fresh.configure(scope(mode="resource-tag", tagKey="classification", tagValues=["ePHI", "restricted"]))
    assert kinds(fresh.analyze(db({"classification": "restricted"}))) == ["violation"]
    assert kinds(fresh.analyze(db({"classification": "ephi"}))) == ["violation"]
    assert kinds(fresh.analyze(db({"classification": "phi"}))) == []
    assert kinds(fresh.analyze(db({"data-classification": "phi"}))) == []


def test_resource_tag_scope_applies_to_stack_policies(fresh):
    fresh.configure(scope(mode="resource-tag"))
    tagged = resource("aws:s3/bucket:Bucket", {"bucket": "phi", "tags": {"data-classification": "phi"}}, name="phi")
    untagged = resource("aws:s3/bucket:Bucket", {"bucket": "web"}, name="web")
    diags = [d for d in fresh.analyze_stack([tagged, untagged]) if d.policy == S3_POLICY]
    assert [(d.kind, d.urn) for d in diags] == [("violation", tagged.urn)]


@pytest.mark.parametrize("stack_tags, in_scope", [
    ({}, False),
    ({"hipaa:phi": "false"}, False),
    ({"hipaa:phi": "true"}, True),
    ({"hipaa:phi": "YES"}, True),
    ({"hipaa:phi": "phi"}, True),
    ({"other": "true"}, False),
])
def test_stack_tag_scope_through_configure_stack(fresh, stack_tags, in_scope):
    fresh.configure(scope(mode="stack-tag"))
    fresh.configure_stack(tags=stack_tags)
    expected = ["violation"] if in_scope else []
    assert kinds(fresh.analyze(db())) == expected
    bucket = resource("aws:s3/bucket:Bucket", {"bucket": "b"}, name="b")
    assert kinds(fresh.analyze_stack([bucket]), S3_POLICY) == expected


def test_stack_tag_scope_with_custom_key(fresh):
    fresh.configure(scope(mode="stack-tag", stackTagKey="data", stackTagValues=["ephi"]))
    fresh.configure_stack(tags={"data": "ePHI"})
    assert kinds(fresh.analyze(db())) == ["violation"]
    fresh.configure_stack(tags={"hipaa:phi": "true"})
    assert kinds(fresh.analyze(db())) == []


def test_scope_changes_take_effect_on_reconfigure(fresh):
    fresh.configure(scope(mode="resource-tag"))
    assert kinds(fresh.analyze(db())) == []
    fresh.configure(scope(mode="all"))
    assert kinds(fresh.analyze(db())) == ["violation"]


def test_exemption_and_scope_combine(fresh):
    fresh.configure({SETTINGS_POLICY: {"scope": {"mode": "resource-tag"}, "exemptions": [
        {"policy": POLICY, "resource": "legacy", "reason": "CHG-3", "expires": "2999-01-01"}]}})
    assert kinds(fresh.analyze(db({"data-classification": "phi"}, name="legacy"))) == ["exempted"]
    assert kinds(fresh.analyze(db({"data-classification": "phi"}, name="other"))) == ["violation"]
    assert kinds(fresh.analyze(db(None, name="other"))) == []


# ------------------------------------------------------------------ in-process
def r(tags):
    return Resource(RDS, {"tags": tags} if tags is not None else {}, "urn:x", "x")


def test_settings_in_scope_in_process():
    s = Settings.from_config({"scope": {"mode": "resource-tag"}})
    assert s.scoped
    assert s.in_scope(r({"data-classification": "Phi"}), {})
    assert not s.in_scope(r({"data-classification": ["phi"]}), {})
    assert not s.in_scope(r(None), {})
    assert not s.in_scope(None, {})
    assert s.in_scope(r(UNKNOWN_STRING), {})
    st = Settings.from_config({"scope": {"mode": "stack-tag"}})
    assert st.in_scope(r(None), {"hipaa:phi": "True"}) and not st.in_scope(r({"data-classification": "phi"}), {})
    assert Settings.from_config(None).in_scope(r(None), {}) and not Settings.from_config(None).scoped
