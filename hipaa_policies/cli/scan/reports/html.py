"""Self-contained HTML dashboard: one file, inline CSS and script, no network fetches (a
Content-Security-Policy forbids them).  Score by safeguard category, per stack, drill-down from
safeguard to policies to resources, exemptions and unverified controls."""
from __future__ import annotations

import html
from importlib import resources
from typing import Any, Dict, List

from hipaa_policies.frameworks.catalogue import CATEGORY_ORDER, load_catalogue
from hipaa_policies.cli.scan.runner import EXEMPT, FAIL, PASS, UNVERIFIED, ScanReport

MAX_PASSING = 100      # passing resources listed per policy under a safeguard
MAX_OTHER = 1000       # failing/exempt/unverified resources listed per policy under a safeguard
STATUS_ORDER = {FAIL: 0, UNVERIFIED: 1, EXEMPT: 2, PASS: 3}
CATEGORY_TITLES = {"administrative": "Administrative safeguards (§164.308)",
                   "physical": "Physical safeguards (§164.310)",
                   "technical": "Technical safeguards (§164.312)",
                   "organizational": "Organizational requirements (§164.314)",
                   "documentation": "Policies, procedures and documentation (§164.316)"}


def e(value: Any) -> str:
    return html.escape(str(value), quote=True)


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


