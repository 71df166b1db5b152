"""Markdown report: what to fix first (mandatory violations by resource, the most severe first, with
their remediation), then scores per category, stack, safeguard and policy, then every other finding."""
from __future__ import annotations

from typing import Any, List

from hipaa_policies.cli.scan.runner import EXEMPT, UNVERIFIED, ScanReport


def _pct(score: Any) -> str:
    return "—" if score is None else f"{score:.1f}%"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _counts(s: dict) -> str:
    c = s["counts"]
    return f"{c['pass']} | {c['fail']} | {c['exempt']} | {c['unverified']}"


def render(report: ScanReport) -> str:
    from hipaa_policies.cli.scan.inputs import show_path
    from hipaa_policies.cli.scan.reports.text import by_resource, location, verdict_line
    cat = report.fw
    summary = report.summary()
    out: List[str] = []
    out.append(f"# {cat.label} scan\n\n")
    head, detail = cat.caveat
    if head:
        out.append(f"> **{head}** {_cell(detail)}\n\n")
    out.append(f"Pack `{report.pack_name}` {report.pack_version}, generated {report.generated_at} by "
               f"`hipaa-policies scan` in {report.duration:.2f}s.\n\n**{_cell(verdict_line(report))}**\n\n")
    scope = "" if summary["inScope"] == summary["resources"] else f" ({summary['inScope']} in scope)"
    out.append(f"- Stacks: {len(report.stacks)}; resources: {summary['resources']}{scope}; policies: {len(report.policies)}\n")
    out.append(f"- Overall score: **{_pct(summary['score'])}** (mandatory controls: {_pct(summary['mandatoryScore'])})\n")
    out.append(f"- Violations: **{summary['mandatoryViolations']} mandatory**, {summary['advisoryViolations']} advisory\n")
    if report.policy_config:
        out.append(f"- Policy config: `{report.policy_config['path']}` (sha256 `{report.policy_config['sha256']}`)\n")
    if report.baseline is not None:
        b = summary["baseline"]
        out.append(f"- Baseline `{report.baseline['path']}`: {b['new']} new, {b['unchanged']} unchanged, "
                   f"{b['fixed']} fixed finding(s)" + (" (only new mandatory violations fail the run)"
                                                       if report.fail_on == "new" else "") + "\n")
    if report.placeholders:
        keys = ", ".join(f"`{k}`" + (" (secret)" if v else "") for k, v in report.placeholders.items())
        out.append(f"- **Placeholder config**: {keys} were not set and were filled with placeholders\n")
    for st in report.stacks:
        if st.input.unexpanded:
            names = ", ".join(f"`{c.name}` (`{c.type}`)" for c in st.input.unexpanded)
            out.append(f"- **Not expanded** in {_cell(st.label)}: {names} — multi-language components whose children "
                       "are not created under mocks (scan `pulumi preview --json` output to check them)\n")
    for target, problem in report.input_errors:
        out.append(f"- **Not scanned**: `{_cell(target)}` — {_cell(problem)}\n")
    out.append("\nScore = (pass + exempt) / (pass + fail + exempt + unverified) over (policy, resource) results "
               "that are about something (a pass true of any stack does not count); an unverified control counts "
               "against it.\n")

    mandatory = report.mandatory_violations()
    out.append(f"\n## Fix first: mandatory violations ({len(mandatory)})\n\n")
    if not mandatory:
        out.append("None.\n")
    explained = set()
    for first, results in by_resource(report, mandatory):
        where = location(report, first)
        out.append(f"### `{_cell(first.name)}` (`{first.type}`)" + (f" — {_cell(first.stack)}" if len(report.stacks) > 1 else "")
                   + (f" — `{where}`" if where else "") + "\n\n")
        for r in results:
            p = report.policies[r.policy]
            state = f" *({r.baseline})*" if r.baseline else ""
            out.append(f"- **{p.severity}** `{r.policy}` (§{p.primary}){state}: {_cell(r.message)}\n")
            for n in r.notes:
                out.append(f"  - *Note: {_cell(n)}*\n")
            if r.policy not in explained:
                out.append(f"  - Fix: {_cell(p.remediation)}\n")
                explained.add(r.policy)
        out.append("\n")

    out.append("\n## Score by category\n\n| Category | Score | Pass | Fail | Exempt | Unverified |\n"
               "|---|---:|---:|---:|---:|---:|\n")
    for c, title in cat.categories.items():
        s = summary["categories"][c]
        out.append(f"| {_cell(title)} | {_pct(s['score'])} | {_counts(s)} |\n")

    out.append("\n## Stacks\n\n| Stack | Input | Kind | SHA-256 | Resources | Score | Mandatory | Advisory |\n"
               "|---|---|---|---|---:|---:|---:|---:|\n")
    for st in report.stacks:
        sm = report.summary(st)
        resources = str(st.resources) if st.in_scope == st.resources else f"{st.in_scope} of {st.resources} in scope"
        out.append(f"| {_cell(st.label)} | `{_cell(show_path(st.input.path))}` | {st.input.kind} | `{st.input.sha256[:16]}…` | "
                   f"{resources} | {_pct(sm['score'])} | {sm['mandatoryViolations']} | {sm['advisoryViolations']} |\n")

    out.append("\n## Requirements\n\n| Requirement | Title | R/A | Policies | Score | Pass | Fail | Exempt | Unverified |\n"
               "|---|---|---|---|---:|---:|---:|---:|---:|\n")
    for sid, s in summary["safeguards"].items():
        sg = cat.requirements.get(sid)
        pols = ", ".join(f"`{n}`" for n in sorted(report.policies) if sid in report.requirements_of(n))
        out.append(f"| {sid} | {_cell(sg.title if sg else sid)} | {((sg.requirement or '')[:1].upper() if sg else '')} | {pols} | "
                   f"{_pct(s['score'])} | {_counts(s)} |\n")

    for level in ("mandatory", "advisory"):
        out.append(f"\n## {level.capitalize()} policies\n\n| Policy | Citations | Severity | Pass | Fail | Exempt | Unverified |\n"
                   "|---|---|---|---:|---:|---:|---:|\n")
        for name, p in sorted(report.policies.items()):
            if p.level != level:
                continue
            out.append(f"| `{name}` | {', '.join(p.citations)} | {p.severity} | {_counts(summary['byPolicy'][name])} |\n")
    disabled = sorted(n for n, p in report.policies.items() if p.level == "disabled")
    if disabled:
        out.append(f"\nDisabled by the policy config: {', '.join(f'`{n}`' for n in disabled)}.\n")

    sections = (("Advisory violations", report.advisory_violations()),
                ("Exemptions", [r for r in report.results() if r.status == EXEMPT]),
                ("Unverified controls", [r for r in report.results() if r.status == UNVERIFIED]))
    for title, sel in sections:
        out.append(f"\n## {title} ({len(sel)})\n\n")
        if not sel:
            out.append("None.\n")
            continue
        out.append("| Stack | Resource | Type | Policy | Citation | Finding |\n|---|---|---|---|---|---|\n")
        for r in sel:
            msg = r.message + "".join(f" *Note: {n}*" for n in r.notes) + (f" *({r.baseline})*" if r.baseline else "")
            out.append(f"| {_cell(r.stack)} | `{_cell(r.name)}` | `{r.type}` | `{r.policy}` | "
                       f"{report.policies[r.policy].primary} | {_cell(msg)} |\n")
        if title.endswith("violations"):
            out.append("\nRemediation:\n\n")
            for name in sorted({r.policy for r in sel}):
                out.append(f"- `{name}`: {_cell(report.policies[name].remediation)}\n")
    if report.fixed:
        out.append(f"\n## Fixed since the baseline ({len(report.fixed)})\n\n| Stack | Resource | Policy | Was |\n|---|---|---|---|\n")
        for f in report.fixed:
            out.append(f"| {_cell(f.get('stack'))} | `{_cell(f.get('name'))}` | `{f.get('policy')}` | {f.get('status')} |\n")
    return "".join(out)
