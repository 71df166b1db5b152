"""Real-world program shapes scan as a preview would see them (tests/data/programs): data sources and
computed outputs have plausible values, a resource passed as an input scans the same every time,
config the stack file lacks is named at once (or filled with --placeholder-config), hangs time out,
failures name the file and line, remote components are named, prints stay off the report; plus
deterministic reports, baselines and the report's first lines."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from cli_output import one_line
from hipaa_policies.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = Path(__file__).resolve().parent / "data" / "programs"
PREVIEW = Path(__file__).resolve().parent / "data" / "scan" / "preview.json"
EXPORT = Path(__file__).resolve().parent / "data" / "scan" / "stack-export.json"


def run(capsys, *args):
    code = main(["scan", *map(str, args), "--no-progress"])
    out, err = capsys.readouterr()
    return code, out, err


def scan_json(capsys, tmp_path, *args):
    out_dir = tmp_path / "report"
    code, out, err = run(capsys, *args, "--format", "json", "--output", out_dir)
    return code, json.loads((out_dir / "report.json").read_text()), out, err


def cli(*args, cwd=ROOT, input=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "hipaa_policies.cli.main", "scan", *map(str, args), "--no-progress"],
                          cwd=cwd, capture_output=True, text=True, input=input, timeout=timeout)


# --------------------------------------------------------------------------- what programs see
def test_data_sources_answer_and_policy_documents_are_computed(capsys, tmp_path):
    code, doc, _, err = scan_json(capsys, tmp_path, PROGRAMS / "data-sources")
    assert code in (0, 1), err
    names = {r["name"] for r in doc["results"]}
    assert {"app-us-east-1a", "app-us-east-1b", "worker", "exports"} <= names  # zones, AMI, subnets used
    secure = [r for r in doc["results"] if r["policy"] == "s3-bucket-secure-transport" and r["name"] == "exports"]
    assert [r["status"] for r in secure] == ["pass"]  # get_policy_document's TLS-only statement is recognised


def test_computed_outputs_and_a_resource_as_input_scan_the_same_every_time(tmp_path):
    reports = []
    for i in range(2):  # separate processes, as users run it (the harness tests repeat captures in one)
        p = cli(PROGRAMS / "serverless-api", "--format", "json", "--output", tmp_path / str(i))
        assert p.returncode in (0, 1), p.stderr
        assert "Traceback" not in p.stderr and "BaseEventLoop" not in p.stderr and "loop" not in p.stderr
        doc = json.loads((tmp_path / str(i) / "report.json").read_text())
        assert doc["stacks"][0]["resources"] == 9  # the permission (function=<resource>) included
        reports.append([(r["policy"], r["urn"], r["status"], r["message"]) for r in doc["results"]])
    assert all(r == reports[0] for r in reports)


def test_certificate_validation_records_and_graphql_uris(capsys, tmp_path):
    code, doc, _, err = scan_json(capsys, tmp_path, PROGRAMS / "certificate-and-graphql")
    assert code in (0, 1), err
    assert doc["stacks"][0]["resources"] == 4  # certificate, validation record, validation, GraphQL API


def test_capture_gives_plausible_outputs_and_downgrades_resource_references():
    import pulumi
    import pulumi_aws as aws
    from hipaa_policies.client.capture import capture
    seen = {}

    def program():
        fn = aws.lambda_.Function("fn", role="arn:aws:iam::123456789012:role/r", runtime="python3.12",
                                  handler="h.h", code=pulumi.AssetArchive({}))
        aws.lambda_.Permission("perm", action="lambda:InvokeFunction", function=fn, principal="s3.amazonaws.com")
        fn.invoke_arn.apply(lambda v: seen.setdefault("invoke_arn", v))
        zones = aws.get_availability_zones()
        seen["zones"] = zones.names
        seen["account"] = aws.get_caller_identity().account_id
    resources = capture(program)
    perm = next(r for r in resources if r.name == "perm")
    assert perm.props()["function"] == "fn"  # the referenced function's id, as the engine sends it
    assert seen["invoke_arn"].startswith("arn:aws:apigateway:us-east-1:lambda:path/") and seen["invoke_arn"].endswith("/invocations")
    assert seen["zones"] == ["us-east-1a", "us-east-1b", "us-east-1c"] and seen["account"] == "123456789012"
    assert [r.name for r in resources] == ["fn", "perm"]  # declaration order
    assert resources[0].source and resources[0].source[0] == __file__


def test_get_policy_document_is_computed_as_the_provider_does():
    from hipaa_policies.client.mock_answers import policy_document
    doc = policy_document({"statements": [
        {"sid": "TLS", "effect": "Deny", "actions": ["s3:*"], "resources": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
         "principals": [{"type": "*", "identifiers": ["*"]}],
         "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]},
        {"actions": ["s3:PutObject", "s3:GetObject", "s3:GetObject"], "resources": ["arn:aws:s3:::b/&{aws:username}/*"],
         "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]}]},
    ]})
    parsed = json.loads(doc["json"])
    assert parsed == {"Version": "2012-10-17", "Statement": [
        {"Sid": "TLS", "Effect": "Deny", "Action": "s3:*", "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],
         "Principal": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
         "Resource": "arn:aws:s3:::b/${aws:username}/*",
         "Principal": {"AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root"]}}]}
    assert doc["json"].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Sid": "TLS",')
    assert json.loads(doc["minifiedJson"]) == parsed and "\n" not in doc["minifiedJson"]
    # source documents first, then own statements override equal Sids, then override documents
    source = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": "x:1", "Resource": "*"},
                                                                 {"Sid": "B", "Effect": "Allow", "Action": "x:2", "Resource": "*"}]})
    override = json.dumps({"Statement": [{"Sid": "B", "Effect": "Deny", "Action": "x:3", "Resource": "*"}]})
    merged = json.loads(policy_document({"sourcePolicyDocuments": [source], "overridePolicyDocuments": [override],
                                         "statements": [{"sid": "A", "actions": ["x:9"], "resources": ["*"]}]})["json"])
    assert [(s["Sid"], s["Effect"], s["Action"]) for s in merged["Statement"]] == [("A", "Allow", "x:9"), ("B", "Deny", "x:3")]


# --------------------------------------------------------------------------- config
def test_missing_config_is_named_at_once_and_placeholders_fill_it(capsys, tmp_path):
    code, _, err = run(capsys, PROGRAMS / "needs-config")
    line = one_line(err)
    assert code == 2
    for key in ("needs-config:dbName", "needs-config:dbPassword (secret)", "needs-config:storageGb"):
        assert key in line
    assert "Pulumi.dev.yaml" in line and "--placeholder-config" in line
    code, doc, out, err = scan_json(capsys, tmp_path, PROGRAMS / "needs-config", "--placeholder-config")
    assert code in (0, 1), err
    assert doc["stacks"][0]["placeholders"] == [{"key": "needs-config:dbName", "secret": False},
                                               {"key": "needs-config:dbPassword", "secret": True},
                                               {"key": "needs-config:storageGb", "secret": False}]
    code, out, _ = run(capsys, PROGRAMS / "needs-config", "--placeholder-config")
    assert "PLACEHOLDER CONFIG" in out and "needs-config:dbPassword (secret)" in out


def test_stack_without_its_file_says_so(capsys):
    code, _, err = run(capsys, PROGRAMS / "needs-config", "--stack", "prod")
    assert code == 2
    line = one_line(err)
    assert "--stack prod" in line and "Pulumi.prod.yaml" in line and "dev" in line


def test_default_region_when_the_stack_does_not_set_it():
    import pulumi_aws as aws
    from hipaa_policies.client.capture import capture
    seen = {}
    capture(lambda: seen.setdefault("region", aws.get_region().region) and aws.s3.Bucket("b"))
    assert seen["region"] == "us-east-1"


# --------------------------------------------------------------------------- failures
def test_a_program_that_hangs_times_out_with_a_clear_message(capsys):
    code, _, err = run(capsys, PROGRAMS / "hangs", "--program-timeout", "1")
    assert code == 2
    line = one_line(err)
    assert "did not finish within 1 s" in line and "--program-timeout" in line


def test_failure_names_the_module_and_line_and_suggests_preview(capsys):
    code, _, err = run(capsys, PROGRAMS / "raises-in-apply")
    assert code == 2
    line = one_line(err)
    assert "raises-in-apply/helpers.py:3:" in line and "IndexError" in line and "--preview" in line
    code, _, err = run(capsys, PROGRAMS / "raises-in-apply", "--preview")
    assert code in (0, 1), err


def test_one_bad_input_does_not_lose_the_report_of_the_others(capsys, tmp_path):
    code, doc, out, err = scan_json(capsys, tmp_path, PREVIEW, PROGRAMS / "needs-config", tmp_path / "missing.json")
    assert code == 2
    assert len([ln for ln in err.splitlines() if ln.startswith("hipaa-policies:")]) == 2
    assert [s["label"] for s in doc["stacks"]] == ["records/staging"]
    assert [e["input"] for e in doc["inputErrors"]] == [str(PROGRAMS / "needs-config"), str(tmp_path / "missing.json")]
    assert "could not be scanned (exit 2)" in out


def test_no_event_loop_traceback_after_failing_programs():
    p = cli(PROGRAMS / "raises-in-apply", PROGRAMS / "serverless-api", PROGRAMS / "hangs", "--program-timeout", "1")
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and "BaseEventLoop" not in p.stderr and "Task was destroyed" not in p.stderr, p.stderr


def test_program_prints_do_not_mix_into_the_report(capsys, tmp_path):
    code, doc, out, err = scan_json(capsys, tmp_path, PROGRAMS / "prints")
    assert "PROGRAM OUTPUT" not in out and "PROGRAM LOG" not in out
    assert "PROGRAM OUTPUT: building the stack" in err
    assert out.splitlines()[0].startswith(("FAILED", "PASSED"))


def test_remote_components_are_named(capsys, tmp_path):
    code, doc, out, err = scan_json(capsys, tmp_path, PROGRAMS / "remote-component")
    assert doc["stacks"][0]["unexpandedComponents"] == [
        {"type": "examplex:ec2:Network", "name": "main", "urn": doc["stacks"][0]["unexpandedComponents"][0]["urn"]}]
    assert doc["stacks"][0]["resources"] == 1
    code, out, _ = run(capsys, PROGRAMS / "remote-component")
    out = " ".join(out.split())  # however the terminal width wraps it
    assert "NOT EXPANDED" in out and "main (examplex:ec2:Network)" in out and "pulumi preview --json" in out


def test_stdin_input(tmp_path):
    p = cli("-", "--format", "json", "--output", tmp_path, input=PREVIEW.read_text())
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads((tmp_path / "report.json").read_text())
    assert doc["stacks"][0]["input"]["path"] == "<stdin>" and doc["results"]
    p = cli("-", input="not json")
    assert p.returncode == 2 and one_line(p.stderr).startswith("hipaa-policies: <stdin>: ")


# --------------------------------------------------------------------------- locations
def test_sarif_points_at_the_module_that_declares_the_resource(capsys, tmp_path):
    out_dir = tmp_path / "r"
    run(capsys, PROGRAMS / "component-module", "--format", "sarif", "--output", out_dir)
    run_ = json.loads((out_dir / "report.sarif").read_text())["runs"][0]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"
    by_name = {r["locations"][0]["logicalLocations"][0]["name"]: r["locations"][0]["physicalLocation"] for r in run_["results"]}
    bucket = by_name["records-documents"]
    assert bucket["artifactLocation"]["uri"] == "tests/data/programs/component-module/storage.py"
    source = (PROGRAMS / "component-module" / "storage.py").read_text().splitlines()
    assert "records-documents" not in source[bucket["region"]["startLine"] - 1]  # an f-string: found by the frame
    assert "aws.s3.Bucket(" in source[bucket["region"]["startLine"] - 1]
    logs = by_name["app-logs"]
    assert logs["artifactLocation"]["uri"].endswith("component-module/__main__.py") and logs["region"]["startLine"] == 6


def test_sarif_stays_within_code_scanning_limits(monkeypatch):
    from hipaa_policies.cli.scan import inputs, runner
    from hipaa_policies.cli.scan.reports import sarif
    si = inputs.load(str(EXPORT))
    inputs.label_inputs([si])
    report = runner.scan([si])
    total = len([r for r in report.results() if r.status != runner.PASS])
    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    doc = json.loads(sarif.render(report))
    run_ = doc["runs"][0]
    assert len(run_["results"]) == 3 and run_["properties"]["truncated"] == {"results": total, "kept": 3, "omitted": total - 3}
    assert [r["level"] for r in run_["results"]] == sorted((r["level"] for r in run_["results"]),
                                                          key=["error", "warning", "none"].index)
    assert run_["invocations"][0]["toolExecutionNotifications"][0]["descriptor"]["id"] == "results-truncated"


# --------------------------------------------------------------------------- reports
NORMALISE = [(re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\+00:00|Z)"), "<time>"),
             (re.compile(r'"(durationSeconds|time)": ?"?[\d.]+"?'), r'"\1": 0'),
             (re.compile(r'time="[\d.]+"'), 'time="0"'), (re.compile(r"\b\d+\.\d+ ?s\b"), "<dur>"),
             (re.compile(r'timestamp="[^"]+"'), 'timestamp=""')]


def normalised(text: str) -> str:
    for pattern, repl in NORMALISE:
        text = pattern.sub(repl, text)
    return text


def _without_integrity(text):
    """The evidence bundle's integrity digest covers its timestamp, so it differs run to run."""
    import re
    return re.sub(r'("integrity": \{[^}]*"digest": ")[0-9a-f]{64}', r"\1DIGEST", text)


