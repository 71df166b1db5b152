"""Safe reads of engine-shaped resource properties.

Properties reach a policy in the engine's shape: camelCase keys, numbers as floats, unknown
sentinels during preview, secrets already unwrapped.  Every read in a check goes through
:class:`Props`, which never raises: a missing key, a null, a wrong type or an unknown value
each come back as a distinct marker, so a check only decides what is compliant.

Checks report :class:`Finding` objects naming the property path and the expected setting.
They never carry the property's value: it may be a secret.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping  # not typing.Mapping: its isinstance() is several times slower
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence, Tuple

# Sentinels the engine uses for values not known during preview (pulumi_policy.proxy).
from hipaa_policies.core.diagnostics import format_body
from hipaa_policies.core.sentinels import SECRET_SIG, SECRET_SIG_KEY, UNKNOWN_SENTINELS, UNKNOWN_STRING  # noqa: F401


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __bool__(self) -> bool:
        return False


MISSING = _Marker("MISSING")
UNKNOWN = _Marker("UNKNOWN")

FAIL = "fail"
UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Finding:
    """One thing wrong (or unverifiable) on a resource: a property path and what it should be."""

    path: str
    expected: str
    status: str = FAIL  # FAIL or UNVERIFIED
    urn: Optional[str] = None  # for stack policies: the resource the finding is about

    def message(self) -> str:
        """One sentence naming what is wrong and what it should be ("`storageEncrypted` must be
        true."); a related resource reads "A `BucketPolicy` must be declared for this bucket ...";
        a finding about what the stack lacks reads "This resource must be accompanied by ..."."""
        if self.status == UNVERIFIED:
            return format_body(UNVERIFIED, f"{self.subject(unknown=True)} not known until the resource is "
                                           f"deployed; expected {self.expected}.")
        if self.expected.startswith(("a `aws.", "an `aws.")) and (self.path == STACK_PATH or names_resource(self.path)):
            # another resource the stack must declare ("A `BackupPolicy` must be an `aws.efs.BackupPolicy`")
            who = "The stack" if self.path == STACK_PATH and not self.urn else "This resource"
            return f"{who} must be accompanied by {self.expected}."
        return f"{self.subject()} must be {self.expected}."

    def subject(self, unknown: bool = False) -> str:
        """The sentence's subject (with ``is`` when ``unknown``)."""
        if self.path == STACK_PATH:
            if unknown:
                return "What the stack declares for this resource is" if self.urn else "What the stack declares is"
            return "This resource" if self.urn else "The stack"
        if names_resource(self.path):
            article = "An" if self.path[:1].lower() in "aeiou" else "A"
            return f"Whether there is {article.lower()} `{self.path}` is" if unknown else f"{article} `{self.path}`"
        return f"`{self.path}` is" if unknown else f"`{self.path}`"


STACK_PATH = "(stack)"  # a finding about what the stack lacks, attached to the resource it concerns


def names_resource(path: str) -> bool:
    """Whether a finding's path names a resource (``BucketPolicy``, ``aws.backup.Selection``) rather
    than a property (``storageEncrypted``, ``BucketPolicy.policy``, ``rules[0].status``)."""
    return "[" not in path and path.rsplit(".", 1)[-1][:1].isupper()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value in UNKNOWN_SENTINELS)


# Secret marker classes whose ``.value`` is the plaintext (pulumi_policy.secret.Secret on the
# remediation path, registered there so this module imports nothing at pack start).
SECRET_CLASSES: tuple = ()


def unwrap(value: Any) -> Any:
    """Unwrap a wrapped secret (mocks and raw structs carry them) and map unknown sentinels."""
    # fast paths for the engine's plain shapes (exact types only; anything else takes the long way)
    t = type(value)
    if t is str:
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if t is dict:
        if SECRET_SIG_KEY in value and value.get(SECRET_SIG_KEY) == SECRET_SIG:
            return unwrap(value.get("value"))
        return value
    if t is float or t is bool or t is list or t is int or value is None:
        return value
    if t is LazyMapping:
        if value.is_secret_wrapper():
            inner = value.lookup("value")
            return unwrap(None if inner is MISSING else inner)
        return value
    if SECRET_CLASSES and isinstance(value, SECRET_CLASSES):
        return unwrap(value.value)
    if isinstance(value, Mapping):
        try:
            if value.get(SECRET_SIG_KEY) == SECRET_SIG:
                return unwrap(value.get("value"))
        except Exception:  # a mapping with odd keys
            return value
    if isinstance(value, str) and value in UNKNOWN_SENTINELS:
        return UNKNOWN
    return value


