"""The fast Analyzer servicer: the only module that leans on pulumi-policy internals.

pulumi-policy's servicer deserialises a resource's properties once per policy on every
``Analyze`` call, and every resource once per stack policy on ``AnalyzeStack``; with 100+
policies that dominates a preview.  :class:`FastServicer` subclasses the SDK's private
``_PolicyAnalyzerServicer`` and

* converts each top-level property at most once per call, on first read
  (:class:`~hipaa_policies.props.LazyMapping`), and runs only the policies registered for the
  resource's type (a type index built once),
* builds one :class:`~hipaa_policies.stack_index.StackIndex` per ``AnalyzeStack`` shared by all
  stack policies,
* validates policy configuration strictly in ``Configure`` (an error names policy and key),
* reports unverified values, exemptions and void exemptions as advisory diagnostics.

It also serves the scanner's batch (``hipaa_policies.Scan``: ``Add``/``Finish``, see
:func:`encode_batch`) beside ``pulumirpc.Analyzer`` in the same process: the same policy loops
(``_analyze_resource``, ``_analyze_stack``) on whole chunks of a stack per call, so an offline
scan is not one gRPC round trip per resource.

Everything else (``GetAnalyzerInfo``, ``Remediate``, server start-up) stays the SDK's.
:func:`install` checks the SDK's shape first; if it changed, the plain path runs instead (same
engine, slower) and a warning names what is missing.  ``tests/test_fast_servicer.py`` fails
loudly when the shape changes and checks both paths agree.
"""
from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
from typing import Any, Dict, List, Optional

from hipaa_policies.core.diagnostics import wire_message
from hipaa_policies.runtime import engine
from hipaa_policies.core.errors import ConfigError
from hipaa_policies.core.props import LazyMapping
from hipaa_policies.core.resource import Resource
from hipaa_policies.core import settings as pack_settings
from hipaa_policies.core.settings import SETTINGS_POLICY, Settings

_REQUIRED_METHODS = ("Analyze", "AnalyzeStack", "Configure", "ConfigureStack", "GetAnalyzerInfo",
                     "_get_enforcement_level", "_map_enforcement_level", "_map_severity",
                     "_configure_runtime_settings")
_REQUIRED_ATTRS = ("_PolicyAnalyzerServicer__policies", "_PolicyAnalyzerServicer__policy_pack_name",
                   "_PolicyAnalyzerServicer__policy_pack_version", "_PolicyAnalyzerServicer__policy_pack_config",
                   "_PolicyAnalyzerServicer__stack_tags")


def struct_to_dict(struct: Any) -> Dict[str, Any]:
    """protobuf Struct → plain dict, one pass (faster than json_format.MessageToDict)."""
    return {k: _value(v) for k, v in struct.fields.items()}


def lazy_struct(struct: Any) -> LazyMapping:
    """protobuf Struct → read-only mapping converting each top-level value on first read."""
    return LazyMapping(struct.fields, _value)


def _value(v: Any) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "string_value":
        return v.string_value
    if kind == "number_value":
        return v.number_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        return {k: _value(x) for k, x in v.struct_value.fields.items()}
    if kind == "list_value":
        return [_value(x) for x in v.list_value.values]
    return None


