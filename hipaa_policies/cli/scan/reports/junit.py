"""JUnit XML: one test suite per stack, one test case per (policy, resource).

fail -> <failure type="mandatory|advisory">; exempt and unverified -> <skipped> with the reason;
each case's ``file`` and ``line`` are the statement that declared the resource (or its URN's line);
pass -> a passing case.  A policy that applies to no resource of a stack is one skipped case
named ``<policy> :: (no applicable resources)``.
"""
from __future__ import annotations

from xml.etree import ElementTree as ET

from hipaa_policies.cli.scan.inputs import show_path
from hipaa_policies.cli.scan.runner import EXEMPT, FAIL, UNVERIFIED, ScanReport


def render(report: ScanReport) -> str:
    root = ET.Element("testsuites", name="hipaa-policies scan")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for stack in report.stacks:
        suite = ET.SubElement(root, "testsuite", name=stack.label, timestamp=report.generated_at[:19])
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        props = ET.SubElement(suite, "properties")
        for k, v in (("pack", report.pack_name), ("packVersion", report.pack_version), ("input", str(stack.input.path)),
                     ("inputKind", stack.input.kind), ("sha256", stack.input.sha256)):
            ET.SubElement(props, "property", name=k, value=v)
        seen = set()
        for r in stack.results:
            seen.add(r.policy)
            p = report.policies[r.policy]
            case = ET.SubElement(suite, "testcase", name=f"{r.policy} :: {r.name}", classname=f"{report.pack_name}.{r.policy}")
            loc = stack.input.locations.get(r.urn)
            if loc is not None:
                case.set("file", show_path(loc[0]))
                case.set("line", str(loc[1]))
            else:
                case.set("file", show_path(stack.input.source))
                if r.urn in stack.input.lines:
                    case.set("line", str(stack.input.lines[r.urn]))
            counts["tests"] += 1
            if r.status == FAIL:
                counts["failures"] += 1
                f = ET.SubElement(case, "failure", message=f"[{r.level}] {r.message}", type=r.level)
                f.text = (f"{r.urn}\n{p.primary} {p.description}\n{r.message}\nRemediation: {p.remediation}"
                          + "".join(f"\nNote: {n}" for n in r.notes))
                if r.baseline:
                    f.set("message", f"[{r.level}, {r.baseline}] {r.message}")
            elif r.status in (EXEMPT, UNVERIFIED):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=f"{r.status}: {r.message}")
            out = ET.SubElement(case, "system-out")
            out.text = f"{r.urn} {r.type} level={r.level} status={r.status} citations={' '.join(p.citations)}"
            if report.framework != "hipaa-security-rule":
                out.text += f" {report.framework}={' '.join(report.requirements_of(p.name))}"
        for name in sorted(set(report.policies) - seen):
            case = ET.SubElement(suite, "testcase", name=f"{name} :: (no applicable resources)",
                                 classname=f"{report.pack_name}.{name}")
            ET.SubElement(case, "skipped", message="not applicable")
            counts["tests"] += 1
            counts["skipped"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("errors", "0")
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("errors", "0")
    root.set("time", f"{report.duration:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
