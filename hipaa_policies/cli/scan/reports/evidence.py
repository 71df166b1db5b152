"""Audit evidence bundle (``evidence.json``, schema ``schemas/evidence-v2.schema.json``, version 2.x).

Per scanned stack it carries the registers auditors ask for (data stores, encryption in transit,
logging, backup and recovery, identity, exemptions, assets and network map, scope statement; see
:mod:`hipaa_policies.cli.scan.registers`), beside a run manifest (UTC time, pack name, version and
content hash, frameworks and profile, every input file with its SHA-256, the git checkout) and every
(policy, resource) result with its CFR citations.  Version 1's top-level fields are kept.

Integrity: ``integrity.digest`` is the SHA-256 of the bundle without its ``integrity`` member in
canonical JSON (keys sorted, no whitespace, ASCII); the sidecar ``evidence.json.sha256`` holds the
digest of the file (``sha256sum -c`` format); ``exports`` lists every CSV written beside the bundle
with its digest.  ``hipaa-policies evidence verify evidence.json`` checks all of them and the inputs.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import platform
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence

from hipaa_policies.frameworks.catalogue import load_catalogue
from hipaa_policies.cli.scan.inputs import show_path
from hipaa_policies.cli.scan.runner import dumps, ScanReport

BUNDLE_VERSION = "2"
SCHEMA_VERSION = "2.1.0"  # 2.1: frameworkResults (every framework per requirement), framework id and status
SCHEMA_ID = "https://github.com/aws-hipaa/aws-hipaa/blob/main/hipaa_policies/cli/scan/schemas/evidence-v2.schema.json"
KIND = "hipaa-policies-scan-evidence"
EXPORT_DIR = "registers"
CANONICAL = "JSON, keys sorted, separators ',' ':', ASCII (json.dumps(sort_keys=True, separators=(',', ':')))"


def canonical_digest(doc: Dict[str, Any]) -> str:
    """SHA-256 of ``doc`` without ``integrity`` in canonical JSON."""
    body = {k: v for k, v in doc.items() if k != "integrity"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# --------------------------------------------------------------------------- CSV exports
def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "stack"


FORMULA_START = frozenset("=+-@\t\r")


def _cell(value: Any) -> str:
    if type(value) is str:
        text = value
    else:
        from hipaa_policies.cli.scan.registers._base import csv_text
        text = csv_text(value)
    # a spreadsheet must not run a cell as a formula
    if text and text[0] in FORMULA_START and not _number(text):
        return "'" + text
    return text


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _evidence_text(evidence: Sequence[Dict[str, str]], urn: Any = None) -> str:
    out = []
    for ev in evidence:
        if "policy" in ev:
            on = ev.get("resource")
            out.append(f"{ev['policy']}={ev['verdict']}" + (f" on {on}" if on and on != urn else ""))
        else:
            out.append(ev.get("basis", ""))
    return "; ".join(out)


def table_csv(table: Dict[str, Any]) -> str:
    """One register table as CSV: a column per register column, then the evidence of each status column."""
    cols = table["columns"]
    status = [c["key"] for c in cols if c["kind"] == "status"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c["title"] for c in cols] + [f"{c['title']} (evidence)" for c in cols if c["kind"] == "status"])
    for e in table["entries"]:
        ev = e.get("evidence", {})
        w.writerow([_cell(e.get(c["key"])) for c in cols] + [_cell(_evidence_text(ev.get(k, []), e.get("urn"))) for k in status])
    return buf.getvalue()


def export_name(stack_slug: str, register: str, table: str) -> str:
    return f"{EXPORT_DIR}/{stack_slug}/{register}-{table}.csv"


def csv_exports(report: ScanReport) -> Dict[str, str]:
    """{relative path: CSV text} of every register table of every stack (built once per report)."""
    cache = report.__dict__
    if "_csv_exports" not in cache:
        from hipaa_policies.cli.scan.registers import for_report
        out: Dict[str, str] = {}
        seen: Dict[str, int] = {}
        for stack in for_report(report):
            base = slug(stack["stack"])
            n = seen.get(base, 0)
            seen[base] = n + 1
            s = base if not n else f"{base}-{n + 1}"
            stack["slug"] = s
            for rid, reg in stack["registers"].items():
                for t in reg["tables"]:
                    out[export_name(s, rid, t["id"])] = table_csv(t)
        cache["_csv_exports"] = out
    return cache["_csv_exports"]


# --------------------------------------------------------------------------- the bundle
def framework_results(report: ScanReport) -> Dict[str, Any]:
    """Every framework's view of the same results: per requirement, what the pack can evidence of it
    (from the framework data), the policies mapped to it, and the scan's score and counts."""
    from hipaa_policies.registry import frameworks
    out: Dict[str, Any] = {}
    for fid, fw in frameworks().items():
        view = report.for_framework(fid)
        per_req = view.summary()["safeguards"]
        status = {row["id"]: row["status"] for row in fw.coverage()[0]}
        reqs = []
        for rid, req in fw.requirements.items():
            s = per_req.get(rid)
            reqs.append({"id": rid, "title": req.title, "category": req.category, "evidence": status[rid],
                         "policies": sorted(fw.policies_for(rid)), "score": s["score"] if s else None,
                         "counts": dict(s["counts"]) if s else {}})
        entry = {"name": fw.name, "version": fw.version, "status": fw.status, "informative": fw.informative,
                 "requirements": reqs}
        if fw.notes:
            entry["note"] = fw.notes
        out[fid] = entry
    return out


