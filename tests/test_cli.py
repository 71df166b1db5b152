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
