"""Who a resource policy lets in: the one public-principal analysis every resource-policy check
shares (S3 bucket, SQS queue, SNS topic, ECR repository, Secrets Manager secret, OpenSearch
domain, KMS key, API Gateway REST API policies; 164.312(a)(1), 164.308(a)(4)(ii)(B)).

A statement is *public* when it is an ``Allow`` whose ``Principal`` is ``"*"``, ``{"AWS": "*"}``
(or a list holding ``*``, or an ARN pattern with ``*``), or that uses ``NotPrincipal`` (everyone
but the named principals), and no condition narrows it to an account, organisation, network or
source: a positive operator (``StringEquals``, ``ArnLike``, ``IpAddress``...; not a ``...Not...``
operator and not ``...IfExists``, under which a request without the key matches) on a key of
:data:`RESTRICTING_KEYS` with a value other than ``*``.  A public ``Allow`` is also narrowed by a
``Deny`` for everyone that covers its actions unless such a key matches (``StringNotEquals
aws:SourceVpce``, ``NotIpAddress aws:SourceIp``...): the usual private-API and VPC-endpoint
pattern.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from hipaa_policies.core.helpers.policy_documents import (Statement, document_findings, matches, overlaps,
                                                         parse_statements)
from hipaa_policies.core.props import FAIL, MISSING, Finding, unwrap

# Condition keys that tie a request to known accounts, organisations, networks or sources.
RESTRICTING_KEYS = frozenset(k.lower() for k in (
    "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:SourceOrgID", "aws:SourceOrgPaths",
    "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "aws:VpcSourceIp",
    "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn",
    "aws:userid", "aws:username", "aws:PrincipalServiceName",
    "kms:CallerAccount", "s3:DataAccessPointAccount", "s3:DataAccessPointArn",
))
NEGATED = ("stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike",
           "notipaddress", "numericnotequals")


def _op_base(op: str) -> Tuple[str, bool]:
    """An operator without its ``ForAnyValue:``/``ForAllValues:`` qualifier and ``IfExists``
    suffix, and whether it had ``IfExists``."""
    base = op.split(":", 1)[1] if ":" in op else op
    if base.endswith("ifexists"):
        return base[: -len("ifexists")], True
    return base, False


def _real_values(values: Sequence[Any]) -> bool:
    strings = [str(v).strip() for v in values if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
    return bool(strings) and all(s and s != "*" for s in strings)


def restricts(st: Statement) -> bool:
    """Whether an ``Allow``'s condition narrows who (or from where) to a restricting key."""
    for op, key, values in st.condition_entries():
        base, if_exists = _op_base(op)
        if key in RESTRICTING_KEYS and not if_exists and base not in NEGATED and base != "null" \
                and _real_values(values):
            return True
    return False


def _denies_unless_restricted(st: Statement) -> bool:
    """A ``Deny`` for everyone that applies unless a restricting key matches."""
    if not st.denies or not names_everyone(st.principal):
        return False
    for op, key, values in st.condition_entries():
        base, _if_exists = _op_base(op)
        if key in RESTRICTING_KEYS and base in NEGATED and _real_values(values):
            return True
    return False


def _star(value: Any) -> bool:
    value = unwrap(value)
    items = value if isinstance(value, list) else [value]
    return any(isinstance(v, str) and "*" in v for v in items)


def names_everyone(principal: Any) -> bool:
    """``"*"``, ``{"AWS": "*"}``, a list with ``*`` or an ARN pattern with ``*`` (Service and
    Federated principals name AWS services and identity providers, not everyone)."""
    principal = unwrap(principal)
    if isinstance(principal, str):
        return "*" in principal
    if isinstance(principal, list):
        return _star(principal)
    if isinstance(principal, Mapping):
        return any(_star(v) for k, v in principal.items() if str(k).strip().upper() in ("AWS", "CANONICALUSER"))
    return False


def _covered(allow: Statement, deny: Statement) -> bool:
    """Whether ``deny``'s actions cover every action ``allow`` grants."""
    if deny.not_actions is not None:
        return allow.actions is not None and not any(
            any(overlaps(n, a) for n in deny.not_actions) for a in allow.actions)
    patterns = deny.actions or ()
    if allow.not_actions is not None:
        return "*" in patterns or "*:*" in patterns
    return bool(allow.actions) and all(any(matches(p, a) for p in patterns) for a in allow.actions)


def public_statements(doc: Mapping, path: str = "policy") -> List[Tuple[Statement, str]]:
    """The public ``Allow`` statements of a resource policy, each with the element to name
    (``Principal`` or ``NotPrincipal``)."""
    stmts = parse_statements(doc, path)
    denies = [d for d in stmts if _denies_unless_restricted(d)]
    out = []
    for st in stmts:
        if not st.allows:
            continue
        if st.not_principal is not None:
            element = "NotPrincipal"
        elif names_everyone(st.principal):
            element = "Principal"
        else:
            continue
        if restricts(st) or any(_covered(st, d) for d in denies):
            continue
        out.append((st, element))
    return out


def grants_any(st: Statement, actions: Iterable[str]) -> Optional[str]:
    """The first of ``actions`` (lower case) the statement grants, or None."""
    return next((a for a in actions if st.covers(a)), None)


RESTRICTION_HINT = ("named principals, or the statement limited by a condition such as `aws:SourceArn`, "
                    "`aws:SourceAccount`, `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceVpce` or "
                    "`aws:SourceIp`")
NO_PUBLIC = "a policy that allows nothing to everyone (`Principal: \"*\"`) without a restricting condition"
NOT_PRINCIPAL = "absent from an `Allow` statement (`NotPrincipal` allows everyone but the principals named)"


def public_findings(value: Any, path: str, *, note: str = "", absent: Any = MISSING,
                    actions: Optional[Sequence[str]] = None, urn: Optional[str] = None) -> List[Finding]:
    """Findings for the resource policy at ``path``: a failure per public statement (restricted
    to statements granting one of ``actions`` when given), unverified when the document is not
    known or cannot be parsed, none for an absent policy unless ``absent`` says otherwise.
    ``note`` is appended to the expected setting (e.g. why a public access block is no excuse)."""
    wanted = [a.lower() for a in actions] if actions else None

    def judge(doc: Mapping, p: str) -> List[Finding]:
        out = []
        for st, element in public_statements(doc, p):
            if wanted is not None and grants_any(st, wanted) is None:
                continue
            expected = NOT_PRINCIPAL if element == "NotPrincipal" else RESTRICTION_HINT
            out.append(Finding(f"{st.path}.{element}", expected + note, FAIL, urn))
        return out
    return document_findings(value, path, NO_PUBLIC + note, judge, absent, urn)
