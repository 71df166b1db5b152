"""Pack-wide settings: auditable exemptions and PHI scoping.

Pulumi policy configuration is keyed by policy name (plus ``all`` for the enforcement level),
so pack-wide settings live under one policy, ``hipaa-pack-settings``, whose config schema is
:data:`SCHEMA`.  One policy-config file configures everything::

    {
      "all": "mandatory",
      "hipaa-pack-settings": {
        "scope": {"mode": "resource-tag", "tagKey": "data-classification", "tagValues": ["phi"]},
        "exemptions": [
          {"policy": "ec2-dedicated-tenancy", "resource": "urn:pulumi:prod::*::aws:ec2/instance:Instance::bastion",
           "reason": "CHG-1042: bastion holds no ePHI", "expires": "2099-12-31"}
        ]
      },
      "cloudwatch-log-group-retention": {"minimumDays": 2557}
    }

Resource tags grant exemptions too: ``hipaa:exempt`` (space-separated policy names),
``hipaa:exempt-reason`` and ``hipaa:exempt-until`` (``YYYY-MM-DD``), all required.
An exemption without a reason, with a malformed date or a date in the past is void: the
violation stands and the void exemption is reported beside it.
"""
from __future__ import annotations

import datetime as _dt
import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Tuple

from hipaa_policies.core.config_schema import resolve
from hipaa_policies.core.diagnostics import NOTE, format_body
from hipaa_policies.core.props import UNKNOWN, is_unknown, unwrap

SETTINGS_POLICY = "hipaa-pack-settings"
TAG_EXEMPT = "hipaa:exempt"
TAG_REASON = "hipaa:exempt-reason"
TAG_UNTIL = "hipaa:exempt-until"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

SCHEMA = {
    "profile": {
        "type": "string",
        "default": "default",
        "description": "Enforcement profile deciding each policy's level: default (block what exposes ePHI), "
                       "required-only (the 2013 Required/Addressable letter), proposed-rule-2025 (everything "
                       "mandatory plus the 2025 NPRM policies; proposed, not law), audit (everything advisory). "
                       "A per-policy level in the config wins. See docs/profiles.md.",
    },
    "scope": {
        "type": "object",
        "description": "Which resources resource policies apply to. mode all (default): every resource; "
                       "resource-tag: only resources whose tag tagKey has one of tagValues; stack-tag: every "
                       "resource, but only in stacks whose stack tag stackTagKey has one of stackTagValues.",
        "default": {"mode": "all"},
        "properties": {
            "mode": {"type": "string", "enum": ["all", "resource-tag", "stack-tag"],
                     "description": "Scoping mode."},
            "tagKey": {"type": "string", "description": "Resource tag naming the data classification.",
                       "default": "data-classification"},
            "tagValues": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                          "default": ["phi"],
                          "description": "Classification values that mean the resource holds PHI "
                                         "(compared case-insensitively)."},
            "stackTagKey": {"type": "string", "description": "Stack tag that marks a PHI stack.",
                            "default": "hipaa:phi"},
            "stackTagValues": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                               "default": ["true", "yes", "phi"],
                               "description": "Stack tag values that mean the stack holds PHI "
                                              "(compared case-insensitively)."},
        },
        "required": ["mode"],
    },
    "exemptions": {
        "type": "array",
        "description": "Central exemptions: policy name, resource URN or glob on URN/name, reason, expiry date.",
        "default": [],
        "items": {
            "type": "object",
            "properties": {
                "policy": {"type": "string", "description": "Policy name (or * for every policy)."},
                "resource": {"type": "string", "description": "Resource URN, or a glob matched against URN and name."},
                "reason": {"type": "string", "description": "Justification (ticket, risk acceptance)."},
                "expires": {"type": "string", "description": "Expiry date YYYY-MM-DD; void afterwards."},
            },
            "required": ["policy", "resource", "reason", "expires"],
        },
    },
}
DEFAULT_TAG_VALUES = ("phi",)


@dataclass
class Decision:
    exempt: bool = False
    summary: str = ""
    notes: List[str] = field(default_factory=list)


def _parse_date(text: Any) -> Optional[_dt.date]:
    if not isinstance(text, str) or not DATE_RE.match(text.strip()):
        return None
    try:
        return _dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def known_policies() -> frozenset:
    """Names of the registered policies (empty before the registry is loaded: nothing is checked)."""
    from hipaa_policies.core import policy as _policy
    return frozenset(_policy._REGISTRY)


def _close(name: str, names: frozenset) -> str:
    import difflib
    match = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.75)
    return f" (did you mean {match[0]}?)" if match else ""


def exemption_problems(raw: Any, names: Optional[frozenset] = None) -> List[str]:
    """One line per central exemption that could never apply as written: a ``policy`` that is no
    policy of the pack (and not ``*``), an ``expires`` that is no calendar date (``2020-13-45``).
    An expired date is no mistake (the exemption is void and reported as such)."""
    names = known_policies() if names is None else names
    entries = raw.get("exemptions") if isinstance(raw, Mapping) else None
    out = []
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, Mapping):
            continue
        policy = entry.get("policy")
        if names and isinstance(policy, str) and policy != "*" and policy not in names:
            out.append(f"`exemptions[{i}].policy` names {policy!r}, which is no policy of the pack{_close(policy, names)}")
        expires = entry.get("expires")
        if isinstance(expires, str) and _parse_date(expires) is None:
            out.append(f"`exemptions[{i}].expires` is {expires!r}, not a calendar date YYYY-MM-DD")
    return out


