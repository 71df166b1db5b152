"""Audit evidence registers, one module per register, built per scanned stack from the scan's
verdicts and the stack index the policies use (see :mod:`._base`).

:func:`for_report` builds every register of every stack once per report (the evidence bundle,
the dashboard and the CSV exports share them).
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping

REGISTERS = (
    ("dataStores", "ePHI data stores"),
    ("inTransit", "Encryption in transit"),
    ("logging", "Audit logging"),
    ("backup", "Backup and recovery"),
    ("identity", "Identity and access"),
    ("exemptions", "Exemptions"),
    ("assets", "Assets and network"),
    ("scope", "Scope statement"),
)


def _modules() -> Dict[str, Any]:
    from hipaa_policies.cli.scan.registers import (
        assets, backup, datastores, exemptions, identity, logs, scope, transit)
    return {"dataStores": datastores, "inTransit": transit, "logging": logs, "backup": backup,
            "identity": identity, "exemptions": exemptions, "assets": assets, "scope": scope}


def build_stack(report: Any, stack_report: Any, config: Mapping[str, Any]) -> Dict[str, Any]:
    """Every register of one stack: {register id: {"title", "tables": [...], ...extra}}."""
    from hipaa_policies.cli.scan.registers._base import Context
    ctx = Context(report, stack_report, config)
    out: Dict[str, Any] = {}
    for rid, title in REGISTERS:
        module = _modules()[rid]
        built = module.build(ctx)
        tables = built if isinstance(built, list) else built.pop("tables")
        extra = {} if isinstance(built, list) else built
        out[rid] = {"title": title, "tables": [t.to_json() for t in tables], **extra}
    return out


def policy_config(report: Any) -> Dict[str, Any]:
    """The policy config the scan used, read again from its file (its digest must match)."""
    meta = report.policy_config
    if not meta or not meta.get("path"):
        return {}
    import hashlib
    from pathlib import Path
    from hipaa_policies.core.errors import InputError
    from hipaa_policies.cli.scan.runner import read_policy_config
    config, _ = read_policy_config(meta["path"])
    digest = hashlib.sha256(Path(meta["path"]).read_bytes()).hexdigest()
    if digest != meta.get("sha256"):
        raise InputError(f"{meta['path']}: the policy config changed during the scan")
    return config


def for_report(report: Any) -> List[Dict[str, Any]]:
    """[{"stack": label, "registers": {...}}] for every stack of the report (built once)."""
    cache = report.__dict__
    if "_registers" not in cache:
        config = policy_config(report)
        cache["_registers"] = [{"stack": s.label, "registers": build_stack(report, s, config)}
                               for s in report.stacks]
    return cache["_registers"]
