"""Run a Pulumi program under ``pulumi.runtime`` mocks with the real SDKs and record its resources
in engine shape (type, name, URN, inputs as a protobuf ``Struct``, parent, dependencies, property
dependencies) — what the Pulumi CLI would send to an analyzer.  ``preview=True`` leaves computed
outputs unknown, as ``pulumi preview`` does for resources not yet created.

What the program sees (:mod:`hipaa_policies.client.mock_answers`): data sources answer plausibly
(``getPolicyDocument`` exactly as the provider computes it); outside preview every resource gets the
computed outputs its provider always sets.  What is recorded: the inputs, with resource references
downgraded to the referenced resource's id (a component's URN), as the engine sends them to analyzers,
and the program line that declared each resource (:attr:`CapturedResource.source`).

Every run has a thread, an event loop and a Pulumi runtime state of its own, so runs never share
futures (a resource passed as an input, e.g. ``aws.lambda_.Permission(function=fn)``, used to attach
a future to another run's loop) and every loop is closed when the run ends.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import sys
import sysconfig
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from hipaa_policies.client import mock_answers

RESOURCE_SIG_KEY = "4dabf18193072939515e22adb298388d"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
DEFAULT_REGION = mock_answers.DEFAULT_REGION
PLACEHOLDER = mock_answers.PLACEHOLDER


# --------------------------------------------------------------------------- captured resources
@dataclass
class CapturedResource:
    """One resource in engine shape, as the CLI sends it to an analyzer."""

    type: str
    name: str
    urn: str
    properties: Any  # google.protobuf.struct_pb2.Struct
    parent: str = ""
    dependencies: List[str] = field(default_factory=list)
    property_dependencies: Dict[str, List[str]] = field(default_factory=dict)
    source: Optional[Tuple[str, int]] = None  # (file, line) of the program statement that declared it

    def props(self) -> Dict[str, Any]:
        from google.protobuf import json_format
        return json_format.MessageToDict(self.properties)


@dataclass(frozen=True)
class RemoteComponent:
    """A multi-language component (``pulumi_awsx`` and the like): its children are created by the
    component's own plugin, which does not run under mocks, so they are not in the capture."""

    type: str
    name: str
    urn: str
    source: Optional[Tuple[str, int]] = None


class Capture(list):
    """The captured resources (a list of :class:`CapturedResource`) and what else the run learned."""

    def __init__(self, items: Sequence[CapturedResource] = ()) -> None:
        super().__init__(items)
        self.remote_components: List[RemoteComponent] = []
        self.placeholders: Dict[str, bool] = {}   # config key -> secret?, filled by placeholder_config
        self.log: List[str] = []                  # warnings and errors the program logged


class ProgramTimeout(Exception):
    """The program did not finish within the time allowed."""


class MissingConfig(Exception):
    """The program requires config keys that are not set; ``keys`` maps each to whether it is secret."""

    def __init__(self, keys: Mapping[str, bool]) -> None:
        self.keys = dict(keys)
        names = ", ".join(f"{k} (secret)" if secret else k for k, secret in self.keys.items())
        super().__init__(f"missing required configuration: {names}")


def make_urn(type_: str, name: str, stack: str = "test", project: str = "test", parent_type: str = "") -> str:
    qualified = f"{parent_type}${type_}" if parent_type else type_
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def resource(type_: str, props: Mapping[str, Any], name: str = "res", urn: str = "",
             parent: str = "", dependencies: Sequence[str] = (),
             property_dependencies: Optional[Mapping[str, Sequence[str]]] = None) -> CapturedResource:
    """A resource from engine-shaped properties written by hand (camelCase, floats, sentinels)."""
    from google.protobuf import struct_pb2
    s = struct_pb2.Struct()
    s.update(dict(props))
    return CapturedResource(type_, name, urn or make_urn(type_, name), s, parent, list(dependencies),
                            {k: list(v) for k, v in (property_dependencies or {}).items()})


# --------------------------------------------------------------------------- helpers
def _downgrade_refs(struct: Any) -> None:
    """Replace resource references in a Struct by the resource's id (a component's URN), in place."""
    for key in list(struct.fields):
        _downgrade_value(struct.fields[key])


def _downgrade_value(value: Any) -> None:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        fields = value.struct_value.fields
        sig = fields.get(RESOURCE_SIG_KEY)
        if sig is not None and sig.string_value == RESOURCE_SIG:
            ident = fields.get("id")
            text = ident.string_value if ident is not None and ident.string_value else fields["urn"].string_value
            value.string_value = text
            return
        _downgrade_refs(value.struct_value)
    elif kind == "list_value":
        for item in value.list_value.values:
            _downgrade_value(item)


