"""References between resources written either as outputs (property dependencies) or as literal
names, ids and ARNs, including to resources the stack does not declare.

:meth:`StackIndex.resolve` stops at the property dependencies of a link; a list input often mixes
outputs of declared resources with literal names (``groups=[ops.name, "auditors"]``), so
:func:`references` keeps both: the URNs of declared targets and ``name:<literal>`` keys for the
rest, which lets stack policies key several joins on the same target identity.
"""
from __future__ import annotations

import dataclasses
from typing import Sequence, Set, Tuple

from hipaa_policies.core import tokens
from hipaa_policies.core.props import UNKNOWN, UNVERIFIED, Finding, is_unknown


@dataclasses.dataclass(frozen=True)
class LinkedUnknown(Finding):
    """Unverified because the resource linked through ``path`` (or its setting) is outside the stack
    or not known until deployment."""

    status: str = UNVERIFIED

    def message(self) -> str:
        return (f"unverified: what `{self.path}` links to cannot be checked (it is not in the stack, or not known "
                f"until deployment); expected {self.expected}.")


def references(stack, r, prop: str, target_types: Sequence[str]) -> Tuple[Set[str], bool]:
    """(keys, unresolved): URNs of the declared ``target_types`` resources that ``r.<prop>`` (a
    string or a list) names, ``name:<value>`` for literal values naming no declared resource, and
    whether some value is unknown with no property dependency to explain it."""
    expanded = set(tokens.expand(target_types))
    keys: Set[str] = set()
    for urn in r.property_dependencies.get(prop, ()):
        t = stack.by_urn.get(urn)
        if t is not None and t.type in expanded:
            keys.add(t.urn)
    value = r.get(prop)
    if value is UNKNOWN:
        return keys, not keys
    values = value if isinstance(value, list) else [value]
    ident = stack._targets_of_type(tuple(target_types))
    unresolved = False
    unknown_count = 0
    for v in values:
        if v is UNKNOWN or is_unknown(v):
            unknown_count += 1
            continue
        if not isinstance(v, str) or not v:
            continue
        hits = ident.get(v)
        if not hits and v.startswith("arn:"):
            hits = ident.get(v.rsplit(":", 1)[-1].rsplit("/", 1)[-1])
        if hits:
            keys.update(h.urn for h in hits)
        else:
            keys.add("name:" + v)
    if unknown_count > len(keys & {u for u in r.property_dependencies.get(prop, ())}):
        unresolved = True
    return keys, unresolved
