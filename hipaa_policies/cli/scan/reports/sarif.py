"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Rules are the pack's policies, with the CFR citation, safeguard title and remediation as help
text.  Results are the violations (kind ``fail``: level ``error`` when mandatory, ``warning``
when advisory), exempted violations (kind ``fail`` with an accepted external suppression carrying
the exemption) and unverified controls (kind ``review``).  Each result has a logical location (the
resource's URN) and a physical location: the program statement that declared the resource (in
whichever module of the program declares it), or the line of the URN in a JSON input; line 1 when
unknown.  URIs are relative to the repository root (the nearest directory above the input holding
``.git``; the working directory otherwise), the ``%SRCROOT%`` base GitHub code scanning resolves
against the checkout.  Passing results are not listed (their counts are in ``runs[0].properties``).

Upload limits (GitHub code scanning: 25,000 results per run, 10 MB gzip-compressed per file): a
report with more results keeps the most important ones (mandatory violations, then advisory ones,
then unverified controls, then exemptions; within each, in report order) up to the limit, and says
so in ``runs[0].properties.truncated`` and in a tool-execution notification; every result is in
the JSON report.  When the compressed file would still exceed 10 MB, it keeps fewer.
"""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from hipaa_policies.frameworks.catalogue import load_catalogue
from hipaa_policies.cli.scan.runner import dumps, EXEMPT, FAIL, UNVERIFIED, ScanReport

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SEVERITY_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
INFO_URI = "https://github.com/aws-hipaa/aws-hipaa"
MAX_RESULTS = 25_000                 # GitHub code scanning: results per run
MAX_GZIP_BYTES = 10 * 1024 * 1024    # GitHub code scanning: compressed SARIF file


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def repository_root(paths: List[Path]) -> Path:
    """The nearest directory above the first input that holds ``.git`` (the repository root), else
    the working directory."""
    for path in paths:
        if str(path) == "<stdin>":
            continue
        for parent in [path.resolve(), *path.resolve().parents]:
            if (parent / ".git").exists():
                return parent
        break
    return Path.cwd().resolve()


def _artifact_uri(path: Path, root: Path) -> Dict[str, str]:
    if str(path) == "<stdin>":
        return {"uri": "stdin.json", "uriBaseId": "%SRCROOT%"}
    resolved = path.resolve()
    try:
        return {"uri": resolved.relative_to(root).as_posix(), "uriBaseId": "%SRCROOT%"}
    except ValueError:
        return {"uri": resolved.as_uri()}


def _priority(r: Any) -> int:
    if r.status == FAIL:
        return 0 if r.level == "mandatory" else 1
    return 2 if r.status == UNVERIFIED else 3


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
                       "framework": report.framework,
                       "requirements": list(report.requirements_of(p.name)),
                       "categories": list(report.categories_of(p.name))},
    }
    if p.url:
        rule["helpUri"] = p.url
    return rule


def _key(path: Path) -> str:
    return str(path) if str(path) == "<stdin>" else str(path.resolve())


def _where(s: Any, urn: str) -> Tuple[Path, int]:
    loc = s.input.locations.get(urn)
    if loc is not None:
        return Path(loc[0]), int(loc[1])
    return s.input.source, s.input.lines.get(urn, 1)


def document(report: ScanReport, limit: int = MAX_RESULTS) -> Dict[str, Any]:
    names = sorted(report.policies)
    index = {n: i for i, n in enumerate(names)}
    root = repository_root([s.input.source for s in report.stacks])
    findings = [(s, r) for s in report.stacks for r in s.results if r.status in (FAIL, EXEMPT, UNVERIFIED)]
    kept = sorted(range(len(findings)), key=lambda i: (_priority(findings[i][1]), i))[:limit]
    kept_set = set(kept)
    selected = [f for i, f in enumerate(findings) if i in kept_set]

    files: Dict[str, Path] = {}
    for s in report.stacks:
        files.setdefault(_key(s.input.source), s.input.source)
    for s, r in selected:
        path, _line = _where(s, r.urn)
        files.setdefault(_key(path), path)
    artifacts: List[Dict[str, Any]] = []
    artifact_index: Dict[str, int] = {}
    digests = {_key(s.input.source): s.input.sha256 for s in report.stacks}
    for key in sorted(files):
        path = files[key]
        artifact_index[key] = len(artifacts)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = digests.get(key, "")
        entry: Dict[str, Any] = {"location": _artifact_uri(path, root), "roles": ["analysisTarget"]}
        if digest:
            entry["hashes"] = {"sha-256": digest}
        artifacts.append(entry)
    results: List[Dict[str, Any]] = []
    for s, r in selected:
        p = report.policies[r.policy]
        if r.status == UNVERIFIED:
            kind, level = "review", "none"
        else:
            kind = "fail"
            level = "error" if r.level == "mandatory" else "warning"
        text = f"{r.name} ({r.type}) in {r.stack}: {r.message}"
        if r.status == UNVERIFIED:
            text = f"{r.name} ({r.type}) in {r.stack}: could not be verified — {r.message}"
        path, line = _where(s, r.urn)
        result: Dict[str, Any] = {
            "ruleId": r.policy, "ruleIndex": index[r.policy], "kind": kind, "level": level,
            "message": {"text": text + "".join(f" Note: {n}" for n in r.notes)},
            "locations": [{
                "physicalLocation": {"artifactLocation": {**_artifact_uri(path, root), "index": artifact_index[_key(path)]},
                                     "region": {"startLine": max(1, line)}},
                "logicalLocations": [{"name": r.name, "fullyQualifiedName": r.urn, "kind": "resource"}],
            }],
            "partialFingerprints": {
                "hipaaPolicyResource/v1": hashlib.sha256(f"{r.policy}|{r.urn}".encode()).hexdigest()},
            "properties": {"stack": r.stack, "resourceType": r.type, "urn": r.urn, "status": r.status,
                           "enforcementLevel": r.level, "citations": list(p.citations)},
        }
        if r.baseline:
            result["baselineState"] = r.baseline
        if r.status == EXEMPT:
            result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": r.message}]
        results.append(result)
    summary = report.summary()
    invocation: Dict[str, Any] = {"executionSuccessful": True, "commandLine": "hipaa-policies scan",
                                  "endTimeUtc": report.generated_at.replace("+00:00", "Z"),
                                  "properties": {"exitCode": report.exit_code}}
    properties: Dict[str, Any] = {"score": summary["score"], "mandatoryViolations": summary["mandatoryViolations"],
                                  "advisoryViolations": summary["advisoryViolations"],
                                  "categories": {c: v["score"] for c, v in summary["categories"].items()},
                                  "counts": summary["counts"]}
    if len(selected) < len(findings):
        omitted = len(findings) - len(selected)
        properties["truncated"] = {"results": len(findings), "kept": len(selected), "omitted": omitted}
        invocation["toolExecutionNotifications"] = [{
            "level": "warning", "descriptor": {"id": "results-truncated"},
            "message": {"text": f"{omitted} of {len(findings)} results are left out to stay within code-scanning "
                                f"upload limits ({MAX_RESULTS} results, 10 MB compressed); the most important "
                                "are kept (mandatory, advisory, unverified, exempt). The JSON report has every result."}}]
    run = {
        "tool": {"driver": {
            "name": report.pack_name, "fullName": "aws-hipaa: HIPAA Security Rule policy pack for AWS (Pulumi CrossGuard)",
            "version": report.pack_version, "semanticVersion": report.pack_version, "informationUri": INFO_URI,
            "rules": [_rule(report, report.policies[n]) for n in names]}},
        "invocations": [invocation],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
        "artifacts": artifacts,
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": properties,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _fits(doc: Dict[str, Any]) -> Optional[str]:
    """The text of ``doc`` when its gzip-compressed size is within the upload limit, else None."""
    text = dumps(doc, 0 if not doc["runs"][0]["results"] else len(doc["runs"][0]["results"]))
    return text if len(gzip.compress(text.encode(), compresslevel=6)) <= MAX_GZIP_BYTES else None


def render(report: ScanReport) -> str:
    limit = MAX_RESULTS
    while True:
        doc = document(report, limit)
        total = len(doc["runs"][0]["results"])
        if total < 1000:  # far below the size limit: no need to measure
            return dumps(doc, total)
        text = _fits(doc)
        if text is not None or limit <= 1:
            return text if text is not None else dumps(doc, total)
        limit = max(1, int(min(limit, total) * 0.8))
