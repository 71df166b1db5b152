"""Auditable exemptions (issue 6, part 1): resource tags and central entries in the config of
`hipaa-pack-settings`, through the Analyzer protocol and in-process.

A valid exemption turns a violation into an advisory "exempted:" message naming the policy, the
reason and the expiry; a missing reason, a malformed date or a past date voids it: the violation
stands at the policy's level and an advisory "void exemption:" note says why.
"""
from __future__ import annotations

import datetime as dt

import pytest

from hipaa_policies.runtime import engine

from hipaa_policies import registry
from hipaa_policies.core.resource import Resource
from hipaa_policies.core.settings import SETTINGS_POLICY, Settings
from hipaa_policies.core.stack_index import StackIndex
from hipaa_policies.testing import make_urn, resource

RDS = "aws:rds/instance:Instance"
POLICY = "rds-storage-encrypted"
TODAY = dt.date.today()


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def body(d) -> str:
    return d.message.split("\n", 1)[-1]


@pytest.fixture
def fresh(pack):
    """The session pack, with the policy under test mandatory (so violations and advisory
    exemption notes are told apart by level); reset afterwards."""
    pack.configure({POLICY: "mandatory"})
    pack.configure_stack()
    yield pack
    pack.configure({})
    pack.configure_stack()


def db(tags=None, name="db", encrypted=False):
    props = {"storageEncrypted": encrypted, "engine": "postgres"}
    if tags is not None:
        props["tags"] = tags
    return resource(RDS, props, name=name)


def mine(diags):
    return [d for d in diags if d.policy == POLICY]


# ------------------------------------------------------------------ tag exemptions, protocol
def test_valid_tag_exemption_is_reported_not_enforced(fresh):
    until = day(30)
    diags = mine(fresh.analyze(db({"hipaa:exempt": f"ec2-dedicated-tenancy {POLICY}",
                                   "hipaa:exempt-reason": "RISK-12 synthetic data only",
                                   "hipaa:exempt-until": until})))
    assert [d.kind for d in diags] == ["exempted"], diags
    d = diags[0]
    assert d.level == "advisory"
    assert body(d).startswith("exempted:")
    assert POLICY in body(d) and "RISK-12 synthetic data only" in body(d) and until in body(d)
    assert "`storageEncrypted`" in body(d)  # what would otherwise fail is still named


def test_exemption_expiring_today_is_still_valid(fresh):
    diags = mine(fresh.analyze(db({"hipaa:exempt": POLICY, "hipaa:exempt-reason": "CHG-1",
                                   "hipaa:exempt-until": day(0)})))
    assert [d.kind for d in diags] == ["exempted"]


def test_exemption_of_another_policy_does_not_apply(fresh):
    diags = mine(fresh.analyze(db({"hipaa:exempt": "ec2-dedicated-tenancy rds-storage",
                                   "hipaa:exempt-reason": "CHG-1", "hipaa:exempt-until": day(5)})))
    assert [(d.kind, d.level) for d in diags] == [("violation", "mandatory")]
    assert not any("void exemption" in d.message for d in diags)


def test_exemption_of_a_compliant_resource_says_nothing(fresh):
    diags = mine(fresh.analyze(db({"hipaa:exempt": POLICY, "hipaa:exempt-reason": "CHG-1",
                                   "hipaa:exempt-until": day(5)}, encrypted=True)))
    assert diags == []


