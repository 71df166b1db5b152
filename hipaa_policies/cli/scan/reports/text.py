"""The terminal report with Rich: what to fix first (mandatory violations grouped by resource, the
most severe first, each with its remediation), then the scores by safeguard category and per stack;
``--verbose`` adds every other finding and the tables per safeguard and per policy.  It reads at 80
columns (citations never cut) and ends with the verdict line; plus the progress bar for long scans."""
from __future__ import annotations

import sys
import time
from typing import Any, List, Optional

from hipaa_policies.cli.scan.inputs import show_path
from hipaa_policies.cli.scan.runner import EXEMPT, UNVERIFIED, Progress, ScanReport

MAX_LISTED = 25


def stderr_console():
    from rich.console import Console
    return Console(file=sys.stderr, highlight=False)


class ProgressBar(Progress):
    """A Rich progress bar on stderr that appears only when a stack takes more than a moment."""

    DELAY = 0.5

    def __init__(self, console: Any, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled and console.is_terminal
        self.bar: Any = None
        self.task: Any = None
        self.total = 0
        self.completed = 0
        self.label = ""
        self.started = 0.0

    def start(self, total: int, label: str) -> None:
        self.total, self.completed, self.label, self.started = total, 0, label, time.perf_counter()

    def advance(self, n: int) -> None:
        self.completed += n
        if not self.enabled:
            return
        if self.bar is None and time.perf_counter() - self.started > self.DELAY:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress
            self.bar = RichProgress(TextColumn("scanning {task.description}"), BarColumn(), MofNCompleteColumn(),
                                    TimeElapsedColumn(), console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total, completed=self.completed)
        elif self.bar is not None:
            self.bar.update(self.task, completed=self.completed)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}
WIDTH = 100  # when the output is not a terminal (files, pipes, CI logs)


def _pct(score: Optional[float]) -> str:
    return "—" if score is None else f"{score:.1f}%"


def _style(score: Optional[float]) -> str:
    if score is None:
        return "dim"
    return "green" if score >= 90 else "yellow" if score >= 70 else "red"


def _bar(score: Optional[float], width: int = 10) -> str:
    if score is None:
        return " " * width
    full = int(round(score / 100 * width))
    return "█" * full + "░" * (width - full)


def _counts_row(s: dict) -> List[str]:
    c = s["counts"]
    return [str(c["pass"]), str(c["fail"]), str(c["exempt"]), str(c["unverified"])]


def _compact(s: dict) -> str:
    c = s["counts"]
    return f"{c['pass']}/{c['fail']}/{c['exempt']}/{c['unverified']}"


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def location(report: ScanReport, r: Any) -> str:
    """``file:line`` of the statement that declared the resource (or of its URN in a JSON input)."""
    stack = next((s for s in report.stacks if s.label == r.stack), None)
    if stack is None:
        return ""
    loc = stack.input.locations.get(r.urn)
    if loc is not None:
        return f"{show_path(loc[0])}:{loc[1]}"
    line = stack.input.lines.get(r.urn)
    return f"{show_path(stack.input.source)}:{line}" if line else ""


def by_resource(report: ScanReport, results: List[Any]) -> List[tuple]:
    """[(first result, [results])] per resource, the most severe resource first; within a resource
    the most severe finding first (then policy name)."""
    groups: dict = {}
    for r in results:
        groups.setdefault((r.stack, r.urn), []).append(r)

    def sev(r: Any) -> int:
        return SEVERITY_ORDER.get(report.policies[r.policy].severity, 9)
    out = []
    for rs in groups.values():
        rs.sort(key=lambda r: (sev(r), r.policy))
        out.append((rs[0], rs))
    out.sort(key=lambda g: (min(sev(r) for r in g[1]), -len(g[1]), g[0].stack, g[0].name, g[0].urn))
    return out


def verdict_line(report: ScanReport) -> str:
    """The one-line outcome (printed even when only report files were asked for)."""
    summary = report.summary()
    errors = f"; {_plural(len(report.input_errors), 'input')} could not be scanned (exit 2)" if report.input_errors else ""
    if summary["inScope"] == 0:
        return (f"NOTHING IN SCOPE: 0 resources in scope of {summary['resources']} — the PHI scope leaves "
                f"nothing to check{errors or ' — exit 0'}")
    score = f"score {_pct(summary['score'])}, mandatory controls {_pct(summary['mandatoryScore'])}"
    base = ""
    if report.baseline is not None:
        b = summary["baseline"]
        base = f"; against the baseline: {b['new']} new, {b['unchanged']} unchanged, {b['fixed']} fixed"
    mandatory = summary["mandatoryViolations"]
    if report.exit_code:
        if report.fail_on == "new":
            what = f"{_plural(summary['baseline']['newMandatoryViolations'], 'new mandatory violation')}"
        else:
            what = _plural(mandatory, "mandatory violation")
        return f"FAILED: {what} ({score}{base}){errors or ' — exit 1'}"
    if mandatory:  # --fail-on new with only known violations
        return (f"PASSED: no new mandatory violation ({_plural(mandatory, 'known mandatory violation')}; "
                f"{score}{base}){errors or ' — exit 0'}")
    return f"PASSED: no mandatory violation ({score}{base}){errors or ' — exit 0'}"


