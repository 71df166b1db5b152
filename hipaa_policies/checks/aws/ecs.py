"""Amazon ECS: task definitions without privileged containers (164.312(a)(1)) and with container
logs shipped (164.312(b)); clusters with Container Insights (164.312(b)).

``containerDefinitions`` is a JSON string; it is parsed here and never echoed.
"""
from __future__ import annotations

import json

from hipaa_policies.core.props import UNKNOWN, UNKNOWN_SENTINELS, Props, is_unknown, unwrap
from hipaa_policies.core.policy import resource_policy

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
CLUSTER = "aws:ecs/cluster:Cluster"


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
