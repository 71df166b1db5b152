"""The audit evidence bundle (`scan --format evidence`): registers, schema, agreement with the
policies' verdicts, CSV exports, the run manifest and `evidence verify`.

One scan (module fixture) covers the bundled example and tests/data/evidence/all-stores, a real
pulumi_aws program declaring every data-store type of the ePHI register plus endpoints, logs,
backups, identity settings, exemptions and a network.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from hipaa_policies.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "phi-platform"
DATA = Path(__file__).resolve().parent / "data" / "evidence"
ALL_STORES = DATA / "all-stores"
CONFIG = DATA / "policy-config.json"
SCHEMA = ROOT / "hipaa_policies" / "cli" / "scan" / "schemas" / "evidence-v2.schema.json"
REGISTERS = ("dataStores", "inTransit", "logging", "backup", "identity", "exemptions", "assets", "scope")
# What a status column says for a verdict (columns that say whether something bad holds are negated).
LABEL = {"pass": "yes", "fail": "no", "unverified": "unverified", "exempt": "exempt", "not evaluated": "not evaluated"}
NEGATED_LABEL = {**LABEL, "pass": "no", "fail": "yes"}
NEGATED = {"publicExposure", "fullAdministrator"}
WORST = ("fail", "unverified", "exempt", "pass", "not evaluated")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, request):
    out = tmp_path_factory.mktemp("evidence")
    monkey = pytest.MonkeyPatch()
    monkey.chdir(ROOT)  # input paths are recorded relative to the directory the scan runs in
    request.addfinalizer(monkey.undo)
    code = main(["scan", str(EXAMPLE), str(ALL_STORES), "--policy-config", str(CONFIG), "--no-progress",
                 "-f", "json", "-f", "evidence", "-f", "html", "-o", str(out)])
    assert code == 1
    bundle = json.loads((out / "evidence.json").read_text())
    report = json.loads((out / "report.json").read_text())
    return out, bundle, report


def stack(bundle, label):
    return next(s for s in bundle["stacks"] if s["stack"] == label)


def table(bundle, label, register, table_id):
    reg = stack(bundle, label)["registers"][register]
    return next(t for t in reg["tables"] if t["id"] == table_id)


def entry(bundle, label, register, table_id, name):
    found = [e for e in table(bundle, label, register, table_id)["entries"] if e.get("name") == name]
    assert len(found) == 1, (register, table_id, name, found)
    return found[0]


def verdict_index(report):
    return {(r["stack"], r["policy"], r["urn"]): r["status"] for r in report["results"]}


# --------------------------------------------------------------------------- schema
def test_bundle_validates_against_the_published_schema(scanned):
    _, bundle, _ = scanned
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(bundle)
    assert bundle["schemaVersion"].startswith("2.") and bundle["bundleVersion"] == "2"
    assert bundle["$schema"] == schema["$id"]
    # the schema is not vacuous: a status outside the vocabulary, a missing register, a bad digest fail
    broken = json.loads(json.dumps(bundle))
    broken["stacks"][0]["registers"]["dataStores"]["tables"][0]["entries"][0]["encryptionAtRest"] = "probably"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    broken = json.loads(json.dumps(bundle))
    del broken["stacks"][1]["registers"]["backup"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    broken = json.loads(json.dumps(bundle))
    broken["manifest"]["inputs"][0]["sha256"] = "not-a-digest"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_published_schema_is_generated_from_the_register_columns():
    from hipaa_policies.cli.scan.registers import schema
    assert json.loads(SCHEMA.read_text()) == schema.generate(), \
        "regenerate: python -m hipaa_policies.cli.scan.registers.schema > " + str(SCHEMA.relative_to(ROOT))


# --------------------------------------------------------------------------- every register filled
def test_every_register_is_filled_for_the_all_stores_program(scanned):
    _, bundle, _ = scanned
    regs = stack(bundle, "all-stores/test")["registers"]
    assert tuple(regs) == REGISTERS
    for rid, reg in regs.items():
        for t in reg["tables"]:
            assert t["entries"], f"{rid}.{t['id']} is empty"
    graph = regs["assets"]["graph"]
    assert {n["kind"] for n in graph["nodes"]} == {"internet", "vpc", "subnet", "securityGroup", "resource"}


def test_every_data_store_type_is_in_the_register(scanned):
    _, bundle, _ = scanned
    services = {e["service"] for e in table(bundle, "all-stores/test", "dataStores", "dataStores")["entries"]}
    for wanted in ("S3", "RDS", "RDS/Aurora", "DynamoDB", "EFS", "EBS", "ElastiCache", "MemoryDB", "OpenSearch",
                   "Redshift", "DocumentDB", "Neptune", "SQS", "SNS", "Kinesis Data Streams", "Data Firehose",
                   "AWS Backup vault", "CloudWatch Logs", "Secrets Manager", "ECR", "SageMaker notebook",
                   "SageMaker endpoint"):
        assert wanted in services, wanted


def test_example_registers_are_filled(scanned):
    _, bundle, _ = scanned
    regs = stack(bundle, "phi-platform/dev")["registers"]
    for rid, table_id in (("dataStores", "dataStores"), ("inTransit", "endpoints"), ("logging", "trails"),
                          ("logging", "logGroups"), ("logging", "serviceLogs"), ("logging", "logBuckets"),
                          ("backup", "continuity"), ("identity", "passwordPolicies"), ("identity", "sessions"),
                          ("exemptions", "exemptions"), ("assets", "assets"), ("assets", "network"),
                          ("scope", "notAssessable")):
        t = next(t for t in regs[rid]["tables"] if t["id"] == table_id)
        assert t["entries"], f"{rid}.{table_id}"


# --------------------------------------------------------------------------- agreement with the policies
def test_every_status_agrees_with_the_policy_verdicts(scanned):
    """Each status column of each entry is the verdict of the policies its evidence names, as the
    scan's JSON report records it (an independent output of the same run)."""
    _, bundle, report = scanned
    verdicts = verdict_index(report)
    checked = 0
    for st in bundle["stacks"]:
        for rid, reg in st["registers"].items():
            for t in reg["tables"]:
                status_cols = [c["key"] for c in t["columns"] if c["kind"] == "status"]
                for e in t["entries"]:
                    for col in status_cols:
                        items = e["evidence"][col]
                        cited = [i for i in items if "policy" in i]
                        for i in cited:
                            assert i["verdict"] == verdicts.get((st["stack"], i["policy"], i["resource"]),
                                                                "not evaluated"), (rid, e["name"], col, i)
                        if any("basis" in i for i in items):
                            assert e[col] in ("yes", "no", "unverified", "no policy", "not evaluated"), (rid, e, col)
                            continue
                        worst = min((i["verdict"] for i in cited), key=WORST.index)
                        label = (NEGATED_LABEL if col in NEGATED else LABEL)[worst]
                        assert e[col] == label, (st["stack"], rid, t["id"], e["name"], col, cited)
                        checked += 1
    assert checked > 200