def _header(report: ScanReport, summary: dict) -> List[Any]:
    from rich.markup import escape
    from rich.text import Text
    out: List[Any] = []
    scope = "" if summary["inScope"] == summary["resources"] else f" ({summary['inScope']} in scope)"
    out.append(Text.from_markup(
        f"[bold]{escape(report.fw.label)} scan[/bold] — {report.pack_name} {report.pack_version}: "
        f"{_plural(len(report.stacks), 'stack')}, {_plural(summary['resources'], 'resource')}{scope}, "
        f"{len(report.policies)} policies, {report.duration:.2f} s" + (" (preview mode)" if report.preview else "")))
    if report.placeholders:
        keys = ", ".join(f"{k} (secret)" if secret else k for k, secret in report.placeholders.items())
        out.append(Text(f"PLACEHOLDER CONFIG: these keys were not set and were filled with placeholders: {keys}. "
                        "Findings that depend on them may differ from the real stack.", style="yellow"))
    for s in report.stacks:
        if s.input.unexpanded:
            names = ", ".join(f"{c.name} ({c.type})" for c in s.input.unexpanded)
            out.append(Text(f"NOT EXPANDED in {s.label}: {names} — multi-language components whose children "
                            "are created by their own plugin, which does not run under mocks; their resources "
                            "are not checked. Scan `pulumi preview --json` output to see them.", style="yellow"))
    for _target, problem in report.input_errors:
        out.append(Text(f"NOT SCANNED: {problem}", style="red"))
    return out


def _findings(report: ScanReport, title: str, style: str, selected: List[Any], limit: Optional[int],
              remediation: bool) -> List[Any]:
    """Findings grouped by resource (most severe first), each with its policy, citation and message;
    with ``remediation`` the fix of each policy the first time it appears."""
    from rich.padding import Padding
    from rich.text import Text
    if not selected:
        return []
    groups = by_resource(report, selected)
    out: List[Any] = [Text(f"{title}: {_plural(len(selected), 'finding')} on {_plural(len(groups), 'resource')}",
                           style=f"bold {style}")]
    multi = len(report.stacks) > 1
    explained = set()
    for first, results in groups[:limit] if limit else groups:
        head = Text("● ")
        head.append(first.name, style="bold")
        head.append(f" ({first.type})")
        where = location(report, first)
        if multi:
            head.append(f" in {first.stack}")
        out.append(head)
        if where:
            out.append(Padding(Text(where, style="dim"), (0, 0, 0, 2), expand=False))
        for r in results:
            p = report.policies[r.policy]
            line = Text()
            line.append(f"{p.severity:<8} ", style=SEVERITY_STYLE.get(p.severity, ""))
            line.append(r.policy, style=style)
            line.append(f"  §{p.primary}", style="dim")
            if r.baseline:
                line.append(f"  [{r.baseline}]", style="bold" if r.baseline == "new" else "dim")
            out.append(Padding(line, (0, 0, 0, 2), expand=False))
            out.append(Padding(Text(r.message), (0, 0, 0, 4), expand=False))
            for note in r.notes:
                out.append(Padding(Text(f"note: {note}", style="dim"), (0, 0, 0, 4), expand=False))
            if remediation:
                fix = p.remediation if r.policy not in explained else "as above"
                explained.add(r.policy)
                out.append(Padding(Text(f"Fix: {fix}", style="green"), (0, 0, 0, 4), expand=False))
    if limit and len(groups) > limit:
        out.append(Text(f"… and {_plural(len(groups) - limit, 'more resource')} (--verbose lists all; the markdown, "
                        "json and html reports list every finding)", style="dim"))
    out.append(Text(""))
    return out


def _table(title: str, columns: List[tuple]) -> Any:
    from rich.table import Table
    t = Table(title=title, title_justify="left", pad_edge=False)
    for name, justify, no_wrap in columns:
        t.add_column(name, justify=justify, no_wrap=no_wrap, overflow="fold")
    return t


