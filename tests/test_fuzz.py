"""Robustness, proven (issue 6, part 6): hypothesis feeds every registered policy arbitrary
engine-shaped property bags for its resource types and for others -- missing keys, nulls, wrong
types, huge strings, deep nesting, unknown sentinels at any depth, wrapped secrets -- built around
the keys the policies actually read (the generator of tests/fuzzing.py, shared with tools/soak.py,
driven by hypothesis draws).  The vocabulary it draws from is built once per session, lazily (the
`voc` fixture): a focused run that selects no fuzz test never pays for it.

Asserted for every example: the check itself never raises (the engine would contain it as an
unverified "`(policy)`" finding, which hides a bug), it returns only Findings, and no generated
string value (all start with "zqx", length >= 8) appears in any diagnostic message.
A failure names the policy and shows the input.
"""
from __future__ import annotations

import os
import json
import traceback

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from hipaa_policies.runtime import engine

from hipaa_policies import registry
from hipaa_policies.core.props import FAIL, Finding
from hipaa_policies.registry import PolicySpec
from hipaa_policies.core.resource import Resource
from hipaa_policies.core.settings import Settings
from hipaa_policies.core.stack_index import StackIndex
from hipaa_policies.testing import make_urn
from fuzzing import MARK, Chooser, Generator, Vocabulary, echoed, marks

SPECS = registry.policies()
ALL_TYPES = sorted({t for s in SPECS for t in s.resource_types})
SETTINGS = [Settings.from_config(None), Settings.from_config({"scope": {"mode": "resource-tag"}})]
# examples per policy: 12 in the suite; HIPAA_FUZZ_EXAMPLES=500 for a long local run
FUZZ = settings(max_examples=int(os.environ.get("HIPAA_FUZZ_EXAMPLES", "12")), deadline=None, derandomize=False,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


@pytest.fixture(scope="session")
def vocabularies():
    """Vocabulary per policy, built on first use (from that policy's fixture cases only, so a run
    focused on one policy builds one policy's vocabulary)."""
    built = {}

    def of(*names: str) -> Vocabulary:
        if names not in built:
            built[names] = Vocabulary.build(names)
        return built[names]
    return of


@pytest.fixture(scope="session")
def voc(vocabularies) -> Vocabulary:
    """The vocabulary of the S3 bucket policies (for the fuzzer's own tests, on a Bucket)."""
    return vocabularies(*(s.name for s in SPECS if "aws:s3/bucket:Bucket" in s.resource_types))


def DrawChooser(data) -> Chooser:
    """A Chooser over a hypothesis-controlled Random (its choices are part of the example, so a
    failure replays and shrinks; far cheaper than one draw per decision)."""
    return Chooser(data.draw(st.randoms(use_true_random=False)))


def show(value, limit=1500) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def check_directly(spec: PolicySpec, target, cfg, shown) -> list:
    try:
        result = list(spec.check(target, cfg) or ())
    except Exception:
        pytest.fail(f"policy {spec.name} raised on input {show(shown)}\n{traceback.format_exc(limit=4)}")
    odd = [f for f in result if not isinstance(f, Finding)]
    assert not odd, f"policy {spec.name} returned non-Findings {odd[:3]!r} on {show(shown)}"
    return result


def verify(spec: PolicySpec, diags, findings, values, shown) -> None:
    for f in findings:
        hits = echoed(f"{f.path} {f.expected}", values)
        assert not hits, f"policy {spec.name} put property value(s) {hits} in a finding on input {show(shown)}"
    for d in diags:
        assert "`(policy)`" not in d.message, f"policy {spec.name} raised inside the engine on {show(shown)}"
        hits = echoed(d.message, values)
        assert not hits, f"policy {spec.name} echoed property value(s) {hits} in {d.message[:300]!r} " \
                         f"on input {show(shown)}"


def fuzz_resource(voc: Vocabulary, spec: PolicySpec, data) -> None:
    gen = Generator(voc, DrawChooser(data))
    own = gen.ch.chance(0.85)
    t = gen.ch.choice(spec.resource_types if own else ALL_TYPES)
    props = gen.bag(t)
    values = marks(props)
    r = Resource(t, props, make_urn(t, "fz"), "fz")
    cfg = engine.resolve_config(spec, None)
    # the check itself, on its own types and on bags shaped for other types
    findings = check_directly(spec, Resource(spec.resource_types[0], props, r.urn, "fz"), cfg, props)
    ctx = engine.Context(settings=gen.ch.choice(SETTINGS))
    verify(spec, engine.run_resource(spec, r, cfg, ctx), findings, values, props)


def fuzz_stack(voc: Vocabulary, spec: PolicySpec, data) -> None:
    gen = Generator(voc, DrawChooser(data))
    types = list(spec.resource_types) or ALL_TYPES
    members = gen.stack(types + [gen.ch.choice(ALL_TYPES)], gen.ch.integer(0, 5))
    urns = [make_urn(m["type"], m["name"]) for m in members]
    objs = [Resource(m["type"], m["props"], urns[i], m["name"], None,
                     sorted({urns[x] for v in m["deps"].values() for x in v}),
                     {k: [urns[x] for x in v] for k, v in m["deps"].items()}) for i, m in enumerate(members)]
    values = marks([m["props"] for m in members])
    cfg = engine.resolve_config(spec, None)
    findings = check_directly(spec, StackIndex(objs), cfg, members)
    for f in findings:
        assert f.urn is not None, f"stack policy {spec.name} returned a finding without urn= on {show(members)}"
    ctx = engine.Context(settings=gen.ch.choice(SETTINGS))
    verify(spec, engine.run_stack(spec, StackIndex(objs), cfg, ctx), findings, values, members)


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@FUZZ
@given(data=st.data())
def test_policy_survives_arbitrary_property_bags(vocabularies, spec, data):
    voc = vocabularies(spec.name)
    if spec.kind == "resource":
        fuzz_resource(voc, spec, data)
    else:
        fuzz_stack(voc, spec, data)


# ------------------------------------------------------------------ the fuzzer can fail
def _bad_spec(check) -> PolicySpec:
    return PolicySpec(name="zz-bad", description="d", citations=("164.312(b)",), severity="low",
                      remediation="r", kind="resource", check=check, resource_types=("aws:s3/bucket:Bucket",))


def test_fuzzer_catches_a_check_that_raises(voc):
    def boom(r, cfg):
        return [Finding("x", "y")] if r.get("bucket") is not None and len(r.raw) > 1 / 0 else []

    @FUZZ
    @given(data=st.data())
    def run(data):
        fuzz_resource(voc, _bad_spec(boom), data)
    with pytest.raises(BaseException, match="raised on input"):
        run()


def test_fuzzer_catches_an_echoed_value(voc):
    def echo(r, cfg):
        return [Finding(f"tags.{v}", "gone", FAIL) for v in r.tags().values()] + \
               [Finding(str(v), "gone", FAIL) for v in r.raw.values() if isinstance(v, str)]

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        fuzz_resource(voc, _bad_spec(echo), data)
    with pytest.raises(BaseException, match="value"):
        run()


def test_generated_strings_are_distinctive(voc):
    gen = Generator(voc, Chooser())
    sample = [gen.distinctive() for _ in range(200)]
    assert all(s.startswith(MARK) and len(s) >= 8 for s in sample)
