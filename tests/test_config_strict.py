"""Strict configuration (issue 6, part 3): every policy's config schema is complete and tight,
and a wrong value, an unknown key or an unknown policy is rejected, naming the policy and the
key, by `Configure` (gRPC INVALID_ARGUMENT) and by `hipaa-policies check-config`."""
from __future__ import annotations

import json

import grpc
import pytest

from hipaa_policies.cli import main as cli

from hipaa_policies.cli import docs

from hipaa_policies import registry
from hipaa_policies.core.config_schema import check_value
from hipaa_policies.core.errors import ConfigError
from hipaa_policies.cli.check_config import validate
from hipaa_policies.core.settings import SETTINGS_POLICY

SPECS = registry.policies()
CONFIGURED = [s for s in SPECS if s.config]
NUMERIC = ("integer", "number")


def walk(schema, where):
    """(where, key schema) for every key of a config schema, nested ones included."""
    for key, s in schema.items():
        yield f"{where}.{key}", s, True
        for sub_where, sub, _top in walk(s.get("properties", {}), f"{where}.{key}"):
            yield sub_where, sub, False
        items = s.get("items") or {}
        for sub_where, sub, _top in walk(items.get("properties", {}), f"{where}.{key}[]"):
            yield sub_where, sub, False


def required_keys(schema):
    out = set()
    for s in schema.values():
        items = s.get("items") or {}
        out |= set(s.get("required", ())) | set(items.get("required", ()))
        out |= required_keys(s.get("properties", {})) | required_keys(items.get("properties", {}))
    return out


def sections(text):
    """Generated configuration.md split by policy: {policy name: its lines}."""
    out, current = {}, None
    for line in text.splitlines():
        if line.startswith("## Pack-wide settings"):
            current = SETTINGS_POLICY
        elif line.startswith("### "):
            current = line[4:].strip()
        elif line.startswith("## "):
            current = None
        elif current:
            out.setdefault(current, []).append(line)
    return out


def test_every_config_key_is_typed_described_defaulted_and_bounded():
    problems = []
    for spec in CONFIGURED:
        req = required_keys(spec.config)
        for where, s, top in walk(spec.config, spec.name):
            key = where.rsplit(".", 1)[-1]
            if s.get("type") not in ("integer", "number", "boolean", "string", "array", "object"):
                problems.append(f"{where}: no valid type")
            if not str(s.get("description", "")).strip():
                problems.append(f"{where}: no description")
            if "default" not in s and (top or key not in req):
                problems.append(f"{where}: no default (and not a required key)")
            if s.get("type") in NUMERIC and ("minimum" not in s or "maximum" not in s):
                problems.append(f"{where}: numeric key needs minimum and maximum")
            if "minimum" in s and "maximum" in s and s["minimum"] > s["maximum"]:
                problems.append(f"{where}: minimum above maximum")
            if "enum" in s and not s["enum"]:
                problems.append(f"{where}: empty enum")
            if s.get("type") == "array":
                items = s.get("items") or {}
                if items.get("type") not in ("integer", "number", "boolean", "string", "object"):
                    problems.append(f"{where}: array needs typed items")
                if items.get("type") in NUMERIC and ("minimum" not in items or "maximum" not in items):
                    problems.append(f"{where}: numeric items need minimum and maximum")
            if s.get("type") == "object" and not s.get("properties"):
                problems.append(f"{where}: object needs its properties declared")
            if "default" in s:
                try:
                    check_value(where, s, s["default"])
                except ConfigError as e:
                    problems.append(f"{where}: default does not satisfy the schema ({e})")
    assert not problems, "\n".join(problems)


def test_generated_configuration_docs_list_every_knob_with_default_and_range():
    by_policy = sections(docs.GENERATED["configuration.md"]())
    problems = []
    for spec in CONFIGURED:
        if spec.name not in by_policy:
            problems.append(f"{spec.name}: no section")
        for key, s in spec.config.items():
            line = next((ln for ln in by_policy.get(spec.name, ()) if ln.startswith(f"- `{key}` (")), None)
            if line is None:
                problems.append(f"{spec.name}.{key}: not documented")
                continue
            if f"default `{json.dumps(s['default'])}`" not in line:
                problems.append(f"{spec.name}.{key}: default missing")
            if s.get("type") in NUMERIC and f"range {s['minimum']}..{s['maximum']}" not in line:
                problems.append(f"{spec.name}.{key}: range missing")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ bad values
def wrong_values(s):
    """Values that must be rejected by the key schema ``s``."""
    t = s["type"]
    out = {"integer": ["14", 1.5, True, None], "number": ["1", True, None], "boolean": ["true", 1, None],
           "string": [5, True, None, ["x"]], "array": ["x", {"a": 1}, None],
           "object": ["x", [1], None]}[t]
    if "minimum" in s:
        out.append(s["minimum"] - 1)
    if "maximum" in s:
        out.append(s["maximum"] + 1)
    if "enum" in s and t == "string":
        out.append("zz-not-an-option")
    if t == "array":
        items = s.get("items") or {}
        if items.get("type") == "string":
            out.append([5])
        if "enum" in items:
            out.append(["zz-not-an-option"])
        if s.get("minItems"):
            out.append([])
    if t == "object" and s.get("properties"):
        out.append({"zzUnknownKey": 1})
    return out


