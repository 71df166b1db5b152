"""Amazon CloudWatch: log retention for six years (164.316(b)(2)(i)), log encryption, security
alarms on CloudTrail events, and alarms that notify someone.

The alarm check is a stack-level join: CloudTrail trail → its log group (``cloudWatchLogsGroupArn``)
→ ``LogMetricFilter`` on that group (``logGroupName``) → ``MetricAlarm`` on the filter's metric
(``metricTransformation`` name and namespace).
"""
from __future__ import annotations

import fnmatch
import re

from hipaa_policies.core import tokens
from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN, UNVERIFIED, Finding, is_unknown
from hipaa_policies.core.policy import remediation_for, resource_policy, stack_policy

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


@resource_policy(
    name="cloudwatch-log-group-retention",
    description="CloudWatch log groups must keep events for at least six years (or never expire).",
    citations=["164.316(b)(2)(i)", "164.312(b)"],
    severity="medium",
    resource_types=[LOG_GROUP],
    remediation="Set `retentionInDays` to 2192 (six years) or more, or leave it unset (never expire). "
                "Valid CloudWatch values at or above six years: 2192, 2557, 2922, 3288, 3653.",
    config={"minimumDays": {"type": "integer", "default": 2192, "minimum": 1, "maximum": 3653,
                            "description": "Minimum retention in days (2192 = 6 years, 164.316(b)(2)(i))."}},
)
def cloudwatch_log_group_retention(r, cfg):
    minimum = cfg["minimumDays"]
    return r.expect_at_least("retentionInDays", minimum, f"at least {minimum} days, or 0/unset to never expire",
                             absent_ok=True, allow=(0.0,))


VALID_RETENTION = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                   2922, 3288, 3653)


@remediation_for(cloudwatch_log_group_retention)
def _fix_retention(r, cfg):
    current = r.num("retentionInDays")
    if not isinstance(current, float) or current == 0 or current >= cfg["minimumDays"]:
        return None
    target = next(v for v in VALID_RETENTION if v >= cfg["minimumDays"])
    return {**r.raw, "retentionInDays": target}


METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TRAIL = "aws:cloudtrail/trail:Trail"
_LOG_GROUP_TYPES = frozenset(tokens.expand([LOG_GROUP]))


@resource_policy(
    name="cloudwatch-log-group-kms",
    description="CloudWatch log groups must be encrypted with a customer managed KMS key.",
    citations=["164.312(a)(2)(iv)", "164.312(b)"],
    severity="medium",
    resource_types=[LOG_GROUP],
    remediation="Set `kmsKeyId` to the ARN of a KMS key whose policy allows the CloudWatch Logs service principal "
                "of the region to use it.",
)
def cloudwatch_log_group_kms(r, cfg):
    return r.expect_present("kmsKeyId", "a KMS key ARN")


# --------------------------------------------------------------------------- security alarms
def _lower(pattern: str) -> str:
    return pattern.lower()


def _unauthorized_api_calls(pattern: str) -> bool:
    p = _lower(pattern)
    return "unauthorizedoperation" in p or "accessdenied" in p


def _console_signin_failures(pattern: str) -> bool:
    p = _lower(pattern)
    return "consolelogin" in p and ("failed authentication" in p or "failure" in p)


def _root_account_usage(pattern: str) -> bool:
    p = _lower(pattern)
    return "useridentity.type" in p and "root" in p


# `$.eventName = X` (not `!=`), X quoted or bare, possibly with `*` wildcards.
_EVENT_NAME = re.compile(r"\$\.eventName\s*=\s*(\"[^\"]*\"|[^\s\)\|&\}]+)", re.IGNORECASE)


def _event_names(pattern: str):
    return [m.group(1).strip('"').lower() for m in _EVENT_NAME.finditer(pattern)]


def _event_detection(required):
    """A matcher: the pattern selects every API call in ``required`` by `$.eventName` (wildcards count)."""
    wanted = tuple(e.lower() for e in required)

    def matches(pattern: str) -> bool:
        names = _event_names(pattern)
        return bool(names) and all(any(fnmatch.fnmatchcase(w, n) for n in names) for w in wanted)
    return matches


# CIS AWS Foundations Benchmark 4.11-4.14 (v1.5: 4.11 NACL, 4.12 network gateways, 4.13 route tables,
# 4.14 VPC changes).
NACL_EVENTS = ("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
               "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation")
GATEWAY_EVENTS = ("CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway",
                  "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway")
ROUTE_TABLE_EVENTS = ("CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation",
                      "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable")
VPC_EVENTS = ("CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
              "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection")


def _listing(events):
    return ", ".join(f"`{e}`" for e in events)


DETECTIONS = {
    "unauthorized-api-calls": (_unauthorized_api_calls,
                               "unauthorized API calls (`UnauthorizedOperation` / `AccessDenied`)"),
    "console-signin-failures": (_console_signin_failures,
                                "console sign-in failures (`ConsoleLogin` with `Failed authentication`)"),
    "root-account-usage": (_root_account_usage, "root account usage (`userIdentity.type = Root`)"),
    "nacl-changes": (_event_detection(NACL_EVENTS), "network ACL changes (`$.eventName` " + _listing(NACL_EVENTS) + ")"),
    "network-gateway-changes": (_event_detection(GATEWAY_EVENTS),
                                "network gateway changes (`$.eventName` " + _listing(GATEWAY_EVENTS) + ")"),
    "route-table-changes": (_event_detection(ROUTE_TABLE_EVENTS),
                            "route table changes (`$.eventName` " + _listing(ROUTE_TABLE_EVENTS) + ")"),
    "vpc-changes": (_event_detection(VPC_EVENTS), "VPC changes (`$.eventName` " + _listing(VPC_EVENTS) + ")"),
}
DEFAULT_DETECTIONS = list(DETECTIONS)


def _arn_log_group_name(arn):
    """The log group name in ``arn:aws:logs:<region>:<account>:log-group:<name>[:*]``, or None."""
    if not isinstance(arn, str) or ":log-group:" not in arn:
        return None
    name = arn.split(":log-group:", 1)[1]
    return name[:-2] if name.endswith(":*") else name


def _text(value):
    return value if isinstance(value, str) and value and not is_unknown(value) else None


class _AlarmIndex:
    """Every lookup the security-alarm check needs, built once per call (hash joins, no per-trail scans).

    log groups by name and ARN; metric filters by the log group URN they depend on and by the log group
    name they carry; alarms by the filter they depend on and by (metric name, namespace)."""

    def __init__(self, stack):
        self.by_urn = stack.by_urn
        self.lg_by_arn, self.lg_by_name = {}, {}
        for lg in stack.of_type(LOG_GROUP):
            arn = _text(lg.get("arn"))
            if arn:
                self.lg_by_arn.setdefault(arn, set()).add(lg.urn)
            name = _text(lg.get("name"))
            if name:
                self.lg_by_name.setdefault(name, set()).add(lg.urn)
        self.filters_by_lg, self.filters_by_name, self.unknown_filters = {}, {}, []
        for f in stack.of_type(METRIC_FILTER):
            deps = f.property_dependencies.get("logGroupName", ())
            if deps:
                for u in set(deps):
                    self.filters_by_lg.setdefault(u, []).append(f)
                continue
            value = f.get("logGroupName")
            if value is UNKNOWN:
                self.unknown_filters.append(f)
            elif isinstance(value, str):
                self.filters_by_name.setdefault(value, []).append(f)
        self.alarmed_filters = set()
        self.metrics, self.names_any_ns, self.ns_any_name = set(), set(), set()
        self.any_metric = False
        for alarm in stack.of_type(METRIC_ALARM):
            self.alarmed_filters.update(alarm.property_dependencies.get("metricName", ()))
            for n, ns in _alarm_metrics(alarm):
                if n is UNKNOWN and ns is UNKNOWN:
                    self.any_metric = True
                elif n is UNKNOWN:
                    self.ns_any_name.add(ns)
                elif ns is UNKNOWN:
                    self.names_any_ns.add(n)
                else:
                    self.metrics.add((n, ns))
        self._verdicts = {}

    def trail_log_groups(self, trail):
        """(log group URNs, log group names, open) for the log group a trail delivers to."""
        value = trail.get("cloudWatchLogsGroupArn")
        urns = {u for u in trail.property_dependencies.get("cloudWatchLogsGroupArn", ())
                if u in self.by_urn and self.by_urn[u].type in _LOG_GROUP_TYPES}
        names = set()
        if not urns:
            if value is UNKNOWN or is_unknown(value):
                return set(), set(), True
            if isinstance(value, str):
                urns |= self.lg_by_arn.get(value, set())
                if value.endswith(":*"):
                    urns |= self.lg_by_arn.get(value[:-2], set())
            name = _arn_log_group_name(value)
            if name:
                names.add(name)
                urns |= self.lg_by_name.get(name, set())
        for urn in urns:
            lg = self.by_urn[urn]
            names.add(_text(lg.get("name")) or lg.name)
        return urns, names, False

    def filters_on(self, urns, names):
        found = {}
        for u in urns:
            for f in self.filters_by_lg.get(u, ()):
                found[f.urn] = f
        for n in names:
            for f in self.filters_by_name.get(n, ()):
                found[f.urn] = f
        return list(found.values())

    def alarmed(self, f):
        """True / False / UNKNOWN: some MetricAlarm watches the filter's metric."""
        if f.urn in self.alarmed_filters:
            return True
        name, namespace = f.get("metricTransformation.name"), f.get("metricTransformation.namespace")
        if UNKNOWN in (name, namespace):
            return UNKNOWN
        if not (isinstance(name, str) and isinstance(namespace, str)):
            return False
        if (name, namespace) in self.metrics:
            return True
        if self.any_metric or namespace in self.ns_any_name or name in self.names_any_ns:
            return UNKNOWN
        return False

    def verdicts(self, urns, names, detections):
        """detection -> None (covered) / FAIL / UNVERIFIED for one log group (cached: trails may share it)."""
        key = (frozenset(urns), frozenset(names))
        cached = self._verdicts.get(key)
        if cached is not None:
            return cached
        filters = self.filters_on(urns, names)
        base = UNVERIFIED if self.unknown_filters else FAIL
        out = {d: base for d in detections}
        for f in filters:
            pattern = f.get("pattern")
            if pattern is UNKNOWN:
                for d in detections:
                    if out[d] is not None:
                        out[d] = UNVERIFIED
                continue
            if not isinstance(pattern, str):
                continue
            hits = [d for d in detections if out[d] is not None and DETECTIONS[d][0](pattern)]
            if not hits:
                continue
            alarmed = self.alarmed(f)
            for d in hits:
                if alarmed is True:
                    out[d] = None
                elif alarmed is UNKNOWN:
                    out[d] = UNVERIFIED
        self._verdicts[key] = out
        return out


