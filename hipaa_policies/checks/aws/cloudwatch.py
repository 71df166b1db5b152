"""Amazon CloudWatch: log retention for six years (164.316(b)(2)(i)), log encryption, security
alarms on CloudTrail events, and alarms that notify someone.

The alarm check is a stack-level join: CloudTrail trail → its log group (``cloudWatchLogsGroupArn``)
→ ``LogMetricFilter`` on that group (``logGroupName``) → ``MetricAlarm`` on the filter's metric
(``metricTransformation`` name and namespace).
"""
from __future__ import annotations

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
def _unauthorized_api_calls(pattern: str) -> bool:
    p = pattern.lower()
    return "unauthorizedoperation" in p or "accessdenied" in p


def _console_signin_failures(pattern: str) -> bool:
    p = pattern.lower()
    return "consolelogin" in p and ("failed authentication" in p or "failure" in p)


def _root_account_usage(pattern: str) -> bool:
    p = pattern.lower()
    return "useridentity.type" in p and "root" in p


DETECTIONS = {
    "unauthorized-api-calls": (_unauthorized_api_calls,
                               "unauthorized API calls (`UnauthorizedOperation` / `AccessDenied`)"),
    "console-signin-failures": (_console_signin_failures,
                                "console sign-in failures (`ConsoleLogin` with `Failed authentication`)"),
    "root-account-usage": (_root_account_usage, "root account usage (`userIdentity.type = Root`)"),
}


def _arn_log_group_name(arn):
    """The log group name in ``arn:aws:logs:<region>:<account>:log-group:<name>[:*]``, or None."""
    if not isinstance(arn, str) or ":log-group:" not in arn:
        return None
    name = arn.split(":log-group:", 1)[1]
    return name[:-2] if name.endswith(":*") else name


def _trail_log_groups(stack, trail):
    """(log group URNs, log group names, open) for the log group a trail delivers to."""
    value = trail.get("cloudWatchLogsGroupArn")
    urns = {u for u in trail.property_dependencies.get("cloudWatchLogsGroupArn", ())
            if u in stack.by_urn and stack.by_urn[u].type == LOG_GROUP}
    names = set()
    if not urns:
        if value is UNKNOWN or is_unknown(value):
            return set(), set(), True
        name = _arn_log_group_name(value)
        if name:
            names.add(name)
        for lg in stack.of_type(LOG_GROUP):
            if value in (lg.get("arn"), f"{lg.get('arn')}:*") or (name and lg.get("name") == name):
                urns.add(lg.urn)
    for urn in urns:
        lg = stack.by_urn[urn]
        n = lg.get("name")
        names.add(n if isinstance(n, str) and not is_unknown(n) else lg.name)
    return urns, names, False


def _filters_on(stack, urns, names):
    """(filters on the log group, filters whose log group is unknown)."""
    found, unknown = [], []
    for f in stack.of_type(METRIC_FILTER):
        deps = set(f.property_dependencies.get("logGroupName", ()))
        if deps:
            if deps & urns:
                found.append(f)
            continue
        value = f.get("logGroupName")
        if value is UNKNOWN:
            unknown.append(f)
        elif isinstance(value, str) and value in names:
            found.append(f)
    return found, unknown


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
    return pairs


def _alarmed(stack, f):
    """True / False / UNKNOWN: some MetricAlarm watches the filter's metric."""
    name, namespace = f.get("metricTransformation.name"), f.get("metricTransformation.namespace")
    if UNKNOWN in (name, namespace):
        return UNKNOWN
    maybe = False
    for alarm in stack.of_type(METRIC_ALARM):
        if f.urn in alarm.property_dependencies.get("metricName", ()):
            return True
        for n, ns in _alarm_metrics(alarm):
            if n == name and ns == namespace:
                return True
            if (n is UNKNOWN and ns in (namespace, UNKNOWN)) or (ns is UNKNOWN and n == name):
                maybe = True
    return UNKNOWN if maybe else False


@stack_policy(
    name="cloudwatch-security-alarms",
    description="A CloudTrail trail's log group must have metric filters and alarms for unauthorized API calls "
                "and console sign-in failures.",
    citations=["164.308(a)(1)(ii)(D)", "164.308(a)(5)(ii)(C)", "164.308(a)(6)(ii)"],
    severity="medium",
    resource_types=[TRAIL, LOG_GROUP, METRIC_FILTER, METRIC_ALARM],
    remediation="On the trail's log group declare `aws.cloudwatch.LogMetricFilter`s, e.g. pattern "
                "`{ ($.errorCode = \"*UnauthorizedOperation\") || ($.errorCode = \"AccessDenied*\") }` and "
                "`{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }`, each with an "
                "`aws.cloudwatch.MetricAlarm` on its `metricTransformation` name and namespace that notifies an "
                "SNS topic.",
    config={"detections": {"type": "array", "minItems": 1,
                           "items": {"type": "string", "enum": sorted(DETECTIONS)},
                           "default": ["unauthorized-api-calls", "console-signin-failures"],
                           "description": "Events that need a metric filter and an alarm on the trail's log group."}},
    notes="Trails without `cloudWatchLogsGroupArn` are left to cloudtrail-cloudwatch-logs.",
)
def cloudwatch_security_alarms(stack, cfg):
    findings = []
    for trail in stack.of_type(TRAIL):
        if trail.get("cloudWatchLogsGroupArn") is MISSING:
            continue
        urns, names, open_link = _trail_log_groups(stack, trail)
        if open_link:
            findings.append(Finding("cloudWatchLogsGroupArn", "a log group with security metric filters and alarms "
                                    "(the log group is unknown until deployment)", UNVERIFIED, trail.urn))
            continue
        filters, unknown_filters = _filters_on(stack, urns, names)
        for key in cfg["detections"]:
            matches, what = DETECTIONS[key]
            expected = (f"a `LogMetricFilter` on the trail's log group matching {what}, with a `MetricAlarm` on "
                        "its metric")
            status = FAIL if not unknown_filters else UNVERIFIED
            for f in filters:
                pattern = f.get("pattern")
                if pattern is UNKNOWN:
                    status = UNVERIFIED
                    continue
                if not (isinstance(pattern, str) and matches(pattern)):
                    continue
                alarmed = _alarmed(stack, f)
                if alarmed is True:
                    status = None
                    break
                if alarmed is UNKNOWN:
                    status = UNVERIFIED
            if status is not None:
                findings.append(Finding("cloudWatchLogsGroupArn", expected, status, trail.urn))
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
