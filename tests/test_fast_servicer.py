"""Guard of the fast Analyzer servicer (issue 7): the only code that leans on pulumi-policy internals.

* fails loudly when the SDK's private ``_PolicyAnalyzerServicer`` changes shape, and checks that a
  changed shape makes :func:`hipaa_policies.fast_servicer.install` keep the SDK's own servicer;
* runs the same resources through two pack processes, one on the fast servicer and one on the
  plain pulumi-policy path (``HIPAA_POLICIES_PLAIN_SERVICER=1``), over the real Analyzer protocol,
  and requires the same violations (policy, level, message, URN) and the same advisory notes.

No timings here: performance lives in ``benchmarks/``.
"""
from __future__ import annotations

import sys
from collections import Counter, defaultdict
from typing import Dict, List, Tuple

import pytest

from cases import all_cases, build
from hipaa_policies.runtime import fast_servicer
from hipaa_policies.testing import PACK_DIR, CapturedResource, PackServer, resource

sys.path.insert(0, str(PACK_DIR / "benchmarks"))
import workload  # noqa: E402  (the benchmarks' realistic stack description)

SDK_SKIP = "can't run policy"


# --------------------------------------------------------------------------- the SDK's shape
def test_sdk_private_servicer_has_the_shape_fast_servicer_needs():
    problems = fast_servicer.shape_problems()
    assert problems == [], (
        "pulumi-policy's private _PolicyAnalyzerServicer changed shape; the pack would silently fall back "
        "to the plain (much slower) servicer. Update hipaa_policies/fast_servicer.py for this SDK version. "
        "Problems: " + "; ".join(problems))


@pytest.mark.parametrize("missing", ["_map_severity", "_get_enforcement_level", "AnalyzeStack",
                                     "_configure_runtime_settings"])
def test_a_changed_shape_is_reported_and_the_plain_servicer_kept(monkeypatch, capsys, missing):
    from pulumi_policy import policy as sdk
    original = sdk._PolicyAnalyzerServicer
    monkeypatch.delattr(original, missing)
    problems = fast_servicer.shape_problems()
    assert any(missing in p for p in problems), problems
    assert fast_servicer.install() is False
    assert sdk._PolicyAnalyzerServicer is original
    assert missing in capsys.readouterr().err


def test_a_renamed_private_attribute_is_reported(monkeypatch):
    from pulumi_policy import policy as sdk
    original_init = sdk._PolicyAnalyzerServicer.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        del self._PolicyAnalyzerServicer__stack_tags
    monkeypatch.setattr(sdk._PolicyAnalyzerServicer, "__init__", init)
    assert any("__stack_tags" in p for p in fast_servicer.shape_problems())


def test_install_replaces_the_sdk_servicer_when_compatible(monkeypatch):
    from pulumi_policy import policy as sdk
    monkeypatch.setattr(sdk, "_PolicyAnalyzerServicer", sdk._PolicyAnalyzerServicer)  # restored afterwards
    base = sdk._PolicyAnalyzerServicer
    assert fast_servicer.install() is True
    fast = sdk._PolicyAnalyzerServicer
    assert fast is not base and issubclass(fast, base)
    for rpc in ("Analyze", "AnalyzeStack", "Configure"):
        assert rpc in vars(fast), f"FastServicer must override {rpc}"


# --------------------------------------------------------------------------- fast == plain
@pytest.fixture(scope="module")
def packs():
    fast = PackServer(PACK_DIR).start()
    try:
        plain = PackServer(PACK_DIR, env={"HIPAA_POLICIES_PLAIN_SERVICER": "1"}).start()
    except Exception:
        fast.stop()
        raise
    try:
        for p in (fast, plain):
            p.configure_stack(stack="prod", project="phi-platform")
        yield fast, plain
    finally:
        fast.stop()
        plain.stop()


def _captured(resources) -> List[CapturedResource]:
    return [resource(r["type"], r["props"], name=r["name"], urn=r["urn"], dependencies=r["dependencies"],
                     property_dependencies=r["property_dependencies"]) for r in resources]


