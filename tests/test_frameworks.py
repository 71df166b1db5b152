"""Frameworks as data: the built-in four, a fourth-party framework added from a directory, and
clear errors for bad framework data."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hipaa_policies import registry
from hipaa_policies.core.errors import CatalogueError
from hipaa_policies.frameworks import loader

ROOT = Path(__file__).resolve().parent.parent


def test_the_four_built_in_frameworks():
    fws = registry.frameworks()
    assert list(fws) == ["hipaa-security-rule", "hipaa-nprm-2025", "nist-sp-800-53-r5", "nist-csf-1.1"]
    assert len(fws["hipaa-security-rule"].requirements) == 65
    assert fws["hipaa-nprm-2025"].status == "proposed" and "PROPOSED" in fws["hipaa-nprm-2025"].label
    assert fws["nist-sp-800-53-r5"].informative and fws["nist-csf-1.1"].informative


def test_nist_controls_follow_from_hipaa_citations_through_nists_table():
    nist = registry.frameworks()["nist-sp-800-53-r5"]
    # NIST maps encryption at rest 164.312(a)(2)(iv) to SC-13 (and SC-28 is not in its set)
    assert "164.312(a)(2)(iv)" in nist["SC-13"].sources
    assert "rds-storage-encrypted" in nist.policies_for("SC-13")
    assert "SC-28" not in nist
    # transmission encryption 164.312(e)(2)(ii) -> SC-8, SC-12, SC-13
    for control in ("SC-8", "SC-12", "SC-13"):
        assert "164.312(e)(2)(ii)" in nist[control].sources
    # every mapped policy really cites one of the control's HIPAA sources
    for cid, req in nist.requirements.items():
        for name in nist.policies_for(cid):
            assert set(registry.get(name).citations) & set(req.sources), (cid, name)


def test_cprt_element_ids_are_mapped_to_catalogue_citations():
    nist = registry.frameworks()["nist-sp-800-53-r5"]
    sources = {s for r in nist.requirements.values() for s in r.sources}
    assert "164.308(b)(3)" in sources and "164.308(b)(4)" not in sources  # CPRT numbers the contract (b)(4)
    assert "164.312(a)(1)" in sources and "164.312(a)" not in sources


FOURTH = {
    "framework.toml": '''[framework]
id = "acme-internal"
name = "ACME internal cloud standard"
version = "2026.1"
status = "in force"
kind = "mapped"
description = "A small framework registered from data in a directory."

[framework.categories]
crypto = "Cryptography"

[[framework.mapping]]
requirement = "ACME-1"
policies = ["rds-storage-encrypted"]
patterns = ["s3-bucket-default-encryption-*"]
''',
    "requirements.toml": '''[[requirement]]
id = "ACME-1"
title = "Databases and buckets encrypted"
category = "crypto"
automation = "full"
reason = "Encryption settings are declared in code."

[[requirement]]
id = "ACME-2"
title = "Key ceremonies"
category = "crypto"
automation = "process"
reason = "People in a room."
''',
}


def _write(tmp_path, files):
    d = tmp_path / "acme"
    d.mkdir()
    for name, text in files.items():
        (d / name).write_text(text)
    return tmp_path


def _cli(args, env_dir):
    import os
    env = dict(os.environ, HIPAA_POLICIES_FRAMEWORKS=str(env_dir))
    return subprocess.run([sys.executable, "-m", "hipaa_policies.cli.main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def test_a_fourth_framework_from_a_directory_touches_no_module(tmp_path):
    d = _write(tmp_path, FOURTH)
    out = _cli(["frameworks", "--format", "json"], d)
    assert out.returncode == 0, out.stderr
    rows = {r["id"]: r for r in json.loads(out.stdout)}
    assert rows["acme-internal"]["requirements"] == 2 and rows["acme-internal"]["mapped_requirements"] == 1
    cov = _cli(["coverage", "--framework", "acme-internal", "--format", "json"], d)
    assert cov.returncode == 0, cov.stderr
    reqs = {r["id"]: r for r in json.loads(cov.stdout)["requirements"]}
    assert reqs["ACME-1"]["policies"] == ["rds-storage-encrypted", "s3-bucket-default-encryption-kms"]
    assert reqs["ACME-2"]["status"] == "process control"
    pol = _cli(["policies", "--framework", "acme-internal"], d)
    assert "rds-storage-encrypted" in pol.stdout and "ACME-1" in pol.stdout


@pytest.mark.parametrize("change, message", [
    (("framework.toml", 'requirement = "ACME-1"', 'requirement = "ACME-9"'), r"framework.toml: \[\[mapping\]\] #1: unknown requirement 'ACME-9'"),
    (("framework.toml", '"rds-storage-encrypted"]', '"rds-storage-encryptd"]'), r"mapping of ACME-1: no policy named 'rds-storage-encryptd'"),
    (("framework.toml", '"s3-bucket-default-encryption-*"', '"nothing-like-this-*"'), r"pattern 'nothing-like-this-\*' matches no policy"),
    (("requirements.toml", 'id = "ACME-2"', 'id = "ACME-1"'), r"requirements.toml: requirement ACME-1: duplicate id"),
    (("framework.toml", 'id = "acme-internal"', 'id = "hipaa-security-rule"'), r"duplicate framework id 'hipaa-security-rule'"),
    (("requirements.toml", 'category = "crypto"\nautomation = "full"', 'category = "cryptx"\nautomation = "full"'), r"category 'cryptx' is not in \[categories\]"),
])
def test_bad_framework_data_is_one_clear_error_naming_file_and_entry(tmp_path, monkeypatch, change, message):
    files = dict(FOURTH)
    name, old, new = change
    assert old in files[name]
    files[name] = files[name].replace(old, new)
    d = _write(tmp_path, files)
    monkeypatch.setenv("HIPAA_POLICIES_FRAMEWORKS", str(d))
    with pytest.raises(CatalogueError, match=message):
        loader.load(registry.policies())
    out = _cli(["frameworks"], d)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_unknown_framework_id_is_one_line_exit_2():
    out = subprocess.run([sys.executable, "-m", "hipaa_policies.cli.main", "coverage", "--framework", "sox"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip() == ("hipaa-policies: unknown framework 'sox'; valid: hipaa-security-rule, "
                                  "hipaa-nprm-2025, nist-sp-800-53-r5, nist-csf-1.1")


def test_content_hash_cache_gives_the_validated_frameworks(tmp_path, monkeypatch):
    monkeypatch.setenv("HIPAA_POLICIES_CACHE", str(tmp_path / "cache"))
    specs = registry.policies()
    fresh, hit = loader.load_cached(specs)
    assert not hit and list((tmp_path / "cache").glob("frameworks-*.json"))
    cached, hit = loader.load_cached(specs)
    assert hit and cached == fresh == loader.load(specs)


def test_cache_key_changes_with_the_data(tmp_path, monkeypatch):
    specs = registry.policies()
    before = loader.content_key(specs)
    monkeypatch.setenv("HIPAA_POLICIES_FRAMEWORKS", str(_write(tmp_path, FOURTH)))
    assert loader.content_key(specs) != before
