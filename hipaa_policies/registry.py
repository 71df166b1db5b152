"""The loaded registry: discovery of the check modules and validation against the frameworks.

Loading is an explicit call (:func:`load`); importing this module has no side effects.  Everything
else — the Pulumi pack, the scanner, the docs, coverage — reads the registry through it.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Dict, List, Optional

from hipaa_policies.core.errors import RegistryError
from hipaa_policies.core.policy import (LEVELS, RESOURCE, SEVERITIES, STACK, PolicySpec, _REGISTRY,  # noqa: F401
                                        resource_policy, stack_policy)

CHECK_PACKAGES = ("hipaa_policies.checks.aws",)
_LOADED = False
_FRAMEWORKS: Optional[Dict[str, Any]] = None


def load() -> Dict[str, PolicySpec]:
    """Import every service module (once), validate against the catalogue, return the registry."""
    global _LOADED
    if not _LOADED:
        for package_name in CHECK_PACKAGES:
            package = importlib.import_module(package_name)
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
                if not info.name.startswith("_"):
                    importlib.import_module(f"{package_name}.{info.name}")
        _LOADED = True
        try:
            # every framework's data and mapping, and the policies' citations against the HIPAA
            # catalogue, are validated when the registry loads — or were, for the same content key
            from_cache = _load_frameworks()
            if not from_cache:
                from hipaa_policies.frameworks.catalogue import load_catalogue
                load_catalogue().check_policies(_REGISTRY.values())
        except Exception:
            _LOADED = False
            raise
    return _REGISTRY


def _load_frameworks() -> bool:
    global _FRAMEWORKS
    from hipaa_policies.frameworks import loader
    specs = list(_REGISTRY.values())
    from hipaa_policies.frameworks.catalogue import load_catalogue
    try:
        _FRAMEWORKS, from_cache = loader.load_cached(specs)
    except Exception:
        load_catalogue().check_policies(specs)  # a citation problem is the clearer message
        raise
    return from_cache


def frameworks() -> Dict[str, Any]:
    """Every framework (:class:`~hipaa_policies.frameworks.model.Framework`) by id, HIPAA first,
    mapped onto the registry; loaded once (:func:`reload_frameworks` re-reads the data)."""
    if _FRAMEWORKS is None:
        load()
        if _FRAMEWORKS is None:
            _load_frameworks()
    return _FRAMEWORKS


def reload_frameworks() -> Dict[str, Any]:
    global _FRAMEWORKS
    _FRAMEWORKS = None
    from hipaa_policies.frameworks import profiles
    profiles._proposed_only.cache_clear()
    _load_frameworks()
    return _FRAMEWORKS


def framework(framework_id: str) -> Any:
    """One framework by id; an unknown id raises InputError naming the valid ones."""
    from hipaa_policies.frameworks.loader import validate_ids
    return validate_ids(frameworks(), framework_id)


def policies() -> List[PolicySpec]:
    return sorted(load().values(), key=lambda s: (s.module, s.name))


def get(name: str) -> PolicySpec:
    reg = load()
    if name not in reg:
        raise RegistryError(f"no policy named {name!r}")
    return reg[name]