@contextlib.contextmanager
def _no_cyclic_gc():
    """A 10,000-resource stack allocates a few hundred thousand short-lived, acyclic containers;
    the cyclic collector would scan the whole heap several times over for nothing, so it waits
    until the call ends (it runs then if garbage is due)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- the scan batch
# `hipaa-policies scan` evaluates a whole stack with two methods served beside pulumirpc.Analyzer
# by the same pack process and the same servicer.  Requests are bytes: ``ScanAdd`` is a header
# line ``<session> <sequence number>`` then a JSON array of records
# ``[type, urn, name, parent, dependencies, propertyDependencies, properties]`` (JSON: decoded in
# C, where a protobuf Struct is built in Python); ``ScanFinish`` is the session.  Responses are
# JSON arrays of the diagnostics ``Analyze`` (each added resource) and ``AnalyzeStack`` (all of
# them, in order) give, each ``[urn, policyName, enforcementLevel, message]``.  ``Info``,
# ``Configure`` and ``ConfigureStack`` are ``GetAnalyzerInfo``, ``Configure`` and
# ``ConfigureStack`` with JSON bodies, so the scanner needs neither the pulumi SDK nor its
# protocol messages (importing them is a quarter of a small scan's time).
SCAN_SERVICE = "hipaa_policies.Scan"
SCAN_ADD = f"/{SCAN_SERVICE}/Add"
SCAN_FINISH = f"/{SCAN_SERVICE}/Finish"
SCAN_INFO = f"/{SCAN_SERVICE}/Info"
SCAN_CONFIGURE = f"/{SCAN_SERVICE}/Configure"
SCAN_CONFIGURE_STACK = f"/{SCAN_SERVICE}/ConfigureStack"


class ScanDiagnostic(tuple):
    """A diagnostic of the scan batch, read like ``AnalyzeDiagnostic`` (the fields the scanner uses)."""

    __slots__ = ()
    urn = property(lambda self: self[0])
    policyName = property(lambda self: self[1])
    enforcementLevel = property(lambda self: self[2])
    message = property(lambda self: self[3])


def decode_diagnostics(body: bytes) -> List[ScanDiagnostic]:
    import json
    return [ScanDiagnostic(d) for d in json.loads(body)]


def encode_batch(session: str, seq: int, records: List[bytes]) -> bytes:
    """A ``ScanAdd`` request from records already JSON-encoded (see :func:`encode_record`)."""
    return b"%s %d\n[%s]" % (session.encode(), seq, b",".join(records))


_ENCODER: Any = None


def encode_record(type_: str, urn: str, name: str, parent: str, dependencies: List[str],
                  property_dependencies: Dict[str, List[str]], properties: Dict[str, Any]) -> bytes:
    """One resource of a ``ScanAdd`` request (compact JSON, ASCII)."""
    global _ENCODER
    if _ENCODER is None:
        import json
        _ENCODER = json.JSONEncoder(separators=(",", ":")).encode
    return _ENCODER([type_, urn, name, parent or "", dependencies, property_dependencies, properties]).encode()


def _json_diagnostics(response: Any) -> bytes:
    import json
    return json.dumps([[d.urn, d.policyName, d.enforcementLevel, d.message] for d in response.diagnostics]).encode()


def _add_scan_service(servicer: Any, server: Any) -> None:
    import grpc
    handlers = {"Add": grpc.unary_unary_rpc_method_handler(servicer.ScanAdd),
                "Finish": grpc.unary_unary_rpc_method_handler(servicer.ScanFinish),
                "Info": grpc.unary_unary_rpc_method_handler(servicer.ScanInfo),
                "Configure": grpc.unary_unary_rpc_method_handler(servicer.ScanConfigure),
                "ConfigureStack": grpc.unary_unary_rpc_method_handler(servicer.ScanConfigureStack)}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SCAN_SERVICE, handlers),))


class _GrpcModuleWithScan:
    """Stands in for ``pulumi_policy.policy.analyzer_pb2_grpc``: registers the Analyzer service as
    the SDK does, then the scan batch beside it when the servicer has it."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def add_AnalyzerServicer_to_server(self, servicer: Any, server: Any) -> None:
        self._module.add_AnalyzerServicer_to_server(servicer, server)
        if hasattr(servicer, "ScanAdd"):
            _add_scan_service(servicer, server)


