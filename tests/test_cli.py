"""`hipaa-policies` commands: output agrees with the registry; bad input is one line and exit 2."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hipaa_policies import registry
from hipaa_policies.frameworks.catalogue import coverage

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    return subprocess.run([sys.executable, "-m", "hipaa_policies.cli.main", *args], cwd=ROOT, capture_output=True, text=True)


def test_coverage_json_matches_catalogue():
    out = run("coverage", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    rows, summary = coverage(registry.policies())
    assert data["safeguards"] == rows
    assert data["summary"] == summary
    assert data["policies"] == len(registry.policies())


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_coverage_formats(fmt):
    out = run("coverage", "--format", fmt)
    assert out.returncode == 0
    for category in ("administrative", "physical", "technical", "organizational", "documentation"):
        assert category in out.stdout.lower()
    assert "164.312(a)(2)(iv)" in out.stdout


def test_policies_lists_every_policy():
    out = run("policies", "--format", "json")
    names = [p["name"] for p in json.loads(out.stdout)]
    assert sorted(names) == sorted(registry.load())
    text = run("policies").stdout
    assert "rds-storage-encrypted" in text and "164.312(a)(2)(iv)" in text


@pytest.mark.parametrize("args", [["coverage", "--format", "pdf"], ["nonsense"], []])
def test_bad_usage_is_one_line_exit_2(args):
    out = run(*args)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("content, message", [
    ('{"cloudwatch-log-group-retention": {"minimumDays": "x"}}', "'cloudwatch-log-group-retention'.minimumDays: expected integer"),
    ('{"cloudwatch-log-group-retention": {"minimumDays": 0}}', "minimumDays: must be at least 1"),
    ('{"cloudwatch-log-group-retention": {"minDays": 10}}', "unknown key 'minDays'"),
    ('{"no-such-policy": "advisory"}', "unknown policy 'no-such-policy'"),
    ('{"all": "loud"}', "`all` must be one of"),
    ('{"hipaa-pack-settings": {"scope": {"mode": "everything"}}}', "scope.mode: must be one of"),
    ('{"all": ', "not valid JSON"),
])
def test_check_config_names_policy_and_key(tmp_path, content, message):
    f = tmp_path / "config.json"
    f.write_text(content)
    out = run("check-config", str(f))
    assert out.returncode == 2
    assert message in out.stderr and str(f) in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_check_config_accepts_valid_file(tmp_path):
    f = tmp_path / "config.json"
    f.write_text('{"all": "mandatory", "cloudwatch-log-group-retention": {"enforcementLevel": "advisory", "minimumDays": 2557}}')
    assert run("check-config", str(f)).returncode == 0


def _exemption(**entry):
    base = {"policy": "rds-storage-encrypted", "resource": "*legacy*", "reason": "CHG-1", "expires": "2099-12-31"}
    base.update(entry)
    return json.dumps({"hipaa-pack-settings": {"exemptions": [base]}})


@pytest.mark.parametrize("content, message", [
    (_exemption(policy="rds-storage-encryptd"),
     "`exemptions[0].policy` names 'rds-storage-encryptd', which is no policy of the pack (did you mean rds-storage-encrypted?)"),
    (_exemption(expires="2020-13-45"), "`exemptions[0].expires` is '2020-13-45', not a calendar date YYYY-MM-DD"),
])
def test_check_config_and_scan_catch_exemption_mistakes(tmp_path, content, message):
    f = tmp_path / "config.json"
    f.write_text(content)
    for args in (["check-config", str(f)], ["scan", "--policy-config", str(f), "--no-progress"]):
        out = run(*args)
        assert out.returncode == 2, out.stdout
        assert len(out.stderr.strip().splitlines()) == 1 and message in out.stderr and str(f) in out.stderr


def test_check_config_on_a_file_that_is_not_utf8(tmp_path):
    f = tmp_path / "config.json"
    f.write_bytes(b'{"all": "mandatory", "x": "\xff\xfe"}')
    out = run("check-config", str(f))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "not UTF-8" in out.stderr


def test_an_expired_exemption_is_valid_config():
    from hipaa_policies.core.settings import exemption_problems
    assert exemption_problems({"exemptions": [{"policy": "*", "resource": "*", "reason": "r", "expires": "2001-01-01"}]}) == []


def test_a_misspelled_policy_in_an_exempt_tag_is_noted(pack):
    from hipaa_policies.testing import resource
    db = resource("aws:rds/instance:Instance", {"storageEncrypted": False, "tags": {
        "hipaa:exempt": "rds-storage-encryptd", "hipaa:exempt-reason": "CHG-1", "hipaa:exempt-until": "2099-12-31"}},
        name="legacy")
    diags = [d for d in pack.analyze(db) if d.policy == "rds-storage-encrypted"]
    kinds = sorted(d.kind for d in diags)
    assert kinds == ["note", "violation"]
    note = next(d for d in diags if d.kind == "note")
    assert "'rds-storage-encryptd', which is no policy of the pack (did you mean rds-storage-encrypted?)" in note.message
