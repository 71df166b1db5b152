"""Policy documents (IAM identity policies and resource policies): parsing that never raises
on odd input and the statement view every policy-document check shares (164.312(a)(1)).
"""
from __future__ import annotations

import json as _json
from typing import Any, List, Mapping

from hipaa_policies.core.props import UNKNOWN, UNKNOWN_SENTINELS, is_unknown, unwrap


class Unparseable(Exception):
    """A policy document that is not JSON (or not an object)."""


def _contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, str):
        return any(s in value for s in UNKNOWN_SENTINELS)
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_unknown(v) for v in value)
    return False


def policy_document(value: Any) -> Any:
    """A policy document (dict) from a JSON string or an object; UNKNOWN when not known yet
    (the value or a part of it is an unknown sentinel); raises Unparseable for anything else."""
    value = unwrap(value)
    if value is UNKNOWN or _contains_unknown(value):
        return UNKNOWN
    if isinstance(value, str):
        try:
            value = _json.loads(value)
        except (ValueError, RecursionError) as e:
            raise Unparseable(str(type(e).__name__)) from None
    if not isinstance(value, Mapping):
        raise Unparseable("not an object")
    return value


def statements(doc: Mapping) -> List[Mapping]:
    """The statements of a policy document (a single statement object or a list)."""
    raw = doc.get("Statement") if isinstance(doc, Mapping) else None
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    return [s for s in raw if isinstance(s, Mapping)]


def str_values(value: Any) -> List[str]:
    """A policy element (string or list of strings) as a list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []
