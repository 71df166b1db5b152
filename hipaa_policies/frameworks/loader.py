"""Load frameworks from data: one folder per framework with a ``framework.toml``.

Built-in folders live beside this module; more can be added without touching any module by
pointing ``HIPAA_POLICIES_FRAMEWORKS`` at folders (``os.pathsep``-separated) that hold framework
folders.  Three kinds of framework data:

``catalogue``  the HIPAA Security Rule: ``catalogue.toml`` (the safeguard records); policies cite it.
``crosswalk``  derived from another framework through a CSV crosswalk (NIST's informative mapping
               from HIPAA elements to SP 800-53 controls and CSF subcategories): a policy maps to a
               control when it cites a HIPAA element the crosswalk relates to that control.
``mapped``     ``requirements.toml`` (``[[requirement]]``: id, title, category, automation, reason)
               and ``[[mapping]]`` rules in ``framework.toml``: a requirement maps to policies by
               ``policies`` (names), ``patterns`` (globs on names) or ``citations`` (HIPAA sections
               that are the policy's primary citation: what the check is about, not what it supports).

Every problem is a :class:`~hipaa_policies.core.errors.CatalogueError` naming the file and entry:
an unknown requirement, a mapping to a missing policy, a pattern that matches nothing, a duplicate
id.  A framework is never loaded partially.
"""
from __future__ import annotations

import csv
import fnmatch
import io
import os
import tomllib
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from hipaa_policies.core.errors import CatalogueError
from hipaa_policies.frameworks.model import (AUTOMATABLE, NOT_AUTOMATABLE, STATUSES, Framework, Requirement,
                                             ordered)

ENV_PATH = "HIPAA_POLICIES_FRAMEWORKS"
KINDS = ("catalogue", "crosswalk", "mapped")
FRAMEWORK_KEYS = {"id", "name", "version", "status", "description", "kind", "informative", "notes",
                  "categories", "derived_from", "crosswalk", "element_column", "requirement_column",
                  "element_aliases", "titles", "category_of", "mapping", "proposed_only_policies",
                  "order"}
REQUIREMENT_KEYS = {"id", "title", "category", "automation", "reason"}
MAPPING_KEYS = {"requirement", "policies", "patterns", "citations"}
HIPAA = "hipaa-security-rule"

Folder = Union[Path, Traversable]


