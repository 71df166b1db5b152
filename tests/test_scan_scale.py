"""`hipaa-policies scan` at scale (issue 13): the streamed JSON loader, the pack's scan batch,
``--jobs``, ``--timeout`` and ``--max-input-size``.  Nothing here asserts a duration: timings
live in ``benchmarks/``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli_output import assert_one_line
from hipaa_policies.cli.main import main
from hipaa_policies.cli.scan import inputs, runner
from hipaa_policies.core.errors import InputError
from hipaa_policies.testing import PACK_DIR, PackServer, resource

sys.path.insert(0, str(PACK_DIR / "benchmarks"))
import workload  # noqa: E402  (the benchmarks' realistic stack description)

DATA = Path(__file__).resolve().parent / "data" / "scan"
EXAMPLE = PACK_DIR / "examples" / "phi-platform"
FORMATS = ("json", "sarif", "markdown", "junit", "evidence")


def run(capsys, *args):
    code = main(["scan", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def write_export(path: Path, n: int, prefix: str = "", indent=None) -> Path:
    path.write_text(json.dumps(workload.stack_export(workload.description(n, prefix)), indent=indent))
    return path


def pack_children():
    """Processes below this one that run a policy pack or a scan worker."""
    me, found = os.getpid(), []
    parents = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            parents[int(d.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmd)
    for pid, (ppid, cmd) in parents.items():
        p = ppid
        while p and p != me and p in parents:
            p = parents[p][0]
        if p == me and ("pulumi.policy" in cmd or "spawn_main" in cmd):
            found.append((pid, cmd))
    return found


@pytest.fixture
def leftovers():
    """Pack processes and workers started by the test and still running (others' fixtures excluded)."""
    before = {pid for pid, _ in pack_children()}
    return lambda: [(pid, cmd) for pid, cmd in pack_children() if pid not in before]


# --------------------------------------------------------------------------- the streamed loader
def _reference(path: Path):
    """What the loader must produce, computed the plain way: json.loads of the whole file."""
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    out = []
    for r in data["deployment"]["resources"]:
        if r["type"] == "pulumi:pulumi:Stack" or r["type"].startswith("pulumi:providers:"):
            continue
        props = dict(r.get("inputs") or {})
        props.update(r.get("outputs") or {})
        if r.get("id") and "id" not in props:
            props["id"] = r["id"]
        props = json.loads(json.dumps(props), parse_int=float)  # engine shape: numbers are doubles
        out.append((r["type"], r["urn"], r["urn"].rsplit("::", 1)[-1], r.get("parent", ""), r.get("dependencies", []),
                    r.get("propertyDependencies", {}), props))
    lines = {}
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        for m in re.finditer(r'"(urn:pulumi:[^"\\]+)"', line):
            lines.setdefault(m.group(1), lineno)
    return out, lines


@pytest.mark.parametrize("block", [7, 100, 1 << 20])
@pytest.mark.parametrize("indent", [None, 2])
def test_streamed_loader_reads_what_json_loads_reads(tmp_path, monkeypatch, block, indent):
    """Any block size (elements and URNs cut across blocks): the same resources, properties in
    engine shape, URN lines (pretty-printed only) and digest."""
    monkeypatch.setattr(inputs, "BLOCK", block)
    path = write_export(tmp_path / "export.json", 120, indent=indent)
    si = inputs.load_json(path)
    expected, lines = _reference(path)
    got = [(r.type, r.urn, r.name, r.parent, r.dependencies, r.property_dependencies, r.props())
           for r in si.resources]
    assert got == expected
    assert dict(si.lines) == (lines if indent else {})
    import hashlib
    assert si.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # the Struct view (per-resource Analyzer path) holds the same values
    from hipaa_policies.runtime.fast_servicer import struct_to_dict
    assert struct_to_dict(si.resources[5].properties) == si.resources[5].props()


@pytest.mark.parametrize("text", ['{"version": 3, "deployment": {"resources": [{"urn": 1} {}]}}',
                                  '{"steps": [\n  {"op": "create"},\n  {"op": "create"  "x": 1}]}',
                                  '{"deployment": {"resources": [\n\n   {"a": tru}]}}',
                                  '{"deployment": {"resources": []}} extra',
                                  '{"deployment" {"resources": []}}'])
def test_malformed_json_is_located_like_json_loads(tmp_path, monkeypatch, text):
    monkeypatch.setattr(inputs, "BLOCK", 5)
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(json.JSONDecodeError) as want:
        json.loads(text)
    with pytest.raises(InputError) as got:
        inputs.load_json(path)
    assert f"malformed JSON at line {want.value.lineno} column {want.value.colno}" in str(got.value)


# --------------------------------------------------------------------------- the scan batch
@pytest.fixture
def pack():
    server = PackServer(PACK_DIR).start()
    try:
        server.configure({})
        server.configure_stack(stack="prod", project="phi-platform")
        yield server
    finally:
        server.stop()


def _pairs(diags):
    return [(urn, d.policyName, d.enforcementLevel, d.message) for urn, d in diags]


def test_scan_batch_gives_the_analyzer_rpcs_diagnostics(pack, tmp_path):
    """The batch runs the servicer's own Analyze/AnalyzeStack loops: the same diagnostics, in the
    same order, as one Analyze per resource plus AnalyzeStack -- for a loaded export and for
    resources in the program-capture shape (protobuf Struct properties)."""
    assert runner.batch_supported(pack)
    si = inputs.load_json(write_export(tmp_path / "e.json", 600))
    described = workload.description(300)
    captured = [resource(r["type"], r["props"], name=r["name"], urn=r["urn"], dependencies=r["dependencies"],
                         property_dependencies=r["property_dependencies"])
                for r in workload.engine_resources(described + workload.coverage_extras([r.type for r in described]))]
    for resources in (si.resources, captured):
        si.resources = resources
        progress = runner.Progress()
        batched = runner._evaluate_batched(pack, si, progress)
        plain = runner._analyze_all(pack, si, progress) + runner._analyze_stack(pack, si)
        assert batched and _pairs(batched) == _pairs(plain)


def test_scan_falls_back_to_analyzer_rpcs_on_the_plain_servicer():
    server = PackServer(PACK_DIR, env={"HIPAA_POLICIES_PLAIN_SERVICER": "1"}).start()
    try:
        assert runner.batch_supported(server) is False
    finally:
        server.stop()


# --------------------------------------------------------------------------- --jobs
def _normalised(path: Path) -> str:
    text = path.read_text()
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", "TIME", text)
    text = re.sub(r'("durationSeconds": |time="|in )\d+(\.\d+)?', r"\1N", text)
    text = re.sub(r'("integrity": \{[^}]*"digest": ")[0-9a-f]{64}', r"\1DIGEST", text)  # covers the time
    return text


def test_jobs_gives_the_serial_reports(capsys, tmp_path, monkeypatch, leftovers):
    """A directory of exports plus a preview, scanned by two workers: every report identical to
    the serial scan's apart from timing."""
    stacks = tmp_path / "exports"
    stacks.mkdir()
    for k in range(3):
        write_export(stacks / f"stack-{k}.json", 300, f"c{k}-" if k else "", indent=1)
    targets = [stacks, DATA / "preview.json", DATA / "stack-export.json"]
    calls = []
    real = runner.scan_parallel
    monkeypatch.setattr(runner, "scan_parallel", lambda *a, **k: calls.append(k["jobs"]) or real(*a, **k))
    from hipaa_policies.cli.scan import cli as scan_cli
    monkeypatch.setattr(scan_cli, "_small", lambda targets: False)  # workers even for these small inputs
    outputs = {}
    for jobs in (1, 2):
        out_dir = tmp_path / f"out-{jobs}"
        args = [*targets, "--jobs", jobs, "--output", out_dir, "--no-progress"]
        for f in FORMATS:
            args += ["-f", f]
        code, out, err = run(capsys, *args)
        assert code == 1, err
        outputs[jobs] = {f: _normalised(out_dir / name) for f, name in
                         (("json", "report.json"), ("sarif", "report.sarif"), ("markdown", "report.md"),
                          ("junit", "junit.xml"), ("evidence", "evidence.json"))}
    assert calls == [2]  # the second run went through the workers
    doc = json.loads((tmp_path / "out-2" / "report.json").read_text())
    assert len(doc["stacks"]) == 5 and doc["stacks"][0]["label"].startswith("phi-platform/prod (")
    for f in FORMATS:
        assert outputs[1][f] == outputs[2][f], f
    assert not leftovers()


def test_jobs_runs_programs_in_the_workers(capsys, tmp_path, leftovers):
    """A program input runs (under mocks) in a worker like in the serial scan.  The program
    capture's resource order varies from run to run, so results are compared as a set."""
    docs = []
    for jobs in (1, 2):
        out_dir = tmp_path / f"out-{jobs}"
        code, _, err = run(capsys, EXAMPLE, DATA / "preview.json", "--jobs", jobs, "-f", "json", "--output", out_dir,
                           "--no-progress")
        assert code == 1, err
        docs.append(json.loads((out_dir / "report.json").read_text()))
    serial, parallel = ({json.dumps(r, sort_keys=True) for r in d["results"]} for d in docs)
    assert serial == parallel and len(serial) > 100
    assert [s["label"] for s in docs[0]["stacks"]] == [s["label"] for s in docs[1]["stacks"]]
    assert not leftovers()


def test_jobs_reports_the_first_bad_input_as_serial(capsys, tmp_path, leftovers):
    for k in range(2):
        write_export(tmp_path / f"a{k}.json", 800, f"c{k}-")
    bad = tmp_path / "b-bad.json"
    bad.write_text('{"version": 3, "deployment": {"resources": [oops]}}')
    for jobs in (1, 2):
        code, _, err = run(capsys, tmp_path / "a0.json", bad, tmp_path / "a1.json", "--jobs", jobs, "--no-progress")
        assert code == 2
        assert_one_line(err, "b-bad.json", "malformed JSON at line 1")
    assert not leftovers()


# --------------------------------------------------------------------------- limits
@pytest.mark.parametrize("jobs", [1, 2])
def test_timeout_stops_the_scan_with_one_line(capsys, tmp_path, jobs, leftovers):
    """The whole-scan limit: one line, exit 2, no pack process or worker left behind."""
    for k in range(2):
        write_export(tmp_path / f"s{k}.json", 3000, f"c{k}-")
    code, out, err = run(capsys, tmp_path, "--timeout", "0.05", "--jobs", jobs, "--no-progress")
    assert code == 2
    assert_one_line(err, "--timeout of 0.05 s")
    assert not leftovers()


def test_inputs_above_the_size_limit_are_refused(capsys, tmp_path):
    big = write_export(tmp_path / "big.json", 200)
    code, _, err = run(capsys, big, "--max-input-size", "10KB")
    assert code == 2
    assert_one_line(err, "big.json", "above the input size limit of 0 MB", "--max-input-size")
    for option, bad in (("--max-input-size", "lots"), ("--max-input-size", "0"), ("--timeout", "0"),
                        ("--timeout", "-3"), ("--timeout", "soon"), ("--jobs", "0")):
        with pytest.raises(SystemExit) as exit_:
            run(capsys, big, option, bad)
        assert exit_.value.code == 2
        assert_one_line(capsys.readouterr().err, option, repr(bad))


def _export(resources):
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def _res(type_, name, outputs, deps=(), prop_deps=None):
    urn = f"urn:pulumi:prod::p::{type_}::{name}"
    return {"urn": urn, "custom": True, "type": type_, "id": name, "inputs": {}, "outputs": outputs,
            "dependencies": list(deps), "propertyDependencies": prop_deps or {}}


SG, BUCKET, VERSIONING = "aws:ec2/securityGroup:SecurityGroup", "aws:s3/bucket:Bucket", "aws:s3/bucketVersioning:BucketVersioning"


@pytest.mark.parametrize("shape", ["one-megabyte-resource", "ten-thousand-on-one-target", "ten-thousand-chain"])
def test_pathological_exports_finish(capsys, tmp_path, shape):
    if shape == "one-megabyte-resource":
        resources = [_res(BUCKET, "big", {"bucket": "big", "tags": {f"k{i}": "v" * 90 for i in range(10000)}})]
    elif shape == "ten-thousand-on-one-target":
        resources = [_res(BUCKET, "b", {"bucket": "b"})] + [
            _res(VERSIONING, f"v{i}", {"bucket": "b", "versioningConfiguration": {"status": "Enabled"}})
            for i in range(10000)]
    else:  # each security group refers to the previous one (by id and by property dependency)
        urn = f"urn:pulumi:prod::p::{SG}::sg"
        resources = [_res(SG, f"sg{i}", {"name": f"sg{i}", "ingress": [
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "securityGroups": [f"sg{i - 1}"]}]},
            [f"{urn}{i - 1}"] if i else [], {"ingress": [f"{urn}{i - 1}"]} if i else None) for i in range(10000)]
    path = tmp_path / f"{shape}.json"
    path.write_text(json.dumps(_export(resources)))
    out_dir = tmp_path / "out"
    code, _, err = run(capsys, path, "-f", "json", "--output", out_dir, "--no-progress")
    assert code in (0, 1), err
    assert json.loads((out_dir / "report.json").read_text())["summary"]["resources"] == len(resources)


