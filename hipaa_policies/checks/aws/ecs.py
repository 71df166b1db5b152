"""Amazon ECS: task definitions without privileged containers and, on the host network, without
root containers (164.312(a)(1)); container logs shipped (164.312(b)); services without public IP
addresses (164.312(a)(1), 164.312(e)(1)); clusters with Container Insights (164.312(b)).

``containerDefinitions`` is a JSON string; it is parsed here and never echoed.
"""
from __future__ import annotations

import json

from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN, UNKNOWN_SENTINELS, Props, is_unknown, unwrap
from hipaa_policies.core.policy import remediation_for, resource_policy

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
CLUSTER = "aws:ecs/cluster:Cluster"
SERVICE = "aws:ecs/service:Service"


def containers(r):
    """The container definitions as a list of dicts, UNKNOWN, or None when not a JSON array."""
    value = unwrap(r.get("containerDefinitions"))
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, str):
        if any(s in value for s in UNKNOWN_SENTINELS):
            return UNKNOWN
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None
    if not isinstance(value, list):
        return None
    return [c if isinstance(c, dict) else {} for c in value]


def _each_container(r, check):
    defs = containers(r)
    if defs is UNKNOWN:
        return r.unverified("containerDefinitions", "known container definitions")
    if defs is None:
        return r.fail("containerDefinitions", "a JSON array of container definitions")
    findings = []
    for i, c in enumerate(defs):
        findings += check(Props(c, f"containerDefinitions[{i}]."))
    return findings


@resource_policy(
    name="ecs-task-definition-no-privileged-containers",
    description="ECS task definitions must not run privileged containers (and, if configured, must mount root "
                "filesystems read-only).",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="high",
    resource_types=[TASK_DEFINITION],
    remediation="Remove `privileged: true` from every container definition (grant individual Linux capabilities "
                "through `linuxParameters.capabilities` instead); set `readonlyRootFilesystem: true` and mount "
                "writable volumes where needed.",
    config={"requireReadonlyRootFilesystem": {
        "type": "boolean", "default": False,
        "description": "Also require `readonlyRootFilesystem: true` on every container."}},
)
def ecs_task_definition_no_privileged_containers(r, cfg):
    def check(c):
        out = c.expect_false("privileged", "false or unset")
        if cfg["requireReadonlyRootFilesystem"]:
            out += c.expect_true("readonlyRootFilesystem")
        return out
    return _each_container(r, check)


ROOT_USERS = ("root", "0")
NON_ROOT_EXPECTED = "a non-root user (`\"1000\"`, `\"app\"`, `\"1000:1000\"`; not `root` or `0`)"


def _non_root(c):
    user = c.get("user")
    if user is UNKNOWN:
        return c.unverified("user", NON_ROOT_EXPECTED)
    if isinstance(user, (int, float)) and not isinstance(user, bool):
        user = str(int(user)) if float(user).is_integer() else str(user)
    if not isinstance(user, str) or not user.strip():
        return c.fail("user", NON_ROOT_EXPECTED + " (unset runs as the image's user, root by default)")
    if user.strip().split(":", 1)[0].strip().lower() in ROOT_USERS:
        return c.fail("user", NON_ROOT_EXPECTED)
    return []


@resource_policy(
    name="ecs-host-network-non-root",
    description="ECS task definitions using the host network mode must run every container as a non-root user.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="high",
    resource_types=[TASK_DEFINITION],
    remediation="Set `user` on every container definition to a non-root user or UID (e.g. `\"1000:1000\"`), or move "
                "the task to `networkMode: awsvpc` so it gets its own network interface.",
    notes="With `networkMode: host` a container shares the host's network stack; as root it can bind privileged "
          "ports and reach the host's interfaces and metadata endpoint. Other network modes are not checked. "
          "AWS Config: ecs-task-definition-user-for-host-mode-check.",
)
def ecs_host_network_non_root(r, cfg):
    mode = r.str("networkMode")
    if isinstance(mode, str) and mode.lower() != "host":
        return []
    if mode is MISSING or mode is None:
        return []  # the default is `bridge` on EC2 (and `awsvpc` is required on Fargate)
    findings = _each_container(r, _non_root)
    if mode is UNKNOWN and any(f.status == FAIL for f in findings):
        return r.unverified("networkMode", "not `host`, or every container with " + NON_ROOT_EXPECTED)
    return findings


@resource_policy(
    name="ecs-service-no-public-ip",
    description="ECS services must not assign public IP addresses to their tasks.",
    citations=["164.312(a)(1)", "164.312(e)(1)"],
    severity="high",
    resource_types=[SERVICE],
    remediation="Set `networkConfiguration.assignPublicIp: false` (the default), run tasks in private subnets and "
                "reach AWS services through NAT or VPC endpoints; publish the service through a load balancer.",
    notes="Only `awsvpc` tasks (Fargate) take this setting; tasks of other network modes use the instance's "
          "addresses, judged by the EC2 checks.",
)
def ecs_service_no_public_ip(r, cfg):
    if r.get("networkConfiguration") is UNKNOWN:
        return r.unverified("networkConfiguration.assignPublicIp", "false")
    return r.expect_false("networkConfiguration.assignPublicIp", "false (the default)")


@remediation_for(ecs_service_no_public_ip)
def _no_public_ip(r, cfg):
    config = r.get("networkConfiguration")
    if not isinstance(config, dict) or r.bool("networkConfiguration.assignPublicIp") is not True:
        return None
    return {**r.raw, "networkConfiguration": {**config, "assignPublicIp": False}}


@resource_policy(
    name="ecs-task-definition-logging",
    description="Every container in an ECS task definition must send its logs to a log driver.",
    citations=["164.312(b)"],
    severity="medium",
    resource_types=[TASK_DEFINITION],
    remediation="Give each container a `logConfiguration` (e.g. `{logDriver: \"awslogs\", options: "
                "{\"awslogs-group\": ..., \"awslogs-region\": ..., \"awslogs-stream-prefix\": ...}}` or "
                "`awsfirelens`), with a log group retained for six years.",
)
def ecs_task_definition_logging(r, cfg):
    return _each_container(r, lambda c: c.expect(
        "logConfiguration.logDriver", lambda v: isinstance(v, str) and v.strip() and v.strip().lower() != "none",
        "a log driver such as `awslogs` or `awsfirelens`"))


@resource_policy(
    name="ecs-cluster-container-insights",
    description="ECS clusters must enable CloudWatch Container Insights.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="low",
    resource_types=[CLUSTER],
    remediation="Add `settings: [{name: \"containerInsights\", value: \"enhanced\"}]` (or `enabled`).",
    default_level="advisory",
    level_reason="Container Insights is performance and health telemetry that supports activity review; the "
                 "audit record itself comes from CloudTrail and container logs",
)
def ecs_cluster_container_insights(r, cfg):
    settings = r.list("settings")
    expected = "a list including `{name: containerInsights, value: enabled|enhanced}`"
    if settings is UNKNOWN:
        return r.unverified("settings", expected)
    unknown = False
    for _, s in r.items("settings"):
        name, value = s.str("name"), s.str("value")
        if name is UNKNOWN:
            unknown = True
            continue
        if name == "containerInsights":
            if value is UNKNOWN:
                unknown = True
            elif isinstance(value, str) and value.lower() in ("enabled", "enhanced"):
                return []
    if unknown:
        return r.unverified("settings", expected)
    return r.fail("settings", expected)
