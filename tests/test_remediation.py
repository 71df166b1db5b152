"""Remediation (issue 6, part 5): for EVERY registered policy with a `remediate` function, a
failing resource sent through the `Remediate` RPC at enforcement level `remediate` comes back with
inputs that pass the policy (re-analysed through `Analyze`), keeping every other input.  Failing
resources come from the policy's fail cases in tests/fixtures (tests/cases.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from cases import all_cases, build
from hipaa_policies.runtime import engine
from hipaa_policies import registry
from hipaa_policies.runtime.fast_servicer import struct_to_dict
from hipaa_policies.core.props import unwrap
from hipaa_policies.core.resource import Resource
from hipaa_policies.core.settings import SETTINGS_POLICY, Settings
from hipaa_policies.testing import resource

REMEDIABLE = [s for s in registry.policies() if s.remediate]
# (policy, input) a remediation may remove because it conflicts with the fix
MAY_DROP = {("sqs-queue-encrypted-kms", "sqsManagedSseEnabled"): "SSE-SQS and SSE-KMS are mutually exclusive"}


def fail_cases(spec):
    return [c for c in all_cases() if c.policy == spec.name and c.expect == "fail"
            and not c.settings and not c.stack_tags]


def targets(spec, case):
    return [r for r in build(case) if r.type in spec.resource_types]


@pytest.fixture
def fresh(pack):
    yield pack
    pack.configure({})
    pack.configure_stack()


def test_the_issue_named_controls_remediate():
    names = {s.name for s in REMEDIABLE}
    for name in ("rds-storage-encrypted", "ebs-volume-encrypted", "cloudtrail-log-file-validation",
                 "cloudwatch-log-group-retention", "iam-account-password-policy"):
        assert name in names, f"{name} has no remediate function"


@pytest.mark.parametrize("spec", REMEDIABLE, ids=[s.name for s in REMEDIABLE])
def test_remediate_rpc_fixes_every_fail_case(fresh, spec):
    assert spec.kind == "resource", "the SDK runs Remediate for resource policies only"
    cases = [c for c in fail_cases(spec) if targets(spec, c)]
    assert cases, f"{spec.name}: no fail case with a resource of its types to remediate (add one to tests/fixtures)"
    problems, fixed_count, declined = [], 0, []
    for case in cases:
        fresh.configure({spec.name: {"enforcementLevel": "remediate", **(case.config or {})}})
        for r in targets(spec, case):
            before = [d for d in fresh.analyze(r) if d.policy == spec.name and d.kind == "violation"]
            if not before:
                continue  # the case fails on another resource of the stack
            remediations = [x for x in fresh.remediate(r) if x[0] == spec.name]
            if not remediations:
                declined.append(f"{case.key}/{r.name}")  # no safe fix for this input (e.g. a subnet is needed)
                continue
            if len(remediations) != 1 or not remediations[0][1]:
                problems.append(f"{case.key}/{r.name}: Remediate returned {remediations!r}")
                continue
            fixed_count += 1
            _name, props, diagnostic = remediations[0]
            assert diagnostic == "", diagnostic
            fixed = resource(r.type, props, name=r.name, urn=r.urn)
            after = [d for d in fresh.analyze(fixed) if d.policy == spec.name and d.kind in ("violation", "unverified")]
            if after:
                problems.append(f"{case.key}/{r.name}: still fails after remediation: "
                                + "; ".join(d.message.splitlines()[-1] for d in after))
            original = struct_to_dict(r.properties)
            lost = [k for k in original if k not in props and (spec.name, k) not in MAY_DROP]
            if lost:
                problems.append(f"{case.key}/{r.name}: remediation dropped inputs {lost}")
    if not fixed_count:
        problems.append(f"{spec.name}: Remediate fixed none of its fail cases (declined: {declined}); "
                        "add a fail case its remediation can fix")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("spec", REMEDIABLE, ids=[s.name for s in REMEDIABLE])
def test_remediate_rpc_leaves_compliant_resources_alone(fresh, spec):
    cases = [c for c in all_cases() if c.policy == spec.name and c.expect == "pass" and not c.settings
             and not c.stack_tags and targets(spec, c)]
    fresh.configure({spec.name: "remediate"})
    for case in cases:
        fresh.configure({spec.name: {"enforcementLevel": "remediate", **(case.config or {})}})
        for r in targets(spec, case):
            assert [x for x in fresh.remediate(r) if x[0] == spec.name] == [], case.key


def test_policies_not_at_remediate_level_do_not_remediate(fresh):
    r = resource("aws:rds/instance:Instance", {"storageEncrypted": False}, name="db")
    fresh.configure({"rds-storage-encrypted": "mandatory"})
    assert fresh.remediate(r) == []


def test_remediation_fix_keeps_other_inputs_unchanged(fresh):
    r = resource("aws:cloudtrail/trail:Trail", {"enableLogFileValidation": False, "s3BucketName": "trail-logs",
                                                 "isMultiRegionTrail": True, "tags": {"team": "x"}}, name="t")
    fresh.configure({"cloudtrail-log-file-validation": "remediate"})
    [(name, props, _)] = fresh.remediate(r)
    assert props == {"enableLogFileValidation": True, "s3BucketName": "trail-logs", "isMultiRegionTrail": True,
                     "tags": {"team": "x"}}


# ------------------------------------------------------------------ scope and exemptions
EXEMPT_TAGS = {"hipaa:exempt": "rds-storage-encrypted", "hipaa:exempt-reason": "CHG-1 legacy database",
               "hipaa:exempt-until": (dt.date.today() + dt.timedelta(days=30)).isoformat()}


def test_remediate_rpc_skips_a_validly_exempted_resource(fresh):
    """An exemption must stop the automatic fix too (it would replace this database)."""
    fresh.configure({"rds-storage-encrypted": "remediate"})
    r = resource("aws:rds/instance:Instance", {"storageEncrypted": False, "tags": EXEMPT_TAGS}, name="db")
    assert [x for x in fresh.remediate(r) if x[0] == "rds-storage-encrypted"] == []


def test_remediate_rpc_skips_a_resource_out_of_phi_scope(fresh):
    fresh.configure({"rds-storage-encrypted": "remediate", SETTINGS_POLICY: {"scope": {"mode": "resource-tag"}}})
    r = resource("aws:rds/instance:Instance", {"storageEncrypted": False}, name="db")
    assert [x for x in fresh.remediate(r) if x[0] == "rds-storage-encrypted"] == []


def test_engine_remediate_resource_honours_scope_exemptions_and_unknowns():
    spec = registry.get("rds-storage-encrypted")
    cfg = engine.resolve_config(spec, None)
    T = "aws:rds/instance:Instance"

    def fix(props, settings=None):
        return engine.remediate_resource(spec, Resource(T, props, "urn:db", "db"), cfg,
                                         engine.Context(settings=Settings.from_config(settings)))
    assert fix({"storageEncrypted": False}) == {"storageEncrypted": True}
    assert fix({"storageEncrypted": True}) is None
    assert fix({"storageEncrypted": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}) is None
    assert fix({"storageEncrypted": False, "tags": EXEMPT_TAGS}) is None
    assert fix({"storageEncrypted": False, "tags": dict(EXEMPT_TAGS, **{"hipaa:exempt-until": "2001-01-01"})}) \
        == {"storageEncrypted": True, "tags": dict(EXEMPT_TAGS, **{"hipaa:exempt-until": "2001-01-01"})}
    assert fix({"storageEncrypted": False}, {"scope": {"mode": "resource-tag"}}) is None
    assert fix({"storageEncrypted": False, "tags": {"data-classification": "phi"}},
               {"scope": {"mode": "resource-tag"}})["storageEncrypted"] is True
    assert engine.remediate_resource(spec, Resource("aws:ebs/volume:Volume", {}, "u", "v"), cfg,
                                     engine.Context()) is None


def test_remediated_properties_pass_in_process_for_every_remediable_policy():
    """The same property as the RPC test, in-process (no gRPC): a quick guard for policy authors."""
    problems = []
    for spec in REMEDIABLE:
        for case in fail_cases(spec):
            cfg = engine.resolve_config(spec, case.config)
            for r in targets(spec, case):
                res = Resource(r.type, struct_to_dict(r.properties), r.urn, r.name)
                new = engine.remediate_resource(spec, res, cfg, engine.Context())
                if not new:
                    continue  # compliant resource of a multi-resource case, or no safe fix
                left = [f for f in spec.check(Resource(r.type, dict(new), r.urn, r.name), cfg)]
                if left:
                    problems.append(f"{case.key}: still {[(f.path, f.status) for f in left]}")
                if any(unwrap(new.get(k)) is None for k in res.raw if k in new and res.raw[k] is not None):
                    problems.append(f"{case.key}: an input became null")
    assert not problems, "\n".join(problems)


def test_engine_never_remediates_a_compliant_resource():
    problems = []
    for spec in REMEDIABLE:
        for case in all_cases():
            if case.policy != spec.name or case.expect != "pass" or case.settings or case.stack_tags:
                continue
            cfg = engine.resolve_config(spec, case.config)
            for r in targets(spec, case):
                res = Resource(r.type, struct_to_dict(r.properties), r.urn, r.name)
                if engine.remediate_resource(spec, res, cfg, engine.Context()) is not None:
                    problems.append(case.key)
    assert not problems, problems
