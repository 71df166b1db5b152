"""The metadata contract of every policy, as the Pulumi CLI sees it through GetAnalyzerInfo."""
import re

from hipaa_policies import registry
from hipaa_policies.frameworks.catalogue import load_catalogue
from hipaa_policies.runtime.pack import default_level

LEVEL = {0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate"}
NUMERIC_HINTS = re.compile(r"(days|length|minimum|maximum|seconds|retention|age|count|prevention|period|hours)", re.I)


def test_analyzer_info_lists_every_policy_with_hipaa_metadata(pack):
    info = pack.info()
    assert info.name == "aws-hipaa"
    from hipaa_policies.runtime.pack_info import version
    assert info.version == version() == "0.1.0"  # the version PulumiPolicy.yaml publishes
    assert re.match(r"^[a-zA-Z0-9-_.]{1,100}$", info.name)
    by_name = {p.name: p for p in info.policies}
    specs = registry.load()
    assert set(by_name) == set(specs)
    for name, p in by_name.items():
        spec = specs[name]
        assert re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", name) and name != "all"
        assert p.description
        assert p.framework.name == "HIPAA Security Rule"
        assert p.framework.version == "45 CFR Part 164 Subpart C"
        assert p.framework.reference == spec.citations[0]
        assert set(spec.citations) <= set(p.tags)
        assert p.severity != 0, name
        assert p.remediation_steps
        assert LEVEL[p.enforcementLevel] == default_level(spec)
        if spec.config:
            assert set(p.configSchema.properties) == set(spec.config)


def test_required_only_profile_keeps_the_2013_rule_unless_explained():
    from hipaa_policies.frameworks import profiles
    cat = load_catalogue()
    for spec in registry.policies():
        if spec.name in profiles._proposed_only():
            continue
        expected = "mandatory" if cat[spec.primary].required else "advisory"
        if spec.default_level:
            assert spec.level_reason, spec.name
        else:
            assert default_level(spec, "required-only") == expected, spec.name


def test_analyzer_info_tags_carry_the_other_frameworks(pack):
    """pulumi-policy allows one framework per policy (HIPAA); the others are tags `<id>:<requirement>`."""
    tags = {p.name: set(p.tags) for p in pack.info().policies}
    assert "nist-sp-800-53-r5:SC-13" in tags["rds-storage-encrypted"]
    assert "nist-csf-1.1:PR.DS-1" in tags["rds-storage-encrypted"] or any(
        t.startswith("nist-csf-1.1:") for t in tags["rds-storage-encrypted"])
    assert "hipaa-nprm-2025:164.312(b)" in tags["rds-storage-encrypted"]
    assert "hipaa-nprm-2025:164.312(h)" in tags["inspector2-scanning-enabled"]
    fws = registry.frameworks()
    for name, ts in tags.items():
        for t in ts:
            if ":" in t and not t.startswith("urn"):
                fid, req = t.split(":", 1)
                if fid in fws:
                    assert name in fws[fid].policies_for(req), (name, t)


def test_thresholds_are_configurable():
    """A policy whose check compares against a number exposes it in its config schema."""
    import inspect
    for spec in registry.policies():
        src = inspect.getsource(spec.check)
        if "expect_at_least(" in src or "expect_at_most(" in src:
            literal = re.search(r"expect_at_(least|most)\([^,]+,\s*\d", src)
            assert not literal, f"{spec.name}: threshold is a literal; put it in config"
