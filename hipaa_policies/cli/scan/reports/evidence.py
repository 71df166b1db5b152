"""Audit evidence bundle (``evidence.json``, bundle format 1): what was checked, with what, and the outcome.

It records the timestamp, the pack's name and version, the SHA-256 digest of every input file
(and of the policy config), the stack tags, and every (policy, resource) result with its CFR
citations, safeguard titles, enforcement level and status.  A sidecar ``evidence.json.sha256``
holds the digest of the bundle itself (``sha256sum -c`` format) so a filed copy can be checked.
"""
from __future__ import annotations

import hashlib
import platform
from pathlib import Path
from typing import Any, Dict

from hipaa_policies.frameworks.catalogue import load_catalogue
from hipaa_policies.cli.scan.inputs import show_path
from hipaa_policies.cli.scan.runner import dumps, ScanReport

BUNDLE_VERSION = "1"


def document(report: ScanReport) -> Dict[str, Any]:
    cat = load_catalogue()
    summary = report.summary()

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
    return {
        "bundleVersion": BUNDLE_VERSION,
        "kind": "hipaa-policies-scan-evidence",
        "generatedAt": report.generated_at,
        "framework": {"name": "HIPAA Security Rule", "version": "45 CFR Part 164 Subpart C"},
        "pack": {"name": report.pack_name, "version": report.pack_version, "analyzerVersion": report.analyzer_version},
        "environment": {"python": platform.python_version(), "platform": platform.platform()},
        "policyConfig": report.policy_config,
        "stackTags": dict(report.stack_tags),
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
        "results": results,
    }


def render(report: ScanReport) -> str:
    doc = document(report)
    return dumps(doc, sum(len(st.results) for st in report.stacks))


def write_digest(path: Path) -> Path:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    sidecar = path.with_name(path.name + ".sha256")
    sidecar.write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return sidecar
