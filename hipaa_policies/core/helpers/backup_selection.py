"""Whether an AWS Backup selection covers a data store (164.308(a)(7)(ii)(A)): resource ARNs,
wildcards, tag conditions and the not-resources list, judged tri-state (True/False/UNKNOWN)."""
from __future__ import annotations

import fnmatch

from hipaa_policies.core.props import UNKNOWN, Props, as_list, is_unknown, unwrap

# data store type -> (ARN service, ARN resource prefixes, properties holding its physical name)
DATA_STORES = {
    "aws:rds/instance:Instance": ("rds", ("db:",), ("identifier",)),
    "aws:rds/cluster:Cluster": ("rds", ("cluster:",), ("clusterIdentifier",)),
    "aws:dynamodb/table:Table": ("dynamodb", ("table/",), ("name",)),
    "aws:efs/fileSystem:FileSystem": ("elasticfilesystem", ("file-system/",), ()),
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


def covers(stack, sel, store):
    """True / False / None (cannot tell until deployment)."""
    store_type = store.type
    # resources: explicit links, ARN patterns
    chosen = False
    targets, open_link = stack.resolve(sel, "resources", [store_type])
    if any(t.urn == store.urn for t in targets):
        chosen = True
    elif open_link:
        chosen = None
    else:
        values = _strings(sel.get("resources"))
        if values is UNKNOWN:
            chosen = None
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
    excluded, open_excl = stack.resolve(sel, "notResources", [store_type])
    if any(t.urn == store.urn for t in excluded):
        return False
    if open_excl:
        chosen = _and(chosen, None)
    return chosen
