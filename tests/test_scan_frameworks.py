"""One scan, every framework: reports organised by `--framework`, levels by `--profile`, and the
evidence bundle carrying each framework's view of the same results."""
import json
from pathlib import Path

import jsonschema
import pytest

from hipaa_policies.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "tests" / "data" / "scan" / "stack-export.json"
REPORT_SCHEMA = ROOT / "hipaa_policies" / "cli" / "scan" / "schemas" / "report-v1.schema.json"


def _scan(tmp_path, *args):
    code = main(["scan", str(EXPORT), "--no-progress", "-o", str(tmp_path), *map(str, args)])
    return code, tmp_path


@pytest.mark.parametrize("framework, heading, a_requirement", [
    ("nist-sp-800-53-r5", "NIST SP 800-53 Rev. 5", "SC-13"),
    ("hipaa-nprm-2025", "PROPOSED", "164.312(b)"),
    ("nist-csf-1.1", "Informative mapping", "PR.DS-1"),
])
def test_reports_are_organised_by_the_chosen_framework(tmp_path, capsys, framework, heading, a_requirement):
    code, out = _scan(tmp_path, "--framework", framework, "-f", "json", "-f", "markdown", "-f", "sarif", "-f", "html")
    assert code == 1
    doc = json.loads((out / "report.json").read_text())
    jsonschema.validate(doc, json.loads(REPORT_SCHEMA.read_text()))
    assert doc["framework"]["id"] == framework and doc["summary"]["framework"] == framework
    ids = [s["id"] for s in doc["safeguards"]]
    assert a_requirement in ids and not any(i.startswith("164.3") for i in ids if framework.startswith("nist"))
    assert set(doc["categoryOrder"]) == set(doc["summary"]["categories"])
    md = (out / "report.md").read_text()
    assert heading in md and "## Requirements" in md
    sarif = json.loads((out / "report.sarif").read_text())
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    enc = next(r for r in rules if r["id"] == "rds-storage-encrypted")
    assert enc["properties"]["framework"] == framework and enc["properties"]["citations"] == ["164.312(a)(2)(iv)"]
    html = (out / "dashboard.html").read_text()
    assert "requirements → policies → resources" in html


def test_default_framework_is_hipaa(tmp_path, capsys):
    _, out = _scan(tmp_path, "-f", "json")
    doc = json.loads((out / "report.json").read_text())
    assert doc["framework"]["id"] == "hipaa-security-rule"
    assert doc["categoryOrder"] == ["administrative", "physical", "technical", "organizational", "documentation"]


def test_profile_changes_what_blocks(tmp_path, capsys):
    code_default, _ = _scan(tmp_path / "d", "-f", "json")
    code_audit, out = _scan(tmp_path / "a", "--profile", "audit", "-f", "json")
    assert code_default == 1 and code_audit == 0
    doc = json.loads((out / "report.json").read_text())
    assert doc["summary"]["mandatoryViolations"] == 0 and doc["summary"]["advisoryViolations"] > 0


def test_default_profile_makes_the_encryption_and_tls_violations_mandatory(tmp_path, capsys):
    _, out = _scan(tmp_path, "-f", "json")
    doc = json.loads((out / "report.json").read_text())
    levels = {(r["policy"], r["status"]): r["level"] for r in doc["results"]}
    for policy in ("rds-storage-encrypted", "lb-listener-tls"):
        if (policy, "fail") in levels:
            assert levels[(policy, "fail")] == "mandatory", policy


@pytest.mark.parametrize("flag, value, message", [
    ("--framework", "sox", "unknown framework 'sox'; valid: hipaa-security-rule, hipaa-nprm-2025"),
    ("--profile", "strict", "--profile: unknown profile 'strict'; valid: default, required-only"),
])
def test_unknown_ids_are_one_line_exit_2(tmp_path, capsys, flag, value, message):
    code = main(["scan", str(EXPORT), flag, value, "-o", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0]


def test_evidence_bundle_carries_every_framework(tmp_path, capsys):
    _, out = _scan(tmp_path, "-f", "evidence")
    bundle = json.loads((out / "evidence.json").read_text())
    fr = bundle["frameworkResults"]
    assert list(fr) == ["hipaa-security-rule", "hipaa-nprm-2025", "nist-sp-800-53-r5", "nist-csf-1.1"]
    assert fr["hipaa-nprm-2025"]["status"] == "proposed" and fr["nist-sp-800-53-r5"]["informative"] is True
    assert len(fr["hipaa-security-rule"]["requirements"]) == 65
    sc13 = next(r for r in fr["nist-sp-800-53-r5"]["requirements"] if r["id"] == "SC-13")
    assert "rds-storage-encrypted" in sc13["policies"] and sc13["counts"]
    process = next(r for r in fr["hipaa-security-rule"]["requirements"] if r["id"] == "164.308(a)(2)")
    assert process["evidence"] == "process control" and process["policies"] == []