def build(report: ScanReport, verbose: bool = False) -> List[Any]:
    """Rich renderables for the whole report: what to fix first, then the summary tables."""
    from rich.text import Text
    cat = report.fw
    summary = report.summary()
    out: List[Any] = _header(report, summary)
    out.append(Text(""))
    limit = None if verbose else MAX_LISTED
    out += _findings(report, "Fix first — mandatory violations", "red", report.mandatory_violations(), limit, True)
    advisory = report.advisory_violations()
    exempt = [r for r in report.results() if r.status == EXEMPT]
    unverified = [r for r in report.results() if r.status == UNVERIFIED]
    if verbose:
        out += _findings(report, "Advisory violations", "yellow", advisory, None, True)
        out += _findings(report, "Unverified (a value is unknown until deployment)", "magenta", unverified, None, False)
        out += _findings(report, "Exemptions", "cyan", exempt, None, False)
    elif advisory or unverified or exempt:
        out.append(Text(f"Also: {_plural(len(advisory), 'advisory violation')}, {len(unverified)} unverified, "
                        f"{_plural(len(exempt), 'exemption')} (--verbose lists them)\n", style="dim"))
    if report.fixed:
        out.append(Text(f"Fixed since the baseline: {_plural(len(report.fixed), 'finding')}", style="bold green"))
        for f in report.fixed[:limit] if limit else report.fixed:
            out.append(Text(f"  ✓ {f.get('name')} ({f.get('type')}) {f.get('policy')}", style="green"))
        out.append(Text(""))

    t = _table(f"Score by category — {cat.label}", [("Category", "left", True), ("Score", "right", True),
                                               ("", "left", True), ("pass", "right", True), ("fail", "right", True),
                                               ("exempt", "right", True), ("unverified", "right", True)])
    for c in cat.categories:
        s = summary["categories"][c]
        t.add_row(c, Text(_pct(s["score"]), style=_style(s["score"])), Text(_bar(s["score"]), style=_style(s["score"])),
                  *_counts_row(s))
    out.append(t)

    t = _table("Stacks", [("Stack", "left", False), ("Input", "left", False), ("Resources", "right", True),
                          ("Score", "right", True), ("Mandatory", "right", True), ("Advisory", "right", True)])
    for s in report.stacks:
        sm = report.summary(s)
        resources = str(s.resources) if s.in_scope == s.resources else f"{s.in_scope}/{s.resources}"
        t.add_row(s.label, f"{s.input.kind}: {show_path(s.input.path)}", resources,
                  Text(_pct(sm["score"]), style=_style(sm["score"])),
                  str(sm["mandatoryViolations"]), str(sm["advisoryViolations"]))
    out.append(t)

    if verbose:
        t = _table(f"Requirements of {cat.label} (results: pass/fail/exempt/unverified)",
                   [("Requirement", "left", True), ("Title", "left", False), ("Score", "right", True),
                    ("Results", "right", True)])
        for sid, s in summary["safeguards"].items():
            if not any(s["counts"][k] for k in ("pass", "fail", "exempt", "unverified")):
                continue
            title = cat.requirements[sid].title if sid in cat.requirements else sid
            t.add_row(sid, title, Text(_pct(s["score"]), style=_style(s["score"])), _compact(s))
        out.append(t)
        for level in ("mandatory", "advisory"):
            t = _table(f"{level.capitalize()} policies (results: pass/fail/exempt/unverified)",
                       [("Policy", "left", False), ("Citation", "left", True), ("Results", "right", True)])
            rows = 0
            for name, p in sorted(report.policies.items()):
                c = summary["byPolicy"][name]["counts"]
                if p.level != level or not any(c[k] for k in ("pass", "fail", "exempt", "unverified")):
                    continue
                style = "red" if c["fail"] else "yellow" if c["unverified"] else ""
                t.add_row(Text(name, style=style), p.primary, _compact(summary["byPolicy"][name]))
                rows += 1
            if rows:
                out.append(t)
    else:
        out.append(Text("--verbose adds the tables per safeguard and per policy.", style="dim"))
    inapplicable = sum(1 for n in report.policies
                       if not any(summary["byPolicy"][n]["counts"][k] for k in ("pass", "fail", "exempt", "unverified")))
    if inapplicable:
        out.append(Text(f"{inapplicable} of {len(report.policies)} policies apply to no resource of the scanned stacks.",
                        style="dim"))
    verdict = verdict_line(report)
    style = "bold red" if verdict.startswith("FAILED") else "bold yellow" if verdict.startswith("NOTHING") else "bold green"
    head, _, rest = verdict.partition(":")
    line = Text("\n")
    line.append(head, style=style)
    line.append(":" + rest)
    out.append(line)
    return out


def print_report(report: ScanReport, file: Any = None, verbose: bool = False) -> None:
    from rich.console import Console
    out = file or sys.stdout
    console = Console(file=out, highlight=False)
    if not console.is_terminal:  # files and CI logs: a fixed width (COLUMNS when set)
        import os
        console = Console(file=out, highlight=False, width=None if os.environ.get("COLUMNS") else WIDTH)
    for item in build(report, verbose=verbose):
        console.print(item)


def render_plain(report: ScanReport, width: int = WIDTH, verbose: bool = False) -> str:
    """The terminal report as plain text (no colours)."""
    import io
    from rich.console import Console
    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True, highlight=False, force_terminal=False)
    for item in build(report, verbose=verbose):
        console.print(item)
    return buf.getvalue()


