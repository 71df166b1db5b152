"""Whether an AWS Backup selection covers a data store (164.308(a)(7)(ii)(A)): resource ARNs,
wildcards, tag conditions and the not-resources list, judged tri-state (True/False/None).

:class:`SelectionIndex` answers "which selections cover this store?" for every store of a stack with
lookups built once (selections by the store they name, by the tag they select on, plus the few whose
choice can only be judged store by store: ARN wildcards and unknown values), so a stack policy that
asks it for each store stays linear.
"""
from __future__ import annotations

import fnmatch

from hipaa_policies.core.props import UNKNOWN, Props, as_list, is_unknown, unwrap

SELECTION = "aws:backup/selection:Selection"

# data store type -> (ARN service, ARN resource prefixes, properties holding its physical name)
DATA_STORES = {
    "aws:rds/instance:Instance": ("rds", ("db:",), ("identifier",)),
    "aws:rds/cluster:Cluster": ("rds", ("cluster:",), ("clusterIdentifier",)),
    "aws:dynamodb/table:Table": ("dynamodb", ("table/",), ("name",)),
    "aws:efs/fileSystem:FileSystem": ("elasticfilesystem", ("file-system/",), ("id",)),
    "aws:ebs/volume:Volume": ("ec2", ("volume/",), ("id",)),
    "aws:ec2/instance:Instance": ("ec2", ("instance/",), ("id",)),
    "aws:fsx/windowsFileSystem:WindowsFileSystem": ("fsx", ("file-system/",), ("id",)),
    "aws:fsx/lustreFileSystem:LustreFileSystem": ("fsx", ("file-system/",), ("id",)),
    "aws:fsx/ontapFileSystem:OntapFileSystem": ("fsx", ("file-system/",), ("id",)),
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": ("fsx", ("file-system/",), ("id",)),
}


def _strings(value):
    items = as_list(value)
    if items is UNKNOWN:
        return UNKNOWN
    return [v for v in items if isinstance(v, str)]


def _physical_name(store):
    for key in DATA_STORES.get(store.type, ("", (), ()))[2]:
        v = store.get(key)
        if isinstance(v, str) and v and not is_unknown(v):
            return v
    return None


def _patterncovers(pattern: str, store):
    """True / False / None (cannot tell) for an ARN pattern with wildcards."""
    if pattern.strip() == "*":
        return True
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return False
    service, prefixes, _ = DATA_STORES.get(store.type, ("", (), ()))
    if not fnmatch.fnmatchcase(service, parts[2]):
        return False
    rest = parts[5]
    for prefix in prefixes:
        if fnmatch.fnmatchcase(prefix + "\x00", rest) or rest in ("*", prefix + "*"):
            return True
        name = _physical_name(store)
        if name is not None and fnmatch.fnmatchcase(prefix + name, rest):
            return True
    if any(rest.startswith(p) for p in prefixes) or rest.startswith("*"):
        return None if _physical_name(store) is None else False
    return False


def _tag_match(store, key, value):
    """True / False / None (tags unknown)."""
    tags = store.get("tags")
    if is_unknown(tags):
        return None
    if not isinstance(tags, dict):
        return False
    v = unwrap(tags.get(key))
    if is_unknown(v):
        return None
    return isinstance(v, str) and isinstance(value, str) and v == value


def _and(a, b):
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a, b):
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _resolve(stack, sel, prop, types):
    """``stack.resolve`` for a selection's ARN list, where an unknown value whose property depends on
    resources of other types (the value is built from their outputs) is no open link to ``types``."""
    targets, open_link = stack.resolve(sel, prop, types)
    if open_link and not targets and sel.property_dependencies.get(prop):
        return targets, False
    return targets, open_link