def _results_table(rows: List[Any], report: ScanReport, multi: bool, show_policy: bool = False) -> str:
    out = ["<table class='results'><thead><tr><th>Status</th><th>Level</th>"
           + ("<th>Stack</th>" if multi else "") + ("<th>Policy</th>" if show_policy else "")
           + "<th>Resource</th><th>Type</th><th>Finding</th></tr></thead><tbody>"]
    for r in rows:
        notes = "".join(f"<div class='note'>{e(n)}</div>" for n in r.notes)
        out.append(f"<tr class='row {e(r.status)}' data-status='{e(r.status)}'>"
                   f"<td><span class='b {e(r.status)}'>{e(r.status)}</span></td><td>{e(r.level)}</td>"
                   + (f"<td>{e(r.stack)}</td>" if multi else "")
                   + (f"<td><code>{e(r.policy)}</code></td>" if show_policy else "")
                   + f"<td title='{e(r.urn)}'><code>{e(r.name)}</code></td><td><code>{e(r.type)}</code></td>"
                   f"<td>{e(r.message) or '<span class=dim>compliant</span>'}{notes}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render(report: ScanReport) -> str:
    cat = load_catalogue()
    summary = report.summary()
    multi = len(report.stacks) > 1
    by_policy: Dict[str, List[Any]] = {}
    for r in report.results():
        by_policy.setdefault(r.policy, []).append(r)
    for rows in by_policy.values():
        rows.sort(key=lambda r: (STATUS_ORDER.get(r.status, 9), r.stack, r.name))

    parts: List[str] = []
    verdict = ("<span class='verdict bad' id='verdict'>FAILED — mandatory violations</span>" if report.exit_code
               else "<span class='verdict good' id='verdict'>PASSED — no mandatory violation</span>")
    parts.append(f"<header><h1>HIPAA Security Rule compliance</h1><p class='meta'>Pack <b>{e(report.pack_name)}</b> "
                 f"{e(report.pack_version)} · generated {e(report.generated_at)} · {len(report.stacks)} stack(s), "
                 f"{summary['resources']} resources, {len(report.policies)} policies</p>{verdict}</header>")

    # overall + categories
    parts.append("<section id='scores'><div class='overall card'>"
                 f"<h2>Overall score</h2>{_ring(summary['score'], 'big')}"
                 f"<p id='overall-score' data-score='{e(summary['score'])}'>Compliance score "
                 f"<b>{_pct(summary['score'])}</b></p>"
                 f"<p>Mandatory controls: <b>{_pct(summary['mandatoryScore'])}</b></p>"
                 f"<p><span class='b fail'>{summary['mandatoryViolations']} mandatory</span> "
                 f"<span class='b warnb'>{summary['advisoryViolations']} advisory</span> violations</p></div>"
                 "<div class='categories'>")
    for c in CATEGORY_ORDER:
        s = summary["categories"][c]
        parts.append(f"<div class='card category' id='category-{c}' data-category='{c}' data-score='{e(s['score'])}'>"
                     f"<h3>{e(c.capitalize())}</h3><p class='sub'>{e(CATEGORY_TITLES[c])}</p>"
                     f"{_ring(s['score'])}{_counts(s['counts'])}</div>")
    parts.append("</div></section>")
    parts.append("<p class='explain'>Score = (pass + exempt) ÷ (pass + fail + exempt + unverified) over every "
                 "(policy, resource) pair a policy applies to. Unverified controls count against the score: an unknown "
                 "value is never a pass.</p>")

    # stacks
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

    # drill-down
    parts.append("<section id='safeguards'><h2>Safeguards → policies → resources</h2>"
                 "<div class='tools'><input id='filter' type='search' placeholder='Filter resources, policies…'>"
                 "<button id='expand'>Expand all</button><button id='collapse'>Collapse all</button>"
                 "<label><input type='checkbox' id='only-problems'> only problems</label></div>")
    for c in CATEGORY_ORDER:
        sids = [sid for sid in summary["safeguards"] if sid in cat.safeguards and cat.safeguards[sid].category == c]
        if not sids:
            continue
        parts.append(f"<h3 class='cat-head'>{e(CATEGORY_TITLES[c])}</h3>")
        for sid in sids:
            s = summary["safeguards"][sid]
            sg = cat.safeguards[sid]
            has_problem = s["counts"]["fail"] + s["counts"]["unverified"] > 0
            parts.append(f"<details class='safeguard' data-safeguard='{e(sid)}'{' open' if s['counts']['fail'] else ''}>"
                         f"<summary><span class='cit'>{e(sid)}</span> {e(sg.title)} "
                         f"<span class='req'>{e(sg.requirement)}</span> "
                         f"<span class='b {_grade(s['score'])}'>{_pct(s['score'])}</span>{_counts(s['counts'])}"
                         f"{' <span class=flag>needs attention</span>' if has_problem else ''}</summary>")
            for name in sorted(n for n, p in report.policies.items() if sid in p.citations):
                p = report.policies[name]
                ps = summary["byPolicy"][name]
                rows = by_policy.get(name, [])
                parts.append(f"<details class='policy' data-policy='{e(name)}'><summary><code>{e(name)}</code> "
                             f"<span class='lvl {e(p.level)}'>{e(p.level)}</span> {e(p.description)}"
                             f"{_counts(ps['counts'])}</summary><div class='pbody'>"
                             f"<p class='sub'>Citations: {e(', '.join(p.citations))} · severity {e(p.severity)} · "
                             f"remediation: {e(p.remediation)}</p>")
                if not rows:
                    parts.append("<p class='dim'>Applies to no resource of the scanned stacks.</p>")
                else:
                    others = [r for r in rows if r.status != PASS][:MAX_OTHER]
                    passing = [r for r in rows if r.status == PASS]
                    shown = others + passing[:MAX_PASSING]
                    parts.append(_results_table(shown, report, multi))
                    hidden = len(rows) - len(shown)
                    if hidden:
                        parts.append(f"<p class='dim'>… {hidden} more results (all are in report.json).</p>")
                parts.append("</div></details>")
            parts.append("</details>")
    parts.append("</section>")

    # violations, exemptions, unverified
    for sid_, title, sel in (
            ("violations", "Violations", [r for r in report.results() if r.status == FAIL]),
            ("exemptions", "Exemptions", [r for r in report.results() if r.status == EXEMPT]),
            ("unverified", "Unverified controls", [r for r in report.results() if r.status == UNVERIFIED])):
        sel.sort(key=lambda r: (r.level != "mandatory", r.policy, r.name))
        parts.append(f"<section id='{sid_}'><h2>{title} <span class='b'>{len(sel)}</span></h2>")
        if sel:
            parts.append(_results_table(sel[:MAX_OTHER], report, multi, show_policy=True))
            if len(sel) > MAX_OTHER:
                parts.append(f"<p class='dim'>… {len(sel) - MAX_OTHER} more (all are in report.json).</p>")
        else:
            parts.append("<p class='dim'>None.</p>")
        parts.append("</section>")

    body = "".join(parts)
    page = _template("dashboard.html")
    return (page.replace("{{TITLE}}", e(f"HIPAA compliance — {', '.join(s.label for s in report.stacks)}"))
                .replace("{{STYLE}}", _template("dashboard.css"))
                .replace("{{SCRIPT}}", _template("dashboard.js"))
                .replace("{{BODY}}", body))
