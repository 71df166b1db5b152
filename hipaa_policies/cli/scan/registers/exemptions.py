"""Exemption register: every exemption, from resource tags (``hipaa:exempt``) or from the central
``hipaa-pack-settings`` list, with its policy, resource, reason, expiry, whether it is valid (and
why not), and the verdicts it produced.  Validity is judged by the same function the pack uses
(:func:`hipaa_policies.core.settings.validity`)."""
from __future__ import annotations

import datetime as _dt
from typing import Any, List

from hipaa_policies.core.settings import TAG_EXEMPT, TAG_REASON, TAG_UNTIL, Settings, validity
from hipaa_policies.cli.scan.registers._base import EXEMPT, SECRET, Column, Context, Table

COLUMNS = [
    Column("source", "Source"),
    Column("policy", "Policy"),
    Column("resource", "Resource", "ref", "URN (tag exemption) or the URN/name pattern (central exemption)"),
    Column("reason", "Reason"),
    Column("expires", "Expires"),
    Column("valid", "Valid", "bool"),
    Column("why", "Why void"),
    Column("verdict", "Verdict", "text", "the policy's verdict on the resource (tag exemptions)"),
    Column("appliedTo", "Applied to", "list", "resources whose violation this exemption turned into exempt"),
]


def _today() -> _dt.date:
    return _dt.date.today()


def _text(value: Any) -> Any:
    return value if isinstance(value, str) or value is None else str(value)


def build(ctx: Context) -> List[Table]:
    t = Table("exemptions", "Exemptions", COLUMNS)
    today = _today()
    by_tag = set()  # (policy, urn) with a valid tag exemption: it takes precedence over central ones
    for r in ctx.index.resources:
        listed = ctx.tag(r, TAG_EXEMPT)
        if listed is None:
            continue
        reason, until = ctx.tag(r, TAG_REASON), ctx.tag(r, TAG_UNTIL)
        names = [SECRET] if listed == SECRET else str(listed).split()
        for policy in names:
            ok, why = validity(reason, until, today)
            if policy == SECRET:
                ok, why = None, "the tag's value is secret: the policies it names are not listed here"
            elif policy not in ctx.policies:
                ok, why = False, "it names no policy of the pack"
            verdict = ctx.verdict(policy, r.urn)
            if ok:
                by_tag.add((policy, r.urn))
            t.add({"urn": r.urn, "type": r.type, "name": r.name, "source": "resource tag", "policy": policy,
                   "resource": r.urn, "reason": _text(reason), "expires": _text(until), "valid": ok, "why": why or None,
                   "verdict": verdict, "appliedTo": [r.urn] if verdict == EXEMPT and ok else []})
    exempt_urns = {p: sorted(u for u, v in per.items() if v == EXEMPT) for p, per in ctx.verdicts.items()}
    for i, entry in enumerate(ctx.settings.exemptions):
        policy, pattern = entry.get("policy"), entry.get("resource")
        ok, why = validity(entry.get("reason"), entry.get("expires"), today)
        if policy != "*" and policy not in ctx.policies:
            ok, why = False, "it names no policy of the pack"
        alone = Settings(exemptions=(entry,))
        applied = []
        for p in (exempt_urns if policy == "*" else [policy]):
            for urn in exempt_urns.get(p, ()):
                r = ctx.index.by_urn.get(urn)
                if r is None or (p, urn) in by_tag:
                    continue  # a valid tag exemption comes first
                if alone.exemption_for(p, _Untagged(r), urn, today).exempt:
                    applied.append(urn)
        t.add({"urn": f"hipaa-pack-settings.exemptions[{i}]", "type": "central exemption", "name": str(pattern),
               "source": "hipaa-pack-settings", "policy": policy, "resource": pattern,
               "reason": _text(entry.get("reason")), "expires": _text(entry.get("expires")), "valid": ok,
               "why": why or None, "verdict": None, "appliedTo": sorted(set(applied))})
    return [t]


class _Untagged:
    """A resource as a central exemption sees it: its name, without its tags."""

    def __init__(self, r: Any) -> None:
        self.name = r.name

    def tags(self) -> dict:
        return {}