class LazyMapping(Mapping):
    """Read-only mapping over a source mapping (a protobuf ``Struct``'s fields) whose values are
    converted on first access and cached.

    The fast servicer hands each resource's top-level properties to checks this way: a check
    pays only for the properties it reads, and a stack check that filters 10,000 resources by
    type converts none of those it skips.  Values below the top level are plain dicts and lists.
    """

    __slots__ = ("_fields", "_convert", "_cache", "_sig")

    def __init__(self, fields: Any, convert: Callable[[Any], Any]) -> None:
        self._fields = fields
        self._convert = convert
        self._cache: dict = {}
        self._sig: Optional[bool] = None

    def is_secret_wrapper(self) -> bool:
        """Whether this mapping is itself a wrapped secret (checked once, then remembered)."""
        sig = self._sig
        if sig is None:
            sig = self._sig = self.lookup(SECRET_SIG_KEY) == SECRET_SIG
        return sig

    def __getitem__(self, key: Any) -> Any:
        value = self.lookup(key)
        if value is MISSING:
            raise KeyError(key)
        return value

    def lookup(self, key: Any) -> Any:
        """The converted value at ``key``, or MISSING."""
        cache = self._cache
        try:
            value = cache.get(key, MISSING)
        except TypeError:  # unhashable key
            return MISSING
        if value is not MISSING:
            return value
        fields = self._fields
        try:
            if key not in fields:
                return MISSING
        except TypeError:  # a key the source cannot hold (not a string)
            return MISSING
        value = cache[key] = self._convert(fields[key])
        return value

    def __contains__(self, key: Any) -> bool:
        if key in self._cache:
            return True
        try:
            return key in self._fields
        except TypeError:  # a key the source cannot hold (not a string)
            return False

    def __iter__(self) -> Iterator[Any]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"LazyMapping({dict(self)!r})"


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")


def _parse(path: str) -> Tuple[Any, ...]:
    parts: List[Any] = []
    for name, index in _PATH_TOKEN.findall(path):
        if name:
            parts.append(name)
        else:
            parts.append(int(index) if index != "*" else "*")
    return tuple(parts)


_PARSED: dict = {}


def parse_path(path: str) -> Tuple[Any, ...]:
    parsed = _PARSED.get(path)
    if parsed is None:
        parsed = _PARSED[path] = _parse(path)
    return parsed


def get(props: Any, path: str) -> Any:
    """Value at ``path`` (``a.b[0].c``) or MISSING / UNKNOWN.  Never raises."""
    cur = unwrap(props)
    for part in parse_path(path):
        if cur is UNKNOWN:
            return UNKNOWN
        tc = type(cur)
        if (tc is dict or tc is LazyMapping) and type(part) is str:  # the common cases, no ABC checks
            if tc is dict:
                if part not in cur:
                    return MISSING
                cur = cur[part]
            else:
                cur = cur.lookup(part)
                if cur is MISSING:
                    return MISSING
            cur = unwrap(cur)
            if cur is None:
                return MISSING
            continue
        if isinstance(part, int):
            if isinstance(cur, (list, tuple)) and -len(cur) <= part < len(cur):
                cur = unwrap(cur[part])
            else:
                return MISSING
        else:
            if isinstance(cur, Mapping):
                try:
                    cur = unwrap(cur[part]) if part in cur else MISSING
                except Exception:
                    return MISSING
                if cur is MISSING:
                    return MISSING
            else:
                return MISSING
        if cur is None:
            return MISSING
    return cur


def as_list(value: Any) -> Any:
    """A list for list values; UNKNOWN stays UNKNOWN; a single mapping becomes [mapping]; else []."""
    value = unwrap(value)
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, (list, tuple)):
        return [unwrap(v) for v in value]
    if isinstance(value, Mapping):
        return [value]
    return []


def as_number(value: Any) -> Any:
    """A float for numbers and numeric strings; UNKNOWN stays; anything else MISSING."""
    value = unwrap(value)
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool):
        return MISSING
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return MISSING
    else:
        return MISSING
    return number if math.isfinite(number) else MISSING  # inf/nan are no setting AWS accepts


def as_bool(value: Any) -> Any:
    """True/False for booleans and "true"/"false" strings; UNKNOWN stays; else MISSING."""
    value = unwrap(value)
    if value is UNKNOWN or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return MISSING


def as_str(value: Any) -> Any:
    value = unwrap(value)
    if value is UNKNOWN or isinstance(value, str):
        return value
    return MISSING