def test_statuses_state_the_known_facts_of_both_programs(scanned):
    _, bundle, _ = scanned
    ex, al = "phi-platform/dev", "all-stores/test"
    records = entry(bundle, ex, "dataStores", "dataStores", "records-db")
    assert records["encryptionAtRest"] == "yes" and records["keyManagement"] == "customer-managed"
    assert records["kmsKey"].endswith("aws:kms/key:Key::phi-data-key") and records["keyRotation"] == "yes"
    reporting = entry(bundle, ex, "dataStores", "dataStores", "reporting-db")
    assert reporting["encryptionAtRest"] == "no" and reporting["keyManagement"] == "none"
    exports = entry(bundle, ex, "dataStores", "dataStores", "analytics-exports")
    assert exports["encryptionAtRest"] == "no" and exports["encryptionSetting"] == "sseAlgorithm: AES256"
    assert entry(bundle, ex, "dataStores", "dataStores", "alb-access-logs")["encryptionAtRest"] == "exempt"
    app_logs = entry(bundle, ex, "logging", "logGroups", "records-api-logs")
    assert app_logs["retentionDays"] == 30 and app_logs["retention"] == "no"
    assert entry(bundle, ex, "inTransit", "endpoints", "records-http")["encryptedInTransit"] == "no"
    assert entry(bundle, ex, "inTransit", "endpoints", "records-https")["tlsPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    trail = entry(bundle, ex, "logging", "trails", "phi-audit-trail")
    assert trail["multiRegion"] == trail["logFileValidation"] == trail["encrypted"] == "yes"
    assert trail["bucket"].endswith("::cloudtrail-logs")

    aurora = entry(bundle, al, "dataStores", "dataStores", "aurora")
    assert aurora["kmsKey"].endswith("::stale-key") and aurora["keyRotation"] == "no"
    assert entry(bundle, al, "dataStores", "dataStores", "records-db")["publicExposure"] == "yes"
    assert entry(bundle, al, "dataStores", "dataStores", "jobs")["keyManagement"] == "aws-managed"
    assert entry(bundle, al, "dataStores", "dataStores", "scratch-volume")["encryptionAtRest"] == "exempt"
    assert entry(bundle, al, "dataStores", "dataStores", "alerts")["encryptionAtRest"] == "exempt"
    assert entry(bundle, al, "dataStores", "dataStores", "memdb")["encryptionAtRest"] == "yes"  # by basis
    assert entry(bundle, al, "dataStores", "dataStores", "sessions")["backupPlan"] == "yes"
    assert entry(bundle, al, "dataStores", "dataStores", "aurora")["backupPlan"] == "no"
    db_tls = entry(bundle, al, "inTransit", "endpoints", "aurora")
    assert db_tls["fronts"].endswith("::aurora-pg") and db_tls["tlsPolicy"] == "rds.force_ssl=0"
    assert db_tls["encryptedInTransit"] == "no"
    plan = entry(bundle, al, "backup", "plans", "plan")
    assert plan["copyRegions"] == ["us-west-2"] and plan["copyAccounts"] == ["210987654321"]
    assert plan["vault"].endswith("aws:backup/vault:Vault::vault") and plan["retentionDays"] == 35
    sel = entry(bundle, al, "backup", "selections", "selection")
    assert [u.rsplit("::", 1)[1] for u in sel["covers"]] == ["sessions", "records-db"]
    assert entry(bundle, al, "backup", "vaults", "vault")["lock"].startswith("compliance mode")
    assert entry(bundle, al, "logging", "logBuckets", "audit-logs")["objectLock"] == "COMPLIANCE, 7 years"
    assert entry(bundle, al, "identity", "sessions", "ops-admin")["withinLimit"] == "no"
    admins = table(bundle, al, "identity", "administrators")["entries"]
    assert {e["name"] for e in admins} == {"ops-admin-all", "ops-admin-managed"}
    assert all(e["fullAdministrator"] == "yes" for e in admins)
    web_sg = next(n for n in stack(bundle, al)["registers"]["assets"]["graph"]["nodes"] if n["name"] == "web-sg")
    assert web_sg["internetIngress"] == ["tcp 22", "tcp 443"]
    bastion = entry(bundle, al, "assets", "network", "bastion")
    assert bastion["internetIngress"] == ["tcp 22", "tcp 443"] and "associatePublicIpAddress: true" in bastion["publicExposure"]


def test_exemption_register(scanned):
    _, bundle, _ = scanned
    rows = table(bundle, "all-stores/test", "exemptions", "exemptions")["entries"]
    by = {(r["source"], r["policy"], r["name"]): r for r in rows}
    tag = by[("resource tag", "ebs-volume-encrypted", "scratch-volume")]
    assert tag["valid"] is True and tag["expires"] == "2099-12-31" and tag["verdict"] == "exempt"
    assert tag["appliedTo"] == [tag["urn"]]
    void_tag = by[("resource tag", "sns-topic-encrypted-kms", "alerts")]
    assert void_tag["valid"] is False and "expired" in void_tag["why"] and void_tag["appliedTo"] == []
    central = by[("hipaa-pack-settings", "sns-topic-encrypted-kms", "*::alerts")]
    assert central["valid"] is True and [u.rsplit("::", 1)[1] for u in central["appliedTo"]] == ["alerts"]
    void_central = by[("hipaa-pack-settings", "rds-not-publicly-accessible", "records-db")]
    assert void_central["valid"] is False and void_central["appliedTo"] == []


def test_descriptive_values_never_disagree_with_the_status(scanned):
    """A store whose encryption is a flag shows the flag as written; the flag and the verdict agree."""
    _, bundle, _ = scanned
    seen = 0
    for st in bundle["stacks"]:
        for e in table(bundle, st["stack"], "dataStores", "dataStores")["entries"]:
            setting = e.get("encryptionSetting") or ""
            if setting.endswith((": true", ": false")) and e["encryptionAtRest"] in ("yes", "no"):
                assert setting.endswith(": true") == (e["encryptionAtRest"] == "yes"), e
                seen += 1
            if e["keyManagement"] == "none":
                assert e["encryptionAtRest"] in ("no", "exempt") and e["kmsKey"] is None, e
            if e["kmsKey"] and str(e["kmsKey"]).startswith("urn:"):
                assert e["keyManagement"] == "customer-managed", e
    assert seen >= 10


# --------------------------------------------------------------------------- secrets
def _all_text(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.rglob("*")) if p.is_file()
                     and p.suffix in (".json", ".csv", ".html"))


