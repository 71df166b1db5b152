"""Pack name, version and description, read from PulumiPolicy.yaml when it is beside the package."""
from __future__ import annotations

import re

from hipaa_policies.locations import SOURCE_ROOT as _ROOT


def _field(name: str, default: str) -> str:
    path = _ROOT / "PulumiPolicy.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return default
    m = re.search(rf"^{name}:\s*(.+)$", text, re.M)
    return m.group(1).strip().strip('"') if m else default


def version() -> str:
    try:
        from importlib.metadata import version as _v
        return _field("version", "") or _v("aws-hipaa")
    except Exception:
        return _field("version", "0.0.0")


def description() -> str:
    return _field("description", "HIPAA Security Rule guard for AWS infrastructure")
