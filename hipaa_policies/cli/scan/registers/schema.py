"""The published JSON Schema of the evidence bundle (``schemas/evidence-v2.schema.json``).

The register tables' columns are defined once, in the register modules; this module derives the
schema's table definitions from them (by building every register of an empty stack) and adds the
fixed parts (manifest, inputs, results, integrity).  ``tests/test_evidence.py`` checks the
published file equals :func:`generate`, so the schema can never drift from the code.  Regenerate::

    python -m hipaa_policies.cli.scan.registers.schema > hipaa_policies/cli/scan/schemas/evidence-v2.schema.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict

from hipaa_policies.cli.scan.registers import REGISTERS
from hipaa_policies.cli.scan.registers._base import STATUSES, VERDICT_ORDER

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "evidence-v2.schema.json"
HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
NULLABLE_STR = {"type": ["string", "null"]}
SCALAR = {"type": ["string", "number", "boolean", "null"]}
VALUES = {"type": "array", "items": SCALAR}
KIND_SCHEMA = {
    "text": {"oneOf": [SCALAR, VALUES]},
    "status": {"$ref": "#/$defs/status"},
    "ref": {"oneOf": [NULLABLE_STR, {"type": "array", "items": {"type": "string"}}],
            "description": "URN of a resource of the stack, or a value as written (ARN, id, alias, name), "
                           "`[secret]`, `[unknown]`"},
    "number": {"oneOf": [{"type": ["number", "string", "null"]}, VALUES],
               "description": "a number, or `[unknown]` / `[secret]`"},
    "list": {"oneOf": [VALUES, NULLABLE_STR]},
    "bool": {"type": ["boolean", "string", "null"]},
}


def _empty_registers() -> Dict[str, Any]:
    """Every register of a stack with no resources (their tables and columns)."""
    from hipaa_policies.cli.scan.inputs import StackInput
    from hipaa_policies.cli.scan.registers import build_stack
    from hipaa_policies.cli.scan.runner import ScanReport, StackReport
    si = StackInput(kind="export", path=Path("empty.json"), project="p", stack="s", resources=[], files={},
                    source=Path("empty.json"), label="p/s")
    report = ScanReport(pack_name="aws-hipaa", pack_version="0", analyzer_version="0", generated_at="",
                        duration=0.0, policies={}, stacks=[StackReport(input=si, results=[], not_applicable={},
                                                                       resources=0)])
    return build_stack(report, report.stacks[0], {})


def _table_def(table: Dict[str, Any]) -> Dict[str, Any]:
    props: Dict[str, Any] = {c["key"]: {"$ref": f"#/$defs/value_{c['kind']}", "title": c["title"]}
                             for c in table["columns"]}
    status_keys = [c["key"] for c in table["columns"] if c["kind"] == "status"]
    props["evidence"] = {"type": "object", "description": "per status column: the verdicts (or the basis) it rests on",
                         "additionalProperties": False,
                         "properties": {k: {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/evidenceItem"}}
                                        for k in status_keys},
                         "required": status_keys}
    if "urn" not in props:
        props.update({"urn": NULLABLE_STR, "type": NULLABLE_STR, "name": NULLABLE_STR})
    required = [c["key"] for c in table["columns"] if c["key"] in ("urn", "type", "name", "id", "fact") or c["kind"] == "status"]
    if status_keys:
        required.append("evidence")
    entry = {"type": "object", "additionalProperties": False, "required": required, "properties": props}
    return {"type": "object", "additionalProperties": False, "required": ["id", "title", "description", "columns", "entries"],
            "properties": {"id": {"const": table["id"]}, "title": {"type": "string"},
                           "description": {"type": "string"},
                           "columns": {"type": "array", "items": {"$ref": "#/$defs/column"}},
                           "entries": {"type": "array", "items": entry}}}


def _register_def(rid: str, reg: Dict[str, Any]) -> Dict[str, Any]:
    tables = reg["tables"]
    props: Dict[str, Any] = {
        "title": {"type": "string"},
        "tables": {"type": "array", "minItems": len(tables), "maxItems": len(tables),
                   "prefixItems": [{"$ref": f"#/$defs/table_{rid}_{t['id']}"} for t in tables]},
    }
    required = ["title", "tables"]
    if rid == "assets":
        props["graph"] = {"$ref": "#/$defs/graph"}
        required.append("graph")
    if rid == "scope":
        props["summary"] = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                            "required": ["safeguards", "notAssessable", "processControls", "awsResponsibility",
                                         "partiallyAssessable", "assessable"]}
        required.append("summary")
    return {"type": "object", "additionalProperties": False, "required": required, "properties": props}


def generate() -> Dict[str, Any]:
    regs = _empty_registers()
    defs: Dict[str, Any] = {
        "sha256": HEX64,
        "status": {"enum": list(STATUSES), "description": "yes / no: the verdict of the column's policies (pass / "
                   "fail, or the reverse for columns that say whether something bad holds, such as public); "
                   "exempt: a valid exemption covers a failing setting; unverified: a value is not known until "
                   "deployment; not evaluated: the policy did not run on the resource (out of the PHI scope, "
                   "disabled); no policy: no policy of the pack checks this (the evidence gives the basis)"},
        "evidenceItem": {"type": "object", "additionalProperties": False, "properties": {
            "policy": {"type": "string"}, "verdict": {"enum": list(VERDICT_ORDER)}, "resource": {"type": "string"},
            "basis": {"type": "string"}},
            "anyOf": [{"required": ["policy", "verdict", "resource"]}, {"required": ["basis"]}]},
        "column": {"type": "object", "additionalProperties": False, "required": ["key", "title", "kind"], "properties": {
            "key": {"type": "string"}, "title": {"type": "string"}, "kind": {"enum": list(KIND_SCHEMA)},
            "description": {"type": "string"}}},
        "git": {"oneOf": [{"type": "null"}, {"type": "object", "additionalProperties": False,
                                             "required": ["commit", "branch", "dirty", "root"], "properties": {
            "commit": {"type": ["string", "null"], "pattern": "^[0-9a-f]{40,64}$"}, "branch": NULLABLE_STR,
            "dirty": {"type": ["boolean", "null"]}, "root": {"type": "string"}}}]},
        "fileDigest": {"type": "object", "additionalProperties": False, "required": ["path", "sha256"],
                       "properties": {"path": {"type": "string"}, "sha256": {"$ref": "#/$defs/sha256"}}},
        "policyConfig": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/fileDigest"}]},
        "graph": {"type": "object", "additionalProperties": False, "required": ["nodes", "edges"], "properties": {
            "nodes": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "type", "name"], "properties": {
                "id": {"type": "string"}, "kind": {"enum": ["internet", "vpc", "subnet", "securityGroup", "resource"]},
                "type": {"type": "string"}, "name": {"type": "string"}, "cidr": SCALAR, "public": {"type": "boolean"},
                "internetIngress": {"type": "array", "items": {"type": "string"}}}, "additionalProperties": False}},
            "edges": {"type": "array", "items": {"type": "object", "required": ["from", "to", "kind"], "properties": {
                "from": {"type": "string"}, "to": {"type": "string"},
                "kind": {"enum": ["contains", "member", "guarded-by", "ingress"]},
                "ports": {"type": "array", "items": {"type": "string"}}}, "additionalProperties": False}}}},
    }
    defs.update({f"value_{k}": v for k, v in KIND_SCHEMA.items()})
    reg_props = {}
    for rid, _title in REGISTERS:
        for t in regs[rid]["tables"]:
            defs[f"table_{rid}_{t['id']}"] = _table_def(t)
        defs[f"register_{rid}"] = _register_def(rid, regs[rid])
        reg_props[rid] = {"$ref": f"#/$defs/register_{rid}"}
    manifest = {"type": "object", "additionalProperties": False, "required": [
        "generatedAt", "tool", "pack", "frameworks", "profile", "policyConfig", "stackTags", "preview",
        "workingDirectory", "git", "inputs"], "properties": {
        "generatedAt": {"type": "string", "format": "date-time", "description": "UTC time of the scan"},
        "tool": {"type": "object", "required": ["name", "version"], "properties": {"name": {"const": "hipaa-policies"},
                                                                                  "version": {"type": "string"}}},
        "pack": {"type": "object", "additionalProperties": False, "required": ["name", "version", "analyzerVersion",
                                                                               "contentHash"], "properties": {
            "name": {"type": "string"}, "version": {"type": "string"}, "analyzerVersion": {"type": "string"},
            "contentHash": {"type": "object", "additionalProperties": False, "required": ["sha256", "files", "covers"],
                            "properties": {"sha256": {"$ref": "#/$defs/sha256"}, "files": {"type": "integer", "minimum": 1},
                                           "covers": {"type": "array", "items": {"type": "string"}}}}}},
        "frameworks": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["id", "title", "version"],
                                                                 "properties": {"id": {"type": "string"},
                                                                                "title": {"type": "string"},
                                                                                "version": {"type": "string"}}}},
        "profile": {"type": "string"},
        "policyConfig": {"$ref": "#/$defs/policyConfig"},
        "stackTags": {"type": "object", "additionalProperties": {"type": "string"}},
        "preview": {"type": "boolean"},
        "workingDirectory": {"type": "string"},
        "git": {"$ref": "#/$defs/git"},
        "inputs": {"type": "array", "minItems": 1, "items": {"type": "object", "additionalProperties": False, "required": [
            "stack", "project", "stackName", "kind", "path", "sha256", "files", "git"], "properties": {
            "stack": {"type": "string"}, "project": {"type": "string"}, "stackName": {"type": "string"},
            "kind": {"enum": ["program", "preview", "export"]}, "path": {"type": "string"},
            "sha256": {"$ref": "#/$defs/sha256"}, "files": {"type": "array", "items": {"$ref": "#/$defs/fileDigest"}},
            "git": {"$ref": "#/$defs/git"}}}}}}
    stack = {"type": "object", "additionalProperties": False, "required": [
        "stack", "project", "stackName", "input", "resources", "exportPrefix", "registers"], "properties": {
        "stack": {"type": "string"}, "project": {"type": "string"}, "stackName": {"type": "string"},
        "input": {"type": "string"}, "resources": {"type": "integer", "minimum": 0}, "exportPrefix": {"type": "string"},
        "registers": {"type": "object", "additionalProperties": False, "required": [r for r, _ in REGISTERS],
                      "properties": reg_props}}}
    from hipaa_policies.cli.scan.reports.evidence import KIND, SCHEMA_ID
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "hipaa-policies audit evidence bundle, version 2",
        "description": "The evidence bundle written by `hipaa-policies scan --format evidence` (evidence.json). "
                       "Version 2.x: minor versions only add optional fields; a breaking change gets evidence-v3. "
                       "Per scanned stack: the registers (tables whose status columns are the verdicts of the named "
                       "policies), beside the run manifest and every (policy, resource) result. See docs/evidence.md.",
        "type": "object",
        "required": ["$schema", "schemaVersion", "bundleVersion", "kind", "generatedAt", "framework", "pack",
                     "environment", "policyConfig", "stackTags", "manifest", "inputs", "policies", "summary", "stacks",
                     "exports", "results", "integrity"],
        "additionalProperties": False,
        "properties": {
            "$schema": {"type": "string"},
            "schemaVersion": {"type": "string", "pattern": "^2\\.\\d+\\.\\d+$"},
            "bundleVersion": {"const": "2"},
            "kind": {"const": KIND},
            "generatedAt": {"type": "string", "format": "date-time"},
            "framework": {"type": "object"},
            "pack": {"type": "object", "required": ["name", "version", "analyzerVersion"]},
            "environment": {"type": "object"},
            "policyConfig": {"$ref": "#/$defs/policyConfig"},
            "stackTags": {"type": "object", "additionalProperties": {"type": "string"}},
            "manifest": manifest,
            "inputs": {"type": "array", "description": "bundle format 1 view of manifest.inputs"},
            "policies": {"type": "array", "items": {"type": "object", "required": ["name", "enforcementLevel", "citations"]}},
            "summary": {"type": "object", "required": ["exitCode", "score", "mandatoryViolations", "advisoryViolations"]},
            "stacks": {"type": "array", "items": stack},
            "frameworkResults": {
                "type": "object", "description": "the scan's results per requirement of every framework (2.1)",
                "additionalProperties": {"type": "object", "required": ["name", "version", "status", "informative",
                                                                         "requirements"], "properties": {
                    "name": {"type": "string"}, "version": {"type": "string"},
                    "status": {"enum": ["in force", "proposed"]}, "informative": {"type": "boolean"},
                    "note": {"type": "string"},
                    "requirements": {"type": "array", "items": {"type": "object", "additionalProperties": False,
                                     "required": ["id", "title", "category", "evidence", "policies", "score", "counts"],
                                     "properties": {
                                         "id": {"type": "string"}, "title": {"type": "string"},
                                         "category": {"type": "string"},
                                         "evidence": {"type": "string", "description": "what the pack can evidence "
                                                      "of it: enforced, partially enforced, process control, AWS "
                                                      "responsibility, not yet enforced, no IaC evidence"},
                                         "policies": {"type": "array", "items": {"type": "string"}},
                                         "score": {"type": ["number", "null"]},
                                         "counts": {"type": "object", "additionalProperties": {"type": "integer"}}}}}}}},
            "exports": {"type": "array", "description": "CSV files written beside the bundle (paths relative to it)",
                        "items": {"$ref": "#/$defs/fileDigest"}},
            "results": {"type": "array", "items": {"type": "object", "required": [
                "stack", "urn", "resourceType", "resourceName", "policy", "status", "enforcementLevel", "citation",
                "citations", "severity", "finding"], "properties": {
                "status": {"enum": ["pass", "fail", "exempt", "unverified"]},
                "enforcementLevel": {"enum": ["mandatory", "advisory"]}}}},
            "integrity": {"type": "object", "additionalProperties": False, "required": ["algorithm", "canonicalization",
                                                                                        "digest"], "properties": {
                "algorithm": {"const": "sha256"}, "canonicalization": {"type": "string"},
                "digest": {"$ref": "#/$defs/sha256"}}},
        },
        "$defs": defs,
    }


def text() -> str:
    return json.dumps(generate(), indent=2) + "\n"


if __name__ == "__main__":  # pragma: no cover
    from hipaa_policies import registry
    registry.load()
    sys.stdout.write(text())