class Props:
    """Read-only view over a resource's engine-shaped properties with expectation helpers.

    Every ``expect_*`` helper returns a list of :class:`Finding` (empty when compliant).
    An unknown value yields an ``unverified`` finding, never a pass.
    """

    __slots__ = ("raw", "prefix")

    def __init__(self, raw: Any, prefix: str = "") -> None:
        self.raw = raw if isinstance(raw, Mapping) else {}
        self.prefix = prefix

    # -- reads -------------------------------------------------------------------------------
    def get(self, path: str) -> Any:
        return get(self.raw, path)

    def has(self, path: str) -> bool:
        return self.get(path) is not MISSING

    def str(self, path: str) -> Any:
        return as_str(self.get(path))

    def num(self, path: str) -> Any:
        return as_number(self.get(path))

    def bool(self, path: str) -> Any:
        return as_bool(self.get(path))

    def list(self, path: str) -> Any:
        return as_list(self.get(path))

    def items(self, path: str) -> Iterator[Tuple[str, "Props"]]:
        """(path of element, Props of element) for each mapping in the list at ``path``."""
        values = self.list(path)
        if values is UNKNOWN:
            return iter(())
        return ((f"{path}[{i}]", Props(v, self._full(f"{path}[{i}]") + "."))
                for i, v in enumerate(values) if isinstance(v, Mapping))

    def sub(self, path: str) -> "Props":
        """Props of the nested object at ``path`` (empty when absent)."""
        value = self.get(path)
        return Props(value if isinstance(value, Mapping) else {}, self._full(path) + ".")

    def tags(self) -> Mapping[str, str]:
        tags = self.get("tags")
        if not isinstance(tags, Mapping):
            return {}
        return {str(k): v for k, v in tags.items() if isinstance(v, str) and not is_unknown(v)}

    def _full(self, path: str) -> str:
        return f"{self.prefix}{path}" if self.prefix else path

    # -- expectations ---------------------------------------------------------------------------
    def fail(self, path: str, expected: str) -> List[Finding]:
        return [Finding(self._full(path), expected, FAIL)]

    def unverified(self, path: str, expected: str) -> List[Finding]:
        return [Finding(self._full(path), expected, UNVERIFIED)]

    def expect(self, path: str, ok: Callable[[Any], bool], expected: str,
               absent_ok: bool = False) -> List[Finding]:
        """Generic expectation: ``ok(value)`` decides; unknown → unverified; absent → fail
        unless ``absent_ok`` (the AWS default is compliant)."""
        value = self.get(path)
        if value is UNKNOWN:
            return self.unverified(path, expected)
        if value is MISSING:
            return [] if absent_ok else self.fail(path, expected)
        try:
            good = bool(ok(value))
        except Exception:
            good = False
        return [] if good else self.fail(path, expected)

    def expect_true(self, path: str, expected: str = "true", absent_ok: bool = False) -> List[Finding]:
        return self.expect(path, lambda v: as_bool(v) is True, expected, absent_ok)

    def expect_false(self, path: str, expected: str = "false", absent_ok: bool = True) -> List[Finding]:
        return self.expect(path, lambda v: as_bool(v) is False, expected, absent_ok)

    def expect_in(self, path: str, allowed: Iterable[str], expected: Optional[str] = None,
                  absent_ok: bool = False, case_insensitive: bool = True) -> List[Finding]:
        allowed_set = {a.lower() if case_insensitive else a for a in allowed}
        text = expected or "one of " + ", ".join(f"`{a}`" for a in sorted(allowed))

        def ok(v: Any) -> bool:
            return isinstance(v, str) and (v.lower() if case_insensitive else v) in allowed_set
        return self.expect(path, ok, text, absent_ok)

    def expect_not_in(self, path: str, denied: Iterable[str], expected: str,
                      absent_ok: bool = True) -> List[Finding]:
        denied_set = {d.lower() for d in denied}
        return self.expect(path, lambda v: isinstance(v, str) and v.lower() not in denied_set,
                           expected, absent_ok)

    def expect_at_least(self, path: str, minimum: float, expected: Optional[str] = None,
                        absent_ok: bool = False, allow: Sequence[float] = ()) -> List[Finding]:
        """Numbers (floats in engine shape) at or above ``minimum``; values in ``allow`` pass
        too (e.g. 0 meaning "never expire")."""
        text = expected or f"at least {_fmt(minimum)}"

        def ok(v: Any) -> bool:
            n = as_number(v)
            return isinstance(n, float) and (n >= minimum or n in allow)
        return self.expect(path, ok, text, absent_ok)

    def expect_at_most(self, path: str, maximum: float, expected: Optional[str] = None,
                       absent_ok: bool = False) -> List[Finding]:
        text = expected or f"at most {_fmt(maximum)}"

        def ok(v: Any) -> bool:
            n = as_number(v)
            return isinstance(n, float) and n <= maximum
        return self.expect(path, ok, text, absent_ok)

    def expect_present(self, path: str, expected: str) -> List[Finding]:
        def ok(v: Any) -> bool:
            return v != "" and v != [] and v != {}
        return self.expect(path, ok, expected)


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)
