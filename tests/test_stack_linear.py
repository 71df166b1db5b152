"""Stack policies stay linear in the stack (issue 13, item 1), proven without timing.

Each policy runs on 1 copy and on K copies of a small, self-contained workload (independent
resources: nothing in one copy refers to another).  The index it reads is wrapped to count

- how many times the policy asks for the resources of a type (``of_type``) — a join that scans
  every resource of a type per resource asks once per resource, so the count grows with K;
- how many resources those calls hand back, and how many property reads the policy makes —
  both must grow at most linearly (K copies: at most K times the work of one copy, plus slack).

A per-resource scan makes the handed-back count grow with K², so the assertions fail for it.
"""
from __future__ import annotations

import pytest

from hipaa_policies import registry
from hipaa_policies.core import props as props_mod
from hipaa_policies.core.resource import Resource
from hipaa_policies.core.stack_index import StackIndex
from hipaa_policies.runtime import engine
from hipaa_policies.testing import make_urn

K = 40
UNKNOWN = props_mod.UNKNOWN_STRING


class CountingIndex(StackIndex):
    def __init__(self, resources):
        self.type_calls = 0
        self.handed_out = 0
        super().__init__(resources)

    def of_type(self, *types):
        out = super().of_type(*types)
        self.type_calls += 1
        self.handed_out += len(out)
        return out


def _res(type_, name, props, deps=None):
    return Resource(type_, props, make_urn(type_, name), name,
                    property_dependencies={k: [make_urn(t, n) for t, n in v] for k, v in (deps or {}).items()})


# ----------------------------------------------------------------------------------------- workloads
TRAIL, LOG_GROUP = "aws:cloudtrail/trail:Trail", "aws:cloudwatch/logGroup:LogGroup"
FILTER, ALARM = "aws:cloudwatch/logMetricFilter:LogMetricFilter", "aws:cloudwatch/metricAlarm:MetricAlarm"
PATTERNS = {
    "unauthorized": '{ $.errorCode = "AccessDenied*" }',
    "signin": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    "root": '{ $.userIdentity.type = "Root" }',
    "nacl": '{ $.eventName = "*NetworkAcl*" }',
}


def security_alarms(i):
    """A trail, its log group, some filters (linked by dependency and by name) and their alarms."""
    lg_name = f"trail-logs-{i}"
    out = [_res(LOG_GROUP, f"lg{i}", {"name": lg_name, "arn": f"arn:aws:logs:us-east-1:1:log-group:{lg_name}"}),
           _res(TRAIL, f"trail{i}", {"cloudWatchLogsGroupArn": f"arn:aws:logs:us-east-1:1:log-group:{lg_name}:*"},
                {"cloudWatchLogsGroupArn": [(LOG_GROUP, f"lg{i}")]}),
           # a second trail on a literal ARN of a log group declared elsewhere
           _res(TRAIL, f"org{i}", {"cloudWatchLogsGroupArn": f"arn:aws:logs:us-east-1:1:log-group:org-{i}:*"})]
    for key, pattern in PATTERNS.items():
        linked = key != "nacl"
        out.append(_res(FILTER, f"{key}{i}", {"logGroupName": lg_name if linked else f"org-{i}", "pattern": pattern,
                                              "metricTransformation": {"name": f"{key}{i}", "namespace": "S"}},
                        {"logGroupName": [(LOG_GROUP, f"lg{i}")]} if linked else None))
        out.append(_res(ALARM, f"{key}-alarm{i}", {"metricName": f"{key}{i}", "namespace": "S"}))
    out.append(_res(ALARM, f"unknown-alarm{i}", {"metricName": UNKNOWN, "namespace": f"other{i}"}))
    return out


BUCKET = "aws:s3/bucket:Bucket"


def management_events(i):
    """Data-events-only trails (no trail records management events: each one is judged)."""
    return [_res(TRAIL, f"data{i}", {"eventSelectors": [{"includeManagementEvents": False}]}),
            _res(TRAIL, f"stopped{i}", {"enableLogging": False})]


