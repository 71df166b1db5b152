"""Scan inputs: a Pulumi Python program, `pulumi preview --json` output or `pulumi stack export` output.

Each input becomes one :class:`StackInput`: its resources in engine shape
(:class:`~hipaa_policies.client.capture.CapturedResource`), the project and stack they belong to, the
SHA-256 digest of every file read, and a map from URN to the line of the input that declares
the resource (for SARIF locations).  Every problem is an :class:`~hipaa_policies.errors.InputError`
whose one-line message names the file and what is wrong.
"""
from __future__ import annotations

import hashlib
from collections import abc
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from hipaa_policies.core.errors import InputError

PROGRAM = "program"
PREVIEW = "preview"
EXPORT = "export"
KINDS = (PROGRAM, PREVIEW, EXPORT)

SECRET_PLACEHOLDER = "hipaa-scan-placeholder-secret"
URN_RE = re.compile(r'"(urn:pulumi:[^"\\]+)"')


@dataclass
class StackInput:
    kind: str
    path: Path                      # file or directory as given
    project: str
    stack: str
    resources: List[Any]            # CapturedResource
    files: Dict[str, str]           # path (as shown) -> sha256 of its bytes
    source: Path                    # the file SARIF locations point at
    lines: Dict[str, int] = field(default_factory=dict)  # urn -> 1-based line in `source`
    label: str = ""
    locations: Dict[str, Tuple[Path, int]] = field(default_factory=dict)  # urn -> (file, line) declaring it
    placeholders: Dict[str, bool] = field(default_factory=dict)  # config key -> secret?, filled with placeholders
    unexpanded: List[Any] = field(default_factory=list)  # RemoteComponent: children not created under mocks

    @property
    def sha256(self) -> str:
        """Digest of the input: the file's digest, or for a program the digest of its file manifest."""
        if len(self.files) == 1:
            return next(iter(self.files.values()))
        manifest = "".join(f"{name}\0{digest}\n" for name, digest in sorted(self.files.items()))
        return hashlib.sha256(manifest.encode()).hexdigest()

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::pulumi:pulumi:Stack::{self.project}-{self.stack}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _show(path: Path) -> str:
    """A path as the user would recognise it: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- JSON inputs
MAX_INPUT_BYTES = 1 << 30  # JSON inputs above this are refused (`scan --max-input-size`)
BLOCK = 1 << 20            # bytes read at a time while streaming a JSON input
SINK_CHUNK = 500           # resources per chunk handed to load_json's sink


class ExportResource:
    """A resource of a JSON input (stack export or preview), held as the compact JSON record the
    pack's scan batch reads (:func:`hipaa_policies.runtime.fast_servicer.encode_record`): the one
    copy of its properties the scanner keeps.  ``properties`` (a protobuf Struct) and the links are
    decoded from it on demand, for the per-resource Analyzer path."""

    __slots__ = ("type", "urn", "name", "record")

    def __init__(self, type_: str, urn: str, name: str, record: bytes) -> None:
        self.type, self.urn, self.name, self.record = type_, urn, name, record

    def _field(self, i: int) -> Any:
        return json.loads(self.record, parse_int=float)[i]

    @property
    def parent(self) -> str:
        return self._field(3)

    @property
    def dependencies(self) -> List[str]:
        return self._field(4)

    @property
    def property_dependencies(self) -> Dict[str, List[str]]:
        return self._field(5)

    def props(self) -> Dict[str, Any]:
        return self._field(6)

    @property
    def properties(self) -> Any:
        from google.protobuf import struct_pb2
        s = struct_pb2.Struct()
        s.update(self.props())
        return s

    def __repr__(self) -> str:
        return f"ExportResource({self.type!r}, {self.urn!r})"


def _name_from_urn(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if "::" in urn else urn


def _project_stack(urn: str) -> Tuple[str, str]:
    # urn:pulumi:<stack>::<project>::<qualified type>::<name>
    if not urn.startswith("urn:pulumi:"):
        return "", ""
    parts = urn[len("urn:pulumi:"):].split("::")
    if len(parts) < 4:
        return "", ""
    return parts[1], parts[0]


def _skip_type(type_: str) -> bool:
    return type_ == "pulumi:pulumi:Stack" or type_.startswith("pulumi:providers:")


def _str_list(value: Any) -> List[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _prop_deps(value: Any) -> Dict[str, List[str]]:
    if not isinstance(value, dict):
        return {}
    return {k: _str_list(v) for k, v in value.items() if isinstance(k, str)}


def _props(value: Any) -> Dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def detect(data: Any) -> Optional[str]:
    """The kind of a parsed JSON document: preview, export or None."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("steps"), list) or ("changeSummary" in data and "steps" in data):
        return PREVIEW
    if isinstance(data.get("deployment"), dict):
        return EXPORT
    if isinstance(data.get("resources"), list) and ("manifest" in data or "secrets_providers" in data):
        return EXPORT  # the `deployment` object on its own
    return None


