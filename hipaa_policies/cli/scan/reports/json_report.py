"""The JSON report (schema ``hipaa_policies/cli/scan/schemas/report-v1.schema.json``, version 1.x).

:func:`document` is also the model the Markdown and HTML reports render, so every format shows
the same numbers.  Results list every evaluated (policy, resource) pair; pairs a policy does not
apply to are counted (``notApplicable``), not listed.
"""
from __future__ import annotations

from typing import Any, Dict, List

from hipaa_policies.cli.scan.runner import dumps, ScanReport

SCHEMA_VERSION = "1.1.0"  # 1.1: inScope, placeholders, unexpanded components, locations, baseline, input errors
SCHEMA_ID = "https://github.com/aws-hipaa/aws-hipaa/blob/main/hipaa_policies/cli/scan/schemas/report-v1.schema.json"
TOOL = "hipaa-policies scan"


def _result(r: Any, where: Dict[str, Any]) -> Dict[str, Any]:
    out = {"stack": r.stack, "policy": r.policy, "urn": r.urn, "type": r.type, "name": r.name,
           "status": r.status, "level": r.level, "message": r.message}
    if r.notes:
        out["notes"] = list(r.notes)
    loc = where.get((r.stack, r.urn))
    if loc is not None:
        out["location"] = loc
    if r.baseline:
        out["baseline"] = r.baseline
    return out


def locations(report: ScanReport) -> Dict[Any, Dict[str, Any]]:
    """(stack label, urn) -> {"path", "line"} of the statement that declared the resource (programs),
    or of its URN in a JSON input."""
    from hipaa_policies.cli.scan.inputs import show_path
    out: Dict[Any, Dict[str, Any]] = {}
    for s in report.stacks:
        source = show_path(s.input.source)
        for urn, line in s.input.lines.items():
            out[(s.label, urn)] = {"path": source, "line": line}
        for urn, (path, line) in s.input.locations.items():
            out[(s.label, urn)] = {"path": show_path(path), "line": line}
    return out


def document(report: ScanReport) -> Dict[str, Any]:
    cat = report.fw
    summary = report.summary()
    policies: List[Dict[str, Any]] = []
    for name, p in sorted(report.policies.items()):
        policies.append({
            "name": name, "description": p.description, "kind": p.kind, "severity": p.severity,
            "level": p.level, "configuredLevel": p.configured_level, "citations": list(p.citations),
            "categories": list(report.categories_of(name)), "resourceTypes": sorted(p.resource_types),
            "remediation": p.remediation, "url": p.url, "summary": summary["byPolicy"][name],
        })
    safeguards: List[Dict[str, Any]] = []
    for sid, s in summary["safeguards"].items():
        sg = cat.requirements.get(sid)
        safeguards.append({
            "id": sid, "title": sg.title if sg else sid, "category": sg.category if sg else "",
            "requirement": (sg.requirement or "") if sg else "",
            "policies": sorted(n for n in report.policies if sid in report.requirements_of(n)),
            "summary": s,
        })
    stacks = []
    for s in report.stacks:
        sm = report.summary(s)
        entry = {
            "label": s.label, "project": s.input.project, "stack": s.input.stack,
            "input": {"kind": s.input.kind, "path": s.input.files and _shown(s.input), "sha256": s.input.sha256,
                      "files": [{"path": k, "sha256": v} for k, v in sorted(s.input.files.items())]},
            "resources": s.resources, "inScope": s.in_scope,
            "summary": {k: v for k, v in sm.items() if k not in ("safeguards", "byPolicy")},
        }
        if s.input.placeholders:
            entry["placeholders"] = [{"key": k, "secret": v} for k, v in sorted(s.input.placeholders.items())]
        if s.input.unexpanded:
            entry["unexpandedComponents"] = [{"type": c.type, "name": c.name, "urn": c.urn} for c in s.input.unexpanded]
        stacks.append(entry)
    total = {k: v for k, v in summary.items() if k not in ("safeguards", "byPolicy")}
    where = locations(report)
    doc = {
        "$schema": SCHEMA_ID,
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": TOOL, "pack": report.pack_name, "packVersion": report.pack_version,
                 "analyzerVersion": report.analyzer_version},
        "generatedAt": report.generated_at,
        "durationSeconds": report.duration,
        "preview": report.preview,
        "policyConfig": report.policy_config,
        "stackTags": dict(report.stack_tags),
        "exitCode": report.exit_code,
        "framework": {"id": cat.id, "name": cat.name, "version": cat.version, "status": cat.status,
                      "informative": cat.informative},
        "categoryOrder": list(cat.categories),
        "summary": total,
        "stacks": stacks,
        "policies": policies,
        "safeguards": safeguards,
        "results": [_result(r, where) for r in report.results()],
    }
    if report.fail_on != "mandatory":
        doc["failOn"] = report.fail_on
    if report.baseline is not None:
        doc["baseline"] = dict(report.baseline)
        doc["fixed"] = [dict(f) for f in report.fixed]
    if report.input_errors:
        doc["inputErrors"] = [{"input": t, "problem": p} for t, p in report.input_errors]
    return doc


def _shown(si: Any) -> str:
    from hipaa_policies.cli.scan.inputs import show_path
    return show_path(si.path)


def render(report: ScanReport) -> str:
    doc = document(report)
    return dumps(doc, sum(len(st.results) for st in report.stacks))