def s3_data_events(i):
    """A bucket covered by name, one by a selector built from its output, one not covered, the trail's bucket."""
    return [_res(BUCKET, f"named{i}", {"bucket": f"named-{i}"}),
            _res(BUCKET, f"linked{i}", {}),
            _res(BUCKET, f"bare{i}", {"bucket": f"bare-{i}"}),
            _res(BUCKET, f"logs{i}", {"bucket": f"logs-{i}"}),
            _res(TRAIL, f"t{i}", {"s3BucketName": f"logs-{i}", "eventSelectors": [{"readWriteType": "All", "dataResources": [
                {"type": "AWS::S3::Object", "values": [f"arn:aws:s3:::named-{i}/", UNKNOWN]}]}]},
                 {"eventSelectors": [(BUCKET, f"linked{i}")]}),
            _res(TRAIL, f"adv{i}", {"advancedEventSelectors": [{"fieldSelectors": [
                {"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                {"field": "resources.ARN", "startsWith": [f"arn:aws:s3:::adv-{i}/"]}]}]}),
            _res(BUCKET, f"adv{i}", {"bucket": f"adv-{i}"})]


LB, LISTENER = "aws:lb/loadBalancer:LoadBalancer", "aws:lb/listener:Listener"
CLB = "aws:elb/loadBalancer:LoadBalancer"
CLB_POLICY, LISTENER_POLICY = "aws:elb/loadBalancerPolicy:LoadBalancerPolicy", "aws:elb/listenerPolicy:ListenerPolicy"


def lb_access_logs(i):
    """An NLB with TCP only, an NLB with TLS (fails), an ALB without logs (fails)."""
    out = []
    for kind, proto in (("tcp", "TCP"), ("tls", "TLS")):
        arn = f"arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/{kind}{i}/1"
        out.append(_res(LB, f"{kind}{i}", {"loadBalancerType": "network", "arn": arn}))
        out.append(_res(LISTENER, f"{kind}-l{i}", {"loadBalancerArn": arn, "protocol": proto}))
    out.append(_res(LB, f"alb{i}", {}))
    return out


def elb_classic_tls(i):
    """A Classic LB whose HTTPS listener gets a negotiation policy by name (old protocols: fails)."""
    return [_res(CLB, f"clb{i}", {"name": f"clb-{i}", "listeners": [{"lbProtocol": "https", "lbPort": 443.0}]}),
            _res(CLB_POLICY, f"pol{i}", {"policyName": f"tls-{i}", "policyTypeName": "SSLNegotiationPolicyType",
                                         "policyAttributes": [{"name": "Protocol-TLSv1", "value": "true"}]}),
            _res(LISTENER_POLICY, f"lp{i}", {"loadBalancerName": f"clb-{i}", "loadBalancerPort": 443.0,
                                             "policyNames": [f"tls-{i}"]})]


SELECTION, RDS, TABLE = "aws:backup/selection:Selection", "aws:rds/instance:Instance", "aws:dynamodb/table:Table"
EFS, EFS_POLICY = "aws:efs/fileSystem:FileSystem", "aws:efs/backupPolicy:BackupPolicy"
VOLUME, EC2, ATTACH = "aws:ebs/volume:Volume", "aws:ec2/instance:Instance", "aws:ec2/volumeAttachment:VolumeAttachment"
DLM, VAULT, VAULT_POLICY = ("aws:dlm/lifecyclePolicy:LifecyclePolicy", "aws:backup/vault:Vault",
                            "aws:backup/vaultPolicy:VaultPolicy")


def data_stores(i):
    """Stores covered natively, by a selection naming them, by a selection's tag, by DLM, through an
    attached instance, and one not covered at all."""
    return [_res(RDS, f"db{i}", {"backupRetentionPeriod": 0.0}),
            _res(SELECTION, f"sel{i}", {"resources": [UNKNOWN]}, {"resources": [(RDS, f"db{i}")]}),
            _res(SELECTION, f"tagsel{i}", {"selectionTags": [{"type": "STRINGEQUALS", "key": "plan", "value": f"p{i}"}]}),
            _res(TABLE, f"tagged{i}", {"tags": {"plan": f"p{i}"}}),
            _res(TABLE, f"bare{i}", {"name": f"bare-{i}"}),
            _res(EFS, f"fs{i}", {}),
            _res(EFS, f"fs-bare{i}", {}),
            _res(EFS_POLICY, f"bp{i}", {"fileSystemId": UNKNOWN, "backupPolicy": {"status": "ENABLED"}},
                 {"fileSystemId": [(EFS, f"fs{i}")]}),
            _res(VOLUME, f"vol{i}", {"tags": {"snap": f"s{i}"}}),
            _res(DLM, f"dlm{i}", {"policyDetails": {"resourceTypes": ["VOLUME"], "targetTags": {"snap": f"s{i}"}}}),
            _res(VOLUME, f"attached{i}", {}),
            _res(EC2, f"app{i}", {"tags": {"plan": f"p{i}"}}),
            _res(ATTACH, f"att{i}", {"volumeId": UNKNOWN, "instanceId": UNKNOWN},
                 {"volumeId": [(VOLUME, f"attached{i}")], "instanceId": [(EC2, f"app{i}")]})]


def vaults(i):
    """A vault protected by its policy (joined by name) and one without."""
    return [_res(VAULT, f"v{i}", {"name": f"vault-{i}"}),
            _res(VAULT_POLICY, f"vp{i}", {"backupVaultName": f"vault-{i}", "policy": '{"Statement": [{"Effect": "Deny", '
                                          '"Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}]}'}),
            _res(VAULT, f"open{i}", {"name": f"open-{i}"})]


SNAPSHOT, CLUSTER, CLUSTER_INSTANCE = ("aws:rds/snapshot:Snapshot", "aws:rds/cluster:Cluster",
                                      "aws:rds/clusterInstance:ClusterInstance")


def rds(i):
    """A snapshot naming its unencrypted instance by literal identifier; an Aurora cluster with one instance
    (joined by identifier) and an unmonitored instance."""
    return [_res(RDS, f"db{i}", {"identifier": f"db-{i}", "storageEncrypted": False}),
            _res(SNAPSHOT, f"snap{i}", {"dbInstanceIdentifier": f"db-{i}"}),
            _res(CLUSTER, f"c{i}", {"engine": "aurora-mysql", "clusterIdentifier": f"c-{i}"}),
            _res(CLUSTER_INSTANCE, f"ci{i}", {"clusterIdentifier": f"c-{i}"})]


ASG, ASG_ATTACHMENT = "aws:autoscaling/group:Group", "aws:autoscaling/attachment:Attachment"


def autoscaling(i):
    """A group attached by an Attachment (named), one with its own target groups, one without LB."""
    return [_res(ASG, f"web{i}", {"name": f"web-{i}"}),
            _res(ASG_ATTACHMENT, f"att{i}", {"autoscalingGroupName": f"web-{i}", "lbTargetGroupArn": "arn:tg"}),
            _res(ASG, f"api{i}", {"targetGroupArns": ["arn:tg"], "healthCheckType": "ELB"}),
            _res(ASG, f"workers{i}", {})]


SUBNET, VPC, LAUNCH_TEMPLATE = "aws:ec2/subnet:Subnet", "aws:ec2/vpc:Vpc", "aws:ec2/launchTemplate:LaunchTemplate"
REDSHIFT, REDSHIFT_LOGGING = "aws:redshift/cluster:Cluster", "aws:redshift/logging:Logging"
RECORDER, RECORDER_STATUS = "aws:cfg/recorder:Recorder", "aws:cfg/recorderStatus:RecorderStatus"


def ec2(i):
    """Instances placed by subnet id (public subnet, literal) and by launch template name."""
    return [_res(VPC, f"vpc{i}", {"id": f"vpc-{i}"}),
            _res(SUBNET, f"pub{i}", {"id": f"subnet-{i}", "vpcId": f"vpc-{i}", "mapPublicIpOnLaunch": True}),
            _res(EC2, f"web{i}", {"subnetId": f"subnet-{i}"}),
            _res(LAUNCH_TEMPLATE, f"lt{i}", {"name": f"lt-{i}", "metadataOptions": {"httpTokens": "optional"}}),
            _res(EC2, f"app{i}", {"launchTemplate": {"name": f"lt-{i}"}})]


def redshift(i):
    return [_res(REDSHIFT, f"rs{i}", {"clusterIdentifier": f"rs-{i}"}),
            _res(REDSHIFT_LOGGING, f"log{i}", {"clusterIdentifier": f"rs-{i}", "logDestinationType": "s3", "bucketName": ""}),
            _res(REDSHIFT, f"bare{i}", {"clusterIdentifier": f"bare-{i}"})]


def config_recorders(i):
    return [_res(RECORDER, f"rec{i}", {"name": f"rec-{i}"}),
            _res(RECORDER_STATUS, f"st{i}", {"name": f"rec-{i}", "isEnabled": False})]


def trail_declared(i):
    return [_res(RDS, f"db{i}", {}), _res(TABLE, f"t{i}", {})]


WORKLOADS = {
    "cloudtrail-trail-declared": trail_declared,
    "ec2-dedicated-tenancy": ec2,
    "ec2-imdsv2-required": ec2,
    "ec2-instance-subnet-public-ip": ec2,
    "ec2-instance-profile-attached": ec2,
    "redshift-audit-logging": redshift,
    "config-recorder-enabled": config_recorders,
    "config-delivery-channel": config_recorders,
    "autoscaling-group-elb-health-check": autoscaling,
    "rds-snapshot-encrypted": rds,
    "rds-aurora-multi-az": rds,
    "rds-enhanced-monitoring": rds,
    "backup-selection-covers-data-stores": data_stores,
    "backup-data-stores-in-backup-plan": data_stores,
    "efs-automatic-backups": data_stores,
    "backup-vault-deletion-protected": vaults,
    "lb-access-logs": lb_access_logs,
    "elb-classic-tls-policy": elb_classic_tls,
    "cloudwatch-security-alarms": security_alarms,
    "cloudtrail-management-events": management_events,
    "cloudtrail-s3-data-events": s3_data_events,
}


def _run(policy, copies):
    spec = registry.get(policy)
    build = WORKLOADS[policy]
    resources = [r for i in range(copies) for r in build(i)]
    index = CountingIndex(resources)
    reads = [0]
    original = props_mod.Props.get

    def counting_get(self, path):
        reads[0] += 1
        return original(self, path)

    props_mod.Props.get = counting_get
    try:
        findings = list(spec.check(index, engine.resolve_config(spec, None)) or ())
    finally:
        props_mod.Props.get = original
    return index, reads[0], findings


MY_MODULES = ("cloudtrail", "cloudwatch", "rds", "lb", "elb", "backup", "efs", "ec2", "ecs", "elasticache", "redshift",
              "config", "docdb", "neptune", "codebuild", "sfn", "appsync", "autoscaling")


def test_every_stack_policy_of_these_modules_has_a_workload():
    stack_policies = {s.name for s in registry.policies() if s.kind == "stack" and s.service in MY_MODULES}
    assert stack_policies <= set(WORKLOADS), sorted(stack_policies - set(WORKLOADS))


@pytest.mark.parametrize("policy", sorted(WORKLOADS))
def test_stack_policy_work_grows_linearly(policy):
    one, reads_one, findings_one = _run(policy, 1)
    many, reads_many, findings_many = _run(policy, K)
    assert findings_one, "the workload must make the policy do some judging (a finding per copy)"
    assert len(findings_many) == K * len(findings_one)
    assert many.type_calls == one.type_calls, (
        f"{policy}: of_type called {one.type_calls}x for 1 copy but {many.type_calls}x for {K} copies "
        "(a scan of a resource type per resource)")
    assert many.handed_out <= K * one.handed_out, (many.handed_out, one.handed_out)
    assert reads_many <= K * reads_one + 50, (
        f"{policy}: {reads_one} property reads for 1 copy, {reads_many} for {K} copies")


def test_a_quadratic_join_is_caught():
    """The measure itself: a check that scans all filters per trail fails the assertions above."""
    index = CountingIndex([r for i in range(K) for r in security_alarms(i)])
    for _trail in index.of_type(TRAIL):
        for f in index.of_type(FILTER):
            f.get("logGroupName")
    assert index.type_calls == 1 + 2 * K and index.handed_out > K * len(PATTERNS) * 2 * K


def _same_named(n):
    bucket, versioning = "aws:s3/bucket:Bucket", "aws:s3/bucketVersioning:BucketVersioning"
    return ([Resource(bucket, {"bucket": "shared"}, make_urn(bucket, f"b{i}"), f"b{i}") for i in range(n)]
            + [Resource(versioning, {"bucket": "shared", "versioningConfiguration": {"status": "Enabled"}},
                        make_urn(versioning, f"v{i}"), f"v{i}") for i in range(n)])


def test_targets_sharing_a_name_share_one_referrer_list():
    """n buckets named alike and n settings naming them: the join keeps one list of n referrers
    that every such bucket is handed (n entries, not n x n)."""
    index = StackIndex(_same_named(300))
    links = [index.referrers(b, ["aws:s3/bucketVersioning:BucketVersioning"], "bucket")
             for b in index.of_type("aws:s3/bucket:Bucket")]
    assert all(len(x.resources) == 300 for x in links)
    assert all(x.resources is links[0].resources for x in links)
    (groups, _unresolved, _order), = index._joins.values()
    assert sum(len(g) for g in groups.values()) == 300


def test_a_referrer_naming_a_target_twice_is_listed_once():
    bucket, pab = "aws:s3/bucket:Bucket", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
    b = Resource(bucket, {"bucket": "data", "arn": "arn:aws:s3:::data"}, make_urn(bucket, "b"), "b")
    first = Resource(pab, {"bucket": "arn:aws:s3:::data"}, make_urn(pab, "p1"), "p1",
                     property_dependencies={"bucket": [b.urn]})
    second = Resource(pab, {"bucket": ["data", "arn:aws:s3:::data"]}, make_urn(pab, "p2"), "p2")
    index = StackIndex([b, first, second])
    assert [r.name for r in index.referrers(b, [pab], "bucket").resources] == ["p1", "p2"]
