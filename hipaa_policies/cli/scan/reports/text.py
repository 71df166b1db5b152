"""Terminal summary with Rich: score by safeguard category, per stack, per safeguard and policy,
mandatory and advisory apart, then the findings; plus the progress bar for long scans."""
from __future__ import annotations

import sys
import time
from typing import Any, List, Optional

from hipaa_policies.frameworks.catalogue import CATEGORY_ORDER, load_catalogue
from hipaa_policies.cli.scan.inputs import show_path
from hipaa_policies.cli.scan.runner import EXEMPT, FAIL, UNVERIFIED, Progress, ScanReport

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


def _pct(score: Optional[float]) -> str:
    return "—" if score is None else f"{score:.1f}%"


def _style(score: Optional[float]) -> str:
    if score is None:
        return "dim"
    return "green" if score >= 90 else "yellow" if score >= 70 else "red"


def _bar(score: Optional[float], width: int = 20) -> str:
    if score is None:
        return " " * width
    full = int(round(score / 100 * width))
    return "█" * full + "░" * (width - full)


def _counts_row(s: dict) -> List[str]:
    c = s["counts"]
    return [str(c["pass"]), str(c["fail"]), str(c["exempt"]), str(c["unverified"]), str(c["notApplicable"])]


def build(report: ScanReport) -> List[Any]:
    """Rich renderables for the whole report."""
    from rich.table import Table
    from rich.text import Text
    cat = load_catalogue()
    summary = report.summary()
    out: List[Any] = []
    total_resources = summary["resources"]
    out.append(Text.from_markup(
        f"[bold]HIPAA Security Rule scan[/bold] — pack {report.pack_name} {report.pack_version}: "
        f"{len(report.stacks)} stack(s), {total_resources} resources, {len(report.policies)} policies, "
        f"{report.duration:.2f}s"))
    out.append(Text.from_markup(
        f"Overall score [{_style(summary['score'])}]{_pct(summary['score'])}[/] "
        f"(mandatory controls {_pct(summary['mandatoryScore'])}); "
        f"[red]{summary['mandatoryViolations']} mandatory[/red] and "
        f"[yellow]{summary['advisoryViolations']} advisory[/yellow] violation(s)\n"))

    t = Table(title="Score by safeguard category", title_justify="left")
    for col in ("Category", "Score", "", "pass", "fail", "exempt", "unverified", "n/a"):
        t.add_column(col, justify="right" if col not in ("Category", "") else "left")
    for c in CATEGORY_ORDER:
        s = summary["categories"][c]
        t.add_row(c, Text(_pct(s["score"]), style=_style(s["score"])), Text(_bar(s["score"]), style=_style(s["score"])),
                  *_counts_row(s))
    out.append(t)

    t = Table(title="Stacks", title_justify="left")
    for col in ("Stack", "Input", "Resources", "Score", "Mandatory fails", "Advisory fails"):
        t.add_column(col, justify="left" if col in ("Stack", "Input") else "right")
    for s in report.stacks:
        sm = report.summary(s)
        t.add_row(s.label, f"{s.input.kind}: {show_path(s.input.path)}", str(s.resources),
                  Text(_pct(sm["score"]), style=_style(sm["score"])),
                  str(sm["mandatoryViolations"]), str(sm["advisoryViolations"]))
    out.append(t)

    t = Table(title="Safeguards", title_justify="left")
    for col in ("Citation", "Safeguard", "Score", "pass", "fail", "exempt", "unverified", "n/a"):
        t.add_column(col, justify="left" if col in ("Citation", "Safeguard") else "right")
    for sid, s in summary["safeguards"].items():
        c = s["counts"]
        if not any(c[k] for k in ("pass", "fail", "exempt", "unverified")):
            continue
        title = cat.safeguards[sid].title if sid in cat.safeguards else sid
        t.add_row(sid, title if len(title) <= 44 else title[:43] + "…", Text(_pct(s["score"]), style=_style(s["score"])), *_counts_row(s))
    out.append(t)

    for level in ("mandatory", "advisory"):
        t = Table(title=f"{level.capitalize()} policies", title_justify="left")
        for col in ("Policy", "Citation", "pass", "fail", "exempt", "unverified", "n/a"):
            t.add_column(col, justify="left" if col in ("Policy", "Citation") else "right")
        rows = 0
        for name, p in sorted(report.policies.items()):
            if p.level != level:
                continue
            s = summary["byPolicy"][name]
            c = s["counts"]
            if not any(c[k] for k in ("pass", "fail", "exempt", "unverified")):
                continue
            style = "red" if c["fail"] else "yellow" if c["unverified"] else ""
            t.add_row(Text(name, style=style), p.primary, *_counts_row(s))
            rows += 1
        if rows:
            out.append(t)
    inapplicable = sum(1 for n, p in report.policies.items()
                       if not any(summary["byPolicy"][n]["counts"][k] for k in ("pass", "fail", "exempt", "unverified")))
    if inapplicable:
        out.append(Text(f"{inapplicable} policies apply to no resource of the scanned stacks (not applicable).\n",
                        style="dim"))

    multi = len(report.stacks) > 1
    for title, style, sel in (
            ("Mandatory violations", "red", report.mandatory_violations()),
            ("Advisory violations", "yellow", report.advisory_violations()),
            ("Exemptions", "cyan", [r for r in report.results() if r.status == EXEMPT]),
            ("Unverified", "magenta", [r for r in report.results() if r.status == UNVERIFIED])):
        if not sel:
            continue
        out.append(Text(f"{title} ({len(sel)})", style=f"bold {style}"))
        for r in sel[:MAX_LISTED]:
            where = f"{r.stack}: " if multi else ""
            line = Text("  • ")
            line.append(f"{where}{r.name}", style="bold")
            line.append(f" ({r.type}) ")
            line.append(r.policy, style=style)
            line.append(f" [{report.policies[r.policy].primary}]: {r.message}")
            out.append(line)
            for note in r.notes:
                out.append(Text(f"      note: {note}", style="dim"))
        if len(sel) > MAX_LISTED:
            out.append(Text(f"  … and {len(sel) - MAX_LISTED} more (see the markdown, json or html report)", style="dim"))
        out.append(Text(""))
    if report.exit_code:
        out.append(Text.from_markup(f"[bold red]FAILED[/bold red]: {summary['mandatoryViolations']} mandatory "
                                    "violation(s) — exit 1"))
    else:
        out.append(Text.from_markup("[bold green]PASSED[/bold green]: no mandatory violation — exit 0"))
    return out


def print_report(report: ScanReport, file: Any = None) -> None:
    from rich.console import Console
    out = file or sys.stdout
    console = Console(file=out, highlight=False)
    if not console.is_terminal:
        console = Console(file=out, highlight=False, width=140)
    for item in build(report):
        console.print(item)


def render_plain(report: ScanReport, width: int = 120) -> str:
    """The terminal summary as plain text (no colours)."""
    import io
    from rich.console import Console
    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True, highlight=False, force_terminal=False)
    for item in build(report):
        console.print(item)
    return buf.getvalue()


FAIL_STATUS = FAIL  # re-exported for tests