@pytest.mark.parametrize("tags, why", [
    ({"hipaa:exempt-until": day(30)}, "no reason"),
    ({"hipaa:exempt-reason": "   ", "hipaa:exempt-until": day(30)}, "no reason"),
    ({"hipaa:exempt-reason": "CHG-1"}, "not YYYY-MM-DD"),
    ({"hipaa:exempt-reason": "CHG-1", "hipaa:exempt-until": "31/12/2099"}, "not YYYY-MM-DD"),
    ({"hipaa:exempt-reason": "CHG-1", "hipaa:exempt-until": "2099-02-30"}, "not YYYY-MM-DD"),
    ({"hipaa:exempt-reason": "CHG-1", "hipaa:exempt-until": "soon"}, "not YYYY-MM-DD"),
    ({"hipaa:exempt-reason": "CHG-1", "hipaa:exempt-until": day(-1)}, f"expired on {day(-1)}"),
], ids=["no-reason", "blank-reason", "no-date", "dd/mm/yyyy", "impossible-date", "words", "yesterday"])
def test_void_tag_exemption_keeps_the_violation_and_says_why(fresh, tags, why):
    diags = mine(fresh.analyze(db({"hipaa:exempt": POLICY, **tags})))
    kinds = sorted((d.kind, d.level) for d in diags)
    assert kinds == [("note", "advisory"), ("violation", "mandatory")], diags
    note = next(d for d in diags if d.kind == "note")
    assert body(note).startswith("void exemption:")
    assert POLICY in body(note) and why in body(note) and "the violation stands" in body(note)
    violation = next(d for d in diags if d.kind == "violation")
    assert "`storageEncrypted` must be true" in body(violation)


# ------------------------------------------------------------------ central exemptions, protocol
def central(*entries, **scope):
    cfg = {POLICY: "mandatory", SETTINGS_POLICY: {"exemptions": list(entries)}}
    return cfg


def test_central_exemption_by_urn_glob_and_star(fresh):
    target = db(name="legacy-db")
    other = db(name="new-db")
    for pattern in (target.urn, "*legacy*", "legacy-db", "urn:pulumi:test::*::aws:rds/instance:Instance::legacy-*"):
        fresh.configure(central({"policy": POLICY, "resource": pattern, "reason": "CHG-1042 migration",
                                 "expires": day(10)}))
        diags = mine(fresh.analyze(target))
        assert [d.kind for d in diags] == ["exempted"], (pattern, diags)
        assert "hipaa-pack-settings" in body(diags[0]) and "CHG-1042 migration" in body(diags[0])
        assert day(10) in body(diags[0]) and POLICY in body(diags[0])
        assert [d.kind for d in mine(fresh.analyze(other))] == ["violation"], pattern
    fresh.configure(central({"policy": "*", "resource": "*", "reason": "lab account", "expires": day(1)}))
    assert [d.kind for d in mine(fresh.analyze(other))] == ["exempted"]


def test_void_central_exemption_keeps_violation_and_pack_settings_reports_it(fresh):
    fresh.configure(central({"policy": POLICY, "resource": "*legacy*", "reason": "CHG-1042", "expires": day(-3)}))
    target = db(name="legacy-db")
    diags = mine(fresh.analyze(target))
    assert sorted(d.kind for d in diags) == ["note", "violation"]
    note = next(d for d in diags if d.kind == "note")
    assert body(note).startswith("void exemption:") and "expired" in body(note) and POLICY in body(note)
    stack = [d for d in fresh.analyze_stack([target]) if d.policy == SETTINGS_POLICY]
    assert [d.kind for d in stack] == ["violation"], stack
    assert "exemptions[0]" in body(stack[0]) and stack[0].level == "advisory"


def test_tag_void_and_central_valid_together(fresh):
    fresh.configure(central({"policy": POLICY, "resource": "db", "reason": "CHG-5", "expires": day(3)}))
    diags = mine(fresh.analyze(db({"hipaa:exempt": POLICY, "hipaa:exempt-reason": "x",
                                   "hipaa:exempt-until": "2020-01-01"})))
    assert sorted(d.kind for d in diags) == ["exempted", "note"]


def test_stack_policy_violation_is_exempted_by_the_resource_tag(fresh):
    policy = "s3-bucket-default-encryption-kms"
    bucket = resource("aws:s3/bucket:Bucket", {"bucket": "b", "tags": {
        "hipaa:exempt": policy, "hipaa:exempt-reason": "public website, no ePHI", "hipaa:exempt-until": day(60)}},
        name="b")
    fresh.configure({policy: "mandatory"})
    diags = [d for d in fresh.analyze_stack([bucket]) if d.policy == policy]
    assert [(d.kind, d.level, d.urn) for d in diags] == [("exempted", "advisory", bucket.urn)]
    plain = resource("aws:s3/bucket:Bucket", {"bucket": "c"}, name="c")
    diags = [d for d in fresh.analyze_stack([plain]) if d.policy == policy]
    assert [(d.kind, d.level) for d in diags] == [("violation", "mandatory")]


