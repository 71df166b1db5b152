"""The HIPAA safeguard catalogue (``hipaa-security-rule/catalogue.toml``): loading, validation, coverage.

Every standard and implementation specification of 45 CFR 164.308-164.316 is one record.
Validation runs when the registry loads, and each problem is a :class:`CatalogueError` or
:class:`RegistryError` that names the record or policy at fault.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Dict, Iterable, List, Optional, Tuple

from hipaa_policies.core.errors import CatalogueError, RegistryError

CATEGORIES = {
    "164.308": "administrative",
    "164.310": "physical",
    "164.312": "technical",
    "164.314": "organizational",
    "164.316": "documentation",
}
CATEGORY_ORDER = tuple(CATEGORIES.values())
CATEGORY_TITLES = {"administrative": "Administrative safeguards (§164.308)",
                   "physical": "Physical safeguards (§164.310)",
                   "technical": "Technical safeguards (§164.312)",
                   "organizational": "Organizational requirements (§164.314)",
                   "documentation": "Policies, procedures and documentation (§164.316)"}
KINDS = ("standard", "implementation")
REQUIREMENTS = ("required", "addressable")
RESPONSIBILITIES = ("customer", "aws", "shared")
AUTOMATION = ("full", "partial", "process", "aws")
FIELDS = {"id", "title", "kind", "standard", "requirement", "responsibility", "automation", "reason"}

SOURCE = "hipaa_policies/frameworks/hipaa-security-rule/"

ENFORCED = "enforced"
PARTIAL = "partially enforced"
PROCESS = "process control"
AWS = "AWS responsibility"
GAP = "not yet enforced"
STATUSES = (ENFORCED, PARTIAL, PROCESS, AWS, GAP)


@dataclass(frozen=True)
class Safeguard:
    id: str
    title: str
    kind: str
    requirement: str
    responsibility: str
    automation: str
    reason: str
    standard: Optional[str] = None

    @property
    def category(self) -> str:
        return CATEGORIES[self.id[:7]]

    @property
    def required(self) -> bool:
        return self.requirement == "required"


@dataclass
class Catalogue:
    safeguards: Dict[str, Safeguard] = field(default_factory=dict)
    source: str = ""

    def __getitem__(self, citation: str) -> Safeguard:
        return self.safeguards[citation]

    def __contains__(self, citation: object) -> bool:
        return citation in self.safeguards

    def __iter__(self):
        return iter(self.safeguards.values())

    def check_policies(self, specs: Iterable) -> None:
        """Both directions: each policy cites catalogue records that infrastructure can express."""
        for spec in specs:
            if not spec.citations:
                raise RegistryError(f"policy {spec.name!r} ({spec.module}) cites no CFR section")
            for c in spec.citations:
                if c not in self.safeguards:
                    raise RegistryError(
                        f"policy {spec.name!r} ({spec.module}) cites {c}, which is not in the catalogue {self.source}")
                sg = self.safeguards[c]
                if sg.automation in ("process", "aws"):
                    raise RegistryError(
                        f"policy {spec.name!r} cites {c} ({sg.title}), which the catalogue marks as "
                        f"automation = \"{sg.automation}\"; change the catalogue or the citation")

    def status(self, sg: Safeguard, policy_names: List[str]) -> str:
        if sg.automation == "process":
            return PROCESS
        if sg.automation == "aws":
            return AWS
        if not policy_names:
            return GAP
        return ENFORCED if sg.automation == "full" else PARTIAL


def _parse(data: dict, source: str) -> Catalogue:
    records = data.get("safeguard")
    if not isinstance(records, list) or not records:
        raise CatalogueError(f"{source}: no [[safeguard]] records")
    cat = Catalogue(source=source)
    for i, rec in enumerate(records, 1):
        where = f"{source}: safeguard #{i}"
        if not isinstance(rec, dict):
            raise CatalogueError(f"{where} is not a table")
        sid = rec.get("id")
        if not isinstance(sid, str) or not sid:
            raise CatalogueError(f"{where} has no id")
        where = f"{source}: safeguard {sid}"
        unknown = set(rec) - FIELDS
        if unknown:
            raise CatalogueError(f"{where} has unknown field(s): {', '.join(sorted(unknown))}")
        if sid[:7] not in CATEGORIES or not sid.startswith("164.3") or "(" not in sid:
            raise CatalogueError(f"{where}: unknown citation; expected a section of 164.308, 164.310, "
                                 "164.312, 164.314 or 164.316 such as 164.312(a)(1)")
        if sid in cat.safeguards:
            raise CatalogueError(f"{where}: duplicate id")
        for key, allowed in (("kind", KINDS), ("requirement", REQUIREMENTS),
                             ("responsibility", RESPONSIBILITIES), ("automation", AUTOMATION)):
            if rec.get(key) not in allowed:
                raise CatalogueError(f"{where}: {key} must be one of {', '.join(allowed)}")
        for key in ("title", "reason"):
            if not isinstance(rec.get(key), str) or not rec[key].strip():
                raise CatalogueError(f"{where}: {key} is required")
        if rec["kind"] == "implementation" and not rec.get("standard"):
            raise CatalogueError(f"{where}: an implementation specification names its standard")
        cat.safeguards[sid] = Safeguard(
            id=sid, title=rec["title"], kind=rec["kind"], requirement=rec["requirement"],
            responsibility=rec["responsibility"], automation=rec["automation"],
            reason=rec["reason"], standard=rec.get("standard"))
    for sg in cat.safeguards.values():
        if sg.standard is not None:
            parent = cat.safeguards.get(sg.standard)
            if parent is None or parent.kind != "standard":
                raise CatalogueError(f"{source}: safeguard {sg.id} names standard {sg.standard}, "
                                     "which is not a standard in the catalogue")
    return cat


def parse_text(text: str, source: str = "<text>") -> Catalogue:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(f"{source}: not valid TOML: {e}") from None
    return _parse(data, source)


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The bundled HIPAA catalogue (``catalogue.toml``), parsed and validated once."""
    f = resources.files("hipaa_policies.frameworks").joinpath("hipaa-security-rule", "catalogue.toml")
    try:
        text = f.read_text(encoding="utf-8")
    except OSError as e:
        raise CatalogueError(f"{SOURCE}catalogue.toml: cannot be read ({e})") from None
    cat = parse_text(text, f"{SOURCE}catalogue.toml")
    cat.source = SOURCE
    return cat


def coverage(specs: Iterable) -> Tuple[List[dict], Dict[str, dict]]:
    """(rows, by_category): each safeguard with its status and policies; percentages — the HIPAA
    framework's coverage (:meth:`~hipaa_policies.frameworks.model.Framework.coverage`) in the
    catalogue's own words (``safeguards``, responsibility)."""
    from hipaa_policies.frameworks.loader import load
    fw = load(list(specs))["hipaa-security-rule"]
    rows, summary = fw.coverage()
    cat = load_catalogue()
    for row in rows:
        row["responsibility"] = cat[row["id"]].responsibility
        del row["sources"]
    for s in summary.values():
        s["safeguards"] = s.pop("requirements")
        s["counts"] = {k: v for k, v in s["counts"].items() if k in STATUSES}
    return rows, {k: summary[k] for k in list(CATEGORY_ORDER) + ["all"]}
