"""Strict validation of policy configuration against each policy's schema.

A policy's ``config`` is a JSON-schema subset: ``type`` (integer, number, boolean, string,
array, object), ``default``, ``minimum``/``maximum``, ``enum``, ``items`` (for arrays),
``properties``/``required`` (for objects).  Unknown keys are rejected.  Every error names the
policy and the key.  Numbers arrive from the engine as floats: an integer key accepts ``14.0``.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Mapping

from hipaa_policies.core.errors import ConfigError

_TYPES = ("integer", "number", "boolean", "string", "array", "object")


def _type_ok(schema_type: str, value: Any) -> bool:
    if schema_type == "boolean":
        return isinstance(value, bool)
    if schema_type == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and math.isfinite(value) and value.is_integer())
    if schema_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value))
    if schema_type == "string":
        return isinstance(value, str)
    if schema_type == "array":
        return isinstance(value, list)
    if schema_type == "object":
        return isinstance(value, Mapping)
    return False


def check_value(where: str, schema: Mapping[str, Any], value: Any) -> Any:
    """Validate one value; return it normalised (integers as int)."""
    t = schema.get("type")
    if not _type_ok(t, value):
        raise ConfigError(f"{where}: expected {t}, got {type(value).__name__}")
    if t == "integer":
        value = int(value)
    if "enum" in schema and value not in schema["enum"]:
        raise ConfigError(f"{where}: must be one of {', '.join(map(str, schema['enum']))}")
    if "minimum" in schema and value < schema["minimum"]:
        raise ConfigError(f"{where}: must be at least {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        raise ConfigError(f"{where}: must be at most {schema['maximum']}")
    if t == "string" and "pattern" in schema:
        import re
        if not re.fullmatch(schema["pattern"], value):
            raise ConfigError(f"{where}: must match {schema['pattern']}")
    if t == "array":
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise ConfigError(f"{where}: needs at least {schema['minItems']} item(s)")
        item_schema = schema.get("items")
        if item_schema:
            value = [check_value(f"{where}[{i}]", item_schema, v) for i, v in enumerate(value)]
    if t == "object" and "properties" in schema:
        value = check_object(where, schema["properties"], value, schema.get("required", ()))
    return value


def check_object(where: str, properties: Mapping[str, Any], raw: Mapping[str, Any],
                 required=()) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key in raw:
        if key not in properties:
            known = ", ".join(sorted(properties)) or "none"
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {known})")
        out[key] = check_value(f"{where}.{key}", properties[key], raw[key])
    for key in required:
        if key not in out:
            raise ConfigError(f"{where}: missing required key {key!r}")
    return out


def resolve(policy_name: str, schema: Mapping[str, Mapping[str, Any]],
            raw: Any) -> Dict[str, Any]:
    """Defaults merged with the validated user values for one policy."""
    values = {k: v["default"] for k, v in schema.items() if "default" in v}
    if raw is None:
        return values
    if not isinstance(raw, Mapping):
        raise ConfigError(f"policy {policy_name!r}: configuration must be an object")
    raw = {k: v for k, v in raw.items() if k != "enforcementLevel"}
    values.update(check_object(f"policy {policy_name!r}", schema, raw))
    return values


def check_schema(policy_name: str, schema: Mapping[str, Mapping[str, Any]]) -> None:
    """The schema itself is well formed and its defaults satisfy it (run at registration)."""
    for key, s in schema.items():
        if s.get("type") not in _TYPES:
            raise ConfigError(f"policy {policy_name!r}: config key {key!r} has no valid type")
        if "default" in s:
            check_value(f"policy {policy_name!r} default {key}", s, s["default"])


def to_pulumi_schema(schema: Mapping[str, Mapping[str, Any]]) -> Dict[str, Any]:
    """Schema properties as the Pulumi service expects them (JSON schema subset)."""
    allowed = ("type", "default", "minimum", "maximum", "enum", "description", "items",
               "properties", "required", "pattern", "minItems")
    return {k: {kk: vv for kk, vv in v.items() if kk in allowed} for k, v in schema.items()}