def covers(stack, sel, store):
    """True / False / None (cannot tell until deployment)."""
    store_type = store.type
    # resources: explicit links, ARN patterns
    chosen = False
    targets, open_link = _resolve(stack, sel, "resources", [store_type])
    if any(t.urn == store.urn for t in targets):
        chosen = True
    elif open_link:
        chosen = None
    else:
        values = _strings(sel.get("resources"))
        if values is UNKNOWN:
            chosen = False if sel.property_dependencies.get("resources") else None
        else:
            for v in values:
                if "*" in v:
                    chosen = _or(chosen, _patterncovers(v, store))
    # selectionTags (OR with resources)
    tags = sel.get("selectionTags")
    if is_unknown(tags):
        chosen = _or(chosen, None)
    else:
        for _, t in Props(sel.raw).items("selectionTags"):
            kind = t.str("type")
            if isinstance(kind, str) and kind.upper() == "STRINGEQUALS":
                chosen = _or(chosen, _tag_match(store, t.get("key"), t.get("value")))
            elif kind is UNKNOWN:
                chosen = _or(chosen, None)
    if chosen is False:
        return False
    # conditions narrow the selection (AND)
    conditions = sel.get("conditions")
    if is_unknown(conditions):
        chosen = _and(chosen, None)
    else:
        for _, cond in Props(sel.raw).items("conditions"):
            for _, eq in cond.items("stringEquals"):
                key = eq.get("key")
                if is_unknown(key):
                    chosen = _and(chosen, None)
                elif isinstance(key, str) and key.startswith("aws:ResourceTag/"):
                    chosen = _and(chosen, _tag_match(store, key[len("aws:ResourceTag/"):], eq.get("value")))
            for kind in ("stringLike", "stringNotEquals", "stringNotLike"):
                if cond.list(kind):
                    chosen = _and(chosen, None)  # not evaluated: cannot tell
    if chosen is False:
        return False
    # notResources excludes
    excluded, open_excl = _resolve(stack, sel, "notResources", [store_type])
    if any(t.urn == store.urn for t in excluded):
        return False
    if open_excl:
        chosen = _and(chosen, None)
    return chosen


class SelectionIndex:
    """The stack's AWS Backup selections, indexed once for many :meth:`verdict` calls."""

    def __init__(self, stack, store_types=tuple(DATA_STORES)):
        self.stack = stack
        self.explicit = {}   # store URN -> selections naming it
        self.by_tag = {}     # (key, value) -> selections choosing by that tag
        self.tag_based = []  # every selection choosing by a known tag
        self.per_store = []  # wildcards, unresolvable links, unknown tags: judged store by store
        types = list(store_types)
        for sel in stack.of_type(SELECTION):
            targets, open_link = _resolve(stack, sel, "resources", types)
            for t in targets:
                self.explicit.setdefault(t.urn, []).append(sel)
            values = _strings(sel.get("resources"))
            if values is UNKNOWN:
                judge_each = not sel.property_dependencies.get("resources")
            else:
                judge_each = open_link or any("*" in v for v in values)
            tags = sel.get("selectionTags")
            if is_unknown(tags):
                judge_each = True
            else:
                tagged = False
                for _, t in Props(sel.raw).items("selectionTags"):
                    kind, key, value = t.str("type"), t.get("key"), t.get("value")
                    if UNKNOWN in (kind, key, value) or is_unknown(key) or is_unknown(value):
                        judge_each = True
                    elif isinstance(kind, str) and kind.upper() == "STRINGEQUALS" and isinstance(key, str) \
                            and isinstance(value, str):
                        self.by_tag.setdefault((key, value), []).append(sel)
                        tagged = True
                if tagged:
                    self.tag_based.append(sel)
            if judge_each:
                self.per_store.append(sel)

    def candidates(self, store):
        found = {}
        for sel in self.explicit.get(store.urn, ()):
            found[sel.urn] = sel
        tags = store.get("tags")
        if is_unknown(tags):
            for sel in self.tag_based:
                found[sel.urn] = sel
        elif isinstance(tags, dict):
            for key, value in tags.items():
                value = unwrap(value)
                if is_unknown(value):
                    for sel in self.tag_based:
                        found[sel.urn] = sel
                elif isinstance(key, str) and isinstance(value, str):
                    for sel in self.by_tag.get((key, value), ()):
                        found[sel.urn] = sel
        for sel in self.per_store:
            found[sel.urn] = sel
        return list(found.values())

    def verdict(self, store):
        """True / False / None: some selection of the stack covers the store."""
        verdict = False
        for sel in self.candidates(store):
            verdict = _or(verdict, covers(self.stack, sel, store))
            if verdict is True:
                return True
        return verdict
