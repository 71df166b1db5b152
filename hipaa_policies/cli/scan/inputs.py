"""Scan inputs: a Pulumi Python program, `pulumi preview --json` output or `pulumi stack export` output.

Each input becomes one :class:`StackInput`: its resources in engine shape
(:class:`~hipaa_policies.client.capture.CapturedResource`), the project and stack they belong to, the
SHA-256 digest of every file read, and a map from URN to the line of the input that declares
the resource (for SARIF locations).  Every problem is an :class:`~hipaa_policies.errors.InputError`
whose one-line message names the file and what is wrong.
"""
from __future__ import annotations

import hashlib
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


def _line_map(text: str) -> Dict[str, int]:
    """URN -> line of its first occurrence as a JSON string (the `urn` key of pretty-printed output)."""
    out: Dict[str, int] = {}
    if "\n" not in text:
        return out
    for lineno, line in enumerate(text.splitlines(), 1):
        if "urn:pulumi:" in line:
            for m in URN_RE.finditer(line):
                out.setdefault(m.group(1), lineno)
    return out


def _captured(where: str, entries: Sequence[Tuple[Mapping[str, Any], Mapping[str, Any]]]) -> List[Any]:
    """CapturedResources from (state, properties) pairs of a JSON input."""
    from google.protobuf import struct_pb2
    from hipaa_policies.client.capture import CapturedResource
    out = []
    seen = set()
    for state, props in entries:
        type_, urn = state.get("type"), state.get("urn")
        if not isinstance(type_, str) or not isinstance(urn, str) or not urn.startswith("urn:pulumi:"):
            raise InputError(f"{where}: a resource has no valid type and urn")
        if _skip_type(type_) or state.get("custom") is False or state.get("delete") is True:
            continue
        if urn in seen:
            continue
        seen.add(urn)
        s = struct_pb2.Struct()
        try:
            s.update(props)
        except (ValueError, TypeError) as e:
            raise InputError(f"{where}: properties of {urn} cannot be read: {e}") from None
        parent = state.get("parent")
        out.append(CapturedResource(type_, _name_from_urn(urn), urn, s,
                                    parent if isinstance(parent, str) else "",
                                    _str_list(state.get("dependencies")),
                                    _prop_deps(state.get("propertyDependencies"))))
    return out


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


def load_json(path: Path) -> StackInput:
    where = _show(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{where}: is a directory without Pulumi.yaml") from None
    except OSError as e:
        raise InputError(f"{where}: cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{where}: not UTF-8 text; expected `pulumi preview --json` or `pulumi stack export` output") from None
    if not text.strip():
        raise InputError(f"{where}: the file is empty; expected `pulumi preview --json` or `pulumi stack export` output")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{where}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    kind = detect(data)
    if kind is None:
        raise InputError(f"{where}: not `pulumi preview --json` output (no `steps`) nor `pulumi stack export` "
                         "output (no `deployment.resources`)")
    entries: List[Tuple[Mapping[str, Any], Mapping[str, Any]]] = []
    if kind == PREVIEW:
        for i, step in enumerate(data["steps"]):
            if not isinstance(step, dict):
                raise InputError(f"{where}: steps[{i}] is not an object")
            if step.get("op") in ("delete", "discard", "remove-pending-replace", "read-discard"):
                continue
            new = step.get("newState")
            if not isinstance(new, dict):
                continue
            entries.append((new, _props(new.get("inputs"))))
    else:
        deployment = data["deployment"] if "deployment" in data else data
        if isinstance(data.get("version"), int) and data["version"] not in (3,):
            raise InputError(f"{where}: stack export version {data['version']} is not supported (expected 3)")
        resources = deployment.get("resources")
        if resources is None:
            resources = []
        if not isinstance(resources, list):
            raise InputError(f"{where}: deployment.resources is not a list")
        for i, r in enumerate(resources):
            if not isinstance(r, dict):
                raise InputError(f"{where}: deployment.resources[{i}] is not an object")
            # The deployed state: inputs overlaid with the provider's outputs (which include
            # defaults the provider applied) and the physical id, as a policy would want it.
            props = _props(r.get("inputs"))
            props.update(_props(r.get("outputs")))
            if isinstance(r.get("id"), str) and r["id"] and "id" not in props:
                props["id"] = r["id"]
            entries.append((r, props))
    resources = _captured(where, entries)
    if not resources:
        what = "preview" if kind == PREVIEW else "stack export"
        raise InputError(f"{where}: the {what} has no resources to check (empty stack)")
    project, stack = _project_stack(resources[0].urn)
    return StackInput(kind=kind, path=path, project=project or "unknown", stack=stack or "unknown",
                      resources=resources, files={where: _sha256(raw)}, source=path, lines=_line_map(text))


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
