"""Log exports to CloudWatch Logs (164.312(b)): a list property that must name a log type."""
from __future__ import annotations

from hipaa_policies.core.props import UNKNOWN, is_unknown


def audit_export_check(r, path):
    exports = r.list(path)
    expected = "a list containing `audit`"
    if exports is UNKNOWN:
        return r.unverified(path, expected)
    if any(isinstance(e, str) and e.lower() == "audit" for e in exports):
        return []
    if any(is_unknown(e) for e in exports):
        return r.unverified(path, expected)
    return r.fail(path, expected)
