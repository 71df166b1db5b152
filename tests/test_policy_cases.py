"""Every fixture case, twice: in-process through the engine (unit) and through the Analyzer
protocol against the running pack (as `pulumi preview` drives it)."""
from __future__ import annotations

import pytest

from cases import all_cases, build, judge
from hipaa_policies.runtime import engine
from hipaa_policies import registry
from hipaa_policies.runtime.fast_servicer import struct_to_dict
from hipaa_policies.core.resource import Resource
from hipaa_policies.core.settings import Settings
from hipaa_policies.core.stack_index import StackIndex

CASES = all_cases()


def _in_process(case, resources):
    spec = registry.get(case.policy)
    ctx = engine.Context(stack_tags=case.stack_tags, settings=Settings.from_config(case.settings))
    config = engine.resolve_config(spec, case.settings if spec.name == "hipaa-pack-settings" else case.config)
    objs = [Resource(r.type, struct_to_dict(r.properties), r.urn, r.name, r.parent or None, r.dependencies,
                     r.property_dependencies) for r in resources]
    if spec.kind == "resource":
        diags = [d for o in objs for d in engine.run_resource(spec, o, config, ctx)]
        return [(d.kind, d.urn, d.message) for d in diags]
    return [(d.kind, d.urn, d.message) for d in engine.run_stack(spec, StackIndex(objs), config, ctx)]


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_case_in_process(case):
    resources = build(case)
    problem = judge(case, _in_process(case, resources), resources)
    assert problem is None, f"{case.key}: {problem}"


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_case_through_protocol(case, pack):
    resources = build(case)
    pack.configure(case.pack_config())
    pack.configure_stack(tags=case.stack_tags)
    try:  # the RPC that runs the case's policy: Analyze per resource, or AnalyzeStack
        if registry.get(case.policy).kind == "resource":
            found = [d for r in resources for d in pack.analyze(r)]
        else:
            found = pack.analyze_stack(resources)
    finally:
        if case.config or case.settings:
            pack.configure({})
        if case.stack_tags:
            pack.configure_stack()
    diags = [(d.kind, d.urn, d.message) for d in found if d.policy == case.policy]
    problem = judge(case, diags, resources)
    assert problem is None, f"{case.key}: {problem}\n" + "\n".join(f"{d.policy} {d.urn}: {d.message}" for d in found)


def test_every_policy_has_good_and_bad_cases_and_a_real_pulumi_aws_case():
    by_policy = {}
    for c in CASES:
        by_policy.setdefault(c.policy, []).append(c)
    missing = []
    for spec in registry.policies():
        cs = by_policy.get(spec.name, [])
        expects = {c.expect for c in cs}
        if "pass" not in expects or "fail" not in expects or not any(c.uses_mocks for c in cs):
            missing.append(f"{spec.name} (has {sorted(expects)}, mocks={any(c.uses_mocks for c in cs)})")
    assert not missing, "policies without pass+fail cases and a pulumi_aws program case: " + "; ".join(missing)


def test_cases_name_registered_policies():
    names = set(registry.load())
    assert not [c.key for c in CASES if c.policy not in names]
