"""AWS IAM Identity Center permission sets: session length (automatic logoff, 164.312(a)(2)(iii))."""
from __future__ import annotations

import re
from typing import Optional

from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.policy import resource_policy

PERMISSION_SET = "aws:ssoadmin/permissionSet:PermissionSet"

_NUM = r"(\d+(?:[.,]\d+)?)"
DURATION_PATTERN = (rf"(?i)P(?=\d|T\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
                    rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?")
_DURATION_RE = re.compile(DURATION_PATTERN)
# seconds per unit; years and months only ever appear in odd input, counted as 365 and 30 days
_UNITS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)
# The config pattern is plain JSON-schema/RE2 (no flags, no lookahead): upper-case D/H/M/S with
# integers, at least one component, e.g. PT1H, PT90M, PT1H30M, P1DT2H.
_T = r"T(\d+H(\d+M)?(\d+S)?|\d+M(\d+S)?|\d+S)"
CONFIG_PATTERN = rf"P(\d+D({_T})?|{_T})"
DEFAULT_MAX = "PT1H"  # the AWS default session duration


def parse_duration(text) -> Optional[float]:
    """Seconds of an ISO-8601 duration such as ``PT8H``, ``PT90M``, ``PT1H30M`` or ``P1DT2H``;
    None for anything else (never raises)."""
    if not isinstance(text, str):
        return None
    m = _DURATION_RE.fullmatch(text.strip())
    if not m:
        return None
    total = 0.0
    for value, unit in zip(m.groups(), _UNITS, strict=False):
        if value:
            total += float(value.replace(",", ".")) * unit
    return total


def _fmt(seconds: float) -> str:
    minutes = seconds / 60
    if minutes >= 60 and minutes % 60 == 0:
        return f"{int(minutes // 60)} hour(s)"
    return f"{minutes:g} minute(s)"


@resource_policy(
    name="ssoadmin-permission-set-session-duration",
    description="IAM Identity Center permission sets must end console/CLI sessions after a bounded time "
                "(automatic logoff); the default maximum is 1 hour.",
    citations=["164.312(a)(2)(iii)", "164.312(a)(1)"],
    severity="medium",
    resource_types=[PERMISSION_SET],
    remediation="Set `sessionDuration` to an ISO-8601 duration no longer than the configured maximum, e.g. "
                "`PT1H`; permission sets granting access to ePHI should use the shortest practical value.",
    config={
        "maximumDuration": {
            "type": "string", "default": DEFAULT_MAX, "pattern": CONFIG_PATTERN,
            "description": "Longest accepted `sessionDuration`, as an ISO-8601 duration (e.g. PT1H, PT4H, PT90M).",
        },
    },
    notes="An omitted `sessionDuration` means the AWS default of one hour.",
)
def ssoadmin_permission_set_session_duration(r, cfg):
    limit_text = cfg.get("maximumDuration") or DEFAULT_MAX
    limit = parse_duration(limit_text)
    if limit is None:
        limit = 3600.0
    expected = f"an ISO-8601 duration of at most {_fmt(limit)} (`{limit_text}`)"
    value = r.get("sessionDuration")
    if value is UNKNOWN:
        return r.unverified("sessionDuration", expected)
    if not r.has("sessionDuration"):
        return [] if limit >= 3600 else r.fail("sessionDuration", expected)
    seconds = parse_duration(value)
    if seconds is None or seconds > limit:
        return r.fail("sessionDuration", expected)
    return []