class _MonitorThreads:
    """The executor the runs' event loops hand monitor calls to, shared by every run (starting
    threads per run is most of a small program's cost), and an event loop per executor thread for
    the mock monitor, which deserializes and serializes on the calling thread.  Resource references
    are downgraded before the monitor sees them, so no future outlives a call; the loops are closed
    at exit."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.loops: List[asyncio.AbstractEventLoop] = []
        self.lock = threading.Lock()
        self.executor: Any = None

    def pool(self) -> Any:
        with self.lock:
            if self.executor is None:
                import atexit
                from concurrent.futures import ThreadPoolExecutor
                self.executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="pulumi-mock-monitor")
                atexit.register(self.close)
            return self.executor

    @contextlib.contextmanager
    def loop(self) -> Iterator[None]:
        loop = getattr(self.local, "loop", None)
        if loop is None or loop.is_closed():
            loop = self.local.loop = asyncio.new_event_loop()
            with self.lock:
                self.loops.append(loop)
        asyncio.set_event_loop(loop)
        yield

    def close(self) -> None:
        with self.lock:
            loops, self.loops = self.loops, []
        for loop in loops:
            if not loop.is_running():
                loop.close()


_THREADS = _MonitorThreads()


_LIBRARY_DIRS = tuple({str(Path(p).resolve()) + os.sep for p in
                       (sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], sysconfig.get_paths()["stdlib"])})
_OWN_DIR = str(Path(__file__).resolve().parent.parent) + os.sep


def _declaring_frame(source_root: Optional[str]) -> Optional[Tuple[str, int]]:
    """(file, line) of the innermost frame of the program that declares a resource."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if source_root is not None:
            if filename.startswith(source_root):
                return filename, frame.f_lineno
        elif not filename.startswith(_LIBRARY_DIRS) and not filename.startswith(_OWN_DIR) \
                and not filename.startswith("<frozen"):
            return filename, frame.f_lineno
        frame = frame.f_back
    return None


_PLACEHOLDER_VALUES = {"bool": "false", "int": "1", "float": "1.0", "object": "{}"}
_REQUIRE_METHODS = ("require", "require_secret", "require_bool", "require_secret_bool", "require_int",
                    "require_secret_int", "require_float", "require_secret_float", "require_object",
                    "require_secret_object")
_GET_METHODS = tuple(m.replace("require", "get", 1) for m in _REQUIRE_METHODS)
_NUMERIC_WORDS = ("size", "count", "port", "number", "num", "min", "max", "capacity", "days", "seconds",
                  "timeout", "replicas", "instances", "memory", "cpu", "length", "limit", "version")
