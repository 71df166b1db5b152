"""Markdown report: scores, per stack, per safeguard and policy (mandatory and advisory apart), findings."""
from __future__ import annotations

from typing import Any, List

from hipaa_policies.frameworks.catalogue import CATEGORY_ORDER, load_catalogue
from hipaa_policies.cli.scan.runner import EXEMPT, UNVERIFIED, ScanReport


def _pct(score: Any) -> str:
    return "—" if score is None else f"{score:.1f}%"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _counts(s: dict) -> str:
    c = s["counts"]
    return f"{c['pass']} | {c['fail']} | {c['exempt']} | {c['unverified']} | {c['notApplicable']}"


def render(report: ScanReport) -> str:
    cat = load_catalogue()
    summary = report.summary()
    out: List[str] = []
    verdict = ("**FAILED** — mandatory violations (exit 1)" if report.exit_code
               else "**PASSED** — no mandatory violation (exit 0)")
    out.append("# HIPAA Security Rule scan\n\n")
    out.append(f"Pack `{report.pack_name}` {report.pack_version}, generated {report.generated_at} by "
               f"`hipaa-policies scan` in {report.duration:.2f}s. {verdict}.\n\n")
    out.append(f"- Stacks: {len(report.stacks)}; resources: {summary['resources']}; policies: {len(report.policies)}\n")
    out.append(f"- Overall score: **{_pct(summary['score'])}** (mandatory controls: {_pct(summary['mandatoryScore'])})\n")
    out.append(f"- Violations: **{summary['mandatoryViolations']} mandatory**, {summary['advisoryViolations']} advisory\n")
    if report.policy_config:
        out.append(f"- Policy config: `{report.policy_config['path']}` (sha256 `{report.policy_config['sha256']}`)\n")
    out.append("\nScore = (pass + exempt) / (pass + fail + exempt + unverified) over (policy, resource) results; "
               "an unverified control counts against it.\n")

    out.append("\n## Score by safeguard category\n\n| Category | Score | Pass | Fail | Exempt | Unverified | N/A |\n"
               "|---|---:|---:|---:|---:|---:|---:|\n")
    for c in CATEGORY_ORDER:
        s = summary["categories"][c]
        out.append(f"| {c} | {_pct(s['score'])} | {_counts(s)} |\n")

    out.append("\n## Stacks\n\n| Stack | Input | Kind | SHA-256 | Resources | Score | Mandatory | Advisory |\n"
               "|---|---|---|---|---:|---:|---:|---:|\n")
    for s in report.stacks:
        sm = report.summary(s)
        from hipaa_policies.cli.scan.inputs import show_path
        out.append(f"| {_cell(s.label)} | `{_cell(show_path(s.input.path))}` | {s.input.kind} | `{s.input.sha256[:16]}…` | "
                   f"{s.resources} | {_pct(sm['score'])} | {sm['mandatoryViolations']} | {sm['advisoryViolations']} |\n")

    out.append("\n## Safeguards\n\n| Citation | Safeguard | R/A | Policies | Score | Pass | Fail | Exempt | Unverified | N/A |\n"
               "|---|---|---|---|---:|---:|---:|---:|---:|---:|\n")
    for sid, s in summary["safeguards"].items():
        sg = cat.safeguards.get(sid)
        pols = ", ".join(f"`{n}`" for n, p in sorted(report.policies.items()) if sid in p.citations)
        out.append(f"| {sid} | {_cell(sg.title if sg else sid)} | {(sg.requirement[:1].upper() if sg else '')} | {pols} | "
                   f"{_pct(s['score'])} | {_counts(s)} |\n")

    for level in ("mandatory", "advisory"):
        out.append(f"\n## {level.capitalize()} policies\n\n| Policy | Citations | Severity | Pass | Fail | Exempt | Unverified | N/A |\n"
                   "|---|---|---|---:|---:|---:|---:|---:|\n")
        for name, p in sorted(report.policies.items()):
            if p.level != level:
                continue
            out.append(f"| `{name}` | {', '.join(p.citations)} | {p.severity} | {_counts(summary['byPolicy'][name])} |\n")
    disabled = sorted(n for n, p in report.policies.items() if p.level == "disabled")
    if disabled:
        out.append(f"\nDisabled by the policy config: {', '.join(f'`{n}`' for n in disabled)}.\n")

    sections = (("Mandatory violations", report.mandatory_violations()),
                ("Advisory violations", report.advisory_violations()),
                ("Exemptions", [r for r in report.results() if r.status == EXEMPT]),
                ("Unverified controls", [r for r in report.results() if r.status == UNVERIFIED]))
    for title, sel in sections:
        out.append(f"\n## {title} ({len(sel)})\n\n")
        if not sel:
            out.append("None.\n")
            continue
        out.append("| Stack | Resource | Type | Policy | Citation | Finding |\n|---|---|---|---|---|---|\n")
        for r in sel:
            msg = r.message + "".join(f" *Note: {n}*" for n in r.notes)
            out.append(f"| {_cell(r.stack)} | `{_cell(r.name)}` | `{r.type}` | `{r.policy}` | "
                       f"{report.policies[r.policy].primary} | {_cell(msg)} |\n")
        if title.endswith("violations"):
            out.append("\nRemediation:\n\n")
            for name in sorted({r.policy for r in sel}):
                out.append(f"- `{name}`: {_cell(report.policies[name].remediation)}\n")
    return "".join(out)