def test_two_identical_scans_give_identical_reports(tmp_path):
    formats = ["text", "markdown", "json", "sarif", "junit", "html", "evidence"]
    outputs = []
    for i in range(2):
        args = [PROGRAMS / "serverless-api", PREVIEW, EXPORT, "--output", tmp_path / str(i)]
        for f in formats:
            args += ["--format", f]
        p = cli(*args)
        assert p.returncode == 1, p.stderr
        root = tmp_path / str(i)
        files = {f.relative_to(root).as_posix(): _without_integrity(normalised(f.read_text()))
                 for f in sorted(root.rglob("*")) if f.is_file() and not f.name.endswith(".sha256")}
        files["stdout"] = normalised(p.stdout.replace(str(tmp_path / str(i)), "<out>"))
        outputs.append(files)
    assert outputs[0].keys() == outputs[1].keys() and len(outputs[0]) > len(formats)  # + register CSVs
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], f"{name} differs between two scans of the same input"


def test_text_report_reads_at_80_columns_and_starts_with_what_to_fix(capsys):
    from hipaa_policies.cli.scan import inputs, runner
    from hipaa_policies.cli.scan.reports.text import render_plain
    si = inputs.load(str(ROOT / "examples" / "phi-platform"))
    inputs.label_inputs([si])
    text = render_plain(runner.scan([si]), width=80, verbose=True)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    assert "164.3" in text and "164.308(a…" not in text and not re.search(r"164\.3\d\d\([^)\s]*…", text)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Fix first — mandatory violations"))
    assert start <= 3 and lines[start + 1].startswith("● ")  # after the header, before any table
    assert text.index("Fix first") < text.index("Score by category") < text.index("Requirements of HIPAA Security Rule")
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    groups, current = [], None
    for ln in lines[start + 1:text.count("\n")]:
        if ln.startswith("● "):
            current = []
            groups.append(current)
        elif current is not None and re.match(r"  (critical|high|medium|low) ", ln):
            current.append(order[ln.split()[0]])
        elif not ln.startswith(" "):
            break
    assert groups and all(g == sorted(g) for g in groups)  # most severe first within a resource
    assert [g[0] for g in groups] == sorted(g[0] for g in groups)  # and the most severe resource first
    assert "Fix: " in text and "n/a" not in text


