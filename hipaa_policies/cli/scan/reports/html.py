"""Self-contained HTML dashboard: one file, inline CSS and script, no network fetches (a
Content-Security-Policy forbids them).

Tabs: **Findings** starts with what to fix (mandatory violations grouped by resource, most severe
first, each with its remediation and a link to the line that declares the resource), says which
safeguards the scan cannot assess, then the scores, the stacks and the drill-down from safeguard to
policies to resources; **Registers** shows every audit evidence register of every stack as tables
with filters, pages and a CSV download built from data embedded in the page; **Network map** draws
each stack's VPC → subnet → security group → resource graph with internet ingress marked.

Messages are Markdown: the text is HTML-escaped first, then `code` spans and **bold** become
markup, so nothing in a message can inject HTML.  The page stays small at any stack size: tables
show a bounded number of rows and say how many more there are (the full data is in report.json,
evidence.json and the CSV files written beside the dashboard).
"""
from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from hipaa_policies.cli.scan.runner import EXEMPT, FAIL, PASS, UNVERIFIED, ScanReport

MAX_PASSING = 5        # passing resources listed per policy under a safeguard
MAX_OTHER = 25         # failing/exempt/unverified resources listed per policy under a safeguard
MAX_SECTION = 200      # rows of the violations / exemptions / unverified sections
MAX_FIX = 100          # resources in "Fix first"
EMBED_ROWS = 2000      # register rows embedded per table (the CSV files beside the page have all)
STATUS_ORDER = {FAIL: 0, UNVERIFIED: 1, EXEMPT: 2, PASS: 3}
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
CATEGORY_TITLES = {"administrative": "Administrative safeguards (§164.308)",
                   "physical": "Physical safeguards (§164.310)",
                   "technical": "Technical safeguards (§164.312)",
                   "organizational": "Organizational requirements (§164.314)",
                   "documentation": "Policies, procedures and documentation (§164.316)"}
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")


def e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def md(text: Any) -> str:
    """Markdown of a message as HTML: escape everything, then turn `code` and **bold** into markup."""
    out = html.escape(str(text or ""), quote=True)
    out = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", out)
    return _BOLD.sub(lambda m: f"<b>{m.group(1)}</b>", out)


def _pct(score: Any) -> str:
    return "—" if score is None else f"{score:.1f}%"


def _grade(score: Any) -> str:
    if score is None:
        return "none"
    return "good" if score >= 90 else "warn" if score >= 70 else "bad"


def _counts(c: Dict[str, int]) -> str:
    return ("<span class='counts'>"
            f"<span class='b pass' title='pass'>{c['pass']} pass</span>"
            f"<span class='b fail' title='fail'>{c['fail']} fail</span>"
            f"<span class='b exempt' title='exempt'>{c['exempt']} exempt</span>"
            f"<span class='b unverified' title='unverified'>{c['unverified']} unverified</span>"
            f"<span class='b na' title='not applicable'>{c['notApplicable']} n/a</span></span>")


def _ring(score: Any, size: str = "") -> str:
    deg = 0 if score is None else round(score * 3.6)
    return (f"<div class='ring {_grade(score)} {size}' style='--deg:{deg}deg'>"
            f"<span>{_pct(score)}</span></div>")