def _read_toml(folder: Folder, name: str, where: str) -> Dict[str, Any]:
    f = folder.joinpath(name)
    try:
        text = f.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CatalogueError(f"{where}/{name}: cannot be read ({type(e).__name__})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(f"{where}/{name}: not valid TOML: {e}") from None


def framework_folders() -> List[Tuple[Folder, str]]:
    """(folder, label) of every framework: built-in first, then those under HIPAA_POLICIES_FRAMEWORKS."""
    out: List[Tuple[Folder, str]] = []
    base = resources.files("hipaa_policies.frameworks")
    for entry in sorted(base.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and entry.joinpath("framework.toml").is_file():
            out.append((entry, f"hipaa_policies/frameworks/{entry.name}"))
    for root in filter(None, os.environ.get(ENV_PATH, "").split(os.pathsep)):
        path = Path(root)
        if not path.is_dir():
            raise CatalogueError(f"{ENV_PATH}: {root} is not a directory")
        if (path / "framework.toml").is_file():
            out.append((path, str(path)))
            continue
        for entry in sorted(path.iterdir()):
            if entry.is_dir() and (entry / "framework.toml").is_file():
                out.append((entry, str(entry)))
    return out


class _PolicyView:
    """What a mapping needs to know of the registry: names and HIPAA citations."""

    def __init__(self, specs: Iterable[Any]) -> None:
        self.citations: Dict[str, Tuple[str, ...]] = {s.name: tuple(s.citations) for s in specs}

    def names(self) -> List[str]:
        return sorted(self.citations)

    def citing(self, citation: str) -> List[str]:
        return sorted(n for n, cs in self.citations.items() if citation in cs)

    def primarily_citing(self, citation: str) -> List[str]:
        return sorted(n for n, cs in self.citations.items() if cs and cs[0] == citation)


def _common(meta: Dict[str, Any], where: str) -> Dict[str, Any]:
    unknown = set(meta) - FRAMEWORK_KEYS
    if unknown:
        raise CatalogueError(f"{where}/framework.toml: unknown key(s): {', '.join(sorted(unknown))}")
    for key in ("id", "name", "version", "status", "description", "kind"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise CatalogueError(f"{where}/framework.toml: `{key}` is required (a non-empty string)")
    if meta["status"] not in STATUSES:
        raise CatalogueError(f"{where}/framework.toml: status must be one of {', '.join(STATUSES)}")
    if meta["kind"] not in KINDS:
        raise CatalogueError(f"{where}/framework.toml: kind must be one of {', '.join(KINDS)}")
    cats = meta.get("categories") or {}
    if not isinstance(cats, dict) or not all(isinstance(v, str) for v in cats.values()):
        raise CatalogueError(f"{where}/framework.toml: [categories] must map category ids to titles")
    return cats


def _hipaa(folder: Folder, where: str, meta: Dict[str, Any], view: _PolicyView) -> Framework:
    from hipaa_policies.frameworks.catalogue import CATEGORY_TITLES, parse_text
    cats = _common(meta, where)
    cat = parse_text(folder.joinpath("catalogue.toml").read_text(encoding="utf-8"), f"{where}/catalogue.toml")
    reqs = {sg.id: Requirement(id=sg.id, title=sg.title, category=sg.category, automation=sg.automation,
                               reason=sg.reason, requirement=sg.requirement, kind=sg.kind, standard=sg.standard)
            for sg in cat}
    mapping = {rid: tuple(view.citing(rid)) for rid in reqs}
    return Framework(id=meta["id"], name=meta["name"], version=meta["version"], status=meta["status"],
                     description=meta["description"], source=where, categories=cats or dict(CATEGORY_TITLES),
                     requirements=reqs, mapping={k: v for k, v in mapping.items() if v},
                     informative=bool(meta.get("informative", False)), notes=meta.get("notes", ""))


def _crosswalk(folder: Folder, where: str, meta: Dict[str, Any], base: Framework) -> Framework:
    cats = _common(meta, where)
    for key in ("crosswalk", "element_column", "requirement_column"):
        if not isinstance(meta.get(key), str):
            raise CatalogueError(f"{where}/framework.toml: `{key}` is required for a crosswalk framework")
    aliases = meta.get("element_aliases") or {}
    titles = meta.get("titles") or {}
    category_of = meta.get("category_of") or "prefix-before-dash"
    name = meta["crosswalk"]
    try:
        text = folder.joinpath(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CatalogueError(f"{where}/{name}: cannot be read ({type(e).__name__})") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or meta["element_column"] not in rows[0] or meta["requirement_column"] not in rows[0]:
        raise CatalogueError(f"{where}/{name}: needs columns {meta['element_column']} and {meta['requirement_column']}")
    sources: Dict[str, List[str]] = {}
    for i, row in enumerate(rows, 2):
        element = row[meta["element_column"]].strip()
        hipaa_id = aliases.get(element, element)
        if hipaa_id not in base:
            raise CatalogueError(f"{where}/{name}: line {i}: element {element!r} is not a requirement of {base.id} "
                                 f"(add it to [element_aliases])")
        for control in row[meta["requirement_column"]].split():
            sources.setdefault(control, [])
            if hipaa_id not in sources[control]:
                sources[control].append(hipaa_id)
    for alias, target in aliases.items():
        if target not in base:
            raise CatalogueError(f"{where}/framework.toml: element_aliases.{alias} names {target!r}, "
                                 f"which is not a requirement of {base.id}")
    reqs: Dict[str, Requirement] = {}
    mapping: Dict[str, Tuple[str, ...]] = {}
    for control in ordered(sources):
        if category_of == "prefix-before-dash":
            category = control.split("-")[0]
        else:  # "prefix-before-dash-or-dot": CSF ids such as PR.AC-1 -> PR.AC
            category = control.rsplit("-", 1)[0]
        if category not in cats:
            raise CatalogueError(f"{where}/framework.toml: [categories] lacks {category!r} (used by {control})")
        title = titles.get(control) or f"{control} ({cats[category]})"
        srcs = tuple(ordered(sources[control]))
        reqs[control] = Requirement(id=control, title=title, category=category, automation="derived",
                                    reason="Related HIPAA elements: " + ", ".join(srcs), sources=srcs)
        names = sorted({n for s in srcs for n in base.policies_for(s)})
        if names:
            mapping[control] = tuple(names)
    unknown_titles = set(titles) - set(reqs)
    if unknown_titles:
        raise CatalogueError(f"{where}/framework.toml: [titles] names requirement(s) not in the crosswalk: "
                             + ", ".join(sorted(unknown_titles)))
    return Framework(id=meta["id"], name=meta["name"], version=meta["version"], status=meta["status"],
                     description=meta["description"], source=where, categories=cats, requirements=reqs,
                     mapping=mapping, informative=bool(meta.get("informative", True)), notes=meta.get("notes", ""))


def _mapped(folder: Folder, where: str, meta: Dict[str, Any], view: _PolicyView,
            hipaa: Optional[Framework]) -> Framework:
    cats = _common(meta, where)
    data = _read_toml(folder, "requirements.toml", where)
    records = data.get("requirement")
    if not isinstance(records, list) or not records:
        raise CatalogueError(f"{where}/requirements.toml: no [[requirement]] records")
    reqs: Dict[str, Requirement] = {}
    for i, rec in enumerate(records, 1):
        entry = f"{where}/requirements.toml: requirement #{i}"
        if not isinstance(rec, dict) or not isinstance(rec.get("id"), str) or not rec["id"].strip():
            raise CatalogueError(f"{entry} has no id")
        entry = f"{where}/requirements.toml: requirement {rec['id']}"
        unknown = set(rec) - REQUIREMENT_KEYS
        if unknown:
            raise CatalogueError(f"{entry} has unknown field(s): {', '.join(sorted(unknown))}")
        if rec["id"] in reqs:
            raise CatalogueError(f"{entry}: duplicate id")
        for key in ("title", "category", "reason"):
            if not isinstance(rec.get(key), str) or not rec[key].strip():
                raise CatalogueError(f"{entry}: {key} is required")
        if rec["category"] not in cats:
            raise CatalogueError(f"{entry}: category {rec['category']!r} is not in [categories] of framework.toml")
        automation = rec.get("automation", "partial")
        if automation not in AUTOMATABLE + NOT_AUTOMATABLE:
            raise CatalogueError(f"{entry}: automation must be one of {', '.join(AUTOMATABLE + NOT_AUTOMATABLE)}")
        reqs[rec["id"]] = Requirement(id=rec["id"], title=rec["title"], category=rec["category"],
                                      automation=automation, reason=rec["reason"])
    names = set(view.names())
    mapping: Dict[str, List[str]] = {}
    for i, rule in enumerate(meta.get("mapping") or [], 1):
        entry = f"{where}/framework.toml: [[mapping]] #{i}"
        if not isinstance(rule, dict):
            raise CatalogueError(f"{entry} is not a table")
        unknown = set(rule) - MAPPING_KEYS
        if unknown:
            raise CatalogueError(f"{entry} has unknown key(s): {', '.join(sorted(unknown))}")
        rid = rule.get("requirement")
        if rid not in reqs:
            raise CatalogueError(f"{entry}: unknown requirement {rid!r}")
        entry = f"{where}/framework.toml: mapping of {rid}"
        if reqs[rid].automation in NOT_AUTOMATABLE:
            raise CatalogueError(f"{entry}: the requirement is marked automation = {reqs[rid].automation!r}")
        chosen: List[str] = []
        for name in rule.get("policies") or []:
            if name not in names:
                raise CatalogueError(f"{entry}: no policy named {name!r}")
            chosen.append(name)
        for pattern in rule.get("patterns") or []:
            hits = fnmatch.filter(view.names(), pattern)
            if not hits:
                raise CatalogueError(f"{entry}: pattern {pattern!r} matches no policy")
            chosen.extend(hits)
        for citation in rule.get("citations") or []:
            if hipaa is not None and citation not in hipaa:
                raise CatalogueError(f"{entry}: {citation!r} is not a requirement of {HIPAA}")
            chosen.extend(view.primarily_citing(citation))
        mapping.setdefault(rid, [])
        mapping[rid].extend(n for n in chosen if n not in mapping[rid])
    proposed_only = tuple(meta.get("proposed_only_policies") or ())
    for name in proposed_only:
        if name not in names:
            raise CatalogueError(f"{where}/framework.toml: proposed_only_policies names no policy {name!r}")
    return Framework(id=meta["id"], name=meta["name"], version=meta["version"], status=meta["status"],
                     description=meta["description"], source=where, categories=cats, requirements=reqs,
                     mapping={k: tuple(sorted(v)) for k, v in mapping.items() if v},
                     informative=bool(meta.get("informative", False)), notes=meta.get("notes", ""),
                     proposed_only_policies=proposed_only)


# ------------------------------------------------------------------------------- content-hash cache
CACHE_ENV = "HIPAA_POLICIES_CACHE"   # a directory, or "off"
CACHE_FORMAT = 1


def _cache_dir() -> Optional[Path]:
    value = os.environ.get(CACHE_ENV, "")
    if value.lower() == "off":
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aws-hipaa"


def content_key(specs: Sequence[Any]) -> str:
    """sha256 over every framework data file, the profiles and each policy's name and citations:
    the same key means the same frameworks, mappings and validation outcome."""
    import hashlib
    h = hashlib.sha256(f"format {CACHE_FORMAT}\n".encode())
    base = resources.files("hipaa_policies.frameworks")
    files: List[Tuple[str, Folder]] = [(e.name, e) for e in base.iterdir() if e.is_file() and e.name.endswith((".toml", ".csv"))]
    for folder, where in framework_folders():
        files += [(f"{where}/{e.name}", e) for e in folder.iterdir() if e.is_file()]
    for name, entry in sorted(files, key=lambda x: x[0]):
        h.update(name.encode() + b"\0" + entry.read_bytes() + b"\0")
    for s in sorted(specs, key=lambda s: s.name):
        h.update((s.name + "\0" + "\0".join(s.citations) + "\n").encode())
    return h.hexdigest()


def _to_json(frameworks: Mapping[str, Framework]) -> Dict[str, Any]:
    from dataclasses import asdict
    return {"format": CACHE_FORMAT, "frameworks": [asdict(fw) for fw in frameworks.values()]}


def _from_json(data: Mapping[str, Any]) -> Dict[str, Framework]:
    out = {}
    for raw in data["frameworks"]:
        reqs = {k: Requirement(**{**v, "sources": tuple(v.get("sources") or ())}) for k, v in raw["requirements"].items()}
        out[raw["id"]] = Framework(**{**raw, "requirements": reqs,
                                      "mapping": {k: tuple(v) for k, v in raw["mapping"].items()},
                                      "proposed_only_policies": tuple(raw.get("proposed_only_policies") or ())})
    return out


def load_cached(specs: Sequence[Any]) -> Tuple[Dict[str, Framework], bool]:
    """(frameworks, from_cache): :func:`load`, or its validated result from an earlier run with the
    same content key (the pack's start-up then skips parsing and validating the data)."""
    import json
    directory = _cache_dir()
    key = content_key(specs) if directory is not None else ""
    path = directory / f"frameworks-{key[:32]}.json" if directory is not None else None
    if path is not None and path.is_file():
        try:
            return _from_json(json.loads(path.read_text(encoding="utf-8"))), True
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged cache entry is rebuilt
    frameworks = load(specs)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(_to_json(frameworks)), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only home: no cache, same result
    return frameworks, False


def load(specs: Sequence[Any]) -> Dict[str, Framework]:
    """Every framework, keyed by id in display order (HIPAA first), mapped onto ``specs``."""
    view = _PolicyView(specs)
    metas: List[Tuple[Folder, str, Dict[str, Any]]] = []
    for folder, where in framework_folders():
        meta = _read_toml(folder, "framework.toml", where).get("framework")
        if not isinstance(meta, dict):
            raise CatalogueError(f"{where}/framework.toml: no [framework] table")
        metas.append((folder, where, meta))
    out: Dict[str, Framework] = {}
    seen: Dict[str, str] = {}
    pending = []
    for folder, where, meta in metas:
        fid = meta.get("id")
        if fid in seen:
            raise CatalogueError(f"{where}/framework.toml: duplicate framework id {fid!r} (also {seen[fid]})")
        seen[str(fid)] = where
        if meta.get("kind") == "catalogue":
            out[str(fid)] = _hipaa(folder, where, meta, view)
        else:
            pending.append((folder, where, meta))
    hipaa = out.get(HIPAA)
    for folder, where, meta in pending:
        if meta.get("kind") == "crosswalk":
            base = out.get(meta.get("derived_from", ""))
            if base is None:
                raise CatalogueError(f"{where}/framework.toml: derived_from names no catalogue framework")
            out[meta["id"]] = _crosswalk(folder, where, meta, base)
        else:
            out[meta["id"]] = _mapped(folder, where, meta, view, hipaa)
    order = {fid: (int(m.get("order", 100)), fid) for _, _, m in metas for fid in [m["id"]]}
    return dict(sorted(out.items(), key=lambda kv: order[kv[0]]))


def validate_ids(frameworks: Mapping[str, Framework], fid: str, what: str = "framework") -> Framework:
    if fid not in frameworks:
        from hipaa_policies.core.errors import InputError
        raise InputError(f"unknown {what} {fid!r}; valid: {', '.join(frameworks)}")
    return frameworks[fid]