class _Resources:
    """Resources of one JSON input as they stream in: validated, de-duplicated, encoded once.

    Problems are kept, not raised, until the whole document has parsed, so a file reports them
    in the order a whole-document read would: malformed JSON first, then what it is, then an
    element that is not an object, then a resource without a valid type and URN."""

    def __init__(self, where: str, kind: str, sink: Any = None) -> None:
        self.where, self.kind, self.sink = where, kind, sink
        self.out: List[ExportResource] = []
        self.seen: set = set()
        self.shape_error: Optional[str] = None
        self.resource_error: Optional[str] = None
        self.sent = 0

    def raise_problems(self) -> None:
        problem = self.shape_error or self.resource_error
        if problem:
            raise InputError(f"{self.where}: {problem}")

    def add(self, state: Mapping[str, Any], props: Dict[str, Any]) -> None:
        from hipaa_policies.runtime.fast_servicer import encode_record
        type_, urn = state.get("type"), state.get("urn")
        if not isinstance(type_, str) or not isinstance(urn, str) or not urn.startswith("urn:pulumi:"):
            self.resource_error = self.resource_error or "a resource has no valid type and urn"
            return
        if _skip_type(type_) or state.get("custom") is False or state.get("delete") is True:
            return
        if urn in self.seen or self.shape_error or self.resource_error:
            return
        self.seen.add(urn)
        parent = state.get("parent")
        name = _name_from_urn(urn)
        try:
            record = encode_record(type_, urn, name, parent if isinstance(parent, str) else "",
                                   _str_list(state.get("dependencies")), _prop_deps(state.get("propertyDependencies")),
                                   props)
        except (ValueError, TypeError, RecursionError) as e:
            self.resource_error = f"properties of {urn} cannot be read: {e}"
            return
        self.out.append(ExportResource(type_, urn, name, record))
        if self.sink is not None and len(self.out) - self.sent >= SINK_CHUNK:
            self.sink(self, self.out[self.sent:])
            self.sent = len(self.out)

    def add_step(self, i: int, step: Any) -> None:
        if not isinstance(step, dict):
            self.shape_error = self.shape_error or f"steps[{i}] is not an object"
            return
        if step.get("op") in ("delete", "discard", "remove-pending-replace", "read-discard"):
            return
        new = step.get("newState")
        if isinstance(new, dict):
            self.add(new, _props(new.get("inputs")))

    def add_export(self, i: int, r: Any) -> None:
        if not isinstance(r, dict):
            self.shape_error = self.shape_error or f"deployment.resources[{i}] is not an object"
            return
        # The deployed state: inputs overlaid with the provider's outputs (which include
        # defaults the provider applied) and the physical id, as a policy would want it.
        props = _props(r.get("inputs"))
        props.update(_props(r.get("outputs")))
        if isinstance(r.get("id"), str) and r["id"] and "id" not in props:
            props["id"] = r["id"]
        self.add(r, props)