def test_running_out_of_memory_is_one_line(capsys, monkeypatch, leftovers):
    def exhausted(path, sink=None):
        raise MemoryError()
    monkeypatch.setattr(inputs, "load_json", exhausted)
    code, _, err = run(capsys, DATA / "stack-export.json", "--no-progress")
    assert code == 2
    assert_one_line(err, "out of memory while scanning")
    assert not leftovers()


def test_streamed_evaluation_follows_the_array_that_counts(capsys, tmp_path, monkeypatch):
    """A document with an export's resources streamed first and preview steps after it is a
    preview: the streamed export chunks are dropped and the steps evaluated (as the same steps
    alone would be)."""
    monkeypatch.setattr(inputs, "SINK_CHUNK", 50)
    export = workload.stack_export(workload.description(300, "c1-"))
    steps = [{"op": "create", "newState": {**r, "inputs": r.get("outputs", {})}}
             for r in workload.stack_export(workload.description(200))["deployment"]["resources"]]
    both, alone = tmp_path / "both.json", tmp_path / "alone.json"
    both.write_text(json.dumps({"deployment": export["deployment"], "steps": steps}))
    alone.write_text(json.dumps({"steps": steps}))
    docs = []
    for path in (both, alone):
        out_dir = tmp_path / path.stem
        code, _, err = run(capsys, path, "-f", "json", "--output", out_dir, "--no-progress")
        assert code == 1, err
        docs.append(json.loads((out_dir / "report.json").read_text()))
    assert docs[0]["results"] == docs[1]["results"] and docs[0]["summary"] == docs[1]["summary"]
    assert docs[0]["summary"]["resources"] == 200