def test_only_file_formats_still_print_the_verdict_and_exit_code(capsys, tmp_path):
    code, out, _ = run(capsys, PREVIEW, "--format", "json", "--output", tmp_path)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("FAILED: ") and first.endswith("exit 1")


def test_nothing_in_scope_says_so(capsys, tmp_path):
    cfg = tmp_path / "scope.json"
    cfg.write_text(json.dumps({"hipaa-pack-settings": {"scope": {"mode": "resource-tag", "tagKey": "data-classification",
                                                                 "tagValues": ["no-such-class"]}}}))
    code, out, _ = run(capsys, PREVIEW, "--policy-config", cfg)
    assert code == 0
    assert "0 resources in scope" in out and "100.0%" not in out and "PASSED" not in out


def test_passes_true_of_any_stack_do_not_count(capsys, tmp_path):
    code, doc, _, _ = scan_json(capsys, tmp_path, PREVIEW)
    policies = {r["policy"] for r in doc["results"] if r["status"] == "pass"}
    assert "hipaa-pack-settings" not in policies  # nothing to exempt: nothing passed
    assert not [r for r in doc["results"] if r["status"] == "pass" and r["type"] == "aws:s3/bucketPolicy:BucketPolicy"
                and r["policy"] == "s3-bucket-secure-transport"]