class UrnLines(abc.Mapping):
    """URN -> line of its first occurrence as a JSON string in the file (the `urn` key of
    pretty-printed output; empty for a file without line breaks), read from the file on first use
    (only the SARIF report needs it), a block at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._map: Optional[Dict[str, int]] = None

    def _lines(self) -> Dict[str, int]:
        if self._map is None:
            import codecs
            out: Dict[str, int] = {}
            decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
            line, carry = 1, ""
            try:
                with self.path.open("rb") as f:
                    while True:
                        raw = f.read(BLOCK)
                        text = carry + decoder.decode(raw, final=not raw)
                        # keep the tail from the last URN string's opening quote: it may go on
                        cut = len(text) if not raw else text.rfind('"urn:pulumi:')
                        if cut < 0:
                            cut = max(0, len(text) - len('"urn:pulumi:'))
                        last = 0
                        for m in URN_RE.finditer(text, 0, cut):
                            line += text.count("\n", last, m.start())
                            last = m.start()
                            out.setdefault(m.group(1), line)
                        line += text.count("\n", last, cut)
                        carry = text[cut:]
                        if not raw:
                            break
            except OSError:
                out = {}
            self._map = out if line > 1 else {}
        return self._map

    def __getitem__(self, urn: str) -> int:
        return self._lines()[urn]

    def __iter__(self):
        return iter(self._lines())

    def __len__(self) -> int:
        return len(self._lines())

    def __eq__(self, other: Any) -> bool:
        return dict(self._lines()) == (dict(other) if isinstance(other, Mapping) else other)

    def __getstate__(self) -> Dict[str, Any]:
        return {"path": self.path, "_map": self._map}


class _Streamed(list):
    """Stands for an array that was read element by element (its elements went to a handler)."""


_WS = re.compile(r"[ \t\n\r]*")


class _JsonStream:
    """One JSON document read from a file in blocks and parsed value by value with the C decoder.

    Only the arrays a scan streams (``steps``, ``deployment.resources``, top-level ``resources``)
    are handed over element by element; every other value is decoded whole.  Memory is the
    largest single element plus a block, not the file.  Errors carry the document's line and
    column like ``json.loads``.  Also computes the file's SHA-256."""

    def __init__(self, f: Any, where: str) -> None:
        import codecs
        self.f, self.where = f, where
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.json = json.JSONDecoder()
        self.buf, self.pos, self.eof = "", 0, False
        self.line, self.col = 1, 0            # document position of buf[0]
        self.digest = hashlib.sha256()
        self.read_size = BLOCK

    # -- buffer ------------------------------------------------------------------------------
    def more(self) -> None:
        """Append the next block (at least as much as is buffered, so re-parsing a long value
        after each block costs a bounded multiple of its length)."""
        if self.eof:
            return
        raw = self.f.read(max(self.read_size, len(self.buf) - self.pos))
        self.digest.update(raw)
        try:
            text = self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError:
            raise InputError(f"{self.where}: not UTF-8 text; expected `pulumi preview --json` or "
                             "`pulumi stack export` output") from None
        if not raw:
            self.eof = True
        self.buf += text

    def compact(self) -> None:
        """Drop what has been parsed, once it is a block or more."""
        pos = self.pos
        if pos >= BLOCK:
            nl = self.buf.rfind("\n", 0, pos)
            if nl >= 0:
                self.line += self.buf.count("\n", 0, pos)
                self.col = pos - nl - 1
            else:
                self.col += pos
            self.buf = self.buf[pos:]
            self.pos = 0

    def finish(self) -> None:
        self.ws()
        if self.pos < len(self.buf):
            self.error("Extra data", self.pos)

    def error(self, msg: str, pos: int) -> None:
        nl = self.buf.count("\n", 0, pos)
        line = self.line + nl
        col = pos - self.buf.rfind("\n", 0, pos) if nl else self.col + pos + 1
        raise InputError(f"{self.where}: malformed JSON at line {line} column {col}: {msg}")

    # -- tokens ------------------------------------------------------------------------------
    def ws(self) -> str:
        """Skip whitespace; the next character ('' at the end of the document)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ""
            self.more()

    def value(self) -> Any:
        self.ws()
        while True:
            try:
                obj, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                if self.eof:
                    self.error(e.msg, e.pos)
                self.more()
                continue
            if end >= len(self.buf) and not self.eof:  # a number may go on in the next block
                self.more()
                continue
            self.pos = end
            return obj

    def key(self) -> str:
        from json.decoder import scanstring
        while True:
            try:
                k, end = scanstring(self.buf, self.pos + 1)
            except json.JSONDecodeError as e:
                if self.eof:
                    self.error(e.msg, e.pos)
                self.more()
                continue
            self.pos = end
            return k

    # -- structure ---------------------------------------------------------------------------
    def document(self, handlers: Mapping[Tuple[str, ...], Any]) -> Any:
        """The top-level value; arrays at the paths of ``handlers`` are streamed to them."""
        if self.ws() == "{":
            doc = self.obj((), handlers)
        else:
            doc = self.value()
        self.finish()
        return doc

    def obj(self, path: Tuple[str, ...], handlers: Mapping[Tuple[str, ...], Any]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        self.pos += 1  # "{"
        if self.ws() == "}":
            self.pos += 1
            return out
        while True:
            if self.ws() != '"':
                self.error("Expecting property name enclosed in double quotes", self.pos)
            k = self.key()
            if self.ws() != ":":
                self.error("Expecting ':' delimiter", self.pos)
            self.pos += 1
            sub = path + (k,)
            c = self.ws()
            if c == "[" and sub in handlers:
                out[k] = self.array(handlers[sub])
            elif c == "{" and any(h[:len(sub)] == sub for h in handlers):
                out[k] = self.obj(sub, handlers)
            else:
                out[k] = self.value()
            c = self.ws()
            self.pos += 1
            if c == ",":
                continue
            if c == "}":
                return out
            self.pos -= 1
            self.error("Expecting ',' delimiter", self.pos)

    def array(self, handler: Any) -> _Streamed:
        self.pos += 1  # "["
        if self.ws() == "]":
            self.pos += 1
            return _Streamed()
        i = 0
        while True:
            handler(i, self.value())
            i += 1
            self.compact()
            c = self.ws()
            self.pos += 1
            if c == ",":
                continue
            if c == "]":
                return _Streamed()
            self.pos -= 1
            self.error("Expecting ',' delimiter", self.pos)


def input_size_error(where: str, size: int, limit: int) -> InputError:
    return InputError(f"{where}: {size / 1e6:.0f} MB is above the input size limit of {limit / 1e6:.0f} MB "
                      "(raise it with --max-input-size, or split the stack)")


def load_json(path: Path, sink: Any = None) -> StackInput:
    """A preview or stack export, streamed: each resource is decoded once (in C), checked and kept
    as its compact scan record; the document itself is never held in memory whole.

    ``sink(source, resources)``, when given, receives the resources in chunks of ``SINK_CHUNK`` as
    they are read (the scanner evaluates them while the rest loads); ``source.kind`` is what they
    would be, and they count only if the returned input's ``resources is source.out`` (a document
    can hold several candidate arrays; which one counts is known at its end)."""
    where = _show(path)
    try:
        size = path.stat().st_size
        f = path.open("rb")
    except IsADirectoryError:
        raise InputError(f"{where}: is a directory without Pulumi.yaml") from None
    except OSError as e:
        raise InputError(f"{where}: cannot read: {e.strerror or e}") from None
    if MAX_INPUT_BYTES and size > MAX_INPUT_BYTES:
        f.close()
        raise input_size_error(where, size, MAX_INPUT_BYTES)
    steps, exports, standalone = _Resources(where, PREVIEW, sink), _Resources(where, EXPORT, sink), \
        _Resources(where, EXPORT, sink)
    stream = _JsonStream(f, where)
    try:
        with f:
            if stream.ws() == "":
                raise InputError(f"{where}: the file is empty; expected `pulumi preview --json` or "
                                 "`pulumi stack export` output")
            data = stream.document({
                ("steps",): steps.add_step,
                ("deployment", "resources"): exports.add_export,
                ("resources",): standalone.add_export})
    except OSError as e:
        raise InputError(f"{where}: cannot read: {e.strerror or e}") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply to read") from None
    kind = detect(data)
    if kind is None:
        raise InputError(f"{where}: not `pulumi preview --json` output (no `steps`) nor `pulumi stack export` "
                         "output (no `deployment.resources`)")
    if kind == PREVIEW:
        if not isinstance(data["steps"], _Streamed):
            if not isinstance(data["steps"], list):
                raise InputError(f"{where}: steps is not a list")
            for i, step in enumerate(data["steps"]):
                steps.add_step(i, step)
        found = steps
    else:
        standalone_doc = not isinstance(data.get("deployment"), dict)
        deployment = data if standalone_doc else data["deployment"]
        if isinstance(data.get("version"), int) and data["version"] not in (3,):
            raise InputError(f"{where}: stack export version {data['version']} is not supported (expected 3)")
        found = standalone if standalone_doc else exports
        resources = deployment.get("resources")
        if resources is not None and not isinstance(resources, list):
            raise InputError(f"{where}: deployment.resources is not a list")
        if resources and not isinstance(resources, _Streamed):
            for i, r in enumerate(resources):
                found.add_export(i, r)
    found.raise_problems()
    resources = found.out
    if not resources:
        what = "preview" if kind == PREVIEW else "stack export"
        raise InputError(f"{where}: the {what} has no resources to check (empty stack)")
    project, stack = _project_stack(resources[0].urn)
    return StackInput(kind=kind, path=path, project=project or "unknown", stack=stack or "unknown",
                      resources=resources, files={where: stream.digest.hexdigest()}, source=path,
                      lines=UrnLines(path))


# --------------------------------------------------------------------------- programs
def _read_yaml(path: Path) -> Any:
    import yaml
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{_show(path)}: cannot read: {e.strerror or e}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"{_show(path)}: not valid YAML: {first}") from None


def _config_value(value: Any) -> str:
    if isinstance(value, dict) and "secure" in value:
        return SECRET_PLACEHOLDER
    if isinstance(value, str):
        return value
    return json.dumps(value)


def stack_files(directory: Path) -> List[Path]:
    return sorted(p for p in directory.glob("Pulumi.*.yaml") if p.name.count(".") == 2)


def program_config(directory: Path, project: str, stack: Optional[str], project_yaml: Mapping[str, Any],
                   overrides: Mapping[str, str]) -> Tuple[str, Dict[str, str], List[Path], List[str]]:
    """(stack name, config map with namespaced keys, config files read, secret keys)."""
    files = stack_files(directory)
    read: List[Path] = []
    secrets: List[str] = []
    stack_file = directory / f"Pulumi.{stack}.yaml" if stack is not None else None
    if stack is not None and not stack_file.is_file():
        known = ", ".join(p.name.split(".")[1] for p in files) or "none"
        raise InputError(f"{_show(directory)}: --stack {stack}: there is no {stack_file.name} "
                         f"(stack files here: {known})")
    if stack is None:
        stack = files[0].name.split(".")[1] if files else "dev"
        stack_file = directory / f"Pulumi.{stack}.yaml"
    config: Dict[str, str] = {}
    # project-level defaults: `config: {key: {default: v}}` or `config: {key: v}` in Pulumi.yaml
    proj_cfg = project_yaml.get("config")
    if isinstance(proj_cfg, dict):
        for key, value in proj_cfg.items():
            if isinstance(value, dict):
                if "default" not in value and "value" not in value:
                    continue
                value = value.get("value", value.get("default"))
            k = str(key) if ":" in str(key) else f"{project}:{key}"
            config[k] = _config_value(value)
    if stack_file.is_file():
        read.append(stack_file)
        data = _read_yaml(stack_file) or {}
        if not isinstance(data, dict):
            raise InputError(f"{_show(stack_file)}: expected a mapping with a `config:` section")
        section = data.get("config") or {}
        if not isinstance(section, dict):
            raise InputError(f"{_show(stack_file)}: `config:` is not a mapping")
        for key, value in section.items():
            k = str(key) if ":" in str(key) else f"{project}:{key}"
            config[k] = _config_value(value)
            if isinstance(value, dict) and "secure" in value:
                secrets.append(k)
    for key, value in overrides.items():
        k = key if ":" in key else f"{project}:{key}"
        config[k] = value
    return stack, config, read, secrets


def load_program(directory: Path, *, stack: Optional[str] = None, overrides: Optional[Mapping[str, str]] = None,
                 preview: bool = False, placeholder_config: bool = False,
                 timeout: Optional[float] = None) -> StackInput:
    where = _show(directory)
    project_file = directory / "Pulumi.yaml"
    if not project_file.is_file():
        raise InputError(f"{where}: not a Pulumi program (no Pulumi.yaml)")
    project_yaml = _read_yaml(project_file)
    if not isinstance(project_yaml, dict) or not isinstance(project_yaml.get("name"), str):
        raise InputError(f"{_show(project_file)}: no project `name`")
    project = project_yaml["name"]
    runtime = project_yaml.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise InputError(f"{_show(project_file)}: runtime is {runtime_name!r}; scan runs Python programs only "
                         "(scan other programs via `pulumi preview --json` output)")
    main_dir = directory
    main = project_yaml.get("main")
    if isinstance(main, str) and main:
        target = directory / main
        if target.is_file():
            main_dir, main_file = target.parent, target
        else:
            main_dir, main_file = target, target / "__main__.py"
    else:
        main_file = directory / "__main__.py"
    if not main_file.is_file():
        raise InputError(f"{where}: no {_show(main_file)} (only Python programs can be run)")
    stack_name, config, read, secrets = program_config(directory, project, stack, project_yaml, overrides or {})

    files = {_show(project_file): _sha256(project_file.read_bytes())}
    for p in read:
        files[_show(p)] = _sha256(p.read_bytes())
    for p in sorted(main_dir.rglob("*.py")):
        if any(part in ("venv", ".venv", "__pycache__", "node_modules") for part in p.relative_to(main_dir).parts):
            continue
        files[_show(p)] = _sha256(p.read_bytes())

    captured = run_program(main_file, main_dir, project, stack_name, config, preview, secrets=secrets,
                           placeholder_config=placeholder_config, timeout=timeout,
                           stack_file=directory / f"Pulumi.{stack_name}.yaml")
    resources = list(captured)
    if not resources:
        extra = ""
        if captured.remote_components:
            extra = (f"; its {len(captured.remote_components)} multi-language component(s) "
                     f"({', '.join(sorted({c.type for c in captured.remote_components}))}) cannot be expanded "
                     "under mocks: scan `pulumi preview --json` output instead")
        raise InputError(f"{_show(main_file)}: the program declares no resources to check (empty stack){extra}")
    locations = {r.urn: (Path(r.source[0]), r.source[1]) for r in resources if r.source}
    lines = _program_lines(main_file, resources)
    for r in resources:  # the declaring line, when it is in the main file, wins over a name match
        loc = locations.get(r.urn)
        if loc is not None and loc[0] == main_file.resolve():
            lines[r.urn] = loc[1]
    return StackInput(kind=PROGRAM, path=directory, project=project, stack=stack_name, resources=resources,
                      files=files, source=main_file, lines=lines, locations=locations,
                      placeholders=dict(captured.placeholders), unexpanded=list(captured.remote_components))


def run_program(main_file: Path, main_dir: Path, project: str, stack: str, config: Mapping[str, str],
                preview: bool, *, secrets: Sequence[str] = (), placeholder_config: bool = False,
                timeout: Optional[float] = None, stack_file: Optional[Path] = None) -> Any:
    """Run ``__main__.py`` under pulumi mocks with the real SDKs (a
    :class:`~hipaa_policies.client.capture.Capture`); one clear error if it fails.  The program's
    own output goes to stderr, never into the report on stdout."""
    import runpy
    from hipaa_policies.client.capture import MissingConfig, ProgramTimeout, capture

    where = _show(main_file)
    main_file, main_dir = main_file.resolve(), main_dir.resolve()
    before = set(sys.modules)
    old_path, old_cwd, old_argv, old_stdout = list(sys.path), os.getcwd(), list(sys.argv), sys.stdout

    def program() -> None:
        runpy.run_path(str(main_file), run_name="__main__")

    def forget_program_modules() -> None:
        # a second run (or program) with the same module names runs its own
        for name in set(sys.modules) - before:
            mod = sys.modules.get(name)
            file = getattr(mod, "__file__", None) or ""
            if file and str(main_dir) in file:
                del sys.modules[name]

    import warnings
    sys.path.insert(0, str(main_dir))
    sys.argv = [str(main_file)]
    caught = warnings.catch_warnings()
    try:
        caught.__enter__()  # the SDKs' deprecation notices are not the scan's business
        warnings.filterwarnings("ignore", module=r"pulumi(_[a-z_]+)?(\.|$)")
        os.chdir(main_dir)
        sys.stdout = sys.stderr
        options = dict(preview=preview, project=project, stack=stack, config=config, secret_keys=secrets,
                       placeholder_config=placeholder_config, timeout=timeout, source_root=main_dir)
        optional: Dict[str, bool] = {}
        try:
            return capture(program, optional_missing=optional, **options)
        except (MissingConfig, ProgramTimeout, KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            if not (placeholder_config and optional):
                raise
        # with placeholders, a program that failed after reading unset optional keys runs once more
        # with those filled too (it may need `config.get("publicKey")` although it does not `require` it)
        forget_program_modules()
        return capture(program, fill_optional=sorted(optional), **options)
    except MissingConfig as e:
        stack_name = stack_file.name if stack_file is not None else f"Pulumi.{stack}.yaml"
        keys = ", ".join(f"{k} (secret)" if secret else k for k, secret in e.keys.items())
        raise InputError(f"{where}: the program requires config that {stack_name} does not set: {keys} "
                         "(set them with --config KEY=VALUE, or run with --placeholder-config)") from None
    except ProgramTimeout as e:
        raise InputError(f"{where}: {e} (it may wait for something that never happens under mocks, "
                         "e.g. a network call; raise the limit with --program-timeout)") from None
    except SystemExit as e:
        raise InputError(f"{where}: the program exited (status {e.code}) instead of declaring resources") from None
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # the user's program: any error is their input's problem
        os.chdir(old_cwd)
        raise InputError(f"{_failure_place(e, main_dir) or where}: the program raised {_one_line(e)}"
                         f"{_hint(e, preview)}") from None
    finally:
        caught.__exit__(None, None, None)
        sys.stdout = old_stdout
        os.chdir(old_cwd)
        sys.path[:] = old_path
        sys.argv = old_argv
        forget_program_modules()


def _failure_place(e: BaseException, main_dir: Path) -> str:
    """``file:line`` of the program's innermost frame in the traceback (the line that failed)."""
    place = ""
    root = str(main_dir) + os.sep
    tb = e.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(root):
            place = f"{_show(Path(filename))}:{tb.tb_lineno}"
        tb = tb.tb_next
    return place


