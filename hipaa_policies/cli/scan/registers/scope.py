"""Scope statement: what this scan cannot evidence, so nobody over-claims.

From the safeguard catalogue: the process controls and AWS-responsibility safeguards (no
infrastructure setting can show them), and the partially enforceable ones with what is left to
process; plus how the scan was scoped (PHI scope, resources left out, values unknown until
deployment, disabled policies)."""
from __future__ import annotations

from typing import Any, Dict, List

from hipaa_policies.frameworks.catalogue import load_catalogue
from hipaa_policies.cli.scan.registers._base import Column, Context, Table

AUTOMATION_LABEL = {"process": "process control", "aws": "AWS responsibility", "partial": "partially enforceable",
                    "full": "enforceable in code"}

SAFEGUARD_COLUMNS = [
    Column("id", "Citation"),
    Column("title", "Safeguard"),
    Column("requirement", "Requirement"),
    Column("automation", "Why the scan cannot evidence it"),
    Column("responsibility", "Responsibility"),
    Column("reason", "Reason"),
]
PARTIAL_COLUMNS = [
    Column("id", "Citation"),
    Column("title", "Safeguard"),
    Column("policies", "Policies that evidence part of it", "list"),
    Column("reason", "What is left to process"),
]
INPUT_KIND = {
    ("program", False): "program run under mocks (computed outputs are plausible stand-ins)",
    ("program", True): "program run as a first preview sees it (computed outputs unknown, reported unverified)",
    ("preview", False): "`pulumi preview --json` output (values unknown until deployment are unverified)",
    ("preview", True): "`pulumi preview --json` output (values unknown until deployment are unverified)",
    ("export", False): "`pulumi stack export` output (the deployed state)",
    ("export", True): "`pulumi stack export` output (the deployed state)",
}
FACT_COLUMNS = [Column("fact", "Fact"), Column("value", "Value")]


def summary() -> Dict[str, int]:
    cat = load_catalogue()
    counts = {k: 0 for k in ("full", "partial", "process", "aws")}
    for sg in cat:
        counts[sg.automation] += 1
    return {"safeguards": len(cat.safeguards), "notAssessable": counts["process"] + counts["aws"],
            "processControls": counts["process"], "awsResponsibility": counts["aws"],
            "partiallyAssessable": counts["partial"], "assessable": counts["full"]}


def not_assessable() -> List[Any]:
    """Catalogue records no infrastructure setting can evidence (automation process or aws)."""
    return [sg for sg in load_catalogue() if sg.automation in ("process", "aws")]


def build(ctx: Context) -> Dict[str, Any]:
    cat = load_catalogue()
    out = Table("notAssessable", "Safeguards this scan cannot assess", SAFEGUARD_COLUMNS,
                "Process controls and AWS's side of the shared responsibility model (from the safeguard catalogue).")
    for sg in not_assessable():
        out.add({"id": sg.id, "title": sg.title, "requirement": sg.requirement,
                 "automation": AUTOMATION_LABEL[sg.automation], "responsibility": sg.responsibility, "reason": sg.reason})
    citing: Dict[str, List[str]] = {}
    for name, p in sorted(ctx.policies.items()):
        for c in p.citations:
            citing.setdefault(c, []).append(name)
    partial = Table("partial", "Safeguards this scan assesses in part", PARTIAL_COLUMNS)
    for sg in cat:
        if sg.automation == "partial":
            partial.add({"id": sg.id, "title": sg.title, "policies": citing.get(sg.id, []), "reason": sg.reason})
    facts = Table("evaluation", "How this stack was evaluated", FACT_COLUMNS)
    s = ctx.settings
    total = len(ctx.index.resources)
    in_scope = sum(1 for r in ctx.index.resources if ctx.in_scope(r))
    mode = {"all": "every resource", "resource-tag": f"resources tagged {s.tag_key} = {' | '.join(s.tag_values)}",
            "stack-tag": f"stacks tagged {s.stack_tag_key} = {' | '.join(s.stack_tag_values)}"}.get(s.scope_mode, s.scope_mode)
    unverified = sum(1 for r in ctx.stack.results if r.status == "unverified")
    disabled = sorted(n for n, p in ctx.policies.items() if p.level == "disabled")
    for fact, value in (("PHI scope", mode), ("Resources", total), ("Resources in scope", in_scope),
                        ("Resources out of scope (not evaluated)", total - in_scope),
                        ("Input", INPUT_KIND.get((ctx.input.kind, bool(ctx.report.preview)), ctx.input.kind)),
                        ("Unverified results (values unknown until deployment)", unverified),
                        ("Disabled policies", ", ".join(disabled) or "none")):
        facts.add({"fact": fact, "value": value})
    return {"tables": [out, partial, facts], "summary": summary()}
