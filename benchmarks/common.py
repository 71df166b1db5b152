"""Shared helpers of the benchmark scripts: baseline packs, pack processes, raw gRPC timing.

Packs start exactly as the Pulumi CLI starts a Python policy pack: ``python -u -m pulumi.policy
127.0.0.1:0 .`` in the pack directory, the port read from the first line of stdout.  Requests
are serialised once in advance and sent as bytes, so the timings are the pack's work plus the
loopback transport, not the client's protobuf encoding.
"""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

# Every process a benchmark starts uses compiled bytecode, as an installed package does (pip compiles
# at install time; Python writes it by default).  Some machine images set PYTHONDONTWRITEBYTECODE,
# which would make every pack and scanner process compile the package from source again.
BYTECODE_WAS_OFF = bool(os.environ.pop("PYTHONDONTWRITEBYTECODE", None))
sys.dont_write_bytecode = False

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hipaa_policies.client.pack_server import PackServer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(__file__).resolve().parent / ".work"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

POLICY_YAML = "runtime: python\nversion: 0.0.1\ndescription: {desc}\n"

ONE_POLICY_MAIN = '''\
"""Baseline: a minimal plain pulumi-policy pack with one trivial resource policy."""
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def no_public_bucket(args, report_violation):
    if args.resource_type == "aws:s3/bucket:Bucket" and args.props.get("acl") == "public-read":
        report_violation("`acl` must not be public-read.")


PolicyPack(
    name="bench-one-policy",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[ResourceValidationPolicy(name="no-public-bucket", description="No public-read buckets.",
                                       validate=no_public_bucket)],
)
'''

EMPTY_MAIN = '''\
"""Baseline: an empty pack importing the same SDKs (pulumi, pulumi_policy).  pulumi-policy
refuses a pack without policies, so it holds one policy that checks nothing."""
import pulumi  # noqa: F401  (the CLI's `python -m pulumi.policy` imports it anyway)
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

PolicyPack(
    name="bench-empty",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[ResourceValidationPolicy(name="nothing", description="Checks nothing.",
                                       validate=lambda args, report_violation: None)],
)
'''


def write_pack(name: str, main: str) -> Path:
    d = WORK / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "PulumiPolicy.yaml").write_text(POLICY_YAML.format(desc=f"benchmark baseline {name}"))
    (d / "__main__.py").write_text(main)
    return d


def baseline_packs() -> Dict[str, Path]:
    return {"one-policy": write_pack("one-policy", ONE_POLICY_MAIN), "empty": write_pack("empty", EMPTY_MAIN)}


class Pack(PackServer):
    """The shared Analyzer client (:class:`hipaa_policies.client.pack_server.PackServer`) plus
    byte-level (pre-serialised) RPC callables, start-up time and process resource readings."""

    def __init__(self, pack_dir: Path, env: Optional[Dict[str, str]] = None, label: str = "") -> None:
        super().__init__(pack_dir, env=env)
        self.label = label or Path(pack_dir).name
        self.startup = 0.0

    def start(self) -> "Pack":
        from pulumi.runtime.proto import analyzer_pb2 as proto
        t0 = time.perf_counter()
        super().start()
        self.startup = time.perf_counter() - t0
        ident = lambda b: b  # noqa: E731 - requests are serialised in advance
        self.analyze = self.channel.unary_unary("/pulumirpc.Analyzer/Analyze", request_serializer=ident,
                                                response_deserializer=proto.AnalyzeResponse.FromString)
        self.analyze_stack = self.channel.unary_unary("/pulumirpc.Analyzer/AnalyzeStack", request_serializer=ident,
                                                      response_deserializer=proto.AnalyzeResponse.FromString)
        self.stub.ConfigureStack(proto.AnalyzerStackConfigureRequest(stack="prod", project="phi-platform",
                                                                     organization="acme", dry_run=True))
        return self

    def peak_rss_mb(self) -> float:
        """Peak resident set size of the pack process so far (VmHWM)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
        return float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the pack process so far (all its threads)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return float("nan")


def startup_time(pack_dir: Path, env: Optional[Dict[str, str]] = None) -> float:
    """Seconds from process start to the port printed on stdout."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."], cwd=pack_dir,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=dict(os.environ, **(env or {})))
    line = proc.stdout.readline()
    dt = time.perf_counter() - t0
    proc.kill()
    proc.wait()
    proc.stdout.close()
    if not line.strip().isdigit():
        raise RuntimeError(f"{pack_dir}: pack did not print its port (got {line!r})")
    return dt


# --------------------------------------------------------------------------- requests
def _struct(props: Dict[str, Any]):
    from google.protobuf import struct_pb2
    s = struct_pb2.Struct()
    s.update(props)
    return s


def analyze_requests(resources: Sequence[Dict[str, Any]]) -> List[bytes]:
    from pulumi.runtime.proto import analyzer_pb2 as proto
    return [proto.AnalyzeRequest(type=r["type"], properties=_struct(r["props"]), urn=r["urn"],
                                 name=r["name"]).SerializeToString() for r in resources]


def analyze_stack_request(resources: Sequence[Dict[str, Any]]) -> bytes:
    from pulumi.runtime.proto import analyzer_pb2 as proto
    request = proto.AnalyzeStackRequest()
    for r in resources:
        ar = request.resources.add()
        ar.type, ar.urn, ar.name = r["type"], r["urn"], r["name"]
        ar.properties.CopyFrom(_struct(r["props"]))
        ar.dependencies.extend(r["dependencies"])
        for k, urns in r["property_dependencies"].items():
            ar.propertyDependencies[k].urns.extend(urns)
    return request.SerializeToString()


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


# --------------------------------------------------------------------------- environment
def _version(dist: str, python: Optional[str] = None) -> str:
    if python:
        out = subprocess.run([python, "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
                             capture_output=True, text=True)
        return out.stdout.strip() or "not installed"
    try:
        from importlib import metadata
        return metadata.version(dist)
    except Exception:
        return "not installed"


def machine() -> Dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": mem,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "pulumi": _version("pulumi"), "pulumi-policy": _version("pulumi-policy"),
            "pulumi-aws": _version("pulumi-aws"), "grpcio": _version("grpcio"), "protobuf": _version("protobuf"),
            "bytecode": "written" + (" (PYTHONDONTWRITEBYTECODE unset for the run)" if BYTECODE_WAS_OFF else "")}


def policy_counts() -> Dict[str, int]:
    from hipaa_policies.registry import policies
    ps = policies()
    return {"policies": len(ps), "resource": sum(1 for p in ps if p.kind == "resource"),
            "stack": sum(1 for p in ps if p.kind == "stack")}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
