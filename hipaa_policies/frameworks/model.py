"""A compliance framework: data plus a small object.

A :class:`Framework` has an id, a name, a version, a status (``in force`` or ``proposed``), its
requirement catalogue (:class:`Requirement`: id, title, category, and for HIPAA Required /
Addressable) and a mapping between requirements and policy names.  Checks stay framework-neutral:
a policy cites HIPAA sections; every other framework maps to policies through data (explicit names,
name patterns, HIPAA citations, or NIST's crosswalk from HIPAA elements).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

IN_FORCE = "in force"
PROPOSED = "proposed"
STATUSES = (IN_FORCE, PROPOSED)

# What infrastructure code can evidence of a requirement (the HIPAA catalogue's ``automation``).
AUTOMATABLE = ("full", "partial")
NOT_AUTOMATABLE = ("process", "aws")

# Coverage statuses of a requirement
ENFORCED = "enforced"
PARTIAL = "partially enforced"
PROCESS = "process control"
AWS = "AWS responsibility"
GAP = "not yet enforced"
NO_IAC = "no IaC evidence"
COVERAGE_STATUSES = (ENFORCED, PARTIAL, PROCESS, AWS, GAP, NO_IAC)


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    category: str
    automation: str = "partial"       # full | partial | process | aws | derived
    reason: str = ""
    requirement: Optional[str] = None  # HIPAA: required | addressable
    kind: str = ""                     # HIPAA: standard | implementation
    standard: Optional[str] = None
    sources: Tuple[str, ...] = ()      # derived frameworks: the HIPAA elements it is mapped from

    @property
    def required(self) -> bool:
        return self.requirement == "required"


@dataclass
class Framework:
    id: str
    name: str
    version: str
    status: str
    description: str
    source: str                                    # where the data lives (for messages)
    categories: Dict[str, str]                     # category id -> title, in display order
    requirements: Dict[str, Requirement]
    mapping: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # requirement -> policy names
    informative: bool = False                      # a mapping of relationships, not an equivalence
    notes: str = ""
    proposed_only_policies: Tuple[str, ...] = ()   # policies that exist for this framework alone

    # -- lookups ------------------------------------------------------------------------------
    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self.requirements

    def __getitem__(self, requirement_id: str) -> Requirement:
        return self.requirements[requirement_id]

    @property
    def label(self) -> str:
        """The name as every surface shows it, with the status when it is not in force."""
        return self.name if self.status == IN_FORCE else f"{self.name} (PROPOSED — not in force)"

    @property
    def caveat(self) -> Tuple[str, str]:
        """(headline, detail) that every surface shows beside a framework that is not in force or is
        only an informative mapping; ("", "") for one in force."""
        if self.status != IN_FORCE:
            return f"{self.status.upper()} — not in force.", self.notes
        if self.informative:
            return "Informative mapping — related items, not an equivalence.", self.notes
        return "", ""

    def policies_for(self, requirement_id: str) -> Tuple[str, ...]:
        return self.mapping.get(requirement_id, ())

    def requirements_by_policy(self) -> Dict[str, Tuple[str, ...]]:
        out: Dict[str, List[str]] = {}
        for rid in self.requirements:
            for name in self.mapping.get(rid, ()):
                out.setdefault(name, []).append(rid)
        return {k: tuple(v) for k, v in out.items()}

    def mapped_policies(self) -> List[str]:
        return sorted({n for names in self.mapping.values() for n in names})

    def status_of(self, req: Requirement) -> str:
        names = self.policies_for(req.id)
        if req.automation == "process":
            return PROCESS
        if req.automation == "aws":
            return AWS
        if req.automation == "derived":
            return (PARTIAL if names else NO_IAC)
        if not names:
            return GAP
        return ENFORCED if req.automation == "full" else PARTIAL

    def coverage(self) -> Tuple[List[dict], Dict[str, dict]]:
        """(rows, summary by category and "all"): each requirement with its status and policies."""
        rows = []
        for req in self.requirements.values():
            rows.append({
                "id": req.id, "title": req.title, "category": req.category,
                "requirement": req.requirement, "kind": req.kind, "automation": req.automation,
                "status": self.status_of(req), "policies": sorted(self.policies_for(req.id)),
                "reason": req.reason, "sources": list(req.sources),
            })
        summary: Dict[str, dict] = {}
        for category in list(self.categories) + ["all"]:
            sel = [r for r in rows if category == "all" or r["category"] == category]
            evidencable = [r for r in sel if r["status"] not in (PROCESS, AWS, NO_IAC)
                           or (r["automation"] == "derived" and r["policies"])]
            covered = [r for r in sel if r["policies"]]
            counts = {s: sum(1 for r in sel if r["status"] == s) for s in COVERAGE_STATUSES}
            summary[category] = {
                "requirements": len(sel),
                "automatable": len(evidencable),
                "covered": len(covered),
                "automatable_covered_pct": round(100.0 * len(covered) / len(evidencable), 1) if evidencable else 0.0,
                "enforced_pct": round(100.0 * (counts[ENFORCED] + counts[PARTIAL]) / len(sel), 1) if sel else 0.0,
                "counts": counts,
            }
        return rows, summary

    def no_iac_evidence(self) -> List[Requirement]:
        return [r for r in self.requirements.values() if not self.policies_for(r.id)]

    def summary_row(self) -> Dict[str, object]:
        return {"id": self.id, "name": self.name, "version": self.version, "status": self.status,
                "requirements": len(self.requirements), "mapped_requirements": sum(1 for r in self.requirements
                                                                                   if self.policies_for(r))
                , "mapped_policies": len(self.mapped_policies()), "informative": self.informative,
                "description": self.description}


def sort_key(requirement_id: str) -> Tuple:
    """Natural order of citations and control ids: 164.308(a)(1)(ii)(B) before (D), AC-2 before AC-11."""
    import re
    parts = re.findall(r"\d+|[A-Za-z]+", requirement_id)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def ordered(ids: Iterable[str]) -> List[str]:
    return sorted(ids, key=sort_key)


def by_id(frameworks: Iterable[Framework]) -> Mapping[str, Framework]:
    return {f.id: f for f in frameworks}