def _hint(e: BaseException, preview: bool) -> str:
    """What to do: install the program's requirements; or --preview when the failure looks like a
    computed value the mocks could not supply."""
    if isinstance(e, ModuleNotFoundError):
        return " — install the program's own requirements (pip install -r requirements.txt) where you run the scan"
    if isinstance(e, AttributeError) and str(e).startswith("module '"):
        return (" — the installed SDK may not be the version the program was written for "
                "(install the versions of its requirements.txt)")
    if preview or not isinstance(e, (TypeError, AttributeError, KeyError, IndexError, ValueError, AssertionError)):
        return ""
    text = str(e)
    in_apply = False
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.replace(os.sep, "/").endswith("pulumi/output.py"):
            in_apply = True
        tb = tb.tb_next
    if "NoneType" in text or in_apply:
        return (" — if a value the program expected is missing (an unset config key, or a computed output the "
                "mocks do not supply), --preview runs the program with outputs unknown, as a first "
                "`pulumi preview` does")
    return ""


def _one_line(e: BaseException) -> str:
    msg = " ".join(str(e).split())
    if len(msg) > 300:
        msg = msg[:297] + "..."
    name = type(e).__name__
    if name == "ConfigMissingError" or "Missing required configuration" in msg:
        return f"{name}: {msg} (set it in Pulumi.<stack>.yaml or with --config key=value)"
    return f"{name}: {msg}" if msg else name