# ------------------------------------------------------------------ in-process (engine)
FIXED = dt.date(2030, 6, 15)


def run(props, settings=None, today=FIXED, name="db"):
    spec = registry.get(POLICY)
    r = Resource(RDS, props, make_urn(RDS, name), name)
    ctx = engine.Context(settings=Settings.from_config(settings), today=today)
    return engine.run_resource(spec, r, engine.resolve_config(spec, None), ctx)


@pytest.mark.parametrize("until, kinds", [
    ("2030-06-15", ["exempted"]),
    ("2030-06-16", ["exempted"]),
    ("2030-06-14", ["note", "violation"]),
    ("2030-6-15", ["note", "violation"]),
    (" 2030-06-20 ", ["exempted"]),
    (20300620, ["note", "violation"]),
])
def test_engine_expiry_rules(until, kinds):
    tags = {"hipaa:exempt": POLICY, "hipaa:exempt-reason": "CHG-1", "hipaa:exempt-until": until}
    diags = run({"storageEncrypted": False, "tags": tags})
    assert sorted(d.kind for d in diags) == kinds


def test_engine_unknown_exemption_tag_does_not_exempt():
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    diags = run({"storageEncrypted": False, "tags": {"hipaa:exempt": unknown, "hipaa:exempt-reason": "CHG-1",
                                                      "hipaa:exempt-until": "2031-01-01"}})
    assert [d.kind for d in diags] == ["violation"]


def test_engine_central_entry_for_another_policy_is_ignored():
    settings = {"exemptions": [{"policy": "ebs-volume-encrypted", "resource": "*", "reason": "r",
                                "expires": "2031-01-01"}]}
    assert [d.kind for d in run({"storageEncrypted": False}, settings)] == ["violation"]


def test_engine_stack_policy_central_exemption_names_reason_and_expiry():
    spec = registry.get("s3-bucket-default-encryption-kms")
    bucket = Resource("aws:s3/bucket:Bucket", {"bucket": "b"}, make_urn("aws:s3/bucket:Bucket", "logs"), "logs")
    settings = Settings.from_config({"exemptions": [{"policy": spec.name, "resource": "logs",
                                                     "reason": "ALB access logs; SSE-S3 only", "expires": "2030-12-31"}]})
    diags = engine.run_stack(spec, StackIndex([bucket]), engine.resolve_config(spec, None),
                             engine.Context(settings=settings, today=FIXED))
    assert [d.kind for d in diags] == ["exempted"]
    assert "ALB access logs; SSE-S3 only" in diags[0].message and "2030-12-31" in diags[0].message


def test_pack_settings_policy_lists_each_void_entry():
    spec = registry.get(SETTINGS_POLICY)
    cfg = engine.resolve_config(spec, {"exemptions": [
        {"policy": POLICY, "resource": "a", "reason": "ok", "expires": "2999-01-01"},
        {"policy": POLICY, "resource": "b", "reason": "", "expires": "2999-01-01"},
        {"policy": POLICY, "resource": "c", "reason": "ok", "expires": "2000-01-01"},
    ]})
    diags = engine.run_stack(spec, StackIndex([]), cfg, engine.Context())
    assert len(diags) == 1 and diags[0].kind == "violation"
    assert "exemptions[1]" in diags[0].message and "exemptions[2]" in diags[0].message
    assert "exemptions[0]" not in diags[0].message


def test_a_wildcard_exemption_cannot_silence_the_audit_of_void_exemptions():
    spec = registry.get(SETTINGS_POLICY)
    raw = {"exemptions": [{"policy": "*", "resource": "*", "reason": "everything", "expires": "2999-01-01"},
                          {"policy": POLICY, "resource": "db", "reason": "old", "expires": "2001-01-01"}]}
    diags = engine.run_stack(spec, StackIndex([]), engine.resolve_config(spec, raw),
                             engine.Context(settings=Settings.from_config(raw)))
    assert [d.kind for d in diags] == ["violation"] and "exemptions[1]" in diags[0].message
