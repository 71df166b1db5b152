"""Run a Pulumi program under ``pulumi.runtime`` mocks with the real SDKs and record its resources
in engine shape (type, name, URN, inputs as a protobuf ``Struct``, parent, dependencies, property
dependencies) — what the Pulumi CLI would send to an analyzer.  ``preview=True`` leaves computed
outputs unknown, as ``pulumi preview`` does for resources not yet created.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

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

    def props(self) -> Dict[str, Any]:
        from google.protobuf import json_format
        return json_format.MessageToDict(self.properties)


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


def capture(program: Callable[[], Any], *, preview: bool = False, project: str = "test",
            stack: str = "test", config: Optional[Mapping[str, str]] = None) -> List[CapturedResource]:
    """Run ``program`` under pulumi mocks with the real SDKs; return its resources in engine shape.

    With ``preview=False`` mocks give each resource an id (its name) and echo its inputs as
    outputs, plus an ``arn``; with ``preview=True`` ids and computed outputs stay unknown.
    """
    import pulumi
    from pulumi.runtime import mocks as pm
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    captured: List[CapturedResource] = []
    lock = threading.Lock()

    class _Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            if preview:
                return "", dict(args.inputs)
            state = dict(args.inputs)
            state.setdefault("arn", f"arn:aws:mock:us-east-1:123456789012:{args.name}")
            if args.typ.startswith("aws:s3/bucket") and args.typ.split(":")[-1] in ("Bucket", "BucketV2"):
                state.setdefault("bucket", args.name)
            return args.name, state

        def call(self, args):
            return {}

    class _Monitor(pm.MockMonitor):
        def RegisterResource(self, request):
            response = super().RegisterResource(request)
            if request.type != "pulumi:pulumi:Stack" and request.custom:
                from google.protobuf import struct_pb2
                props = struct_pb2.Struct()
                props.CopyFrom(request.object)
                with lock:
                    captured.append(CapturedResource(
                        type=request.type, name=request.name, urn=response.urn, properties=props,
                        parent=request.parent, dependencies=list(request.dependencies),
                        property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()}))
            return response

    mocks = _Mocks()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=_Monitor(mocks))
    if config:
        for k, v in config.items():
            key = k if ":" in k else f"{project}:{k}"
            pulumi.runtime.set_config(key, v)
    from pulumi.runtime.settings import SETTINGS
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()

    def run():
        program()
    _sync_await(run_pulumi_func(run))
    return captured
