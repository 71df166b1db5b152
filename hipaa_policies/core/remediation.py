"""Common automatic fixes (the ``remediate`` half of a policy).

The engine calls a remediation only for an in-scope, unexempted resource the policy actually
fails (:func:`hipaa_policies.runtime.engine.remediate_resource`), so a fix never re-checks.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Optional


def fix_by_setting(policy_fn: Callable[..., Any], key: str, value: Any) -> None:
    """Attach the common automatic fix "set input ``key`` to ``value``".  The engine calls a
    remediation only for an in-scope, unexempted resource the policy actually fails."""
    def fix(r: Any, cfg: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
        return None if r.get(key) == value else {**r.raw, key: value}
    fix.__name__ = f"set_{key}"
    policy_fn.spec.remediate = fix  # type: ignore[attr-defined]


def fix_by_raising(policy_fn: Callable[..., Any], key: str, config_key: str) -> None:
    """Attach the common automatic fix "raise numeric input ``key`` to the configured minimum
    ``cfg[config_key]``" (called by the engine only when the policy fails the resource)."""
    def fix(r: Any, cfg: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
        current = r.num(key)
        if isinstance(current, float) and current >= cfg[config_key]:
            return None
        return {**r.raw, key: cfg[config_key]}
    fix.__name__ = f"raise_{key}"
    policy_fn.spec.remediate = fix  # type: ignore[attr-defined]


def fix_by_enabling(policy_fn: Callable[..., Any], block: str, key: str = "enabled") -> None:
    """Attach the common automatic fix "set ``<block>.<key>`` to true", keeping the block's other
    settings (called by the engine only when the policy fails the resource)."""
    def fix(r: Any, cfg: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
        if r.bool(f"{block}.{key}") is True:
            return None
        value = r.get(block)
        value = dict(value) if isinstance(value, dict) else {}
        value[key] = True
        return {**r.raw, block: value}
    fix.__name__ = f"enable_{block}"
    policy_fn.spec.remediate = fix  # type: ignore[attr-defined]