def _fixture_stacks(kind: str) -> List[List[CapturedResource]]:
    """Every `resources:` case of tests/fixtures (pass, fail, unverified, exempted inputs) of the
    policies of ``kind`` (resource policies for Analyze, stack policies for AnalyzeStack)."""
    from hipaa_policies import registry
    specs = registry.load()
    return [build(c) for c in all_cases() if c.program is None and c.raw_resources
            and getattr(specs.get(c.policy), "kind", None) == kind]


def _workload_stack() -> List[CapturedResource]:
    """A realistic mixed stack, half of it preview-shaped, plus every other checked type."""
    described = workload.description(100)
    extras = workload.coverage_extras([r.type for r in described])
    return _captured(workload.engine_resources(described + extras))


def _text(d) -> str:
    """The advisory text of a diagnostic, as either path words it."""
    if SDK_SKIP in d.message:
        return d.message.split(" during preview: ", 1)[-1]
    return d.message.split("\n", 1)[-1]


def _split(diags, plain: bool) -> Tuple[Counter, Dict[str, str]]:
    """(violations as a multiset of (policy, level, message, urn), advisory text per policy).

    The plain path surfaces advisory notes (unverified, exempted, void exemptions) through the
    SDK's unknown-value skip: one advisory diagnostic per policy with the notes joined."""
    violations: Counter = Counter()
    advisory: Dict[str, List[str]] = defaultdict(list)
    for d in diags:
        is_note = SDK_SKIP in d.message if plain else d.kind != "violation"
        if is_note:
            assert d.level == "advisory", d
            advisory[d.policy].append(_text(d))
        else:
            violations[(d.policy, d.level, d.message, d.urn)] += 1
    return violations, {k: " ".join(v) for k, v in advisory.items()}


def _compare(fast_diags, plain_diags, where: str) -> None:
    fv, fa = _split(fast_diags, plain=False)
    pv, pa = _split(plain_diags, plain=True)
    assert fv == pv, (f"{where}: violations differ between the fast and the plain servicer\n"
                      f"fast only: {sorted(fv - pv)}\nplain only: {sorted(pv - fv)}")
    assert fa == pa, f"{where}: advisory notes differ\nfast: {fa}\nplain: {pa}"


def test_fast_server_really_runs_the_fast_path(packs):
    fast, plain = packs
    r = resource("aws:rds/instance:Instance", {"storageEncrypted": workload.UNKNOWN}, name="db")
    f = [d for d in fast.analyze(r) if d.policy == "rds-storage-encrypted"]
    p = [d for d in plain.analyze(r) if d.policy == "rds-storage-encrypted"]
    assert f and all(SDK_SKIP not in d.message and d.urn == r.urn for d in f), f
    assert p and all(SDK_SKIP in d.message for d in p), p


def test_analyze_gives_the_same_diagnostics_on_both_paths(packs):
    # every fixture resource of the resource policies, and a quarter of the workload (its types repeat;
    # deserialises every resource once per policy, about 10 ms each)
    resources = [r for stack in _fixture_stacks("resource") for r in stack] + _workload_stack()[::4]
    kinds = Counter()
    fast, plain = packs
    for r in resources:
        f, p = fast.analyze(r), plain.analyze(r)
        _compare(f, p, f"Analyze {r.urn}")
        kinds.update(d.kind for d in f)
    # the mix must exercise violations and unverified values, or the comparison proves little
    assert kinds["violation"] > 50 and kinds["unverified"] > 10, kinds


def test_analyze_stack_gives_the_same_diagnostics_on_both_paths(packs):
    fast, plain = packs
    stacks = _fixture_stacks("stack") + [_workload_stack()]
    total = 0
    for stack in stacks:
        f, p = fast.analyze_stack(stack), plain.analyze_stack(stack)
        _compare(f, p, f"AnalyzeStack of {[r.name for r in stack][:5]}...")
        total += len(f)
    assert total > 50, total


def test_both_paths_agree_under_a_configured_enforcement_level(packs):
    fast, plain = packs
    stack = _workload_stack()
    try:
        for p in packs:
            p.configure({"all": "mandatory", "rds-storage-encrypted": "disabled"})
        for r in stack[:60]:
            f = fast.analyze(r)
            _compare(f, plain.analyze(r), f"Analyze {r.urn} (configured)")
            assert all(d.policy != "rds-storage-encrypted" for d in f)
        _compare(fast.analyze_stack(stack), plain.analyze_stack(stack), "AnalyzeStack (configured)")
    finally:
        for p in packs:
            p.configure({})