def _alarm_metrics(alarm):
    """(metricName, namespace) pairs an alarm watches (values may be UNKNOWN)."""
    pairs = []
    if alarm.has("metricName"):
        pairs.append((alarm.get("metricName"), alarm.get("namespace")))
    for _path, q in alarm.items("metricQueries"):
        if q.has("metric"):
            pairs.append((q.get("metric.metricName"), q.get("metric.namespace")))
    if alarm.list("metricQueries") is UNKNOWN:
        pairs.append((UNKNOWN, UNKNOWN))
    return [(n if isinstance(n, str) or n is UNKNOWN else None, ns if isinstance(ns, str) or ns is UNKNOWN else None)
            for n, ns in pairs]


@stack_policy(
    name="cloudwatch-security-alarms",
    description="A CloudTrail trail's log group must have metric filters and alarms for unauthorized API calls, "
                "console sign-in failures, root account usage, and changes to network ACLs, network gateways, "
                "route tables and VPCs.",
    citations=["164.308(a)(1)(ii)(D)", "164.308(a)(5)(ii)(C)", "164.308(a)(6)(ii)"],
    severity="medium",
    resource_types=[TRAIL, LOG_GROUP, METRIC_FILTER, METRIC_ALARM],
    remediation="On the trail's log group declare an `aws.cloudwatch.LogMetricFilter` per detection, e.g. pattern "
                "`{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }`, "
                "`{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }`, "
                "`{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && "
                "$.eventType != \"AwsServiceEvent\" }` and, for network changes, `{ ($.eventName = CreateNetworkAcl) "
                "|| ($.eventName = CreateNetworkAclEntry) || ... }` naming every API call listed in the message, each "
                "with an `aws.cloudwatch.MetricAlarm` on its `metricTransformation` name and namespace that notifies "
                "an SNS topic.",
    config={"detections": {"type": "array", "minItems": 1,
                           "items": {"type": "string", "enum": sorted(DETECTIONS)},
                           "default": DEFAULT_DETECTIONS,
                           "description": "Events that need a metric filter and an alarm on the trail's log group."}},
    notes="Trails without `cloudWatchLogsGroupArn` are left to cloudtrail-cloudwatch-logs. Network-change filters "
          "are recognised by their `$.eventName` comparisons (wildcards count; CIS AWS Foundations 4.11-4.14); "
          "the unauthorized-call, sign-in and root-usage filters by the fields and values they test. The check "
          "joins trail, log group, filters and alarms through lookups built once per stack (linear in the stack).",
)
def cloudwatch_security_alarms(stack, cfg):
    findings = []
    trails = [t for t in stack.of_type(TRAIL) if t.get("cloudWatchLogsGroupArn") is not MISSING]
    if not trails:
        return findings
    index = _AlarmIndex(stack)
    detections = list(dict.fromkeys(cfg["detections"]))
    for trail in trails:
        urns, names, open_link = index.trail_log_groups(trail)
        if open_link:
            findings.append(Finding("cloudWatchLogsGroupArn", "a log group with security metric filters and alarms "
                                    "(the log group is unknown until deployment)", UNVERIFIED, trail.urn))
            continue
        verdicts = index.verdicts(urns, names, detections)
        for key in detections:
            status = verdicts[key]
            if status is not None:
                expected = (f"an `aws.cloudwatch.LogMetricFilter` on the trail's log group matching "
                            f"{DETECTIONS[key][1]}, with an `aws.cloudwatch.MetricAlarm` on its metric")
                findings.append(Finding("LogMetricFilter", expected, status, trail.urn))
    return findings


@resource_policy(
    name="cloudwatch-alarm-actions",
    description="CloudWatch metric alarms should notify someone (alarm actions set and enabled).",
    citations=["164.308(a)(6)(ii)", "164.308(a)(1)(ii)(D)"],
    severity="low",
    resource_types=[METRIC_ALARM],
    remediation="Set `alarmActions` to an SNS topic (or another action) and leave `actionsEnabled` true.",
    default_level="advisory",
    level_reason="some alarms only feed dashboards or composite alarms; security alarms without actions go "
                 "unnoticed, so review each",
)
def cloudwatch_alarm_actions(r, cfg):
    findings = r.expect_true("actionsEnabled", absent_ok=True)
    findings += r.expect_present("alarmActions", "at least one action (e.g. an SNS topic ARN)")
    return findings
