"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Rules are the pack's policies, with the CFR citation, safeguard title and remediation as help
text.  Results are the violations (kind ``fail``: level ``error`` when mandatory, ``warning``
when advisory), exempted violations (kind ``fail`` with an accepted external suppression carrying
the exemption) and unverified controls (kind ``review``).  Each result has a logical location (the
resource's URN) and a physical location in the scanned input (the program line that names the
resource, or the line of the URN in a JSON input; line 1 when unknown).  Passing results are not
listed (their counts are in ``runs[0].properties``).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List

from hipaa_policies.frameworks.catalogue import load_catalogue
from hipaa_policies.cli.scan.runner import dumps, EXEMPT, FAIL, UNVERIFIED, ScanReport

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SEVERITY_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
INFO_URI = "https://github.com/aws-hipaa/aws-hipaa"


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def _artifact_uri(path: Path) -> Dict[str, str]:
    resolved = path.resolve()
    try:
        return {"uri": resolved.relative_to(Path.cwd().resolve()).as_posix(), "uriBaseId": "%SRCROOT%"}
    except ValueError:
        return {"uri": resolved.as_uri()}


def _rule(report: ScanReport, p: Any) -> Dict[str, Any]:
    cat = load_catalogue()
    cited = []
    for c in p.citations:
        sg = cat.safeguards.get(c)
        cited.append(f"45 CFR § {c} — {sg.title} ({sg.requirement})" if sg else f"45 CFR § {c}")
    text = (f"{p.description}\n\nHIPAA Security Rule:\n" + "\n".join(f"- {c}" for c in cited)
            + f"\n\nEnforcement level: {p.level}. Severity: {p.severity}.\n\nRemediation: {p.remediation}")
    markdown = (f"{p.description}\n\n**HIPAA Security Rule**\n\n" + "\n".join(f"- {c}" for c in cited)
                + f"\n\n**Enforcement level:** {p.level} · **Severity:** {p.severity}\n\n**Remediation:** {p.remediation}")
    level = {"mandatory": "error", "advisory": "warning"}.get(p.level, "none")
    rule: Dict[str, Any] = {
        "id": p.name, "name": _pascal(p.name),
        "shortDescription": {"text": p.description},
        "fullDescription": {"text": f"{p.description} (45 CFR {', '.join(p.citations)})"},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": level, "enabled": p.level != "disabled"},
        "properties": {"tags": ["hipaa", "security", "compliance", *p.citations],
                       "security-severity": SEVERITY_SCORE.get(p.severity, "5.5"), "precision": "high",
                       "problem.severity": "error" if level == "error" else "warning",
                       "enforcementLevel": p.level, "citations": list(p.citations),
                       "categories": list(p.categories)},
    }
    if p.url:
        rule["helpUri"] = p.url
    return rule


def document(report: ScanReport) -> Dict[str, Any]:
    names = sorted(report.policies)
    index = {n: i for i, n in enumerate(names)}
    artifacts: List[Dict[str, Any]] = []
    artifact_index: Dict[str, int] = {}
    for s in report.stacks:
        key = str(s.input.source)
        if key not in artifact_index:
            artifact_index[key] = len(artifacts)
            try:
                digest = hashlib.sha256(s.input.source.read_bytes()).hexdigest()
            except OSError:
                digest = s.input.sha256
            artifacts.append({"location": _artifact_uri(s.input.source), "hashes": {"sha-256": digest},
                              "roles": ["analysisTarget"]})
    results: List[Dict[str, Any]] = []
    for s in report.stacks:
        loc_base = _artifact_uri(s.input.source)
        a_index = artifact_index[str(s.input.source)]
        for r in s.results:
            if r.status not in (FAIL, EXEMPT, UNVERIFIED):
                continue
            p = report.policies[r.policy]
            if r.status == UNVERIFIED:
                kind, level = "review", "none"
            else:
                kind = "fail"
                level = "error" if r.level == "mandatory" else "warning"
            text = f"{r.name} ({r.type}) in {r.stack}: {r.message}"
            if r.status == UNVERIFIED:
                text = f"{r.name} ({r.type}) in {r.stack}: could not be verified — {r.message}"
            result: Dict[str, Any] = {
                "ruleId": r.policy, "ruleIndex": index[r.policy], "kind": kind, "level": level,
                "message": {"text": text + "".join(f" Note: {n}" for n in r.notes)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {**loc_base, "index": a_index},
                                         "region": {"startLine": s.input.lines.get(r.urn, 1)}},
                    "logicalLocations": [{"name": r.name, "fullyQualifiedName": r.urn, "kind": "resource"}],
                }],
                "partialFingerprints": {
                    "hipaaPolicyResource/v1": hashlib.sha256(f"{r.policy}|{r.urn}".encode()).hexdigest()},
                "properties": {"stack": r.stack, "resourceType": r.type, "urn": r.urn, "status": r.status,
                               "enforcementLevel": r.level, "citations": list(p.citations)},
            }
            if r.status == EXEMPT:
                result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": r.message}]
            results.append(result)
    summary = report.summary()
    run = {
        "tool": {"driver": {
            "name": report.pack_name, "fullName": "aws-hipaa: HIPAA Security Rule policy pack for AWS (Pulumi CrossGuard)",
            "version": report.pack_version, "semanticVersion": report.pack_version, "informationUri": INFO_URI,
            "rules": [_rule(report, report.policies[n]) for n in names]}},
        "invocations": [{"executionSuccessful": True, "commandLine": "hipaa-policies scan",
                         "endTimeUtc": report.generated_at.replace("+00:00", "Z"),
                         "properties": {"exitCode": report.exit_code}}],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
        "artifacts": artifacts,
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"score": summary["score"], "mandatoryViolations": summary["mandatoryViolations"],
                       "advisoryViolations": summary["advisoryViolations"],
                       "categories": {c: v["score"] for c, v in summary["categories"].items()},
                       "counts": summary["counts"]},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: ScanReport) -> str:
    doc = document(report)
    return dumps(doc, sum(len(st.results) for st in report.stacks))