BAD = [(spec.name, key, v) for spec in CONFIGURED for key, s in spec.config.items() for v in wrong_values(s)]
BAD += [
    (SETTINGS_POLICY, "scope", {"mode": "everything"}),
    (SETTINGS_POLICY, "scope", {"tagKey": "data-classification"}),          # mode is required
    (SETTINGS_POLICY, "scope", {"mode": "resource-tag", "tagValues": []}),
    (SETTINGS_POLICY, "scope", {"mode": "resource-tag", "tagValues": "phi"}),
    (SETTINGS_POLICY, "exemptions", [{"policy": "x", "resource": "y", "expires": "2030-01-01"}]),  # no reason
    (SETTINGS_POLICY, "exemptions", [{"policy": "x", "resource": "y", "reason": "r", "expires": "2030-01-01",
                                      "owner": "me"}]),
    (SETTINGS_POLICY, "exemptions", [{"policy": "x", "resource": "y", "reason": "r", "expires": 20300101}]),
    (SETTINGS_POLICY, "exemptions", {"policy": "x"}),
]


def ids(case):
    return f"{case[0]}.{case[1]}={json.dumps(case[2])[:40]}"


def error_of(pack, config):
    with pytest.raises(grpc.RpcError) as info:
        pack.configure(config)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT, info.value
    return info.value.details()


@pytest.fixture
def fresh(pack):
    yield pack
    pack.configure({})


@pytest.mark.parametrize("case", BAD, ids=[ids(c) for c in BAD])
def test_configure_rejects_a_wrong_value_naming_policy_and_key(fresh, case):
    policy, key, value = case
    details = error_of(fresh, {policy: {key: value}})
    assert policy in details and key in details, details


@pytest.mark.parametrize("case", BAD, ids=[ids(c) for c in BAD])
def test_check_config_rejects_a_wrong_value_naming_policy_and_key(case):
    policy, key, value = case
    with pytest.raises(ConfigError) as info:
        validate({policy: {key: value}}, "pack-config.json")
    assert policy in str(info.value) and key in str(info.value) and "pack-config.json" in str(info.value)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_configure_rejects_an_unknown_key_for_every_policy(fresh, spec):
    details = error_of(fresh, {spec.name: {"zzNoSuchKnob": 1}})
    assert spec.name in details and "zzNoSuchKnob" in details, details


def test_configure_rejects_an_unknown_policy(fresh):
    details = error_of(fresh, {"rds-storage-encryption-typo": "mandatory"})
    assert "rds-storage-encryption-typo" in details
    with pytest.raises(ConfigError, match="rds-storage-encryption-typo"):
        validate({"rds-storage-encryption-typo": "mandatory"})


def test_configure_accepts_every_default_given_explicitly(fresh):
    config = {spec.name: dict(spec.defaults()) for spec in CONFIGURED}
    fresh.configure(config)  # integers arrive as floats (14.0) and are accepted
    validate(config)


def test_a_rejected_configure_leaves_the_previous_configuration_in_force(fresh):
    from hipaa_policies.testing import resource
    pp = resource("aws:iam/accountPasswordPolicy:AccountPasswordPolicy", {
        "minimumPasswordLength": 16.0, "passwordReusePrevention": 24.0, "requireLowercaseCharacters": True,
        "requireUppercaseCharacters": True, "requireNumbers": True, "requireSymbols": True,
        "maxPasswordAge": 90.0}, name="pp")
    policy = "iam-account-password-policy"
    fresh.configure({policy: {"minimumLength": 20}})
    assert [d.kind for d in fresh.analyze(pp) if d.policy == policy] == ["violation"]
    error_of(fresh, {policy: {"minimumLength": 2}})
    assert [d.kind for d in fresh.analyze(pp) if d.policy == policy] == ["violation"]
    fresh.configure({})
    assert [d.kind for d in fresh.analyze(pp) if d.policy == policy] == []


def test_cli_check_config_names_policy_and_key(tmp_path, capsys):
    bad = tmp_path / "policy-config.json"
    bad.write_text(json.dumps({"all": "mandatory", "cloudwatch-log-group-retention": {"minimumDays": 0}}))
    assert cli.main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "cloudwatch-log-group-retention" in err and "minimumDays" in err and "Traceback" not in err
    good = tmp_path / "ok.json"
    good.write_text(json.dumps({"all": "advisory", SETTINGS_POLICY: {"scope": {"mode": "stack-tag"}}}))
    assert cli.main(["check-config", str(good)]) == 0