def test_secret_inputs_of_the_program_never_reach_a_register(scanned):
    out, bundle, _ = scanned
    text = _all_text(out)
    assert "canary-" not in text
    bastion = entry(bundle, "all-stores/test", "assets", "assets", "bastion")
    assert bastion["owner"] == "[secret]"


@pytest.mark.slow
def test_no_secret_input_of_the_fixtures_reaches_any_register(tmp_path):
    """Every fixture case's resources, with every value made a secret whose plaintext is a canary,
    scanned through the pack: no canary reaches the bundle, the CSV exports or the dashboard."""
    import cases
    from google.protobuf import struct_pb2
    from hipaa_policies.client.capture import CapturedResource
    from hipaa_policies.core.sentinels import SECRET_SIG, SECRET_SIG_KEY
    from hipaa_policies.runtime.fast_servicer import struct_to_dict
    from hipaa_policies.cli.scan import inputs, runner
    from hipaa_policies.cli.scan.reports import evidence, html

    counter = [0]

    def secret(value):
        return {SECRET_SIG_KEY: SECRET_SIG, "value": value}

    def canaried(value, depth=0):
        if isinstance(value, dict):
            if value.get(SECRET_SIG_KEY) == SECRET_SIG:
                return secret(canaried(value.get("value"), depth))
            return {k: canaried(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [canaried(v, depth + 1) for v in value]
        counter[0] += 1
        if isinstance(value, str):
            return secret(f"canary-{counter[0]}")
        if isinstance(value, bool) or value is None:
            return secret(value)
        return secret(31337.25)

    resources = []
    for i, case in enumerate(cases.all_cases()):
        built = cases.build(case)
        rename = {r.urn: r.urn.rsplit("::", 1)[0] + f"::c{i}-{r.name}" for r in built}
        for j, r in enumerate(built):
            props = struct_to_dict(r.properties)
            if j % 2:  # every other resource: whole top-level values secret (with canaries inside)
                props = {k: secret(canaried(v)) for k, v in props.items()}
            else:
                props = {k: canaried(v) for k, v in props.items()}
            s = struct_pb2.Struct()
            s.update(props)
            resources.append(CapturedResource(
                r.type, f"c{i}-{r.name}", rename[r.urn], s, "", [rename.get(u, u) for u in r.dependencies],
                {k: [rename.get(u, u) for u in v] for k, v in r.property_dependencies.items()}))
    si = inputs.StackInput(kind="preview", path=Path("fixtures"), project="test", stack="test", resources=resources,
                           files={"fixtures": "0" * 64}, source=Path("fixtures"))
    inputs.label_inputs([si])
    report = runner.scan([si])
    doc = json.dumps(evidence.document(report))
    exports = evidence.csv_exports(report)
    page = html.render(report)
    assert counter[0] > 1000 and len(resources) > 1000
    for name, text in [("evidence.json", doc), ("dashboard.html", page)] + sorted(exports.items()):
        assert "canary-" not in text, name
        assert "31337" not in text, name
    assert "[secret]" in doc


# --------------------------------------------------------------------------- CSV exports
def test_every_register_table_is_exported_as_csv(scanned):
    out, bundle, _ = scanned
    from hipaa_policies.cli.scan.reports.evidence import table_csv
    listed = {x["path"]: x["sha256"] for x in bundle["exports"]}
    for st in bundle["stacks"]:
        for rid, reg in st["registers"].items():
            for t in reg["tables"]:
                rel = f"{st['exportPrefix']}{rid}-{t['id']}.csv"
                path = out / rel
                assert path.is_file(), rel
                data = path.read_bytes()
                assert listed[rel] == hashlib.sha256(data).hexdigest()
                assert data.decode() == table_csv(t)
                rows = list(csv.reader(io.StringIO(data.decode())))
                assert rows[0][:len(t["columns"])] == [c["title"] for c in t["columns"]]
                assert len(rows) == len(t["entries"]) + 1
    assert len(listed) == sum(len(r["tables"]) for s in bundle["stacks"] for r in s["registers"].values())


def test_csv_cells_never_start_a_formula():
    from hipaa_policies.cli.scan.reports.evidence import _cell
    assert _cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert _cell("@SUM(1)") == "'@SUM(1)" and _cell("+1+2") == "'+1+2"
    assert _cell("-5") == "-5" and _cell(-5) == "-5" and _cell(["a", "b"]) == "a; b" and _cell(None) == ""


# --------------------------------------------------------------------------- manifest
def test_run_manifest(scanned):
    _, bundle, _ = scanned
    m = bundle["manifest"]
    assert m["generatedAt"].endswith("+00:00") and m["profile"] == "default"
    assert [f["id"] for f in m["frameworks"]] == ["hipaa-security-rule", "hipaa-nprm-2025", "nist-sp-800-53-r5",
                                                   "nist-csf-1.1"]
    assert {f["id"]: f["status"] for f in m["frameworks"]}["hipaa-nprm-2025"] == "proposed"
    assert m["policyConfig"]["sha256"] == hashlib.sha256(CONFIG.read_bytes()).hexdigest()
    # the pack content hash, recomputed from the package's policy sources and framework data
    pkg = ROOT / "hipaa_policies"
    files = sorted((p for d in ("checks", "core", "frameworks") for p in (pkg / d).rglob("*")
                    if p.is_file() and p.suffix in (".py", ".toml", ".csv", ".json", ".yaml")
                    and "__pycache__" not in p.parts), key=lambda p: p.relative_to(pkg).as_posix())
    lines = "".join(f"{p.relative_to(pkg).as_posix()}\0{hashlib.sha256(p.read_bytes()).hexdigest()}\n" for p in files)
    assert m["pack"]["contentHash"]["sha256"] == hashlib.sha256(lines.encode()).hexdigest()
    assert m["pack"]["contentHash"]["files"] == len(files) > 40
    example = next(i for i in m["inputs"] if i["stack"] == "phi-platform/dev")
    main_py = next(f for f in example["files"] if f["path"].endswith("__main__.py"))
    assert main_py["sha256"] == hashlib.sha256((EXAMPLE / "__main__.py").read_bytes()).hexdigest()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode == 0:
        assert m["git"]["commit"] == head.stdout.strip() and isinstance(m["git"]["dirty"], bool)
        assert example["git"]["commit"] == head.stdout.strip()
    else:
        assert m["git"] is None


def test_frameworks_and_profile_come_from_the_pack_settings():
    from hipaa_policies.cli.scan.registers.manifest import frameworks_and_profile
    got = frameworks_and_profile({})
    assert got["profile"] == "default"
    assert got["frameworks"][0] == {"id": "hipaa-security-rule", "title": "HIPAA Security Rule",
                                    "version": "45 CFR Part 164 Subpart C", "status": "in force", "informative": False}
    assert frameworks_and_profile({"hipaa-pack-settings": {"profile": "audit"}})["profile"] == "audit"
    assert frameworks_and_profile({"hipaa-pack-settings": {"profile": 3}})["profile"] == "default"


def test_git_state_outside_a_checkout_is_null(tmp_path):
    from hipaa_policies.cli.scan.registers.manifest import git_info
    assert git_info(tmp_path) is None


# --------------------------------------------------------------------------- evidence verify
def verify(capsys, *args):
    code = main(["evidence", "verify", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_passes_on_an_unchanged_bundle(scanned, capsys, monkeypatch):
    out, _, _ = scanned
    monkeypatch.chdir(ROOT)
    code, stdout, _ = verify(capsys, out / "evidence.json")
    assert code == 0, stdout
    assert stdout.count("\n") == 1 and "unchanged" in stdout


def _copy_inputs(bundle, base: Path) -> None:
    for inp in bundle["manifest"]["inputs"]:
        for f in inp["files"]:
            target = base / f["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / f["path"], target)
    cfg = bundle["manifest"]["policyConfig"]["path"]
    (base / cfg).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / cfg, base / cfg)


def test_verify_detects_a_changed_input(scanned, capsys, tmp_path):
    out, bundle, _ = scanned
    base = tmp_path / "checkout"
    _copy_inputs(bundle, base)
    assert verify(capsys, out / "evidence.json", "--base", base)[0] == 0
    changed = base / "tests" / "data" / "evidence" / "all-stores" / "__main__.py"
    changed.write_text(changed.read_text() + "\n# edited after the scan\n")
    (base / "examples" / "phi-platform" / "Pulumi.dev.yaml").unlink()
    code, stdout, _ = verify(capsys, out / "evidence.json", "--base", base)
    assert code == 1
    lines = stdout.splitlines()
    assert len(lines) == 2, stdout
    assert lines[0].startswith("examples/phi-platform/Pulumi.dev.yaml: missing")
    assert lines[1] == "tests/data/evidence/all-stores/__main__.py: changed since the scan (input of stack all-stores/test)"


def test_verify_detects_a_changed_bundle_or_export(scanned, capsys, tmp_path, monkeypatch):
    out, _, _ = scanned
    monkeypatch.chdir(ROOT)
    copy = tmp_path / "filed"
    shutil.copytree(out, copy)
    doc = json.loads((copy / "evidence.json").read_text())
    doc["stacks"][0]["registers"]["dataStores"]["tables"][0]["entries"][0]["kmsKey"] = "arn:aws:kms:us-east-1:1:key/other"
    (copy / "evidence.json").write_text(json.dumps(doc))
    csv_file = next((copy / "registers").rglob("dataStores-dataStores.csv"))
    csv_file.write_text(csv_file.read_text().replace(",no,", ",yes,", 1))
    code, stdout, _ = verify(capsys, copy / "evidence.json")
    assert code == 1
    assert "integrity digest mismatch" in stdout
    assert "evidence.json.sha256: does not match evidence.json" in stdout
    assert f"{csv_file}: changed since the scan (register export)" in stdout
    assert len(stdout.splitlines()) == 3


def test_verify_bad_input_is_one_line_exit_2(capsys, tmp_path):
    for content in (None, "not json", json.dumps({"kind": "something else"}), json.dumps({"kind": "hipaa-policies-scan-evidence"})):
        path = tmp_path / "x.json"
        if content is None:
            path = tmp_path / "missing.json"
        else:
            path.write_text(content)
        code, stdout, err = verify(capsys, path)
        assert code == 2 and stdout == ""
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert verify(capsys, tmp_path)[0] == 2  # a directory
    with pytest.raises(SystemExit) as e:
        main(["evidence"])
    assert e.value.code == 2


# --------------------------------------------------------------------------- the dashboard
def test_dashboard_starts_with_what_to_fix(scanned):
    out, _, report = scanned
    page = (out / "dashboard.html").read_text()
    assert page.index("id='fix-first'") < page.index("id='not-assessed'") < page.index("id='scores'") \
        < page.index("id='safeguards'")
    mandatory = [r for r in report["results"] if r["status"] == "fail" and r["level"] == "mandatory"]
    assert f"{len(mandatory)} mandatory violation(s)" in page
    # each violation comes with its remediation
    fix = page[page.index("id='fix-first'"):page.index("id='not-assessed'")]
    assert fix.count("<b>Fix:</b>") == len(mandatory)
    assert "<code>retentionInDays</code>" in fix  # Markdown rendered (records-api-logs retention)


def test_dashboard_says_what_the_scan_cannot_assess(scanned):
    from hipaa_policies.frameworks.catalogue import load_catalogue
    out, _, _ = scanned
    page = (out / "dashboard.html").read_text()
    cat = list(load_catalogue())
    na = [sg for sg in cat if sg.automation in ("process", "aws")]
    assert len(na) == 22 and len(cat) == 65
    assert f"data-count='{len(na)}' data-total='{len(cat)}'" in page
    assert f"{len(na)} of {len(cat)} safeguards cannot be assessed by this scan" in page
    section = page[page.index("id='not-assessed'"):page.index("id='scores'")]
    assert all(f">{sg.id}<" in section for sg in na)


def test_dashboard_links_findings_to_their_source_line(scanned):
    out, _, _ = scanned
    page = (out / "dashboard.html").read_text()
    source = (EXAMPLE / "__main__.py").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if '"records-api-logs"' in text)
    uri = (EXAMPLE / "__main__.py").resolve().as_uri()
    assert f"<a class='src' href='{uri}#L{line}' title='declared here'>examples/phi-platform/__main__.py:{line}</a>" in page


def test_dashboard_embeds_every_register_and_draws_each_network(scanned):
    out, bundle, _ = scanned
    page = (out / "dashboard.html").read_text()
    start = page.index("<script type='application/json' id='register-data'>") + len(
        "<script type='application/json' id='register-data'>")
    data = json.loads(page[start:page.index("</script>", start)])
    assert [s["stack"] for s in data["stacks"]] == [s["stack"] for s in bundle["stacks"]]
    for emb, st in zip(data["stacks"], bundle["stacks"], strict=True):
        assert tuple(emb["registers"]) == REGISTERS
        for rid, reg in st["registers"].items():
            for t_emb, t in zip(emb["registers"][rid]["tables"], reg["tables"], strict=True):
                assert t_emb["total"] == len(t["entries"]) == len(t_emb["rows"])
                assert t_emb["csv"] == f"{st['exportPrefix']}{rid}-{t['id']}.csv"
                assert (out / t_emb["csv"]).is_file()
    assert page.count("<svg class='netmap'") == len(bundle["stacks"])
    assert "web-sg ← tcp 22, tcp 443" in page
    assert not re_remote_reference(page)


def re_remote_reference(page: str):
    import re
    return re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