def validity(reason: Any, until: Any, today: _dt.date) -> Tuple[bool, str]:
    """(valid, why not) for an exemption's reason and expiry."""
    if not isinstance(reason, str) or not reason.strip():
        return False, "it has no reason"
    date = _parse_date(until)
    if date is None:
        return False, "its expiry date is missing or not YYYY-MM-DD"
    if date < today:
        return False, f"it expired on {date.isoformat()}"
    return True, ""


@dataclass
class Settings:
    scope_mode: str = "all"
    tag_key: str = "data-classification"
    tag_values: Tuple[str, ...] = DEFAULT_TAG_VALUES
    stack_tag_key: str = "hipaa:phi"
    stack_tag_values: Tuple[str, ...] = ("true", "yes", "phi")
    exemptions: Tuple[Mapping[str, str], ...] = ()
    profile: str = "default"

    @classmethod
    def from_config(cls, raw: Any) -> "Settings":
        cfg = resolve(SETTINGS_POLICY, SCHEMA, raw)
        scope = cfg.get("scope") or {"mode": "all"}
        return cls(
            scope_mode=scope.get("mode", "all"),
            tag_key=scope.get("tagKey", "data-classification"),
            tag_values=tuple(v.lower() for v in scope.get("tagValues", DEFAULT_TAG_VALUES)),
            stack_tag_key=scope.get("stackTagKey", "hipaa:phi"),
            stack_tag_values=tuple(v.lower() for v in scope.get("stackTagValues", ("true", "yes", "phi"))),
            exemptions=tuple(cfg.get("exemptions") or ()),
            profile=cfg.get("profile") or "default",
        )

    @property
    def scoped(self) -> bool:
        return self.scope_mode != "all"

    def in_scope(self, resource: Any, stack_tags: Mapping[str, str]) -> bool:
        if self.scope_mode == "all":
            return True
        if self.scope_mode == "stack-tag":
            value = stack_tags.get(self.stack_tag_key)
            return isinstance(value, str) and value.lower() in self.stack_tag_values
        if resource is None:
            return False
        tags = resource.get("tags")
        if is_unknown(tags):
            return True  # classification unknown until deployment: stay in scope (never a silent pass)
        value = unwrap(tags.get(self.tag_key)) if isinstance(tags, Mapping) else None
        if value is UNKNOWN:
            return True
        return isinstance(value, str) and value.lower() in self.tag_values

    def exemption_for(self, policy: str, resource: Any, urn: str, today: _dt.date) -> Decision:
        decision = Decision()
        if policy == SETTINGS_POLICY:
            return decision  # the audit of exemptions cannot itself be exempted (a `*` entry would)
        name = getattr(resource, "name", "") if resource is not None else ""
        # tag exemptions on the resource
        tags = resource.tags() if resource is not None else {}
        listed = tags.get(TAG_EXEMPT, "")
        if isinstance(listed, str) and policy not in listed.split():
            names = known_policies()
            for other in listed.split():  # a misspelling of this (failing) policy: say so
                if names and other not in names and _close(other, frozenset({policy})):
                    decision.notes.append(format_body(NOTE, f"resource tag {TAG_EXEMPT} names {other!r}, which is no "
                                          f"policy of the pack (did you mean {policy}?); the violation stands."))
        if isinstance(listed, str) and policy in listed.split():
            ok, why = validity(tags.get(TAG_REASON), tags.get(TAG_UNTIL), today)
            if ok:
                decision.exempt = True
                decision.summary = (f"policy {policy} is exempted by resource tag {TAG_EXEMPT} "
                                    f"until {tags.get(TAG_UNTIL).strip()}; reason: {tags.get(TAG_REASON).strip()}.")
                return decision
            decision.notes.append(format_body(NOTE, f"resource tag {TAG_EXEMPT} names {policy}, but {why}; "
                                  f"the violation stands."))
        # central exemptions
        for entry in self.exemptions:
            if entry.get("policy") not in (policy, "*"):
                continue
            pattern = entry.get("resource", "")
            if not (pattern == urn or fnmatch.fnmatchcase(urn, pattern) or (name and fnmatch.fnmatchcase(name, pattern))):
                continue
            ok, why = validity(entry.get("reason"), entry.get("expires"), today)
            if ok:
                decision.exempt = True
                decision.summary = (f"policy {policy} is exempted by {SETTINGS_POLICY} entry for "
                                    f"{pattern!r} until {entry['expires']}; reason: {entry['reason'].strip()}.")
                return decision
            decision.notes.append(format_body(NOTE, f"{SETTINGS_POLICY} entry for {pattern!r} and {policy} "
                                  f"matches, but {why}; the violation stands."))
        return decision


def void_central_exemptions(raw: Any, today: _dt.date) -> List[str]:
    """Messages for central exemptions that are void whatever they match (no reason, no valid date,
    expired, or naming no policy of the pack)."""
    out = []
    names = known_policies()
    for i, entry in enumerate(Settings.from_config(raw).exemptions):
        ok, why = validity(entry.get("reason"), entry.get("expires"), today)
        policy = entry.get("policy")
        if ok and names and isinstance(policy, str) and policy != "*" and policy not in names:
            ok, why = False, f"it names no policy of the pack{_close(policy, names)}"
        if not ok:
            out.append(f"`exemptions[{i}]` ({entry.get('policy')} on {entry.get('resource')!r}) is void: {why}")
    return out


# The settings of the last successful ``Configure`` of this pack process (the fast servicer sets
# them); the remediation path and the plain servicer path read them here.
_CURRENT: List[Settings] = [Settings()]


def current() -> Settings:
    return _CURRENT[0]


def set_current(settings: Settings) -> None:
    _CURRENT[0] = settings