_DIRECTORY_WORDS = ("dir", "directory", "folder", "contents", "root")
_PATH_WORDS = ("path", "file") + _DIRECTORY_WORDS
_SHAPED = (  # string keys whose names say what shape the program expects
    (("privatekey",), f"-----BEGIN RSA PRIVATE KEY-----\n{PLACEHOLDER}\n-----END RSA PRIVATE KEY-----\n"),
    (("publickey", "sshkey"), f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ {PLACEHOLDER}"),
    (("arn",), f"arn:aws:iam::{mock_answers.ACCOUNT}:role/{PLACEHOLDER}"),
    (("domain", "hostname", "fqdn"), f"{PLACEHOLDER}.example.org"),
    (("email",), f"{PLACEHOLDER}@example.org"),
    (("url", "endpoint"), f"https://{PLACEHOLDER}.example.org"),
    (("cidr",), "10.0.0.0/16"),
    (("region",), DEFAULT_REGION),
    (("zone",), DEFAULT_REGION + "a"),
    (("ami",), "ami-0123456789abcdef0"),
)


def _placeholder(method: str, key: str, scratch: Optional[Path]) -> str:
    """A placeholder a program can use: typed by the Config method it called; a number for a string
    key that names a number (``autoscalingGroupSize``); an empty file or directory in ``scratch`` for
    a key that names a path (``publicKeyPath``, ``pathToWebsiteContents``)."""
    kind = method.rsplit("_", 1)[-1]
    if kind in _PLACEHOLDER_VALUES:
        return _PLACEHOLDER_VALUES[kind]
    name = key.rsplit(":", 1)[-1]
    lower = name.lower().replace("-", "").replace("_", "")
    if lower.endswith(_NUMERIC_WORDS):
        return "1"
    for words, value in _SHAPED:
        if any(w in lower for w in words) and not (scratch is not None and "path" in lower):
            return value
    if scratch is not None and any(w in lower for w in _PATH_WORDS):
        target = scratch / f"{PLACEHOLDER}-{name}"
        if any(w in lower for w in _DIRECTORY_WORDS):
            target.mkdir(exist_ok=True)
            (target / "index.html").write_text("")
        else:
            target.write_text("")
        return str(target)
    return f"{PLACEHOLDER}-{name}"


# The run a thread is capturing (set in its thread; tasks and executor calls inherit it).  The SDK is
# hooked once, for good: patching classes per run would invalidate the type caches of every resource
# class each time, which costs more than the run itself.  Outside a capture the hooks do nothing.
_ACTIVE: "contextvars.ContextVar[Any]" = contextvars.ContextVar("hipaa_policies_capture", default=None)
_HOOKED: List[bool] = []
_HOOK_LOCK = threading.Lock()


def _install_hooks() -> None:
    with _HOOK_LOCK:
        if _HOOKED:
            return
        import pulumi
        import pulumi.resource as pulumi_resource
        original_init = pulumi_resource.Resource.__init__

        def __init__(self, t, name, *args, **kwargs):  # noqa: N807 - wraps Resource.__init__
            run = _ACTIVE.get()
            if run is not None and isinstance(t, str) and isinstance(name, str):
                run.on_resource(self, t, name)
            return original_init(self, t, name, *args, **kwargs)
        pulumi_resource.Resource.__init__ = __init__

        # the SDK walks and converts the whole Python stack of every resource for the engine's
        # source position; the mocks ignore it and the declaring line is found by _declaring_frame
        import pulumi.runtime.resource as runtime_resource
        from pulumi.runtime.proto import source_pb2
        original_trace = runtime_resource._get_stack_trace

        def _get_stack_trace():
            return source_pb2.StackTrace() if _ACTIVE.get() is not None else original_trace()
        if callable(original_trace):
            runtime_resource._get_stack_trace = _get_stack_trace

        def hook(method: str, original: Callable, required: bool) -> Callable:
            def config_read(self, key, *args, **kwargs):
                run = _ACTIVE.get()
                if run is not None:
                    run.on_config(self, method, key, required, args, kwargs)
                return original(self, key, *args, **kwargs)
            config_read.__name__ = method
            return config_read
        for method in _REQUIRE_METHODS + _GET_METHODS:
            original = pulumi.Config.__dict__.get(method)
            if original is not None:
                setattr(pulumi.Config, method, hook(method, original, method.startswith("require")))
        _HOOKED.append(True)


# --------------------------------------------------------------------------- capture
def capture(program: Callable[[], Any], *, preview: bool = False, project: str = "test",
            stack: str = "test", config: Optional[Mapping[str, str]] = None,
            secret_keys: Sequence[str] = (), placeholder_config: bool = False,
            timeout: Optional[float] = None, source_root: Optional[os.PathLike] = None,
            fill_optional: Sequence[str] = (), optional_missing: Optional[Dict[str, bool]] = None) -> Capture:
    """Run ``program`` under pulumi mocks with the real SDKs; return its resources in engine shape.

    ``config`` keys without a namespace get the project's; ``aws:region`` defaults to us-east-1.
    A required config key that is not set stops the run with :class:`MissingConfig` naming every
    missing key (the program runs to its end with placeholders so all are found), or, with
    ``placeholder_config``, is filled with a placeholder (listed in ``Capture.placeholders``).
    ``timeout`` (seconds) raises :class:`ProgramTimeout`; the program's thread is left behind.
    ``source_root``: only frames of files below it count as the declaring line of a resource.
    Optional reads (``config.get*`` without a default) of unset keys are recorded in the caller's
    ``optional_missing`` dict; the keys in ``fill_optional`` get placeholders too (a program that
    fails without them can be run again with them).
    """
    import pulumi

    values: Dict[str, str] = {}
    for k, v in (config or {}).items():
        values[k if ":" in k else f"{project}:{k}"] = v
    values.setdefault("aws:region", DEFAULT_REGION)
    secrets = [k if ":" in k else f"{project}:{k}" for k in secret_keys]
    region = values["aws:region"]
    root = str(Path(source_root).resolve()) + os.sep if source_root is not None else None

    result = Capture()
    missing: Dict[str, bool] = {}
    sources: Dict[Tuple[str, str], Tuple[str, int]] = {}
    order: Dict[Tuple[str, str], int] = {}  # declaration order: the order of the result, every run
    classes: Dict[str, type] = {}
    lock = threading.Lock()

    class _Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            if preview:
                return "", dict(args.inputs)
            cls = classes.get(args.typ)
            state = mock_answers.resource_outputs(cls, args.typ, args.name, dict(args.inputs), region,
                                                  echo_inputs=bool(args.custom))
            return mock_answers.Ctx(args.typ, args.name, args.inputs, region).id(), state

        def call(self, args):
            return mock_answers.invoke(args.token, dict(args.args or {}), region)

    from pulumi.runtime import mocks as pm
    _own_loop = _THREADS.loop

    class _Monitor(pm.MockMonitor):
        def RegisterResource(self, request):
            if request.type != "pulumi:pulumi:Stack":
                copy = type(request)()
                copy.CopyFrom(request)
                _downgrade_refs(copy.object)
                request = copy
            with _own_loop():
                response = super().RegisterResource(request)
            if request.type == "pulumi:pulumi:Stack":
                return response
            where = sources.get((request.type, request.name))
            with lock:
                if request.custom:
                    from google.protobuf import struct_pb2
                    props = struct_pb2.Struct()
                    props.CopyFrom(request.object)
                    result.append(CapturedResource(
                        type=request.type, name=request.name, urn=response.urn, properties=props,
                        parent=request.parent, dependencies=list(request.dependencies),
                        property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                        source=where))
                elif request.remote:
                    result.remote_components.append(RemoteComponent(request.type, request.name, response.urn, where))
            return response

        def Invoke(self, request):
            with _own_loop():
                return super().Invoke(request)

        def ReadResource(self, request):
            with _own_loop():
                return super().ReadResource(request)

    class _Log:
        """The mock engine's logger: the program's warnings and errors, kept (not printed)."""

        def _keep(self, level: str, msg: Any, *a: Any, **k: Any) -> None:
            with lock:
                result.log.append(f"{level}: {msg}")

        def debug(self, *a: Any, **k: Any) -> None:
            pass

        info = debug

        def warning(self, msg: Any, *a: Any, **k: Any) -> None:
            self._keep("warning", msg)

        warn = warning

        def error(self, msg: Any, *a: Any, **k: Any) -> None:
            self._keep("error", msg)

        def exception(self, msg: Any, *a: Any, **k: Any) -> None:
            self._keep("error", msg)

    import tempfile
    scratch_dir = tempfile.TemporaryDirectory(prefix="hipaa-scan-placeholders-") if placeholder_config else None
    scratch = Path(scratch_dir.name) if scratch_dir is not None else None
    optional = set(fill_optional)

    class _Run:
        """What the SDK hooks report to during this run."""

        @staticmethod
        def on_resource(obj: Any, t: str, name: str) -> None:
            where = _declaring_frame(root)
            with lock:
                classes.setdefault(t, type(obj))
                order.setdefault((t, name), len(order))
                if where is not None:
                    sources.setdefault((t, name), where)

        @staticmethod
        def on_config(cfg: Any, method: str, key: str, required: bool, args: tuple, kwargs: dict) -> None:
            from pulumi.runtime import config as runtime_config
            full = cfg.full_key(key)
            if runtime_config.get_config(full) is not None:
                return
            secret = "secret" in method
            if required:
                with lock:
                    (result.placeholders if placeholder_config else missing)[full] = secret
            else:
                if bool(args) and args[0] is not None or kwargs.get("default") is not None:
                    return  # the program has a default
                with lock:
                    if optional_missing is not None:
                        optional_missing[full] = secret
                    if full not in optional:
                        return
                    result.placeholders[full] = secret
            runtime_config.set_config(full, _placeholder(method, full, scratch))
            if secret:
                runtime_config._SECRET_KEYS.get().add(full)

    outcome: Dict[str, BaseException] = {}

    def run() -> None:
        from pulumi.runtime import config as runtime_config
        from pulumi.runtime.stack import run_pulumi_func
        loop = asyncio.new_event_loop()
        loop.set_default_executor(_THREADS.pool())
        asyncio.set_event_loop(loop)
        _ACTIVE.set(_Run())
        try:
            mocks = _Mocks()
            pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview,
                                     monitor=_Monitor(mocks), logger=_Log())
            runtime_config.set_all_config(dict(values), list(secrets))
            from pulumi.runtime.settings import SETTINGS
            SETTINGS.rpc_manager.clear()
            SETTINGS.outputs.clear()
            loop.run_until_complete(run_pulumi_func(program))
        except BaseException as e:  # re-raised in the calling thread
            outcome["error"] = e
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for t in pending:
                    t.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                asyncio.set_event_loop(None)
                loop._default_executor = None  # shared by every run: not shut down with this loop
                loop.close()

    _install_hooks()
    try:
        worker = threading.Thread(target=run, name=f"pulumi-program-{project}-{stack}", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise ProgramTimeout(f"the program did not finish within {timeout:g} s")
    finally:
        if scratch_dir is not None:
            scratch_dir.cleanup()
    if missing:
        raise MissingConfig(missing)
    if "error" in outcome:
        raise outcome["error"]
    last = len(order)
    result.sort(key=lambda r: (order.get((r.type, r.name), last), r.urn))
    result.remote_components.sort(key=lambda c: (order.get((c.type, c.name), last), c.urn))
    return result
