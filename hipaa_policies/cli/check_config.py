"""Policy-config files (the format of `pulumi preview --policy-pack-config`), validated strictly.

Shape: ``{"all": <level>, "<policy>": <level> | {"enforcementLevel": <level>, "<key>": <value>, ...}}``.
The same validation runs in the pack's ``Configure``; this module lets ``hipaa-policies`` reject a bad
file before anything runs, naming the file, the policy and the key.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

from hipaa_policies.core.config_schema import resolve
from hipaa_policies.core.errors import ConfigError, InputError
from hipaa_policies.registry import load
from hipaa_policies.core.settings import Settings, SETTINGS_POLICY

from hipaa_policies.core.levels import LEVELS  # noqa: E402


def validate(config: Any, source: str = "policy config") -> Dict[str, Any]:
    """Return the config unchanged when valid; raise ConfigError naming source, policy and key."""
    if not isinstance(config, dict):
        raise ConfigError(f"{source}: expected a JSON object of policy names")
    specs = load()
    for name, value in config.items():
        if name == "all":
            if value not in LEVELS:
                raise ConfigError(f"{source}: `all` must be one of {', '.join(LEVELS)}")
            continue
        if name not in specs:
            raise ConfigError(f"{source}: unknown policy {name!r}")
        if isinstance(value, str):
            if value not in LEVELS:
                raise ConfigError(f"{source}: policy {name!r}: enforcement level must be one of {', '.join(LEVELS)}")
            continue
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: policy {name!r}: expected a level or an object")
        level = value.get("enforcementLevel")
        if level is not None and level not in LEVELS:
            raise ConfigError(f"{source}: policy {name!r}.enforcementLevel must be one of {', '.join(LEVELS)}")
        try:
            resolve(name, specs[name].config, value)
            if name == SETTINGS_POLICY:
                from hipaa_policies.frameworks import profiles
                profiles.get(Settings.from_config(value).profile)
        except ConfigError as e:
            raise ConfigError(f"{source}: {e}") from None
    return config


def load_file(path: str) -> Dict[str, Any]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot read policy config ({e.strerror or e})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    return validate(data, path)
