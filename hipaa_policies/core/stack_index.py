"""One index of the stack, built once per ``AnalyzeStack`` and shared by every stack policy.

pulumi-aws v7 splits settings into resources of their own (an S3 bucket and its encryption,
versioning, logging...; a VPC and its flow logs; a log group and its metric filters).  Stack
policies join them through :meth:`StackIndex.referrers`, which matches a link however a program
writes it: a property dependency recorded by the engine (the only link while outputs are unknown
during preview), a literal name, an id, an ARN or a URN.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from hipaa_policies.core import tokens
from hipaa_policies.core.props import UNKNOWN, as_list, is_unknown
from hipaa_policies.core.resource import Resource

# Properties that identify a resource when another refers to it by value.
IDENTITY_KEYS = ("id", "arn", "name", "bucket", "logGroupName", "functionName", "clusterIdentifier",
                 "identifier", "tableName", "queueUrl", "topicArn")


class Links:
    """Result of a join for one target: resources that definitely refer to it, and whether some
    referrer's link could not be resolved (unknown value and no property dependency)."""

    __slots__ = ("resources", "unresolved")

    def __init__(self) -> None:
        self.resources: List[Resource] = []
        self.unresolved: List[Resource] = []


class StackIndex:
    """The stack's resources with hash lookups built once per ``AnalyzeStack``; ``settings`` are
    the pack settings of the run (PHI classification), set by the engine."""

    def __init__(self, resources: Iterable[Resource], settings: Any = None) -> None:
        from hipaa_policies.core.settings import Settings
        self.settings = settings if settings is not None else Settings()
        self.resources: List[Resource] = list(resources)
        self.by_urn: Dict[str, Resource] = {}
        self.by_type: Dict[str, List[Resource]] = {}
        self._ident_cache: Dict[Tuple[str, ...], Dict[str, List[Resource]]] = {}
        self._joins: Dict[Tuple, Tuple[Dict[str, List[Resource]], List[Resource], Dict[int, int]]] = {}
        for r in self.resources:
            self.by_urn[r.urn] = r
            self.by_type.setdefault(r.type, []).append(r)

    def of_type(self, *types: str) -> List[Resource]:
        out: List[Resource] = []
        for t in tokens.expand(types):
            out.extend(self.by_type.get(t, ()))
        return out

    def has_type(self, *types: str) -> bool:
        return any(self.by_type.get(t) for t in tokens.expand(types))

    def _identities(self, r: Resource) -> List[str]:
        ids = [r.urn, r.name]
        for key in IDENTITY_KEYS:
            v = r.get(key)
            if isinstance(v, str) and v and not is_unknown(v):
                ids.append(v)
        return ids

    def _targets_of_type(self, types: Sequence[str]) -> Dict[str, List[Resource]]:
        """Identity → resources of ``types`` (built once per set of types, shared by all joins)."""
        key = tuple(sorted(set(tokens.expand(types))))
        ident = self._ident_cache.get(key)
        if ident is None:
            ident = {}
            for t in self.of_type(*key):
                for identity in self._identities(t):
                    ident.setdefault(identity, []).append(t)
            self._ident_cache[key] = ident
        return ident

    def resolve(self, r: Resource, prop: str, target_types: Sequence[str],
                ident: Optional[Dict[str, List[Resource]]] = None) -> Tuple[List[Resource], bool]:
        """Resources of ``target_types`` that ``r.<prop>`` points at, and whether the link is
        unresolvable (unknown value without a property dependency)."""
        expanded = set(tokens.expand(target_types))
        found: Dict[str, Resource] = {}
        for urn in r.property_dependencies.get(prop, ()):
            t = self.by_urn.get(urn)
            if t is not None and t.type in expanded:
                found[t.urn] = t
        if found:
            return list(found.values()), False
        value = r.get(prop)
        if value is UNKNOWN:
            return [], True
        if ident is None:
            ident = self._targets_of_type(target_types)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str):
                if is_unknown(v):
                    return list(found.values()), True
                for t in ident.get(v, ()):
                    found[t.urn] = t
                # an ARN such as arn:aws:s3:::bucket-name or an ARN suffix
                if v.startswith("arn:") and not ident.get(v):
                    tail = v.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
                    for t in ident.get(tail, ()):
                        found[t.urn] = t
        return list(found.values()), False

    def referrers(self, target: Resource, referrer_types: Sequence[str], prop: str) -> Links:
        """Resources of ``referrer_types`` whose ``prop`` links to ``target`` (cached per join).

        The join is built once per (referrer types, property, target type) and keeps one list of
        referrers per identity they name -- a target URN (property dependency) or a value such as
        a bucket name -- so n targets sharing one name and n referrers naming it cost n, not n x n:
        every such target is handed the same list."""
        key = (tuple(referrer_types), prop, target.type)
        join = self._joins.get(key)
        if join is None:
            join = self._joins[key] = self._build_join(referrer_types, prop, tokens.canonical(target.type))
        groups, unresolved, order = join
        hits = [g for g in (groups.get(i) for i in self._identities(target)) if g]
        links = Links()
        if len(hits) == 1:
            links.resources = hits[0]
        elif hits:
            seen = {id(r): r for g in hits for r in g}
            links.resources = sorted(seen.values(), key=lambda r: order[id(r)])
        links.unresolved = unresolved
        return links

    def _build_join(self, referrer_types: Sequence[str], prop: str, target_type: str):
        """(identity -> referrers naming it, unresolved referrers, referrer -> position)."""
        types = (target_type,)
        expanded = set(tokens.expand(types))
        ident = self._targets_of_type(types)
        groups: Dict[str, List[Resource]] = {}
        unresolved: List[Resource] = []
        order: Dict[int, int] = {}
        for pos, ref in enumerate(self.of_type(*referrer_types)):
            order[id(ref)] = pos
            named = []
            for urn in ref.property_dependencies.get(prop, ()):
                t = self.by_urn.get(urn)
                if t is not None and t.type in expanded and urn not in named:
                    named.append(urn)
            if not named:
                value = ref.get(prop)
                if value is UNKNOWN:
                    unresolved.append(ref)
                    continue
                for v in (value if isinstance(value, list) else [value]):
                    if not isinstance(v, str):
                        continue
                    if is_unknown(v):
                        unresolved.append(ref)
                        break
                    if ident.get(v):
                        named.append(v)
                    elif v.startswith("arn:"):
                        # an ARN such as arn:aws:s3:::bucket-name or an ARN suffix
                        tail = v.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
                        if ident.get(tail):
                            named.append(tail)
            for identity in dict.fromkeys(named):
                groups.setdefault(identity, []).append(ref)
        return groups, unresolved, order

def string_list(value) -> List[str]:
    items = as_list(value)
    if items is UNKNOWN:
        return []
    return [v for v in items if isinstance(v, str)]