def shape_problems() -> List[str]:
    """What the SDK lacks that FastServicer needs (empty: compatible)."""
    try:
        from pulumi_policy import policy as sdk
    except Exception as e:  # pragma: no cover - pulumi_policy is a hard dependency
        return [f"pulumi_policy.policy does not import: {e}"]
    base = getattr(sdk, "_PolicyAnalyzerServicer", None)
    if base is None:
        return ["pulumi_policy.policy._PolicyAnalyzerServicer is gone"]
    # defined by the SDK class itself: the generated base's stubs (which answer UNIMPLEMENTED) do not count
    problems = [f"_PolicyAnalyzerServicer.{m} is gone" for m in _REQUIRED_METHODS
                if not callable(vars(base).get(m))]
    grpc_module = getattr(sdk, "analyzer_pb2_grpc", None)
    if not callable(getattr(grpc_module, "add_AnalyzerServicer_to_server", None)):
        problems.append("pulumi_policy.policy.analyzer_pb2_grpc.add_AnalyzerServicer_to_server is gone")
    try:
        from pulumi_policy import EnforcementLevel, ResourceValidationPolicy
        probe = base("probe", "0.0.1", [ResourceValidationPolicy("probe", "probe", lambda a, r: None)],
                     EnforcementLevel.ADVISORY)
        problems += [f"_PolicyAnalyzerServicer has no attribute {a}" for a in _REQUIRED_ATTRS if not hasattr(probe, a)]
    except Exception as e:
        problems.append(f"_PolicyAnalyzerServicer(...) signature changed: {e}")
    return problems


