"""The pack in its own process, started as the Pulumi CLI starts it (``python -u -m pulumi.policy
<addr> .`` in the pack directory), spoken to over the ``pulumirpc.Analyzer`` gRPC protocol.

Shared by the offline scanner, the users' test harness (:mod:`hipaa_policies.testing`) and the
benchmarks.  Diagnostic kinds are classified with :mod:`hipaa_policies.core.diagnostics`.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from hipaa_policies.core.levels import BY_PROTO_NUMBER as LEVELS
from hipaa_policies import locations

if TYPE_CHECKING:  # annotations only: importing capture (asyncio, the SDK hooks) is not needed here
    from hipaa_policies.client.capture import CapturedResource

PACK_DIR = locations.bundle_root()  # the checkout root, or hipaa_policies/_bundle in an installed wheel
GRPC_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024),  # the engine's own limits
                ("grpc.max_send_message_length", 400 * 1024 * 1024)]


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Diagnostic:
    policy: str
    level: str       # advisory | mandatory | remediate | disabled
    message: str
    urn: str

    @property
    def kind(self) -> str:
        """violation | unverified | exempted | note (:mod:`hipaa_policies.core.diagnostics`)."""
        from hipaa_policies.core.diagnostics import kind_of
        return kind_of(self.message)


@dataclass
class Result:
    diagnostics: List[Diagnostic]

    def violations(self, policy: Optional[str] = None) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.kind == "violation" and (policy is None or d.policy == policy)]

    def mandatory(self) -> List[Diagnostic]:
        return [d for d in self.violations() if d.level == "mandatory"]

    def of(self, policy: str, urn: Optional[str] = None) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.policy == policy and (urn is None or d.urn in ("", urn))]

    def summary(self) -> str:
        return "\n".join(f"[{d.level}] {d.policy} {d.urn}: {d.message.splitlines()[-1]}" for d in self.diagnostics)


# --------------------------------------------------------------------------- the pack over gRPC
def _level_value(level: str) -> int:
    from hipaa_policies.core.levels import PROTO_NUMBERS
    try:
        return PROTO_NUMBERS[level]
    except KeyError:
        raise ValueError(f"unknown enforcement level {level!r}") from None


def policy_config_entries(config: Mapping[str, Any], advertised: "Callable[[], Dict[str, str]]"
                          ) -> Dict[str, Tuple[int, Dict[str, Any]]]:
    """``Configure``'s policyConfig entries for a policy-config file, as the Pulumi CLI builds them:
    name -> (enforcement level number, properties).  ``advertised()`` gives the pack's own levels
    (asked only when needed: ``all``, or a policy configured without a level)."""
    all_level = config.get("all")
    known = advertised() if all_level else None
    entries: Dict[str, Any] = {n: {} for n in known} if known else {}
    for name, value in config.items():
        if name != "all":
            entries[name] = value
    out: Dict[str, Tuple[int, Dict[str, Any]]] = {}
    for name, value in entries.items():
        level = all_level
        props: Dict[str, Any] = {}
        if isinstance(value, str):
            level = value
        elif isinstance(value, Mapping):
            props = {k: v for k, v in value.items() if k != "enforcementLevel"}
            level = value.get("enforcementLevel", level)
        if level is None:
            known = known if known is not None else advertised()
            level = known.get(name, "advisory")
        out[name] = (_level_value(level), props)
    return out


class PackServer:
    """The pack running in its own process, started as the Pulumi CLI starts it."""

    def __init__(self, pack_dir: Optional[os.PathLike] = None, *, python: Optional[str] = None,
                 env: Optional[Mapping[str, str]] = None, timeout: float = 60.0) -> None:
        self.pack_dir = Path(pack_dir) if pack_dir else locations.pack_dir()
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise FileNotFoundError(f"{self.pack_dir}: not a policy pack (no PulumiPolicy.yaml)")
        self.python = python or sys.executable
        self.env = dict(os.environ, **(env or {}))
        self.timeout = timeout
        self.proc: Optional[subprocess.Popen] = None
        self.port: Optional[int] = None

    # lifecycle
    def launch(self) -> "PackServer":
        """Start the pack process without waiting for it (overlap its start-up with other work);
        :meth:`start` then waits for the port and connects."""
        if self.proc is None:
            self.proc = subprocess.Popen([self.python, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
                                         cwd=self.pack_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         env=self.env)
        return self

    def start(self) -> "PackServer":
        import grpc
        if getattr(self, "channel", None) is not None:
            return self
        self.launch()
        line = self.proc.stdout.readline().decode().strip()
        if not line.isdigit():
            err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError(f"policy pack did not print its port (got {line!r}): {err.strip()[-2000:]}")
        self.port = int(line)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}",
                                             options=GRPC_OPTIONS)
        grpc.channel_ready_future(self.channel).result(timeout=self.timeout)
        self._stub = None
        return self

    @property
    def stub(self):
        """The ``pulumirpc.Analyzer`` stub, made on first use (it imports the pulumi SDK, which the
        scanner's JSON batch does not need)."""
        if getattr(self, "_stub", None) is None:
            from pulumi.runtime.proto import analyzer_pb2_grpc
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        return self._stub

    def stop(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
            self.channel = None
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream:
                    stream.close()
            self.proc = None

    def __enter__(self) -> "PackServer":
        return self if self.proc is not None else self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # RPCs
    def info(self):
        from google.protobuf import empty_pb2
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure(self, config: Mapping[str, Any]) -> None:
        """Config in the shape of ``pulumi preview --policy-pack-config`` files:
        ``{"all": "mandatory", "<policy>": "advisory" | {"enforcementLevel": ..., "<key>": ...}}``.
        Policies not named get the level of ``all`` when it is given (as the CLI does)."""
        from pulumi.runtime.proto import analyzer_pb2 as proto
        request = proto.ConfigureAnalyzerRequest()
        for name, (level, props) in policy_config_entries(config, self._default_levels).items():
            pc = proto.PolicyConfig()
            pc.enforcementLevel = level
            pc.properties.update(props)
            request.policyConfig[name].CopyFrom(pc)
        self.stub.Configure(request)

    # the pack's scan batch (``hipaa_policies.Scan``, served beside the Analyzer by the fast
    # servicer): the same RPCs with JSON bodies, so this side needs no pulumi SDK
    def _batch(self, method: str, body: Any) -> Any:
        import json
        return json.loads(self.channel.unary_unary(method)(json.dumps(body).encode()))

    def batch_info(self) -> Any:
        """``GetAnalyzerInfo`` through the scan batch, read like the protocol message."""
        from types import SimpleNamespace as NS
        from hipaa_policies.runtime.fast_servicer import SCAN_INFO
        doc = self._batch(SCAN_INFO, None)
        return NS(name=doc["name"], version=doc["version"], policies=[
            NS(name=p["name"], description=p["description"], enforcementLevel=p["enforcementLevel"], tags=p["tags"],
               framework=NS(reference=p["frameworkReference"]), policy_type=p["policyType"],
               remediation_steps=p["remediationSteps"], url=p["url"]) for p in doc["policies"]])

    def batch_configure(self, config: Mapping[str, Any],
                        advertised: "Optional[Callable[[], Dict[str, str]]]" = None) -> None:
        """:meth:`configure` through the scan batch (``advertised``: the pack's levels, if known)."""
        from hipaa_policies.runtime.fast_servicer import SCAN_CONFIGURE
        if advertised is None:
            def advertised() -> Dict[str, str]:
                return {p.name: LEVELS.get(p.enforcementLevel, "advisory") for p in self.batch_info().policies}
        entries = policy_config_entries(config, advertised)
        self._batch(SCAN_CONFIGURE, {"policyConfig": {
            name: {"enforcementLevel": level, "properties": props} for name, (level, props) in entries.items()}})

    def batch_configure_stack(self, *, stack: str = "test", project: str = "test", organization: str = "org",
                              dry_run: bool = True, tags: Optional[Mapping[str, str]] = None) -> None:
        """:meth:`configure_stack` through the scan batch."""
        from hipaa_policies.runtime.fast_servicer import SCAN_CONFIGURE_STACK
        self._batch(SCAN_CONFIGURE_STACK, {"stack": stack, "project": project, "organization": organization,
                                           "dryRun": dry_run, "tags": dict(tags or {})})

    def _default_levels(self) -> Dict[str, str]:
        return {p.name: LEVELS.get(p.enforcementLevel, "advisory") for p in self.info().policies}

    def configure_stack(self, *, stack: str = "test", project: str = "test", organization: str = "org",
                        dry_run: bool = True, tags: Optional[Mapping[str, str]] = None) -> None:
        from pulumi.runtime.proto import analyzer_pb2 as proto
        request = proto.AnalyzerStackConfigureRequest(stack=stack, project=project, organization=organization,
                                                      dry_run=dry_run)
        for k, v in (tags or {}).items():
            request.tags[k] = v
        self.stub.ConfigureStack(request)

    def analyze(self, r: CapturedResource) -> List[Diagnostic]:
        from pulumi.runtime.proto import analyzer_pb2 as proto
        response = self.stub.Analyze(proto.AnalyzeRequest(type=r.type, properties=r.properties, urn=r.urn, name=r.name))
        return self._diags(response, r.urn)

    def analyze_stack(self, resources: Iterable[CapturedResource]) -> List[Diagnostic]:
        from pulumi.runtime.proto import analyzer_pb2 as proto
        request = proto.AnalyzeStackRequest()
        for r in resources:
            ar = request.resources.add()
            ar.type, ar.urn, ar.name, ar.parent = r.type, r.urn, r.name, r.parent or ""
            ar.properties.CopyFrom(r.properties)
            ar.dependencies.extend(r.dependencies)
            for k, urns in r.property_dependencies.items():
                ar.propertyDependencies[k].urns.extend(urns)
        return self._diags(self.stub.AnalyzeStack(request), "")

    def remediate(self, r: CapturedResource) -> List[Any]:
        """The ``Remediate`` RPC: a list of (policy name, new properties as dict)."""
        from google.protobuf import json_format
        from pulumi.runtime.proto import analyzer_pb2 as proto
        response = self.stub.Remediate(proto.AnalyzeRequest(type=r.type, properties=r.properties, urn=r.urn, name=r.name))
        return [(m.policyName, json_format.MessageToDict(m.properties), m.diagnostic) for m in response.remediations]

    def check(self, resources: Sequence[CapturedResource]) -> Result:
        """Analyze every resource, then the stack, as ``pulumi preview`` does."""
        diags: List[Diagnostic] = []
        for r in resources:
            diags.extend(self.analyze(r))
        diags.extend(self.analyze_stack(resources))
        return Result(diags)

    @staticmethod
    def _diags(response: Any, default_urn: str) -> List[Diagnostic]:
        return [Diagnostic(d.policyName, LEVELS.get(d.enforcementLevel, "advisory"), d.message, d.urn or default_urn)
                for d in response.diagnostics]
