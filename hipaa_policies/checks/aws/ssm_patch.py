"""AWS Systems Manager Patch Manager: patch baselines approve critical and high-severity patches fast.

Written for the 2025 proposed rule's patching requirement (critical risks patched within 15 days,
high risks within 30 days; proposed, not in force), and today's protection from malicious software
and risk management (164.308(a)(5)(ii)(B), 164.308(a)(1)(ii)(B)).  Enabled by the
``proposed-rule-2025`` profile only.
"""
from hipaa_policies.core.props import FAIL, UNVERIFIED, Finding, as_number, is_unknown
from hipaa_policies.core.policy import resource_policy

BASELINE = "aws:ssm/patchBaseline:PatchBaseline"
CRITICAL = {"CRITICAL"}
HIGH = {"IMPORTANT", "HIGH"}


def _filter_values(rule):
    values = set()
    filters = rule.get("patchFilters")
    for f in filters if isinstance(filters, list) else ():
        if isinstance(f, dict) and f.get("key") in ("CLASSIFICATION", "SEVERITY", "MSRC_SEVERITY", "PRIORITY"):
            listed = f.get("values")
            for v in listed if isinstance(listed, list) else ():
                if isinstance(v, str):
                    values.add(v.upper())
    return values


@resource_policy(
    name="ssm-patch-baseline-approval-delay",
    description="Patch baselines must auto-approve critical patches within 15 days and high-severity patches "
                "within 30 days of release.",
    citations=["164.308(a)(5)(ii)(B)", "164.308(a)(1)(ii)(B)"],
    severity="medium",
    resource_types=[BASELINE],
    remediation="Give the baseline `approval_rules` whose rule for Critical patches has `approve_after_days` ≤ 15 "
                "and whose rule for Important/High patches has `approve_after_days` ≤ 30.",
    config={
        "criticalDays": {"type": "integer", "minimum": 0, "maximum": 100, "default": 15,
                         "description": "Longest approval delay for critical patches (days)."},
        "highDays": {"type": "integer", "minimum": 0, "maximum": 100, "default": 30,
                     "description": "Longest approval delay for important/high patches (days)."},
    },
    notes="Proposed rule (NPRM 2025, not in force): critical risks patched within 15 days, high within 30. "
          "Enabled only by the `proposed-rule-2025` profile.",
)
def ssm_patch_baseline_approval_delay(r, cfg):
    rules = r.get("approvalRules")
    expected = (f"approval rules approving critical patches within {cfg['criticalDays']} days and high-severity "
                f"patches within {cfg['highDays']} days")
    if is_unknown(rules):
        return r.unverified("approvalRules", expected)
    if not isinstance(rules, list) or not rules:
        return r.fail("approvalRules", expected)
    findings, seen_critical, seen_high = [], False, False
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        values = _filter_values(rule)
        days = rule.get("approveAfterDays")
        path = f"approvalRules[{i}].approveAfterDays"
        for severity, limit, seen in ((CRITICAL, cfg["criticalDays"], "c"), (HIGH, cfg["highDays"], "h")):
            if not any(word in v for v in values for word in severity):
                continue
            if seen == "c":
                seen_critical = True
            else:
                seen_high = True
            if is_unknown(days):
                findings.append(Finding(path, f"at most {limit} days", UNVERIFIED))
            elif days is None:
                continue  # approveUntilDate instead of a delay: not a rolling approval, judged absent below
            elif not isinstance(as_number(days), float) or as_number(days) > limit:
                findings.append(Finding(path, f"at most {limit} days", FAIL))
    if not seen_critical:
        findings.append(Finding("approvalRules", f"a rule for Critical patches approving within {cfg['criticalDays']} days", FAIL))
    if not seen_high:
        findings.append(Finding("approvalRules", f"a rule for Important/High patches approving within {cfg['highDays']} days", FAIL))
    return findings