def test_citations_sort_naturally():
    from hipaa_policies.cli.scan.runner import cit_key
    cited = ["164.308(a)(1)(ii)(D)", "164.308(a)(1)(ii)(B)", "164.308(a)(10)", "164.308(a)(2)", "164.308(a)(1)(ii)(A)",
             "164.312(a)(2)(iv)", "164.312(a)(2)(i)"]
    assert sorted(cited, key=cit_key) == ["164.308(a)(1)(ii)(A)", "164.308(a)(1)(ii)(B)", "164.308(a)(1)(ii)(D)",
                                          "164.308(a)(2)", "164.308(a)(10)", "164.312(a)(2)(i)", "164.312(a)(2)(iv)"]


def test_baseline_marks_findings_and_fail_on_new(capsys, tmp_path):
    first = tmp_path / "first"
    code, _, _ = run(capsys, PREVIEW, "--format", "json", "--output", first)
    assert code == 1
    baseline = first / "report.json"
    # the same input against itself: everything unchanged, nothing new; --fail-on new passes
    code, doc, out, _ = scan_json(capsys, tmp_path, PREVIEW, "--baseline", baseline, "--fail-on", "new")
    assert code == 0 and doc["failOn"] == "new"
    findings = [r for r in doc["results"] if r["status"] != "pass"]
    assert findings and {r["baseline"] for r in findings} == {"unchanged"} and doc["fixed"] == []
    assert doc["summary"]["baseline"]["new"] == 0
    # a previous report with one finding that is gone and without one that is there now
    previous = json.loads(baseline.read_text())
    fails = [r for r in previous["results"] if r["status"] == "fail" and r["level"] == "mandatory"]
    dropped = fails[0]
    previous["results"] = [r for r in previous["results"] if r is not dropped] + [
        dict(dropped, urn=dropped["urn"] + "-gone", name=dropped["name"] + "-gone")]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(previous))
    code, doc, out, _ = scan_json(capsys, tmp_path, PREVIEW, "--baseline", edited, "--fail-on", "new")
    assert code == 1
    new = [r for r in doc["results"] if r.get("baseline") == "new"]
    assert [(r["policy"], r["urn"]) for r in new] == [(dropped["policy"], dropped["urn"])]
    assert [f["urn"] for f in doc["fixed"]] == [dropped["urn"] + "-gone"]
    code, out, _ = run(capsys, PREVIEW, "--baseline", edited)
    assert code == 1 and "[new]" in out and "Fixed since the baseline: 1 finding" in out
    code, _, err = run(capsys, PREVIEW, "--fail-on", "new")
    assert code == 2 and "--baseline" in one_line(err)
    (tmp_path / "bad.json").write_text("{}")
    code, _, err = run(capsys, PREVIEW, "--baseline", tmp_path / "bad.json")
    assert code == 2 and "not a `hipaa-policies scan --format json` report" in one_line(err)
