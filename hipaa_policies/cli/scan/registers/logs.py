"""Logging register (164.312(b), 164.316(b)(2)): CloudTrail trails, CloudWatch log groups, the
logs each service writes, and the buckets that keep logs with their retention and Object Lock."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.tokens import canonical
from hipaa_policies.cli.scan.registers._base import (
    BUCKET, IDENTITY, KMS_KEYS, LOG_GROUP, NO_POLICY, SECRET, UNKNOWN_TEXT, Column, Context, Table, items, secret_on_path,
    status_column)

TRAIL = "aws:cloudtrail/trail:Trail"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
REDSHIFT_LOGGING = "aws:redshift/logging:Logging"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
DESTINATIONS = (BUCKET, LOG_GROUP, "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")

TRAIL_COLUMNS = IDENTITY + [
    status_column("multiRegion", "Multi-region"),
    status_column("logFileValidation", "Log-file validation"),
    status_column("encrypted", "KMS-encrypted"),
    Column("kmsKey", "KMS key", "ref"),
    status_column("managementEvents", "Management events"),
    Column("dataEvents", "Data events", "list", "resource types whose data events the trail records"),
    Column("bucket", "Log bucket", "ref"),
    status_column("cloudWatchLogs", "Delivered to CloudWatch Logs"),
    Column("logGroup", "Log group", "ref"),
]
GROUP_COLUMNS = IDENTITY + [
    Column("logGroupName", "Log group name"),
    Column("retentionDays", "Retention (days)", "number", "0 or empty: never expire"),
    status_column("retention", "Retention meets policy"),
    Column("kmsKey", "KMS key", "ref"),
    status_column("encrypted", "KMS-encrypted"),
]
SERVICE_COLUMNS = IDENTITY + [
    Column("service", "Service"),
    status_column("logging", "Logging on"),
    Column("logTypes", "Log types", "list"),
    Column("destination", "Destination", "ref"),
]
BUCKET_COLUMNS = IDENTITY + [
    Column("receives", "Receives", "list"),
    status_column("retention", "Retention meets policy", "the verdict of s3-audit-bucket-retention"),
    Column("expirationDays", "Shortest expiration (days)", "number", "empty: objects never expire"),
    Column("objectLock", "Object Lock"),
    status_column("objectLockPolicy", "Object Lock retention set"),
    status_column("versioning", "Versioning declared"),
]

# type -> (service label, policies, log types path, destination (path, types))
SERVICES: Dict[str, Tuple[str, Tuple[str, ...], Any, Any]] = {
    "aws:lb/loadBalancer:LoadBalancer": ("Load balancer access logs", ("lb-access-logs",), None,
                                         ("accessLogs.bucket", (BUCKET,))),
    "aws:elb/loadBalancer:LoadBalancer": ("Classic load balancer access logs", ("elb-classic-access-logs",), None,
                                          ("accessLogs.bucket", (BUCKET,))),
    "aws:cloudfront/distribution:Distribution": ("CloudFront access logs", ("cloudfront-access-logging",), None,
                                                 ("loggingConfig.bucket", (BUCKET,))),
    "aws:apigateway/stage:Stage": ("API Gateway access logs", ("apigateway-stage-access-logging",), None,
                                   ("accessLogSettings.destinationArn", DESTINATIONS)),
    "aws:apigatewayv2/stage:Stage": ("API Gateway access logs", ("apigateway-stage-access-logging",), None,
                                     ("accessLogSettings.destinationArn", DESTINATIONS)),
    "aws:rds/instance:Instance": ("RDS log exports", ("rds-cloudwatch-logs-exported",), "enabledCloudwatchLogsExports", None),
    "aws:rds/cluster:Cluster": ("RDS log exports", ("rds-cloudwatch-logs-exported",), "enabledCloudwatchLogsExports", None),
    "aws:docdb/cluster:Cluster": ("DocumentDB audit logs", ("docdb-audit-logs-exported",), "enabledCloudwatchLogsExports",
                                  None),
    "aws:neptune/cluster:Cluster": ("Neptune audit logs", ("neptune-audit-logs-exported",), "enabledCloudwatchLogsExports",
                                    None),
    "aws:opensearch/domain:Domain": ("OpenSearch audit logs", ("opensearch-audit-logs",), "logPublishingOptions[*].logType",
                                     None),
    "aws:redshift/cluster:Cluster": ("Redshift audit logging", ("redshift-audit-logging",), None, None),
    "aws:eks/cluster:Cluster": ("EKS control plane logs", ("eks-control-plane-audit-logging",), "enabledClusterLogTypes",
                                None),
    "aws:ec2/vpc:Vpc": ("VPC flow logs", ("vpc-flow-logs-enabled",), None, None),
    "aws:ec2/defaultVpc:DefaultVpc": ("VPC flow logs", ("vpc-flow-logs-enabled",), None, None),
    BUCKET: ("S3 server access logs", ("s3-bucket-access-logging",), None, None),
    "aws:wafv2/webAcl:WebAcl": ("WAF logs", ("wafv2-web-acl-logging",), None, None),
    "aws:ecs/taskDefinition:TaskDefinition": ("ECS container logs", ("ecs-task-definition-logging",), None, None),
}


def _list(ctx: Context, r: Any, path: str) -> Any:
    if "[*]" in path:
        head, tail = path.split("[*]", 1)
        if secret_on_path(r.raw, head):
            return SECRET
        items = r.get(head)
        if items is UNKNOWN:
            return UNKNOWN_TEXT
        if not isinstance(items, list):
            return []
        return [v for v in (ctx.value(i, tail.lstrip(".")) for i in items) if v is not None]
    v = ctx.value(r, path)
    return v if isinstance(v, list) or v is None else [v]


def _data_events(ctx: Context, trail: Any) -> Any:
    """Resource types of the data events a trail records (basic and advanced selectors)."""
    out: List[Any] = []
    for sel in items(trail, "eventSelectors"):
        for dr in items(sel, "dataResources"):
            out.append(ctx.value(dr, "type"))
    for sel in items(trail, "advancedEventSelectors"):
        fields = {str(ctx.value(f, "field")): ctx.value(f, "equals") for f in items(sel, "fieldSelectors")}
        if fields.get("eventCategory") in (["Data"], "Data"):
            kind = fields.get("resources.type")
            out += kind if isinstance(kind, list) else [kind or "Data"]
    if secret_on_path(trail.raw, "eventSelectors") or secret_on_path(trail.raw, "advancedEventSelectors"):
        return [SECRET]
    return sorted({str(v) for v in out if v is not None})


def _trails(ctx: Context) -> Table:
    t = Table("trails", "CloudTrail trails", TRAIL_COLUMNS)
    for r in ctx.of_type(TRAIL):
        e = t.add(ctx.entry(r))
        ctx.check(e, "multiRegion", r.urn, ["cloudtrail-multi-region"])
        ctx.check(e, "logFileValidation", r.urn, ["cloudtrail-log-file-validation"])
        ctx.check(e, "encrypted", r.urn, ["cloudtrail-kms-encryption"])
        e["kmsKey"] = ctx.ref(r, "kmsKeyId", KMS_KEYS)
        ctx.check(e, "managementEvents", r.urn, ["cloudtrail-management-events"])
        e["dataEvents"] = _data_events(ctx, r)
        e["bucket"] = ctx.ref(r, "s3BucketName", (BUCKET,))
        ctx.check(e, "cloudWatchLogs", r.urn, ["cloudtrail-cloudwatch-logs"])
        e["logGroup"] = ctx.ref(r, "cloudWatchLogsGroupArn", (LOG_GROUP,))
    return t


def _groups(ctx: Context) -> Table:
    t = Table("logGroups", "CloudWatch log groups", GROUP_COLUMNS)
    for r in ctx.of_type(LOG_GROUP):
        e = t.add(ctx.entry(r, logGroupName=ctx.value(r, "name"), retentionDays=ctx.value(r, "retentionInDays")))
        ctx.check(e, "retention", r.urn, ["cloudwatch-log-group-retention"])
        e["kmsKey"] = ctx.ref(r, "kmsKeyId", KMS_KEYS)
        ctx.check(e, "encrypted", r.urn, ["cloudwatch-log-group-kms"])
    return t


def _services(ctx: Context, receivers: Dict[str, List[str]]) -> Table:
    t = Table("serviceLogs", "Service logs", SERVICE_COLUMNS, "Whether each service writes its logs, and where.")
    for r in ctx.of_type(*SERVICES):
        label, policies, types_path, dest = SERVICES[canonical(r.type)]
        e = t.add(ctx.entry(r, service=label))
        ctx.check(e, "logging", r.urn, policies)
        if types_path:
            e["logTypes"] = _list(ctx, r, types_path)
        if dest:
            e["destination"] = ctx.ref(r, dest[0], dest[1])
        kind = canonical(r.type)
        if kind in ("aws:ec2/vpc:Vpc", "aws:ec2/defaultVpc:DefaultVpc"):
            flows = ctx.index.referrers(r, [FLOW_LOG], "vpcId").resources
            e["destination"] = sorted({str(ctx.ref(f, "logDestination", DESTINATIONS) or ctx.ref(
                f, "logGroupName", (LOG_GROUP,))) for f in flows}) or None
            e["logTypes"] = sorted({str(ctx.value(f, "trafficType")) for f in flows}) or None
        elif kind == BUCKET:
            confs = ctx.index.referrers(r, [BUCKET_LOGGING], "bucket").resources
            targets = [ctx.ref(c, "targetBucket", (BUCKET,)) for c in confs]
            inline = ctx.ref(r, "logging.targetBucket", (BUCKET,))
            e["destination"] = sorted({str(x) for x in targets + [inline] if x is not None}) or None
        elif kind == "aws:cloudfront/distribution:Distribution" and e.get("destination") is None:
            srcs = ctx.index.referrers(r, [LOG_DELIVERY_SOURCE], "resourceArn").resources
            e["destination"] = sorted(s.urn for s in srcs) or None
        elif kind == "aws:redshift/cluster:Cluster":
            logs = ctx.index.referrers(r, [REDSHIFT_LOGGING], "clusterIdentifier").resources
            e["logTypes"] = sorted({str(ctx.value(g, "logDestinationType")) for g in logs}) or None
            e["destination"] = sorted({str(ctx.value(g, "bucketName")) for g in logs
                                       if ctx.value(g, "bucketName") is not None}) or None
        elif kind == "aws:wafv2/webAcl:WebAcl":
            confs = ctx.index.referrers(r, [WAF_LOGGING], "resourceArn").resources
            e["destination"] = sorted({str(d) for c in confs for d in ctx.refs(c, "logDestinationConfigs", DESTINATIONS)}) \
                or None
        dest_value = e.get("destination")
        for d in dest_value if isinstance(dest_value, list) else [dest_value]:
            if isinstance(d, str) and d.startswith("urn:"):
                receivers.setdefault(d, []).append(label)
    return t


def _log_buckets(ctx: Context, receivers: Dict[str, List[str]]) -> Table:
    t = Table("logBuckets", "Log buckets", BUCKET_COLUMNS,
              "Buckets that receive CloudTrail logs, access logs or flow logs, with their retention.")
    for trail in ctx.of_type(TRAIL):
        bucket = ctx.resolved(trail, "s3BucketName", (BUCKET,))
        if bucket is not None:
            receivers.setdefault(bucket.urn, []).append(f"CloudTrail trail {trail.name}")
    for urn in sorted(receivers):
        r = ctx.index.by_urn.get(urn)
        if r is None or canonical(r.type) != BUCKET:
            continue
        e = t.add(ctx.entry(r, receives=sorted(set(receivers[urn]))))
        ctx.check(e, "retention", r.urn, ["s3-audit-bucket-retention"])
        e["expirationDays"] = _shortest_expiration(ctx, r)
        locks = ctx.index.referrers(r, [OBJECT_LOCK], "bucket").resources
        if locks:
            lock = sorted(locks, key=lambda x: x.urn)[0]
            mode = ctx.value(lock, "rule.defaultRetention.mode")
            days, years = ctx.value(lock, "rule.defaultRetention.days"), ctx.value(lock, "rule.defaultRetention.years")
            period = f"{days} days" if days is not None else f"{years} years" if years is not None else "no default period"
            e["objectLock"] = f"{mode or 'no mode'}, {period}"
            ctx.check(e, "objectLockPolicy", lock.urn, ["s3-bucket-object-lock-retention"])
        else:
            enabled = ctx.value(r, "objectLockEnabled")
            e["objectLock"] = "enabled, no default retention" if enabled is True else "not configured"
            ctx.basis(e, "objectLockPolicy", NO_POLICY, "no Object Lock configuration is declared for the bucket")
        ctx.check(e, "versioning", r.urn, ["s3-bucket-versioning-declared"])
    return t


def _shortest_expiration(ctx: Context, bucket: Any) -> Any:
    days: List[Any] = []
    for conf in ctx.index.referrers(bucket, [LIFECYCLE], "bucket").resources:
        for rule in items(conf, "rules"):
            status = ctx.value(rule, "status")
            if isinstance(status, str) and status.lower() == "disabled":
                continue
            days.append(ctx.value(rule, "expiration.days"))
    for rule in items(bucket, "lifecycleRules"):
        if ctx.value(rule, "enabled") is False:
            continue
        days.append(ctx.value(rule, "expiration.days"))
    if UNKNOWN_TEXT in days:
        return UNKNOWN_TEXT
    numbers = [d for d in days if isinstance(d, (int, float)) and not isinstance(d, bool)]
    return min(numbers) if numbers else None


def build(ctx: Context) -> List[Table]:
    receivers: Dict[str, List[str]] = {}
    trails, groups = _trails(ctx), _groups(ctx)
    services = _services(ctx, receivers)
    return [trails, groups, services, _log_buckets(ctx, receivers)]