def _program_lines(main_file: Path, resources: Sequence[Any]) -> Dict[str, int]:
    """URN -> line of the program that names the resource (first quoted occurrence of its name)."""
    try:
        lines = main_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    first: Dict[str, int] = {}
    names = {r.name for r in resources}
    quoted = re.compile(r"""["']([^"'\n]+)["']""")
    for lineno, line in enumerate(lines, 1):
        for m in quoted.finditer(line):
            if m.group(1) in names:
                first.setdefault(m.group(1), lineno)
    return {r.urn: first[r.name] for r in resources if r.name in first}


# --------------------------------------------------------------------------- dispatch
def load(arg: str, *, stack: Optional[str] = None, overrides: Optional[Mapping[str, str]] = None,
         preview: bool = False, placeholder_config: bool = False, timeout: Optional[float] = None) -> StackInput:
    """One input: a program directory (or its __main__.py / Pulumi.yaml), a JSON file, or ``-``
    (JSON on standard input)."""
    if arg == "-":
        return load_stdin()
    path = Path(arg)
    if not path.exists():
        raise InputError(f"{arg}: no such file or directory")
    options = dict(stack=stack, overrides=overrides, preview=preview, placeholder_config=placeholder_config,
                   timeout=timeout)
    if path.is_dir():
        return load_program(path, **options)
    if path.name == "__main__.py" or path.name == "Pulumi.yaml":
        return load_program(path.parent, **options)
    return load_json(path)


def load_stdin() -> StackInput:
    """`pulumi preview --json | hipaa-policies scan -`: the JSON document on standard input."""
    import tempfile
    data = sys.stdin.buffer.read()
    with tempfile.TemporaryDirectory(prefix="hipaa-scan-stdin-") as tmp:
        path = Path(tmp) / "stdin.json"
        path.write_bytes(data)
        try:
            si = load_json(path)
        except InputError as e:
            raise InputError(str(e).replace(_show(path), "<stdin>", 1)) from None
    si.path = si.source = Path("<stdin>")
    si.files = {"<stdin>": _sha256(data)}
    return si


def label_inputs(inputs: Sequence[StackInput]) -> None:
    """A unique display label per input: project/stack, plus the file when two inputs share it."""
    base = [f"{i.project}/{i.stack}" for i in inputs]
    for i, inp in enumerate(inputs):
        inp.label = base[i] if base.count(base[i]) == 1 else f"{base[i]} ({_show(inp.path)})"
    seen: Dict[str, int] = {}
    for inp in inputs:
        n = seen.get(inp.label, 0)
        seen[inp.label] = n + 1
        if n:
            inp.label = f"{inp.label} #{n + 1}"


def show_path(path: Path) -> str:
    return _show(path)
