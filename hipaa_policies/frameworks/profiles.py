"""Enforcement profiles (``profiles.toml``): the level each policy gets under each profile.

The profile is chosen with ``profile`` in the config of ``hipaa-pack-settings`` (default:
``default``).  A per-policy level in the policy config always wins over the profile.  Policies that
exist only for the 2025 proposed rule are disabled unless the chosen profile enables that framework.
"""
from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Dict, Iterable, List, Tuple

from hipaa_policies.core.errors import CatalogueError, ConfigError
from hipaa_policies.core.levels import ADVISORY, DISABLED, MANDATORY

SOURCE = "hipaa_policies/frameworks/profiles.toml"
DEFAULT_PROFILE = "default"
RULES = ("by-concern", "by-requirement", "all-mandatory", "all-advisory")
PROFILE_KEYS = {"id", "title", "description", "rule", "mandatory_concerns", "honour_policy_defaults",
                "enables_framework"}


@dataclass(frozen=True)
class Profile:
    id: str
    title: str
    description: str
    rule: str
    mandatory_concerns: Tuple[str, ...] = ()
    honour_policy_defaults: bool = True
    enables_framework: str = ""


@dataclass(frozen=True)
class ProfileData:
    profiles: Dict[str, Profile]
    concerns: Dict[str, str]
    concern_by_citation: Dict[str, str]
    concern_by_policy: Tuple[Tuple[str, str], ...]

    def concern(self, spec: Any) -> str:
        for pattern, concern in self.concern_by_policy:
            if fnmatch.fnmatchcase(spec.name, pattern):
                return concern
        return self.concern_by_citation.get(spec.primary, "hygiene")


def parse(text: str, source: str = SOURCE) -> ProfileData:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(f"{source}: not valid TOML: {e}") from None
    concerns = data.get("concerns") or {}
    by_citation = data.get("concern_by_citation") or {}
    by_policy = data.get("concern_by_policy") or {}
    for table, mapping in (("concern_by_citation", by_citation), ("concern_by_policy", by_policy)):
        for key, value in mapping.items():
            if value not in concerns:
                raise CatalogueError(f"{source}: [{table}] {key!r} names unknown concern {value!r}")
    profiles: Dict[str, Profile] = {}
    for i, rec in enumerate(data.get("profile") or [], 1):
        where = f"{source}: profile #{i}"
        unknown = set(rec) - PROFILE_KEYS
        if unknown:
            raise CatalogueError(f"{where} has unknown key(s): {', '.join(sorted(unknown))}")
        pid = rec.get("id")
        if not isinstance(pid, str) or not pid:
            raise CatalogueError(f"{where} has no id")
        if pid in profiles:
            raise CatalogueError(f"{source}: profile {pid}: duplicate id")
        if rec.get("rule") not in RULES:
            raise CatalogueError(f"{source}: profile {pid}: rule must be one of {', '.join(RULES)}")
        for c in rec.get("mandatory_concerns") or []:
            if c not in concerns:
                raise CatalogueError(f"{source}: profile {pid}: unknown concern {c!r}")
        profiles[pid] = Profile(id=pid, title=rec.get("title", pid), description=rec.get("description", ""),
                                rule=rec["rule"], mandatory_concerns=tuple(rec.get("mandatory_concerns") or ()),
                                honour_policy_defaults=bool(rec.get("honour_policy_defaults", True)),
                                enables_framework=rec.get("enables_framework", ""))
    if DEFAULT_PROFILE not in profiles:
        raise CatalogueError(f"{source}: no profile {DEFAULT_PROFILE!r}")
    return ProfileData(profiles=profiles, concerns=dict(concerns), concern_by_citation=dict(by_citation),
                       concern_by_policy=tuple(by_policy.items()))


@lru_cache(maxsize=1)
def load() -> ProfileData:
    text = resources.files("hipaa_policies.frameworks").joinpath("profiles.toml").read_text(encoding="utf-8")
    return parse(text)


def ids() -> List[str]:
    return list(load().profiles)


def get(profile_id: str) -> Profile:
    data = load()
    if profile_id not in data.profiles:
        raise ConfigError(f"hipaa-pack-settings.profile: unknown profile {profile_id!r}; "
                          f"valid: {', '.join(data.profiles)}")
    return data.profiles[profile_id]


def _required(spec: Any) -> bool:
    from hipaa_policies.frameworks.catalogue import load_catalogue
    cat = load_catalogue()
    return spec.primary in cat and cat[spec.primary].required


@lru_cache(maxsize=None)
def _proposed_only() -> Dict[str, str]:
    """Policy name -> the framework id it exists for (policies named by ``proposed_only_policies``)."""
    from hipaa_policies.registry import frameworks
    return {name: fid for fid, fw in frameworks().items() for name in fw.proposed_only_policies}


def level(spec: Any, profile_id: str = DEFAULT_PROFILE) -> str:
    """The enforcement level of ``spec`` under ``profile_id``."""
    profile = get(profile_id)
    only_for = _proposed_only().get(spec.name)
    if only_for and profile.enables_framework != only_for:
        return DISABLED
    if profile.rule == "all-advisory":
        return ADVISORY
    if profile.honour_policy_defaults and spec.default_level:
        return spec.default_level
    if profile.rule == "all-mandatory":
        return MANDATORY
    if profile.rule == "by-requirement":
        return MANDATORY if _required(spec) else ADVISORY
    return MANDATORY if load().concern(spec) in profile.mandatory_concerns else ADVISORY


def levels(specs: Iterable[Any]) -> Dict[str, Dict[str, str]]:
    """{profile id: {policy name: level}} for every profile."""
    return {pid: {s.name: level(s, pid) for s in specs} for pid in ids()}