def test_a_missing_grpc_registration_hook_is_a_shape_problem(monkeypatch):
    """The scan batch is registered through the SDK's ``analyzer_pb2_grpc`` reference; without it
    the fast servicer is not installed (and the scan falls back to the Analyzer RPCs)."""
    from pulumi_policy import policy as sdk
    from hipaa_policies.runtime import fast_servicer
    monkeypatch.setattr(sdk, "analyzer_pb2_grpc", object())
    assert any("add_AnalyzerServicer_to_server" in p for p in fast_servicer.shape_problems())


def test_scanning_an_export_does_not_import_the_pulumi_sdk(tmp_path):
    """The scanner speaks the pack's JSON batch (Info, Configure, ConfigureStack, Add, Finish): the
    pulumi SDK and its protocol messages (a quarter of a small scan's time) stay unimported."""
    export = write_export(tmp_path / "export.json", 50)
    code = ("import sys\nfrom hipaa_policies.cli.main import main\n"
            f"code = main(['scan', {str(export)!r}, '-f', 'json', '--output', {str(tmp_path / 'out')!r}, '--no-progress'])\n"
            "loaded = sorted(m for m in sys.modules if m == 'pulumi' or m.startswith(('pulumi.', 'pulumi_')))\n"
            "print(code, loaded)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=PACK_DIR, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "1 []", (done.stdout, done.stderr[-2000:])
    assert json.loads((tmp_path / "out" / "report.json").read_text())["summary"]["resources"] == 50
