"""`hipaa-policies scan`: inputs, statuses, exit codes, bad input and every report format.

Assertions name policies that exist (rds-storage-encrypted, s3-bucket-default-encryption-kms,
cloudwatch-log-group-retention) and never depend on how many policies the pack has.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from cli_output import assert_one_line
from hipaa_policies.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
PREVIEW = DATA / "scan" / "preview.json"
EXPORT = DATA / "scan" / "stack-export.json"
EXAMPLE = ROOT / "examples" / "phi-platform"
REPORT_SCHEMA = ROOT / "hipaa_policies" / "cli" / "scan" / "schemas" / "report-v1.schema.json"
from hipaa_policies.core.sentinels import UNKNOWN_STRING as UNKNOWN  # noqa: E402


def run(capsys, *args):
    code = main(["scan", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def scan_json(capsys, tmp_path, *args):
    out_dir = tmp_path / "report"
    code, out, err = run(capsys, *args, "--format", "json", "--output", out_dir)
    return code, json.loads((out_dir / "report.json").read_text()), err


def results(doc, policy=None, name=None):
    return [r for r in doc["results"] if (policy is None or r["policy"] == policy) and (name is None or r["name"] == name)]


def one(doc, policy, name):
    found = results(doc, policy, name)
    assert len(found) == 1, (policy, name, found)
    return found[0]


def preview_file(tmp_path, resources, stack="qa", project="proj", name="preview.json"):
    """A `pulumi preview --json` document of (type, name, inputs) triples."""
    steps = [{"op": "create", "urn": f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}",
              "newState": {"type": "pulumi:pulumi:Stack", "custom": False,
                           "urn": f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"}}]
    for type_, rname, inputs in resources:
        urn = f"urn:pulumi:{stack}::{project}::{type_}::{rname}"
        steps.append({"op": "create", "urn": urn,
                      "newState": {"type": type_, "urn": urn, "custom": True, "inputs": inputs}})
    path = tmp_path / name
    path.write_text(json.dumps({"steps": steps, "changeSummary": {"create": len(steps)}}, indent=2))
    return path


# --------------------------------------------------------------------------- the bundled example
def test_no_argument_scans_bundled_example_and_exits_1(tmp_path):
    """The real console entry point, as a new user runs it: findings and exit 1."""
    proc = subprocess.run([sys.executable, "-m", "hipaa_policies.cli.main", "scan"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "COLUMNS": "160"})
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    for category in ("administrative", "physical", "technical", "organizational", "documentation"):
        assert category in out
    assert "Fix first — mandatory violations" in out and "records-api-logs" in out
    assert out.index("Fix first") < out.index("Score by category")  # what to fix comes first
    assert "reporting-db" in out and "1 exemption" in out
    assert "FAILED" in out
    assert not (tmp_path / "hipaa-report").exists()  # text only: nothing written


def test_example_program_findings(capsys, tmp_path):
    code, doc, _ = scan_json(capsys, tmp_path, EXAMPLE)
    assert code == 1 and doc["exitCode"] == 1
    assert doc["stacks"][0]["label"] == "phi-platform/dev" and doc["stacks"][0]["input"]["kind"] == "program"
    # deliberate gaps
    assert one(doc, "rds-storage-encrypted", "reporting-db")["status"] == "fail"
    assert one(doc, "rds-storage-encrypted", "records-db")["status"] == "pass"
    logs = one(doc, "cloudwatch-log-group-retention", "records-api-logs")
    assert logs["status"] == "fail" and logs["level"] == "mandatory"
    assert one(doc, "cloudwatch-log-group-retention", "cloudtrail-events")["status"] == "pass"
    assert one(doc, "s3-bucket-default-encryption-kms", "analytics-exports")["status"] == "fail"
    assert one(doc, "s3-bucket-default-encryption-kms", "clinical-documents")["status"] == "pass"
    assert one(doc, "s3-bucket-default-encryption-kms", "alb-access-logs")["status"] == "exempt"
    # URNs carry the project and stack from Pulumi.yaml / Pulumi.dev.yaml
    assert all(r["urn"].startswith("urn:pulumi:dev::phi-platform::") for r in doc["results"])


# --------------------------------------------------------------------------- inputs
def test_preview_json(capsys, tmp_path):
    code, doc, _ = scan_json(capsys, tmp_path, PREVIEW)
    assert doc["stacks"][0]["label"] == "records/staging" and doc["stacks"][0]["input"]["kind"] == "preview"
    assert one(doc, "rds-storage-encrypted", "reporting-db")["status"] == "fail"
    assert one(doc, "rds-storage-encrypted", "records-db")["status"] == "pass"
    assert one(doc, "cloudwatch-log-group-retention", "api-logs")["status"] == "fail"
    assert code == 1
    names = {r["name"] for r in doc["results"]}
    assert "legacy-uploads" not in names  # a delete step is not analysed
    assert not any(r["type"].startswith("pulumi:providers:") for r in doc["results"])
    # the unknown bucket name is linked by its property dependency, so encryption is judged
    assert one(doc, "s3-bucket-default-encryption-kms", "documents")["status"] == "pass"
    assert doc["stacks"][0]["resources"] == 8  # providers, the stack and the deleted bucket are skipped


def test_stack_export_uses_deployed_state(capsys, tmp_path):
    code, doc, _ = scan_json(capsys, tmp_path, EXPORT)
    assert doc["stacks"][0]["label"] == "patient-portal/prod" and doc["stacks"][0]["input"]["kind"] == "export"
    assert one(doc, "rds-storage-encrypted", "portal-db")["status"] == "pass"
    # storageEncrypted is only in the outputs: the deployed state is checked
    assert one(doc, "rds-storage-encrypted", "legacy-db")["status"] == "fail"
    exempt = one(doc, "s3-bucket-default-encryption-kms", "cdn-logs")
    assert exempt["status"] == "exempt" and "RISK-2041" in exempt["message"]
    assert "gone-subnet" not in {r["name"] for r in doc["results"]}  # pending delete


def test_several_inputs_report_per_stack_and_in_total(capsys, tmp_path):
    code, doc, _ = scan_json(capsys, tmp_path, PREVIEW, EXPORT)
    labels = [s["label"] for s in doc["stacks"]]
    assert labels == ["records/staging", "patient-portal/prod"]
    total = doc["summary"]
    assert total["stacks"] == 2
    assert total["resources"] == sum(s["resources"] for s in doc["stacks"])
    for key in ("pass", "fail", "exempt", "unverified", "notApplicable"):
        assert total["counts"][key] == sum(s["summary"]["counts"][key] for s in doc["stacks"])
    assert total["mandatoryViolations"] == sum(s["summary"]["mandatoryViolations"] for s in doc["stacks"])
    assert {r["stack"] for r in doc["results"]} == set(labels)


def test_same_stack_twice_gets_distinct_labels(capsys, tmp_path):
    code, doc, _ = scan_json(capsys, tmp_path, PREVIEW, PREVIEW)
    labels = [s["label"] for s in doc["stacks"]]
    assert len(set(labels)) == 2


def write_program(directory: Path, body: str, stacks=None):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: tinyapp\nruntime: python\n")
    for stack, cfg in (stacks or {}).items():
        (directory / f"Pulumi.{stack}.yaml").write_text(cfg)
    (directory / "__main__.py").write_text(textwrap.dedent(body))
    return directory


PROGRAM = """
    import pulumi
    import pulumi_aws as aws
    from helpers import log_group_name   # a module beside __main__.py

    cfg = pulumi.Config()
    aws.cloudwatch.LogGroup("app-logs", name=log_group_name(), retention_in_days=cfg.require_int("retention"))
    aws.rds.Instance("db", engine="postgres", instance_class="db.t3.micro", allocated_storage=20,
                     storage_encrypted=cfg.get_bool("encrypt"))