def _template(name: str) -> str:
    return resources.files("hipaa_policies.cli.scan").joinpath("templates", name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- source locations
class Locations:
    """Where each resource is declared: the program line that names it, or the line of its URN in a
    JSON input (the locations SARIF reports)."""

    def __init__(self, report: ScanReport) -> None:
        self.by_stack = {s.label: s.input for s in report.stacks}

    def of(self, stack: str, urn: str) -> Optional[Tuple[str, str]]:
        si = self.by_stack.get(stack)
        if si is None:
            return None
        line = si.lines.get(urn)
        if not line:
            return None
        from hipaa_policies.cli.scan.inputs import show_path
        source = Path(si.source)
        return f"{show_path(source)}:{line}", f"{source.resolve().as_uri()}#L{line}"

    def link(self, stack: str, urn: str) -> str:
        loc = self.of(stack, urn)
        if loc is None:
            return ""
        text, href = loc
        return f"<a class='src' href='{e(href)}' title='declared here'>{e(text)}</a>"


def _results_table(rows: List[Any], multi: bool, locs: Locations, show_policy: bool = False) -> str:
    out = ["<table class='results'><thead><tr><th>Status</th><th>Level</th>"
           + ("<th>Stack</th>" if multi else "") + ("<th>Policy</th>" if show_policy else "")
           + "<th>Resource</th><th>Type</th><th>Finding</th></tr></thead><tbody>"]
    for r in rows:
        notes = "".join(f"<div class='note'>{md(n)}</div>" for n in r.notes)
        out.append(f"<tr class='row {e(r.status)}' data-status='{e(r.status)}'>"
                   f"<td><span class='b {e(r.status)}'>{e(r.status)}</span></td><td>{e(r.level)}</td>"
                   + (f"<td>{e(r.stack)}</td>" if multi else "")
                   + (f"<td><code>{e(r.policy)}</code></td>" if show_policy else "")
                   + f"<td title='{e(r.urn)}'><code>{e(r.name)}</code>{locs.link(r.stack, r.urn)}</td>"
                   f"<td><code>{e(r.type)}</code></td>"
                   f"<td>{md(r.message) or '<span class=dim>compliant</span>'}{notes}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _more(hidden: int, where: str = "report.json") -> str:
    return f"<p class='dim more'>… {hidden:,} more (all are in {where}).</p>" if hidden > 0 else ""


# --------------------------------------------------------------------------- sections
def _fix_first(report: ScanReport, locs: Locations) -> str:
    """Mandatory violations grouped by resource: most severe first, each with its remediation."""
    groups: Dict[Tuple[str, str], List[Any]] = {}
    for r in report.mandatory_violations():
        groups.setdefault((r.stack, r.urn), []).append(r)

    def severity(r: Any) -> int:
        return SEVERITY_ORDER.get(report.policies[r.policy].severity, 9)

    ordered = sorted(groups.items(), key=lambda kv: (min(severity(r) for r in kv[1]), -len(kv[1]), kv[0]))
    total = sum(len(v) for v in groups.values())
    parts = [f"<section id='fix-first'><h2>Fix first <span class='b fail'>{total} mandatory violation(s)</span> "
             f"on {len(groups)} resource(s)</h2>"]
    if not groups:
        parts.append("<p class='good-note'>No mandatory violation. Advisory findings and unverified controls are "
                     "listed below.</p></section>")
        return "".join(parts)
    parts.append("<p class='explain'>Grouped by resource, most severe first. Each violation names the property "
                 "and the expected setting; the remediation says what to change.</p>")
    multi = len(report.stacks) > 1
    for (stack, urn), rows in ordered[:MAX_FIX]:
        rows.sort(key=lambda r: (severity(r), r.policy))
        first = rows[0]
        parts.append(f"<div class='fix card' data-urn='{e(urn)}'><div class='fix-head'>"
                     f"<span class='sev {e(report.policies[first.policy].severity)}'>"
                     f"{e(report.policies[first.policy].severity)}</span> <code class='res'>{e(first.name)}</code> "
                     f"<code class='dim'>{e(first.type)}</code>" + (f" <span class='dim'>{e(stack)}</span>" if multi else "")
                     + f" {locs.link(stack, urn)}</div><ul>")
        for r in rows:
            p = report.policies[r.policy]
            parts.append(f"<li><span class='sev {e(p.severity)}'>{e(p.severity)}</span> <code>{e(r.policy)}</code> "
                         f"<span class='cit'>{e(p.primary)}</span><div class='msg'>{md(r.message)}</div>"
                         f"<div class='fix-how'><b>Fix:</b> {md(p.remediation)}</div></li>")
        parts.append("</ul></div>")
    if len(ordered) > MAX_FIX:
        parts.append(_more(len(ordered) - MAX_FIX, "report.json and the Violations section"))
    parts.append("</section>")
    return "".join(parts)


def _not_assessed() -> str:
    from hipaa_policies.cli.scan.registers import scope
    s = scope.summary()
    rows = "".join(f"<tr><td class='cit'>{e(sg.id)}</td><td>{e(sg.title)}</td><td>{e(scope.AUTOMATION_LABEL[sg.automation])}"
                   f"</td><td>{md(sg.reason)}</td></tr>" for sg in scope.not_assessable())
    return (f"<section id='not-assessed' data-count='{s['notAssessable']}' data-total='{s['safeguards']}'>"
            f"<details class='card'><summary><b>{s['notAssessable']} of {s['safeguards']} safeguards cannot be "
            f"assessed by this scan</b>: {s['processControls']} are process controls (policies, people, paperwork) and "
            f"{s['awsResponsibility']} are AWS's side of the shared responsibility model. A passing scan says nothing "
            f"about them; {s['partiallyAssessable']} more are assessed only in part (see the Scope register).</summary>"
            f"<table><thead><tr><th>Citation</th><th>Safeguard</th><th>Why not</th><th>Reason</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></details></section>")


def _findings(report: ScanReport, locs: Locations) -> str:
    cat = report.fw
    summary = report.summary()
    multi = len(report.stacks) > 1
    by_policy: Dict[str, List[Any]] = {}
    for r in report.results():
        if r.status != PASS or len(by_policy.get(r.policy, ())) < MAX_OTHER + MAX_PASSING:
            by_policy.setdefault(r.policy, []).append(r)
    for rows in by_policy.values():
        rows.sort(key=lambda r: (STATUS_ORDER.get(r.status, 9), r.stack, r.name))
    parts: List[str] = [_fix_first(report, locs), _not_assessed()]
    parts.append("<section id='scores'><div class='overall card'>"
                 f"<h2>Overall score</h2>{_ring(summary['score'], 'big')}"
                 f"<p id='overall-score' data-score='{e(summary['score'])}'>Compliance score "
                 f"<b>{_pct(summary['score'])}</b></p>"
                 f"<p>Mandatory controls: <b>{_pct(summary['mandatoryScore'])}</b></p>"
                 f"<p><span class='b fail'>{summary['mandatoryViolations']} mandatory</span> "
                 f"<span class='b warnb'>{summary['advisoryViolations']} advisory</span> violations</p></div>"
                 "<div class='categories'>")
    for c, title in cat.categories.items():
        s = summary["categories"][c]
        parts.append(f"<div class='card category' id='category-{e(c)}' data-category='{e(c)}' data-score='{e(s['score'])}'>"
                     f"<h3>{e(c.capitalize())}</h3><p class='sub'>{e(title)}</p>"
                     f"{_ring(s['score'])}{_counts(s['counts'])}</div>")
    parts.append("</div></section>")
    parts.append("<p class='explain'>Score = (pass + exempt) ÷ (pass + fail + exempt + unverified) over every "
                 "(policy, resource) pair a policy applies to. Unverified controls count against the score: an unknown "
                 "value is never a pass.</p>")

    parts.append("<section id='stacks'><h2>Stacks</h2><table><thead><tr><th>Stack</th><th>Input</th><th>Kind</th>"
                 "<th>SHA-256</th><th>Resources</th><th>Score</th><th>Mandatory</th><th>Advisory</th></tr></thead><tbody>")
    from hipaa_policies.cli.scan.inputs import show_path
    for s in report.stacks:
        sm = report.summary(s)
        parts.append(f"<tr><td>{e(s.label)}</td><td><code>{e(show_path(s.input.path))}</code></td><td>{e(s.input.kind)}</td>"
                     f"<td><code title='{e(s.input.sha256)}'>{e(s.input.sha256[:12])}…</code></td><td>{s.resources}</td>"
                     f"<td><span class='b {_grade(sm['score'])}'>{_pct(sm['score'])}</span></td>"
                     f"<td>{sm['mandatoryViolations']}</td><td>{sm['advisoryViolations']}</td></tr>")
    parts.append("</tbody></table></section>")

    parts.append(f"<section id='safeguards'><h2>{e(cat.label)}: requirements → policies → resources</h2>"
                 "<div class='tools'><input id='filter' type='search' placeholder='Filter resources, policies…'>"
                 "<button id='expand'>Expand all</button><button id='collapse'>Collapse all</button>"
                 "<label><input type='checkbox' id='only-problems'> only problems</label></div>")
    for c, title in cat.categories.items():
        sids = [sid for sid in summary["safeguards"] if sid in cat.requirements and cat.requirements[sid].category == c]
        if not sids:
            continue
        parts.append(f"<h3 class='cat-head'>{e(title)}</h3>")
        for sid in sids:
            s = summary["safeguards"][sid]
            sg = cat.requirements[sid]
            has_problem = s["counts"]["fail"] + s["counts"]["unverified"] > 0
            parts.append(f"<details class='safeguard' data-safeguard='{e(sid)}'{' open' if s['counts']['fail'] else ''}>"
                         f"<summary><span class='cit'>{e(sid)}</span> {e(sg.title)} "
                         f"<span class='req'>{e(sg.requirement)}</span> "
                         f"<span class='b {_grade(s['score'])}'>{_pct(s['score'])}</span>{_counts(s['counts'])}"
                         f"{' <span class=flag>needs attention</span>' if has_problem else ''}</summary>")
            for name in sorted(n for n in report.policies if sid in report.requirements_of(n)):
                p = report.policies[name]
                ps = summary["byPolicy"][name]
                rows = by_policy.get(name, [])
                parts.append(f"<details class='policy' data-policy='{e(name)}'><summary><code>{e(name)}</code> "
                             f"<span class='lvl {e(p.level)}'>{e(p.level)}</span> {md(p.description)}"
                             f"{_counts(ps['counts'])}</summary><div class='pbody'>"
                             f"<p class='sub'>Citations: {e(', '.join(p.citations))} · severity {e(p.severity)} · "
                             f"remediation: {md(p.remediation)}</p>")
                if not rows:
                    parts.append("<p class='dim'>Applies to no resource of the scanned stacks.</p>")
                else:
                    others = [r for r in rows if r.status != PASS][:MAX_OTHER]
                    passing = [r for r in rows if r.status == PASS][:MAX_PASSING]
                    parts.append(_results_table(others + passing, multi, locs))
                    evaluated = sum(ps["counts"][k] for k in ("pass", "fail", "exempt", "unverified"))
                    parts.append(_more(evaluated - len(others) - len(passing)))
                parts.append("</div></details>")
            parts.append("</details>")
    parts.append("</section>")

    sections = {"violations": [], "exemptions": [], "unverified": []}
    counts = {"violations": 0, "exemptions": 0, "unverified": 0}
    key = {FAIL: "violations", EXEMPT: "exemptions", UNVERIFIED: "unverified"}
    for r in report.results():
        k = key.get(r.status)
        if k is None:
            continue
        counts[k] += 1
        sections[k].append(r)
    for sid_, title in (("violations", "Violations"), ("exemptions", "Exemptions"), ("unverified", "Unverified controls")):
        sel = sorted(sections[sid_], key=lambda r: (r.level != "mandatory", r.policy, r.name))
        parts.append(f"<section id='{sid_}'><h2>{title} <span class='b'>{counts[sid_]}</span></h2>")
        if sel:
            parts.append(_results_table(sel[:MAX_SECTION], multi, locs, show_policy=True))
            parts.append(_more(len(sel) - MAX_SECTION))
        else:
            parts.append("<p class='dim'>None.</p>")
        parts.append("</section>")
    return "".join(parts)


# --------------------------------------------------------------------------- registers and map
def _evidence_text(evidence: List[Dict[str, str]], urn: Any) -> str:
    from hipaa_policies.cli.scan.reports.evidence import _evidence_text as text
    return text(evidence, urn)


def register_data(report: ScanReport) -> Dict[str, Any]:
    """What the Registers tab renders: every table's columns and up to EMBED_ROWS rows (cells in
    column order, then the evidence of each status column), with its total and its CSV file."""
    from hipaa_policies.cli.scan.registers import for_report
    from hipaa_policies.cli.scan.reports.evidence import csv_exports, export_name
    csv_exports(report)  # assigns each stack its export directory
    stacks = []
    for stack in for_report(report):
        regs = {}
        for rid, reg in stack["registers"].items():
            tables = []
            for t in reg["tables"]:
                cols = t["columns"]
                status = [c["key"] for c in cols if c["kind"] == "status"]
                rows = []
                for entry in t["entries"][:EMBED_ROWS]:
                    ev = entry.get("evidence", {})
                    rows.append([entry.get(c["key"]) for c in cols]
                                + [_evidence_text(ev.get(k, []), entry.get("urn")) for k in status])
                tables.append({"id": t["id"], "title": t["title"], "description": t["description"],
                               "columns": [[c["key"], c["title"], c["kind"]] for c in cols], "total": len(t["entries"]),
                               "rows": rows, "csv": export_name(stack["slug"], rid, t["id"])})
            regs[rid] = {"title": reg["title"], "tables": tables}
        stacks.append({"stack": stack["stack"], "slug": stack["slug"], "registers": regs})
    return {"stacks": stacks, "embedRows": EMBED_ROWS}


def _json_script(element_id: str, data: Any) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
    # inside <script> nothing may close the element: every "<" is written as \u003c
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"<script type='application/json' id='{element_id}'>{text}</script>"


def _registers_tab(report: ScanReport) -> str:
    from hipaa_policies.cli.scan.registers import REGISTERS
    nav = "".join(f"<button class='reg-btn' data-register='{rid}'>{e(title)}</button>" for rid, title in REGISTERS)
    stacks = "".join(f"<option value='{i}'>{e(s.label)}</option>" for i, s in enumerate(report.stacks))
    return ("<section id='tab-registers' class='tab' data-tab='registers'><h2>Audit evidence registers</h2>"
            "<p class='explain'>Built from the same diagnostics and stack index the policies use: each status column "
            "is the verdict of the policies named in its evidence (hover a status); descriptive values are read as "
            "written, secrets by reference. Each table downloads as CSV; the CSV files with every row are also written "
            "beside this page (<code>registers/</code>) and the whole bundle is <code>evidence.json</code>.</p>"
            f"<div class='tools'>{'<label>Stack <select id=reg-stack>' + stacks + '</select></label>' if len(report.stacks) > 1 else ''}"
            f"<nav class='reg-nav' id='reg-nav'>{nav}</nav></div>"
            "<div id='register-view'><noscript>The registers need JavaScript to display; the same data is in "
            "evidence.json and the CSV files beside this page.</noscript></div></section>")


def _network_tab(report: ScanReport) -> str:
    from hipaa_policies.cli.scan.registers import for_report
    from hipaa_policies.cli.scan.registers.assets import diagram_svg
    parts = ["<section id='tab-network' class='tab' data-tab='network'><h2>Network map</h2>"
             "<p class='explain'>VPC → subnet → security group → resource, from the stack's declared links. "
             "<span class='legend internet'>red</span>: ingress from the internet (0.0.0.0/0 or ::/0), with its "
             "ports; <span class='legend public'>outlined</span>: public subnet (route to an internet gateway or "
             "public IPs on launch) or publicly exposed resource; dashed: ingress from another security group. "
             "Hover a box for its URN. The full graph is in <code>evidence.json</code> "
             "(<code>stacks[].registers.assets.graph</code>).</p>"]
    for s, stack in zip(report.stacks, for_report(report), strict=True):
        graph = stack["registers"]["assets"]["graph"]
        kinds: Dict[str, int] = {}
        for n in graph["nodes"]:
            kinds[n["kind"]] = kinds.get(n["kind"], 0) + 1
        open_sgs = sum(1 for n in graph["nodes"] if n["kind"] == "securityGroup" and n.get("internetIngress"))
        parts.append(f"<div class='card netcard' data-stack='{e(s.label)}'><h3>{e(s.label)}</h3>"
                     f"<p class='sub'>{kinds.get('vpc', 0)} VPC(s), {kinds.get('subnet', 0)} subnet(s), "
                     f"{kinds.get('securityGroup', 0)} security group(s), {kinds.get('resource', 0)} resource(s) placed "
                     f"in them; <b>{open_sgs}</b> security group(s) open to the internet.</p>"
                     f"<div class='netwrap'>{diagram_svg(graph)}</div></div>")
    parts.append("</section>")
    return "".join(parts)


def render(report: ScanReport) -> str:
    summary = report.summary()
    locs = Locations(report)
    parts: List[str] = []
    verdict = ("<span class='verdict bad' id='verdict'>FAILED — mandatory violations</span>" if report.exit_code
               else "<span class='verdict good' id='verdict'>PASSED — no mandatory violation</span>")
    head, detail = report.fw.caveat
    caveat = f"<p class='meta'><b>{e(head)}</b> {e(detail)}</p>" if head else ""
    parts.append(f"<header><h1>{e(report.fw.label)} compliance</h1>{caveat}<p class='meta'>Pack <b>{e(report.pack_name)}</b> "
                 f"{e(report.pack_version)} · generated {e(report.generated_at)} · {len(report.stacks)} stack(s), "
                 f"{summary['resources']} resources, {len(report.policies)} policies</p>{verdict}</header>")
    parts.append("<nav class='tabs' id='tabs'><button data-tab='findings'>Findings</button>"
                 "<button data-tab='registers'>Registers</button><button data-tab='network'>Network map</button></nav>")
    parts.append(f"<section id='tab-findings' class='tab' data-tab='findings'>{_findings(report, locs)}</section>")
    parts.append(_registers_tab(report))
    parts.append(_network_tab(report))
    parts.append(_json_script("register-data", register_data(report)))
    body = "".join(parts)
    page = _template("dashboard.html")
    return (page.replace("{{TITLE}}", e(f"HIPAA compliance — {', '.join(s.label for s in report.stacks)}"))
                .replace("{{STYLE}}", _template("dashboard.css"))
                .replace("{{SCRIPT}}", _template("dashboard.js"))
                .replace("{{BODY}}", body))