# --------------------------------------------------------------------------- lazy properties
def test_lazy_properties_read_exactly_like_the_converted_dict():
    from google.protobuf import struct_pb2
    from hipaa_policies.core.props import SECRET_SIG, SECRET_SIG_KEY, UNKNOWN, LazyMapping, Props, get
    props = {"storageEncrypted": True, "allocatedStorage": 20.0, "engine": "postgres", "nothing": None,
             "kmsKeyId": workload.UNKNOWN, "tags": {"data-classification": "phi"},
             "password": {SECRET_SIG_KEY: SECRET_SIG, "value": "hunter2"},
             "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}, "odd", 3.0]}
    s = struct_pb2.Struct()
    s.update(props)
    lazy, plain = fast_servicer.lazy_struct(s), fast_servicer.struct_to_dict(s)
    assert isinstance(lazy, LazyMapping) and len(lazy) == len(plain) and set(lazy) == set(plain)
    paths = ["storageEncrypted", "allocatedStorage", "engine", "nothing", "kmsKeyId", "tags.data-classification",
             "password", "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "rules[1].x", "rules[2]",
             "rules[9]", "absent", "absent.deeper", "tags[0]", "engine.sub"]
    for path in paths:
        assert get(lazy, path) == get(plain, path) or (get(lazy, path) is get(plain, path)), path
    assert get(lazy, "kmsKeyId") is UNKNOWN and get(lazy, "password") == "hunter2"
    assert dict(lazy) == plain and lazy == plain
    assert {**lazy} == plain
    assert 42 not in lazy and lazy.get(42) is None and lazy.get("absent", "d") == "d"
    with pytest.raises(KeyError):
        lazy["absent"]
    p = Props(fast_servicer.lazy_struct(s))
    assert p.tags() == {"data-classification": "phi"} and p.bool("storageEncrypted") is True


def test_a_wrapped_secret_at_the_top_level_unwraps_like_the_dict():
    from google.protobuf import struct_pb2
    from hipaa_policies.core.props import SECRET_SIG, SECRET_SIG_KEY, get
    s = struct_pb2.Struct()
    s.update({SECRET_SIG_KEY: SECRET_SIG, "value": {"a": 1.0}})
    assert get(fast_servicer.lazy_struct(s), "a") == get(fast_servicer.struct_to_dict(s), "a") == 1.0


def test_runtime_settings_are_applied_again_only_when_the_cli_environment_changes(monkeypatch):
    from pulumi_policy import EnforcementLevel
    from hipaa_policies.runtime import pack
    import gc
    frozen = gc.get_freeze_count()
    cls = fast_servicer.make_class()
    servicer = cls("aws-hipaa", "0.1.0", pack.build_policies(), EnforcementLevel.ADVISORY)
    if frozen == 0:  # the servicer freezes start-up objects; undo that in the test process
        gc.unfreeze()
    calls = []
    monkeypatch.setattr(servicer, "_configure_runtime_settings", lambda: calls.append(1))
    monkeypatch.setenv("PULUMI_PROJECT", "p")
    monkeypatch.setenv("PULUMI_STACK", "s")
    monkeypatch.setenv("PULUMI_DRY_RUN", "true")
    servicer._runtime_settings()
    servicer._runtime_settings()
    assert len(calls) == 1
    monkeypatch.setenv("PULUMI_CONFIG", '{"aws:region": "us-east-1"}')
    servicer._runtime_settings()
    assert len(calls) == 2


def test_pack_serves_with_the_cli_environment_set():
    env = {"PULUMI_PROJECT": "phi-platform", "PULUMI_STACK": "prod", "PULUMI_DRY_RUN": "true",
           "PULUMI_CONFIG": '{"aws:region": "us-east-1"}'}
    with PackServer(PACK_DIR, env=env) as pack:
        pack.configure_stack()
        diags = pack.analyze(resource("aws:rds/instance:Instance", {"storageEncrypted": False}, name="db"))
    assert any(d.policy == "rds-storage-encrypted" and d.kind == "violation" for d in diags), diags