"""


def test_program_config_from_stack_file_and_overrides(capsys, tmp_path):
    prog = write_program(tmp_path / "prog", PROGRAM, {
        "prod": "config:\n  tinyapp:retention: 2557\n  tinyapp:encrypt: true\n",
        "dev": "config:\n  tinyapp:retention: 30\n  tinyapp:encrypt: false\n"})
    (prog / "helpers.py").write_text("def log_group_name():\n    return '/tiny/app'\n")
    # default: the first Pulumi.*.yaml (dev)
    code, doc, _ = scan_json(capsys, tmp_path, prog)
    assert doc["stacks"][0]["stack"] == "dev" and doc["stacks"][0]["project"] == "tinyapp"
    assert one(doc, "cloudwatch-log-group-retention", "app-logs")["status"] == "fail"
    assert one(doc, "rds-storage-encrypted", "db")["status"] == "fail"
    assert code == 1
    files = {f["path"].rsplit("/", 1)[-1] for f in doc["stacks"][0]["input"]["files"]}
    assert {"Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py", "helpers.py"} <= files
    # --stack prod
    code, doc, _ = scan_json(capsys, tmp_path, prog, "--stack", "prod")
    assert doc["stacks"][0]["stack"] == "prod"
    assert one(doc, "cloudwatch-log-group-retention", "app-logs")["status"] == "pass"
    assert one(doc, "rds-storage-encrypted", "db")["status"] == "pass"
    # --config overrides the stack file
    code, doc, _ = scan_json(capsys, tmp_path, prog, "--stack", "dev", "--config", "retention=2557", "-c", "encrypt=true")
    assert one(doc, "cloudwatch-log-group-retention", "app-logs")["status"] == "pass"
    assert one(doc, "rds-storage-encrypted", "db")["status"] == "pass"


def test_program_preview_mode_leaves_outputs_unknown(capsys, tmp_path):
    prog = write_program(tmp_path / "prog", """
        import pulumi_aws as aws
        key = aws.kms.Key("k")
        aws.rds.Instance("db", engine="postgres", instance_class="db.t3.micro", allocated_storage=20,
                         storage_encrypted=key.arn.apply(lambda a: bool(a)))
    """)
    code, doc, _ = scan_json(capsys, tmp_path, prog, "--preview")
    assert doc["preview"] is True
    assert one(doc, "rds-storage-encrypted", "db")["status"] == "unverified"
    code, doc, _ = scan_json(capsys, tmp_path, prog)
    assert one(doc, "rds-storage-encrypted", "db")["status"] == "pass"


# --------------------------------------------------------------------------- statuses, levels, config
def test_statuses_pass_fail_unverified_exempt_not_applicable(capsys, tmp_path):
    path = preview_file(tmp_path, [
        ("aws:rds/instance:Instance", "ok", {"storageEncrypted": True}),
        ("aws:rds/instance:Instance", "bad", {"storageEncrypted": False}),
        ("aws:rds/instance:Instance", "unknown", {"storageEncrypted": UNKNOWN}),
        ("aws:rds/instance:Instance", "waived", {"storageEncrypted": False, "tags": {
            "hipaa:exempt": "rds-storage-encrypted", "hipaa:exempt-reason": "CHG-7: synthetic data only",
            "hipaa:exempt-until": "2099-01-01"}}),
        ("aws:rds/instance:Instance", "void", {"storageEncrypted": False, "tags": {
            "hipaa:exempt": "rds-storage-encrypted", "hipaa:exempt-until": "2099-01-01"}}),
        ("aws:ec2/subnet:Subnet", "net", {"cidrBlock": "10.0.0.0/24"}),
    ])
    code, doc, _ = scan_json(capsys, tmp_path, path)
    status = {r["name"]: r["status"] for r in results(doc, "rds-storage-encrypted")}
    assert status == {"ok": "pass", "bad": "fail", "unknown": "unverified", "waived": "exempt", "void": "fail"}
    void = one(doc, "rds-storage-encrypted", "void")
    assert any("void exemption" in n for n in void["notes"])
    pol = next(p for p in doc["policies"] if p["name"] == "rds-storage-encrypted")
    assert pol["summary"]["counts"] == {"pass": 1, "fail": 2, "exempt": 1, "unverified": 1, "notApplicable": 1}
    assert pol["summary"]["score"] == 40.0  # (1 pass + 1 exempt) / 5 evaluated
    assert not results(doc, "rds-storage-encrypted", "net")  # the subnet is not applicable: counted, not listed
    # advisory failures alone do not fail the scan
    cfg = tmp_path / "advisory.json"
    cfg.write_text(json.dumps({"all": "advisory"}))
    code, doc, _ = scan_json(capsys, tmp_path, path, "--policy-config", cfg)
    assert one(doc, "rds-storage-encrypted", "bad")["level"] == "advisory"
    assert doc["summary"]["advisoryViolations"] >= 2 and doc["summary"]["mandatoryViolations"] == 0 and code == 0


def test_policy_config_levels_and_exit_code(capsys, tmp_path):
    path = preview_file(tmp_path, [("aws:rds/instance:Instance", "bad", {"storageEncrypted": False})])
    cfg = tmp_path / "policy-config.json"
    cfg.write_text(json.dumps({"rds-storage-encrypted": {"enforcementLevel": "mandatory"}}))
    code, doc, _ = scan_json(capsys, tmp_path, path, "--policy-config", cfg)
    assert code == 1
    bad = one(doc, "rds-storage-encrypted", "bad")
    assert bad["level"] == "mandatory" and doc["summary"]["mandatoryViolations"] >= 1
    assert doc["policyConfig"]["sha256"] == hashlib.sha256(cfg.read_bytes()).hexdigest()
    cfg.write_text(json.dumps({"all": "disabled"}))
    code, doc, _ = scan_json(capsys, tmp_path, path, "--policy-config", cfg)
    assert code == 0 and doc["results"] == []
    assert all(p["level"] == "disabled" for p in doc["policies"])


def test_stack_tags_reach_configure_stack(capsys, tmp_path):
    """PHI scoping by stack tag: without the tag nothing applies; with it the policies run."""
    path = preview_file(tmp_path, [("aws:rds/instance:Instance", "bad", {"storageEncrypted": False})])
    cfg = tmp_path / "scoped.json"
    cfg.write_text(json.dumps({"hipaa-pack-settings": {"scope": {
        "mode": "stack-tag", "stackTagKey": "hipaa:phi", "stackTagValues": ["true"]}}}))
    code, doc, _ = scan_json(capsys, tmp_path, path, "--policy-config", cfg)
    assert not results(doc, "rds-storage-encrypted")
    code, doc, _ = scan_json(capsys, tmp_path, path, "--policy-config", cfg, "--stack-tag", "hipaa:phi=true")
    assert one(doc, "rds-storage-encrypted", "bad")["status"] == "fail"
    assert doc["stackTags"] == {"hipaa:phi": "true"}


# --------------------------------------------------------------------------- bad input: exit 2, one line
@pytest.mark.parametrize("content, needle", [
    ("{not json", "malformed JSON at line 1"),
    ("", "the file is empty"),
    ('{"hello": "world"}', "not `pulumi preview --json` output"),
    ('[1, 2, 3]', "not `pulumi preview --json` output"),
    ('{"version": 3, "deployment": {"manifest": {}, "resources": [{"urn": '
     '"urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", "type": "pulumi:pulumi:Stack", "custom": false}]}}', "empty stack"),
    ('{"steps": []}', "empty stack"),
    ('{"version": 3, "deployment": {"resources": "nope"}}', "deployment.resources is not a list"),
])
def test_bad_json_input(capsys, tmp_path, content, needle):
    bad = tmp_path / "input.json"
    bad.write_text(content)
    code, out, err = run(capsys, bad, "--output", tmp_path / "out", "-f", "json")
    assert code == 2
    assert_one_line(err, "input.json", needle)


def test_missing_input_and_bad_program_dirs(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "nope.json")
    assert code == 2
    assert_one_line(err, "nope.json", "no such file")
    empty_dir = tmp_path / "emptydir"
    empty_dir.mkdir()
    code, _, err = run(capsys, empty_dir)
    assert code == 2
    assert_one_line(err, "emptydir", "no Pulumi.yaml")
    node = tmp_path / "nodeprog"
    node.mkdir()
    (node / "Pulumi.yaml").write_text("name: web\nruntime: nodejs\n")
    code, _, err = run(capsys, node)
    assert code == 2
    assert_one_line(err, "Pulumi.yaml", "nodejs")


def test_program_that_raises(capsys, tmp_path):
    prog = write_program(tmp_path / "broken", """
        import pulumi_aws as aws
        aws.kms.Key("k")
        raise RuntimeError("database password\\nmissing")
    """)
    code, _, err = run(capsys, prog)
    assert code == 2
    assert_one_line(err, "__main__.py", "RuntimeError", "database password missing")


def test_program_missing_config(capsys, tmp_path):
    prog = write_program(tmp_path / "needs-config", PROGRAM)
    (prog / "helpers.py").write_text("def log_group_name():\n    return '/x'\n")
    code, _, err = run(capsys, prog)
    assert code == 2
    assert_one_line(err, "__main__.py", "retention")


def test_program_without_resources(capsys, tmp_path):
    prog = write_program(tmp_path / "nothing", "import pulumi\npulumi.export('x', 1)\n")
    code, _, err = run(capsys, prog)
    assert code == 2
    assert_one_line(err, "__main__.py", "empty stack")


@pytest.mark.parametrize("content, needle", [
    ("{oops", "not valid JSON"),
    ('["all"]', "JSON object"),
    ('{"all": "loud"}', "must be one of"),
    ('{"no-such-policy": "mandatory"}', "unknown policy 'no-such-policy'"),
    ('{"cloudwatch-log-group-retention": {"minimumDays": "seven years"}}', "minimumDays: expected integer"),
])
def test_bad_policy_config(capsys, tmp_path, content, needle):
    cfg = tmp_path / "pc.json"
    cfg.write_text(content)
    code, _, err = run(capsys, PREVIEW, "--policy-config", cfg)
    assert code == 2
    assert_one_line(err, "pc.json", needle)


def test_unwritable_output_dir(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, PREVIEW, "-f", "json", "--output", blocker / "sub")
    assert code == 2
    assert_one_line(err, "sub", "cannot create output directory")
    code, _, err = run(capsys, PREVIEW, "-f", "json", "--output", blocker)
    assert code == 2
    assert_one_line(err, "file", "not a directory")


def test_bad_usage(capsys):
    code, _, err = run(capsys, PREVIEW, "--config", "novalue")
    assert code == 2
    assert_one_line(err, "--config", "key=value")
    with pytest.raises(SystemExit) as e:
        main(["scan", "--format", "pdf"])
    assert e.value.code == 2
    assert_one_line(capsys.readouterr().err, "invalid choice")


# --------------------------------------------------------------------------- report formats
@pytest.fixture(scope="module")
def all_formats(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    args = ["scan", str(EXAMPLE), str(PREVIEW), str(EXPORT), "--output", str(out)]
    for f in ("text", "markdown", "json", "sarif", "junit", "html", "evidence"):
        args += ["--format", f]
    code = main(args)
    return code, out


def test_every_format_written(all_formats):
    code, out = all_formats
    assert code == 1
    for name in ("report.md", "report.json", "report.sarif", "junit.xml", "dashboard.html", "evidence.json",
                 "evidence.json.sha256"):
        assert (out / name).stat().st_size > 0, name


def test_json_report_matches_schema(all_formats):
    _, out = all_formats
    schema = json.loads(REPORT_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = json.loads((out / "report.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
    assert doc["schemaVersion"].startswith("1.")
    assert set(doc["summary"]["categories"]) == {"administrative", "physical", "technical", "organizational",
                                                  "documentation"}
    # a document that breaks the schema is rejected (the schema is not vacuous)
    broken = dict(doc, results=[dict(doc["results"][0], status="maybe")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_sarif_validates_against_official_schema(all_formats):
    _, out = all_formats
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    sarif = json.loads((out / "report.sarif").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    run_ = sarif["runs"][0]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert "rds-storage-encrypted" in rules
    assert "45 CFR § 164.312(a)(2)(iv)" in rules["rds-storage-encrypted"]["help"]["text"]
    assert "Encryption and decryption" in rules["rds-storage-encrypted"]["help"]["text"]
    res = [r for r in run_["results"] if r["ruleId"] == "cloudwatch-log-group-retention"
           and r["locations"][0]["logicalLocations"][0]["name"] == "records-api-logs"]
    assert len(res) == 1 and res[0]["level"] == "error" and res[0]["kind"] == "fail"
    logical = res[0]["locations"][0]["logicalLocations"][0]
    assert logical["fullyQualifiedName"].startswith("urn:pulumi:dev::phi-platform::") and logical["kind"] == "resource"
    physical = res[0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"].endswith("__main__.py")
    source = (EXAMPLE / "__main__.py").read_text().splitlines()
    assert '"records-api-logs"' in source[physical["region"]["startLine"] - 1]
    exempt = [r for r in run_["results"] if r.get("suppressions")]
    assert exempt and all(s["kind"] == "external" for r in exempt for s in r["suppressions"])
    assert all(r["ruleIndex"] == list(rules).index(r["ruleId"]) for r in run_["results"])


def test_junit_one_case_per_policy_and_resource(all_formats):
    _, out = all_formats
    root = ET.parse(out / "junit.xml").getroot()
    doc = json.loads((out / "report.json").read_text())
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [s["label"] for s in doc["stacks"]]
    for suite, stack in zip(suites, doc["stacks"], strict=True):
        cases = suite.findall("testcase")
        evaluated = [r for r in doc["results"] if r["stack"] == stack["label"]]
        applicable = {r["policy"] for r in evaluated}
        assert len(cases) == len(evaluated) + len(doc["policies"]) - len(applicable)
        assert int(suite.get("failures")) == sum(r["status"] == "fail" for r in evaluated)
        assert int(suite.get("tests")) == len(cases)
    case = root.find(".//testcase[@name='cloudwatch-log-group-retention :: records-api-logs']")
    assert case is not None and case.find("failure").get("type") == "mandatory"
    assert root.find(".//testcase[@name='s3-bucket-default-encryption-kms :: alb-access-logs']/skipped") is not None


def test_markdown_report(all_formats):
    _, out = all_formats
    md = (out / "report.md").read_text()
    assert md.startswith("# HIPAA Security Rule scan")
    headings = ("## Fix first: mandatory violations", "## Score by category", "## Stacks", "## Requirements",
                "## Mandatory policies", "## Advisory policies", "## Advisory violations", "## Exemptions",
                "## Unverified controls")
    positions = [md.index(h) for h in headings]
    assert positions == sorted(positions)  # what to fix comes first
    assert "records-api-logs" in md and "patient-portal/prod" in md
    assert "N/A" not in md and "Fix: " in md


def test_html_dashboard_is_self_contained(all_formats):
    _, out = all_formats
    page = (out / "dashboard.html").read_text()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    for c in ("administrative", "physical", "technical", "organizational", "documentation"):
        assert f"id='category-{c}'" in page
    assert "id='exemptions'" in page and "id='unverified'" in page
    assert "data-safeguard='164.316(b)(2)(i)'" in page and "data-policy='cloudwatch-log-group-retention'" in page


def test_evidence_bundle(all_formats):
    _, out = all_formats
    ev = json.loads((out / "evidence.json").read_text())
    assert ev["pack"]["name"] == "aws-hipaa" and ev["pack"]["version"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", ev["generatedAt"])
    by_path = {i["path"]: i for i in ev["inputs"]}
    for f in (PREVIEW, EXPORT):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        assert any(i["sha256"] == digest for i in by_path.values()), f
    program = next(i for i in ev["inputs"] if i["kind"] == "program")
    main_py = next(x for x in program["files"] if x["path"].endswith("__main__.py"))
    assert main_py["sha256"] == hashlib.sha256((EXAMPLE / "__main__.py").read_bytes()).hexdigest()
    doc = json.loads((out / "report.json").read_text())
    assert len(ev["results"]) == len(doc["results"])
    for r in ev["results"]:
        assert r["citation"].startswith("164.3") and r["citations"][0]["title"]
        assert r["enforcementLevel"] in ("mandatory", "advisory")
    sidecar = (out / "evidence.json.sha256").read_text().split()
    assert sidecar == [hashlib.sha256((out / "evidence.json").read_bytes()).hexdigest(), "evidence.json"]


def test_text_summary_mandatory_and_advisory_apart(capsys):
    code, out, _ = run(capsys, PREVIEW, EXPORT)
    assert code == 1
    assert "Score by category" in out and "Mandatory policies" not in out  # tables behind --verbose
    assert "records/staging" in out and "patient-portal/prod" in out
    code, out, _ = run(capsys, PREVIEW, EXPORT, "--verbose")
    assert out.index("Fix first — mandatory violations") < out.index("Advisory violations") \
        < out.index("Score by category") < out.index("Mandatory policies") < out.index("Advisory policies")


def test_progress_bar_appears_for_slow_scans():
    import io
    from rich.console import Console
    from hipaa_policies.cli.scan.reports.text import ProgressBar
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    bar = ProgressBar(console)
    bar.DELAY = 0.0
    bar.start(10, "big/prod")
    bar.advance(5)
    assert bar.bar is not None
    bar.advance(5)
    bar.done()
    assert bar.bar is None and bar.completed == 10
    quiet = ProgressBar(Console(file=io.StringIO(), force_terminal=False))
    quiet.start(10, "x")
    quiet.advance(10)
    assert quiet.bar is None  # never on a non-terminal


def test_documented_workflow_uploads_sarif_and_gates_on_exit_code():
    import yaml
    wf = yaml.safe_load((ROOT / "docs" / "github-actions-hipaa-scan.yml").read_text())
    steps = wf["jobs"]["scan"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    scan_step = next(s for s in steps if s.get("id") == "scan")
    assert "hipaa-policies scan" in scan_step["run"] and "--format sarif" in scan_step["run"]
    gate = next(s for s in steps if s.get("name") == "Fail on mandatory violations")
    assert gate["if"] == "steps.scan.outputs.exit-code == '1'" and "exit 1" in gate["run"]
    assert wf["permissions"]["security-events"] == "write"


def test_pack_that_cannot_start_is_one_line(tmp_path, capsys):
    from hipaa_policies.core.errors import InputError
    from hipaa_policies.cli.scan import inputs, runner
    si = inputs.load(str(PREVIEW))
    inputs.label_inputs([si])
    with pytest.raises(InputError, match="cannot start the policy pack: .*PulumiPolicy.yaml"):
        runner.scan([si], pack_dir=tmp_path)


@pytest.mark.fresh_pack
def test_one_pack_process_per_run(capsys, tmp_path, monkeypatch):
    from hipaa_policies import testing
    starts = []
    real_start = testing.PackServer.start

    def counting_start(self):
        starts.append(self)
        return real_start(self)
    monkeypatch.setattr(testing.PackServer, "start", counting_start)
    code, doc, _ = scan_json(capsys, tmp_path, PREVIEW, EXPORT)
    assert len(doc["stacks"]) == 2 and len(starts) == 1
    assert starts[0].proc is None  # stopped at the end
