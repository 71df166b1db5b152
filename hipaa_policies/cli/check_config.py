"""Policy-config files (the format of `pulumi preview --policy-pack-config`), validated strictly.

Shape: ``{"all": <level>, "<policy>": <level> | {"enforcementLevel": <level>, "<key>": <value>, ...}}``.
The same validation runs in the pack's ``Configure``; this module lets ``hipaa-policies`` reject a bad
file before anything runs, naming the file, the policy and the key.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, Tuple

from hipaa_policies.core.config_schema import resolve
from hipaa_policies.core.errors import ConfigError, InputError
from hipaa_policies.registry import load
from hipaa_policies.core.settings import Settings, SETTINGS_POLICY, exemption_problems

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
        if name == SETTINGS_POLICY:
            problems = exemption_problems(value, frozenset(specs))
            if problems:
                more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
                raise ConfigError(f"{source}: {SETTINGS_POLICY}: {problems[0]}{more}")
    return config


def read(path: str) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """(validated config, {"path", "sha256"}) of a policy-config file; every problem is one line."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a policy config JSON file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read policy config ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte {e.start}); save the policy config as UTF-8 JSON") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    from hipaa_policies.cli.scan.inputs import show_path
    return validate(data, path), {"path": show_path(p), "sha256": hashlib.sha256(raw).hexdigest()}


def load_file(path: str) -> Dict[str, Any]:
    return read(path)[0]