def make_class():
    from pulumi.runtime.proto import analyzer_pb2 as proto
    from pulumi_policy import EnforcementLevel
    from pulumi_policy import policy as sdk

    class FastServicer(sdk._PolicyAnalyzerServicer):  # type: ignore[name-defined,misc]
        """Drop-in replacement of the SDK servicer; see the module docstring."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # PolicyPack() always passes 0.0.1; report the version PulumiPolicy.yaml publishes.
            # (PulumiPolicy.yaml first: pack_info.version() imports importlib.metadata, ~4 ms of start-up)
            from hipaa_policies.runtime import pack_info
            self._PolicyAnalyzerServicer__policy_pack_version = pack_info._field("version", "") or pack_info.version()
            self._specs = {p.name: p._hipaa_spec for p in self._PolicyAnalyzerServicer__policies
                           if hasattr(p, "_hipaa_spec")}
            self._by_type: Dict[str, List[Any]] = {}
            self._stack_policies: List[Any] = []
            for p in self._PolicyAnalyzerServicer__policies:
                spec = self._specs.get(p.name)
                if spec is None:
                    continue
                if spec.kind == "resource":
                    for t in spec.resource_types:
                        self._by_type.setdefault(t, []).append(p)
                else:
                    self._stack_policies.append(p)
            self._resolved: Dict[str, Dict[str, Any]] = {}
            self._settings = Settings()
            self._scan_lock = threading.Lock()
            self._scan_sessions: Dict[str, Dict[int, List[Resource]]] = {}
            self._resolve_all({})
            # Start-up is over (modules, registry, policies): move what it allocated out of the
            # cyclic collector's sight, so collections during analysis scan only new objects.
            gc.freeze()

        # -- runtime settings ------------------------------------------------------------------
        _RUNTIME_ENV = ("PULUMI_CONFIG", "PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN",
                        "PULUMI_ORGANIZATION")

        def _runtime_settings(self) -> None:
            """The SDK's ``_configure_runtime_settings`` (config and project/stack from the
            environment the CLI sets), re-run only when that environment changed: with the CLI's
            variables set it costs ~40 us, a third of a typical ``Analyze``."""
            key = tuple(os.environ.get(k) for k in self._RUNTIME_ENV)
            if key != getattr(self, "_runtime_key", None):
                self._configure_runtime_settings()
                self._runtime_key = key

        # -- configuration ---------------------------------------------------------------------
        def _resolve_all(self, raw: Dict[str, Any]) -> None:
            resolved = {}
            for name, spec in self._specs.items():
                resolved[name] = engine.resolve_config(spec, raw.get(name))
            settings = Settings.from_config(raw.get(SETTINGS_POLICY))
            self._resolved, self._settings = resolved, settings
            pack_settings.set_current(settings)

        def Configure(self, request, context):
            import grpc
            from google.protobuf import json_format
            raw: Dict[str, Any] = {}
            for name in request.policyConfig:
                if name != "all" and name not in self._specs:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                  f"aws-hipaa: policy config names unknown policy {name!r}")
                raw[name] = json_format.MessageToDict(request.policyConfig[name].properties)
            try:
                self._resolve_all(raw)
                levels = profile_levels(self._specs, self._settings.profile)
            except ConfigError as e:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"aws-hipaa: {e}")
            response = super().Configure(request, context)
            self._apply_profile(levels)
            return response

        def _apply_profile(self, levels: Dict[str, Any]) -> None:
            """The chosen enforcement profile decides the level of every policy whose configured
            level is absent or equal to the level the pack advertised (the CLI sends the advertised
            default for policies the user did not configure); a level the user changed wins."""
            if levels is None:
                return
            configured = self._PolicyAnalyzerServicer__policy_pack_config_enforcement_level
            for policy in self._PolicyAnalyzerServicer__policies:
                advertised = policy.enforcement_level
                current = configured.get(policy.name)
                if policy.name in levels and (current is None or current == advertised):
                    configured[policy.name] = EnforcementLevel(levels[policy.name])

        def _ctx(self) -> engine.Context:
            return engine.Context(stack_tags=self._PolicyAnalyzerServicer__stack_tags, settings=self._settings)

        # -- diagnostics -----------------------------------------------------------------------
        def _append(self, response, policy, level, diags) -> None:
            for d in diags:
                lvl = level if d.kind == engine.VIOLATION else EnforcementLevel.ADVISORY
                response.diagnostics.append(proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=self._PolicyAnalyzerServicer__policy_pack_name,
                    policyPackVersion=self._PolicyAnalyzerServicer__policy_pack_version,
                    message=wire_message(policy.description, d.message),
                    urn=d.urn or "",
                    description=policy.description,
                    enforcementLevel=self._map_enforcement_level(lvl),
                    severity=self._map_severity(policy.severity),
                ))

        def _level(self, policy) -> Optional[Any]:
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED:
                return None
            return EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level

        # -- analysis --------------------------------------------------------------------------
        # Analyze and AnalyzeStack are thin wrappers: the policies run in _analyze_resource and
        # _analyze_stack, which the scan batch (below) calls too, so both give the same diagnostics.
        def Analyze(self, request, _context):
            self._runtime_settings()
            response = proto.AnalyzeResponse()
            if request.type in self._by_type:
                self._analyze_resource(Resource(request.type, lazy_struct(request.properties), request.urn,
                                                request.name), response, self._ctx())
            return response

        def _analyze_resource(self, resource: Resource, response, ctx) -> None:
            """The resource policies registered for the resource's type, diagnostics into ``response``."""
            for policy in self._by_type.get(resource.type, ()):
                level = self._level(policy)
                if level is None:
                    continue
                spec = self._specs[policy.name]
                self._append(response, policy, level,
                             engine.run_resource(spec, resource, self._resolved[policy.name], ctx))

        def AnalyzeStack(self, request, _context):
            self._runtime_settings()
            response = proto.AnalyzeResponse()
            with _no_cyclic_gc():
                self._analyze_stack(
                    (Resource(r.type, lazy_struct(r.properties), r.urn, r.name, r.parent or None,
                              list(r.dependencies),
                              {k: list(pd[k].urns) for k in pd} if (pd := r.propertyDependencies) else None)
                     for r in request.resources), response)
            return response

        def _analyze_stack(self, resources, response) -> None:
            """Every active stack policy on one StackIndex of ``resources`` (built once, shared)."""
            from hipaa_policies.core.stack_index import StackIndex
            active = [(p, lvl) for p in self._stack_policies if (lvl := self._level(p)) is not None]
            if not active:
                return
            index = StackIndex(resources)
            ctx = self._ctx()
            for policy, level in active:
                spec = self._specs[policy.name]
                self._append(response, policy, level,
                             engine.run_stack(spec, index, self._resolved[policy.name], ctx))

        # -- the scanner's batch (hipaa-policies scan) -----------------------------------------
        def ScanAdd(self, payload: bytes, _context) -> bytes:
            """Resources of one stack, in order, as :func:`encode_batch` writes them: ``Analyze`` of
            each (the diagnostics are returned), and the resources kept for :meth:`ScanFinish`."""
            import json
            header, _, body = payload.partition(b"\n")
            session, seq = header.decode().split()
            self._runtime_settings()
            response = proto.AnalyzeResponse()
            with self._scan_lock, _no_cyclic_gc():
                # numbers as the engine sends them (protobuf Struct numbers are doubles)
                records = json.loads(body, parse_int=float)
                ctx = self._ctx()
                kept = []
                by_type = self._by_type
                for type_, urn, name, parent, deps, prop_deps, props in records:
                    if type_ in by_type:
                        self._analyze_resource(Resource(type_, props, urn, name), response, ctx)
                    kept.append(Resource(type_, props, urn, name, parent or None, deps, prop_deps or None))
                self._scan_sessions.setdefault(session, {})[int(seq)] = kept
                # the kept resources live until ScanFinish: out of the cyclic collector's sight
                gc.freeze()
            return _json_diagnostics(response)

        def ScanFinish(self, payload: bytes, _context) -> bytes:
            """``AnalyzeStack`` of every resource the session added; the session is dropped."""
            session = payload.decode()
            self._runtime_settings()
            response = proto.AnalyzeResponse()
            with self._scan_lock:
                chunks = self._scan_sessions.pop(session, {})
            with _no_cyclic_gc():
                self._analyze_stack((r for seq in sorted(chunks) for r in chunks[seq]), response)
            del chunks
            return _json_diagnostics(response)

        def ScanInfo(self, _payload: bytes, context) -> bytes:
            """``GetAnalyzerInfo`` as JSON (the fields the scanner reads)."""
            import json
            from google.protobuf import empty_pb2
            info = self.GetAnalyzerInfo(empty_pb2.Empty(), context)
            return json.dumps({"name": info.name, "version": info.version, "policies": [
                {"name": p.name, "description": p.description, "enforcementLevel": p.enforcementLevel,
                 "tags": list(p.tags), "frameworkReference": p.framework.reference,
                 "policyType": proto.PolicyType.Name(p.policy_type), "remediationSteps": p.remediation_steps,
                 "url": p.url} for p in info.policies]}).encode()

        def ScanConfigure(self, payload: bytes, context) -> bytes:
            """``Configure`` from JSON ``{"policyConfig": {name: {"enforcementLevel": n, "properties": {}}}}``."""
            import json
            from google.protobuf import json_format
            request = json_format.ParseDict(json.loads(payload), proto.ConfigureAnalyzerRequest())
            self.Configure(request, context)
            return b"{}"

        def ScanConfigureStack(self, payload: bytes, context) -> bytes:
            """``ConfigureStack`` from JSON (the fields of ``AnalyzerStackConfigureRequest``)."""
            import json
            from google.protobuf import json_format
            request = json_format.ParseDict(json.loads(payload), proto.AnalyzerStackConfigureRequest())
            self.ConfigureStack(request, context)
            return b"{}"

    return FastServicer


def profile_levels(specs: Dict[str, Any], profile: str) -> Optional[Dict[str, str]]:
    """{policy: level} under ``profile`` (None for the default profile, which the pack advertises);
    an unknown profile raises ConfigError naming ``hipaa-pack-settings.profile``."""
    from hipaa_policies.frameworks import profiles
    profiles.get(profile)
    if profile == profiles.DEFAULT_PROFILE:
        return None
    return {name: profiles.level(spec, profile) for name, spec in specs.items()}


def install() -> bool:
    """Replace the SDK servicer when compatible; otherwise warn and keep the plain path."""
    problems = shape_problems()
    if problems:
        sys.stderr.write("aws-hipaa: pulumi-policy changed shape, using the plain (slower) servicer: "
                         + "; ".join(problems) + "\n")
        return False
    from pulumi_policy import policy as sdk
    sdk._PolicyAnalyzerServicer = make_class()
    if not isinstance(sdk.analyzer_pb2_grpc, _GrpcModuleWithScan):
        sdk.analyzer_pb2_grpc = _GrpcModuleWithScan(sdk.analyzer_pb2_grpc)
    return True