def document(report: ScanReport) -> Dict[str, Any]:
    from hipaa_policies.cli.scan.registers import for_report, manifest, policy_config
    cat = load_catalogue()
    summary = report.summary()
    config = policy_config(report)
    exports = csv_exports(report)

    def safeguard(c: str) -> Dict[str, str]:
        sg = cat.safeguards.get(c)
        return {"citation": c, "title": sg.title if sg else "", "requirement": sg.requirement if sg else "",
                "category": sg.category if sg else ""}

    results = []
    for r in report.results():
        p = report.policies[r.policy]
        entry = {"stack": r.stack, "urn": r.urn, "resourceType": r.type, "resourceName": r.name,
                 "policy": r.policy, "status": r.status, "enforcementLevel": r.level,
                 "citation": p.primary, "citations": [safeguard(c) for c in p.citations],
                 "severity": p.severity, "finding": r.message}
        if r.notes:
            entry["notes"] = list(r.notes)
        results.append(entry)
    stacks = []
    for s, regs in zip(report.stacks, for_report(report), strict=True):
        stacks.append({"stack": s.label, "project": s.input.project, "stackName": s.input.stack,
                       "input": show_path(s.input.path), "resources": s.resources, "exportPrefix":
                       f"{EXPORT_DIR}/{regs['slug']}/", "registers": regs["registers"]})
    doc: Dict[str, Any] = {
        "$schema": SCHEMA_ID,
        "schemaVersion": SCHEMA_VERSION,
        "bundleVersion": BUNDLE_VERSION,
        "kind": KIND,
        "generatedAt": report.generated_at,
        "framework": {"name": report.fw.name, "version": report.fw.version, "id": report.fw.id,
                      "status": report.fw.status},
        "pack": {"name": report.pack_name, "version": report.pack_version, "analyzerVersion": report.analyzer_version},
        "environment": {"python": platform.python_version(), "platform": platform.platform()},
        "policyConfig": report.policy_config,
        "stackTags": dict(report.stack_tags),
        "manifest": manifest.build(report, config),
        "inputs": [{"stack": s.label, "project": s.input.project, "stackName": s.input.stack, "kind": s.input.kind,
                    "path": show_path(s.input.path), "sha256": s.input.sha256,
                    "files": [{"path": k, "sha256": v} for k, v in sorted(s.input.files.items())],
                    "resources": s.resources} for s in report.stacks],
        "policies": [{"name": n, "enforcementLevel": p.level, "configuredLevel": p.configured_level,
                      "citations": list(p.citations), "severity": p.severity, "description": p.description}
                     for n, p in sorted(report.policies.items())],
        "summary": {"exitCode": report.exit_code, "score": summary["score"],
                    "mandatoryViolations": summary["mandatoryViolations"],
                    "advisoryViolations": summary["advisoryViolations"], "counts": summary["counts"],
                    "categories": {c: {"score": v["score"], "counts": v["counts"]}
                                   for c, v in summary["categories"].items()}},
        "stacks": stacks,
        "frameworkResults": framework_results(report),
        "exports": [{"path": path, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
                    for path, text in sorted(exports.items())],
        "results": results,
    }
    doc["integrity"] = {"algorithm": "sha256", "canonicalization": CANONICAL, "digest": canonical_digest(doc)}
    return doc


def render(report: ScanReport) -> str:
    doc = document(report)
    return dumps(doc, sum(len(st.results) for st in report.stacks))


def write_digest(path: Path) -> Path:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    sidecar = path.with_name(path.name + ".sha256")
    sidecar.write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return sidecar


def write_companions(report: ScanReport, out_dir: Path, formats: Iterable[str]) -> List[Path]:
    """What the bundle and the dashboard need beside them: the CSV export of every register (for
    either format) and the bundle's digest sidecar (evidence).  Returns what was written."""
    from hipaa_policies.core.errors import InputError
    formats = set(formats)
    written: List[Path] = []
    if formats & {"evidence", "html"}:
        for rel, text in csv_exports(report).items():
            path = out_dir / rel
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8", newline="")
            except OSError as e:
                raise InputError(f"{path}: cannot write register export: {e.strerror or e}") from None
        written.append(out_dir / EXPORT_DIR)
    if "evidence" in formats:
        write_digest(out_dir / "evidence.json")
    return written
