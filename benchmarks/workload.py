"""One description of a realistic mixed AWS stack, rendered three ways.

A *unit* is one workload of a healthcare platform (network, PHI bucket with its v7 settings
resources, KMS key, database, DynamoDB table, Lambda with its role, queue, topic, log group,
EC2 instance and volume, load balancer, secret, ECR repository, Kinesis stream, EFS), about
38 resources of which about 30 % are of types no resource policy checks (subnets, route tables,
role attachments, target groups, alarms...).  A stack is a handful of account-level singletons
(CloudTrail, AWS Config, GuardDuty, Security Hub, password policy, EBS default encryption) plus
as many units as needed.  Units vary deterministically: some are compliant, some are not, and
half of them are shaped as a first ``pulumi preview`` sees them (ids and ARNs of other
resources unknown, joined only by property dependencies).

The same description renders to

* engine-shaped resources (:func:`engine_resources`) as the Pulumi CLI sends them to an analyzer,
* a ``pulumi stack export`` document (:func:`stack_export`), and
* an equivalent CloudFormation template (:func:`cloudformation`) for Checkov.

:func:`coverage_extras` adds one resource for every type a resource policy of the registry
checks that the description does not produce, so per-resource timings touch every policy.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from hipaa_policies.core.sentinels import UNKNOWN_STRING as UNKNOWN  # noqa: E402
ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK, PROJECT = "prod", "phi-platform"


@dataclass(frozen=True)
class Ref:
    """A reference to another resource's output (``id``, ``arn`` or ``name``)."""

    target: str
    attr: str = "id"


@dataclass
class Res:
    type: str        # pulumi-aws v7 token
    name: str        # logical name (unique in the stack)
    props: Dict[str, Any]  # engine-shaped inputs (camelCase); Ref values link resources
    cfn: Optional[str] = None  # CloudFormation type, None when the resource has no CFN twin
    preview: bool = False
    extra: Dict[str, Any] = field(default_factory=dict)  # outputs known after deployment


def _hex(text: str, n: int = 17) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:n]


def physical_id(r: Res) -> str:
    t = r.type
    if t.startswith("aws:s3/bucket:"):
        return r.props.get("bucket", r.name)
    prefixes = {"aws:ec2/vpc:Vpc": "vpc-", "aws:ec2/subnet:Subnet": "subnet-",
                "aws:ec2/securityGroup:SecurityGroup": "sg-", "aws:ec2/instance:Instance": "i-",
                "aws:ebs/volume:Volume": "vol-", "aws:ec2/routeTable:RouteTable": "rtb-",
                "aws:ec2/flowLog:FlowLog": "fl-", "aws:efs/fileSystem:FileSystem": "fs-",
                "aws:ec2/internetGateway:InternetGateway": "igw-"}
    if t in prefixes:
        return prefixes[t] + _hex(r.name)
    if t == "aws:kms/key:Key":
        h = _hex(r.name, 32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    return r.props.get("name") or r.props.get("identifier") or r.name


def arn_of(r: Res) -> str:
    service = r.type.split(":")[1].split("/")[0]
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{r.type.split(':')[-1].lower()}/{physical_id(r)}"


# --------------------------------------------------------------------------- the description
def singletons(prefix: str = "") -> List[Res]:
    """Account-level resources; ``prefix`` makes every name unique (independent copies of a stack)."""
    a = prefix
    trail_bucket = Res("aws:s3/bucket:Bucket", f"{a}audit-trail-logs",
                       {"bucket": f"acme-{a}audit-trail-logs", "forceDestroy": False,
                        "tags": _tags("audit", "none")}, "AWS::S3::Bucket")
    return [
        trail_bucket,
        Res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            f"{a}audit-trail-logs-sse",
            {"bucket": Ref(f"{a}audit-trail-logs"),
             "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                                "kmsMasterKeyId": Ref(f"{a}audit-key", "arn")},
                        "bucketKeyEnabled": True}]}),
        Res("aws:kms/key:Key", f"{a}audit-key",
            {"description": "CloudTrail and log encryption", "enableKeyRotation": True,
             "deletionWindowInDays": 30.0, "keyUsage": "ENCRYPT_DECRYPT",
             "policy": json.dumps(_key_policy()), "tags": _tags("audit", "none")}, "AWS::KMS::Key"),
        Res("aws:cloudwatch/logGroup:LogGroup", f"{a}audit-trail",
            {"name": f"/aws/cloudtrail/{a}audit", "retentionInDays": 2557.0, "kmsKeyId": Ref(f"{a}audit-key", "arn"),
             "tags": _tags("audit", "none")}, "AWS::Logs::LogGroup"),
        Res("aws:cloudtrail/trail:Trail", f"{a}audit",
            {"name": f"{a}audit", "s3BucketName": Ref(f"{a}audit-trail-logs"), "isMultiRegionTrail": True,
             "includeGlobalServiceEvents": True, "enableLogFileValidation": True,
             "kmsKeyId": Ref(f"{a}audit-key", "arn"), "cloudWatchLogsGroupArn": Ref(f"{a}audit-trail", "arn"),
             "enableLogging": True, "tags": _tags("audit", "none")}, "AWS::CloudTrail::Trail"),
        # CIS-style security alarms on the trail's log group (cloudwatch-security-alarms joins them)
        Res("aws:sns/topic:Topic", f"{a}security-alerts",
            {"name": f"{a}security-alerts", "kmsMasterKeyId": Ref(f"{a}audit-key", "arn"),
             "tags": _tags("audit", "none")}, "AWS::SNS::Topic"),
        *_security_alarm(a, "unauthorized-api-calls", "UnauthorizedAPICalls",
                         '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'),
        *_security_alarm(a, "console-signin-failures", "ConsoleSigninFailures",
                         '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'),
        # AWS Backup of the PHI data stores by tag, ECR scanning for the account's repositories
        Res("aws:backup/vault:Vault", f"{a}backup-vault",
            {"name": f"{a}phi-vault", "kmsKeyArn": Ref(f"{a}audit-key", "arn"), "tags": _tags("audit", "none")}),
        Res("aws:backup/plan:Plan", f"{a}backup-plan",
            {"name": f"{a}phi-daily", "rules": [{"ruleName": "daily", "targetVaultName": Ref(f"{a}backup-vault", "name"),
                                                "schedule": "cron(0 5 * * ? *)", "lifecycle": {"deleteAfter": 35.0}}],
             "tags": _tags("audit", "none")}),
        Res("aws:backup/selection:Selection", f"{a}backup-selection",
            {"name": f"{a}phi-tagged", "planId": Ref(f"{a}backup-plan"),
             "iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{a}aws-backup",
             "selectionTags": [{"type": "STRINGEQUALS", "key": "data-classification", "value": "phi"}]}),
        Res("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", f"{a}ecr-scanning",
            {"scanType": "BASIC", "rules": [{"scanFrequency": "SCAN_ON_PUSH",
                                             "repositoryFilters": [{"filter": f"{a}svc*", "filterType": "WILDCARD"}]}]}),
        Res("aws:cfg/recorder:Recorder", f"{a}config",
            {"name": f"{a}default", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/aws-config",
             "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}},
            "AWS::Config::ConfigurationRecorder"),
        Res("aws:cfg/deliveryChannel:DeliveryChannel", f"{a}config",
            {"name": f"{a}default", "s3BucketName": Ref(f"{a}audit-trail-logs")}, "AWS::Config::DeliveryChannel"),
        Res("aws:cfg/recorderStatus:RecorderStatus", f"{a}config-status",
            {"name": f"{a}default", "isEnabled": True}),
        Res("aws:guardduty/detector:Detector", f"{a}guardduty",
            {"enable": True, "findingPublishingFrequency": "FIFTEEN_MINUTES"}, "AWS::GuardDuty::Detector"),
        Res("aws:securityhub/account:Account", f"{a}securityhub",
            {"enableDefaultStandards": True, "autoEnableControls": True}, "AWS::SecurityHub::Hub"),
        Res("aws:iam/accountPasswordPolicy:AccountPasswordPolicy", f"{a}passwords",
            {"minimumPasswordLength": 14.0, "requireLowercaseCharacters": True, "requireUppercaseCharacters": True,
             "requireNumbers": True, "requireSymbols": True, "passwordReusePrevention": 24.0,
             "maxPasswordAge": 90.0, "allowUsersToChangePassword": True}),
        Res("aws:ebs/encryptionByDefault:EncryptionByDefault", f"{a}ebs-default", {"enabled": True}),
    ]


def _security_alarm(a: str, key: str, metric: str, pattern: str) -> List[Res]:
    """A metric filter on the trail's log group and an alarm on its metric that notifies the security topic."""
    return [
        Res("aws:cloudwatch/logMetricFilter:LogMetricFilter", f"{a}{key}",
            {"name": f"{a}{key}", "logGroupName": Ref(f"{a}audit-trail", "name"), "pattern": pattern,
             "metricTransformation": {"name": f"{a}{metric}", "namespace": "CISBenchmark", "value": "1"}},
            "AWS::Logs::MetricFilter"),
        Res("aws:cloudwatch/metricAlarm:MetricAlarm", f"{a}{key}-alarm",
            {"name": f"{a}{key}", "comparisonOperator": "GreaterThanOrEqualToThreshold", "evaluationPeriods": 1.0,
             "metricName": f"{a}{metric}", "namespace": "CISBenchmark", "period": 300.0, "statistic": "Sum",
             "threshold": 1.0, "alarmActions": [Ref(f"{a}security-alerts", "arn")], "tags": _tags("audit", "none")},
            "AWS::CloudWatch::Alarm"),
    ]


def _tags(app: str, classification: str) -> Dict[str, str]:
    return {"app": app, "environment": STACK, "owner": "platform-team", "cost-center": "cc-4711",
            "data-classification": classification, "managed-by": "pulumi"}


def _key_policy() -> Dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "EnableRoot", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "AllowLogs", "Effect": "Allow", "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*"}]}


def unit(i: int, prefix: str = "") -> List[Res]:
    """One workload; ``i`` picks its name, its compliance gaps and whether it is preview-shaped;
    ``prefix`` (of the names) makes independent copies of a stack."""
    p = f"{prefix}svc{i:04d}"
    good = i % 3 != 0          # one unit in three has gaps
    preview = i % 2 == 1       # half the units are not deployed yet
    cls = "phi" if i % 4 != 3 else "internal"
    tags = _tags(p, cls)
    key = f"{p}-key"
    res = [
        Res("aws:kms/key:Key", key,
            {"description": f"{p} data key", "enableKeyRotation": good, "deletionWindowInDays": 30.0,
             "keyUsage": "ENCRYPT_DECRYPT", "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
             "policy": json.dumps(_key_policy()), "tags": tags}, "AWS::KMS::Key"),
        Res("aws:ec2/vpc:Vpc", f"{p}-vpc",
            {"cidrBlock": f"10.{i % 250}.0.0/16", "enableDnsHostnames": True, "enableDnsSupport": True,
             "instanceTenancy": "default", "tags": tags}, "AWS::EC2::VPC"),
        Res("aws:ec2/internetGateway:InternetGateway", f"{p}-igw", {"vpcId": Ref(f"{p}-vpc"), "tags": tags},
            "AWS::EC2::InternetGateway"),
    ]
    for az in ("a", "b"):
        res.append(Res("aws:ec2/subnet:Subnet", f"{p}-subnet-{az}",
                       {"vpcId": Ref(f"{p}-vpc"), "cidrBlock": f"10.{i % 250}.{ord(az) - 97}.0/24",
                        "availabilityZone": f"{REGION}{az}", "mapPublicIpOnLaunch": False, "tags": tags},
                       "AWS::EC2::Subnet"))
    res += [
        Res("aws:ec2/routeTable:RouteTable", f"{p}-rt",
            {"vpcId": Ref(f"{p}-vpc"), "routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": Ref(f"{p}-igw")}],
             "tags": tags}, "AWS::EC2::RouteTable"),
        Res("aws:cloudwatch/logGroup:LogGroup", f"{p}-flow-logs",
            {"name": f"/vpc/{p}/flow", "retentionInDays": 2557.0 if good else 30.0,
             "kmsKeyId": Ref(key, "arn"), "tags": tags}, "AWS::Logs::LogGroup"),
        Res("aws:ec2/flowLog:FlowLog", f"{p}-flow",
            {"vpcId": Ref(f"{p}-vpc"), "trafficType": "ALL", "logDestinationType": "cloud-watch-logs",
             "logDestination": Ref(f"{p}-flow-logs", "arn"), "iamRoleArn": Ref(f"{p}-flow-role", "arn"),
             "maxAggregationInterval": 60.0, "tags": tags}, "AWS::EC2::FlowLog") if good else None,
        Res("aws:iam/role:Role", f"{p}-flow-role",
            {"name": f"{p}-flow-role", "assumeRolePolicy": json.dumps(_assume("vpc-flow-logs.amazonaws.com")),
             "tags": tags}, "AWS::IAM::Role"),
        Res("aws:ec2/securityGroup:SecurityGroup", f"{p}-app-sg",
            {"name": f"{p}-app", "description": f"{p} application tier", "vpcId": Ref(f"{p}-vpc"),
             "ingress": [{"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0,
                          "cidrBlocks": ["10.0.0.0/8"], "description": "HTTPS from the VPC"},
                         {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0,
                          "cidrBlocks": ["10.0.0.0/8" if good else "0.0.0.0/0"], "description": "SSH"}],
             "egress": [{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]}],
             "revokeRulesOnDelete": False, "tags": tags}, "AWS::EC2::SecurityGroup"),
        # the PHI bucket and its v7 settings resources
        Res("aws:s3/bucket:Bucket", f"{p}-records",
            {"bucket": f"acme-{p}-records", "forceDestroy": False, "objectLockEnabled": False, "tags": tags},
            "AWS::S3::Bucket"),
        Res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            f"{p}-records-sse",
            {"bucket": Ref(f"{p}-records"),
             "rules": [{"applyServerSideEncryptionByDefault":
                        {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": Ref(key, "arn")} if good else
                        {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": True}]}),
        Res("aws:s3/bucketVersioning:BucketVersioning", f"{p}-records-versioning",
            {"bucket": Ref(f"{p}-records"),
             "versioningConfiguration": {"status": "Enabled" if good else "Suspended", "mfaDelete": "Disabled"}}),
        Res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{p}-records-pab",
            {"bucket": Ref(f"{p}-records"), "blockPublicAcls": True, "blockPublicPolicy": True,
             "ignorePublicAcls": True, "restrictPublicBuckets": good}),
        Res("aws:s3/bucketLogging:BucketLogging", f"{p}-records-logging",
            {"bucket": Ref(f"{p}-records"), "targetBucket": Ref(f"{prefix}audit-trail-logs"),
             "targetPrefix": f"s3/{p}/"}),
        Res("aws:s3/bucketPolicy:BucketPolicy", f"{p}-records-policy",
            {"bucket": Ref(f"{p}-records"), "policy": json.dumps({"Version": "2012-10-17", "Statement": [
                {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [f"arn:aws:s3:::acme-{p}-records", f"arn:aws:s3:::acme-{p}-records/*"],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})}, "AWS::S3::BucketPolicy"),
        # data stores
        Res("aws:rds/subnetGroup:SubnetGroup", f"{p}-db-subnets",
            {"name": f"{p}-db", "subnetIds": [Ref(f"{p}-subnet-a"), Ref(f"{p}-subnet-b")], "tags": tags},
            "AWS::RDS::DBSubnetGroup"),
        Res("aws:rds/instance:Instance", f"{p}-db",
            {"identifier": f"{p}-db", "engine": "postgres", "engineVersion": "16.3", "instanceClass": "db.r6g.large",
             "allocatedStorage": 100.0, "maxAllocatedStorage": 500.0, "storageType": "gp3",
             "storageEncrypted": good, "kmsKeyId": Ref(key, "arn") if good else None, "multiAz": True,
             "backupRetentionPeriod": 35.0 if good else 1.0, "dbSubnetGroupName": Ref(f"{p}-db-subnets", "name"),
             "vpcSecurityGroupIds": [Ref(f"{p}-app-sg")], "publiclyAccessible": not good,
             "deletionProtection": True, "iamDatabaseAuthenticationEnabled": good,
             "performanceInsightsEnabled": True, "performanceInsightsKmsKeyId": Ref(key, "arn"),
             "enabledCloudwatchLogsExports": ["postgresql", "upgrade"], "copyTagsToSnapshot": True,
             "autoMinorVersionUpgrade": True, "username": "app", "manageMasterUserPassword": True,
             "skipFinalSnapshot": False, "finalSnapshotIdentifier": f"{p}-db-final", "tags": tags},
            "AWS::RDS::DBInstance"),
        Res("aws:dynamodb/table:Table", f"{p}-sessions",
            {"name": f"{p}-sessions", "billingMode": "PAY_PER_REQUEST", "hashKey": "pk", "rangeKey": "sk",
             "attributes": [{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
             "serverSideEncryption": {"enabled": good, "kmsKeyArn": Ref(key, "arn")},
             "pointInTimeRecovery": {"enabled": good}, "ttl": {"attributeName": "expires", "enabled": True},
             "deletionProtectionEnabled": True, "tags": tags}, "AWS::DynamoDB::Table"),
        # compute
        Res("aws:iam/role:Role", f"{p}-fn-role",
            {"name": f"{p}-fn", "assumeRolePolicy": json.dumps(_assume("lambda.amazonaws.com")),
             "maxSessionDuration": 3600.0, "tags": tags}, "AWS::IAM::Role"),
        Res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"{p}-fn-vpc-access",
            {"role": Ref(f"{p}-fn-role", "name"),
             "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"}),
        Res("aws:iam/rolePolicy:RolePolicy", f"{p}-fn-data",
            {"role": Ref(f"{p}-fn-role", "name"), "name": "data-access", "policy": json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                     "Resource": f"arn:aws:s3:::acme-{p}-records/*"},
                    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                     "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{p}-sessions"},
                    {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}]})},
            "AWS::IAM::Policy"),
        Res("aws:lambda/function:Function", f"{p}-api",
            {"name": f"{p}-api", "role": Ref(f"{p}-fn-role", "arn"), "runtime": "python3.12",
             "handler": "app.handler", "memorySize": 512.0, "timeout": 30.0, "architectures": ["arm64"],
             "s3Bucket": "acme-artifacts", "s3Key": f"{p}/api-1.4.2.zip",
             "environment": {"variables": {"TABLE": f"{p}-sessions", "BUCKET": f"acme-{p}-records",
                                           "LOG_LEVEL": "INFO", "POWERTOOLS_SERVICE_NAME": p}},
             "kmsKeyArn": Ref(key, "arn"),
             "vpcConfig": {"subnetIds": [Ref(f"{p}-subnet-a"), Ref(f"{p}-subnet-b")],
                           "securityGroupIds": [Ref(f"{p}-app-sg")]},
             "tracingConfig": {"mode": "Active"}, "reservedConcurrentExecutions": 50.0, "tags": tags},
            "AWS::Lambda::Function"),
        Res("aws:cloudwatch/logGroup:LogGroup", f"{p}-api-logs",
            {"name": f"/aws/lambda/{p}-api", "retentionInDays": 2557.0 if good else 14.0,
             "kmsKeyId": Ref(key, "arn") if good else None, "tags": tags}, "AWS::Logs::LogGroup"),
        Res("aws:cloudwatch/metricAlarm:MetricAlarm", f"{p}-api-errors",
            {"name": f"{p}-api-errors", "comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": 1.0,
             "metricName": "Errors", "namespace": "AWS/Lambda", "period": 300.0, "statistic": "Sum",
             "threshold": 5.0, "dimensions": {"FunctionName": f"{p}-api"},
             "alarmActions": [Ref(f"{p}-alerts", "arn")], "tags": tags}, "AWS::CloudWatch::Alarm"),
        Res("aws:sqs/queue:Queue", f"{p}-jobs",
            {"name": f"{p}-jobs", "kmsMasterKeyId": Ref(key, "arn") if good else None,
             "sqsManagedSseEnabled": None if good else False, "kmsDataKeyReusePeriodSeconds": 300.0,
             "messageRetentionSeconds": 1209600.0, "visibilityTimeoutSeconds": 60.0, "tags": tags},
            "AWS::SQS::Queue"),
        Res("aws:sns/topic:Topic", f"{p}-alerts",
            {"name": f"{p}-alerts", "kmsMasterKeyId": Ref(key, "arn") if good else None, "tags": tags},
            "AWS::SNS::Topic"),
        Res("aws:secretsmanager/secret:Secret", f"{p}-api-key",
            {"name": f"{p}/api-key", "kmsKeyId": Ref(key, "arn") if good else None,
             "recoveryWindowInDays": 30.0, "description": "third-party API key", "tags": tags},
            "AWS::SecretsManager::Secret"),
        Res("aws:ec2/instance:Instance", f"{p}-worker",
            {"ami": "ami-0abcdef1234567890", "instanceType": "m6i.large", "subnetId": Ref(f"{p}-subnet-a"),
             "vpcSecurityGroupIds": [Ref(f"{p}-app-sg")], "monitoring": True, "ebsOptimized": True,
             "associatePublicIpAddress": False,
             "metadataOptions": {"httpTokens": "required" if good else "optional", "httpEndpoint": "enabled",
                                 "httpPutResponseHopLimit": 1.0},
             "rootBlockDevice": {"encrypted": good, "volumeSize": 50.0, "volumeType": "gp3",
                                 "deleteOnTermination": True},
             "userData": "#!/bin/bash\nyum install -y amazon-cloudwatch-agent\n", "tags": tags},
            "AWS::EC2::Instance"),
        Res("aws:ebs/volume:Volume", f"{p}-worker-data",
            {"availabilityZone": f"{REGION}a", "size": 200.0, "type": "gp3", "iops": 3000.0,
             "encrypted": good, "kmsKeyId": Ref(key, "arn") if good else None, "tags": tags}, "AWS::EC2::Volume"),
        # edge
        Res("aws:lb/loadBalancer:LoadBalancer", f"{p}-alb",
            {"name": f"{p}-alb"[:32], "loadBalancerType": "application", "internal": False,
             "subnets": [Ref(f"{p}-subnet-a"), Ref(f"{p}-subnet-b")], "securityGroups": [Ref(f"{p}-app-sg")],
             "dropInvalidHeaderFields": good, "enableDeletionProtection": True, "idleTimeout": 60.0,
             "accessLogs": {"bucket": f"acme-{prefix}audit-trail-logs", "enabled": good, "prefix": f"alb/{p}"},
             "tags": tags}, "AWS::ElasticLoadBalancingV2::LoadBalancer"),
        Res("aws:lb/targetGroup:TargetGroup", f"{p}-tg",
            {"name": f"{p}-tg"[:32], "port": 443.0, "protocol": "HTTPS", "targetType": "lambda" if False else "ip",
             "vpcId": Ref(f"{p}-vpc"),
             "healthCheck": {"enabled": True, "path": "/health", "protocol": "HTTPS", "matcher": "200",
                             "interval": 30.0, "healthyThreshold": 3.0, "unhealthyThreshold": 3.0},
             "tags": tags}, "AWS::ElasticLoadBalancingV2::TargetGroup"),
        Res("aws:lb/listener:Listener", f"{p}-https",
            {"loadBalancerArn": Ref(f"{p}-alb", "arn"), "port": 443.0 if good else 80.0,
             "protocol": "HTTPS" if good else "HTTP",
             "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06" if good else None,
             "certificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/{_hex(p, 32)}" if good else None,
             "defaultActions": [{"type": "forward", "targetGroupArn": Ref(f"{p}-tg", "arn")}], "tags": tags},
            "AWS::ElasticLoadBalancingV2::Listener"),
        Res("aws:ecr/repository:Repository", f"{p}-images",
            {"name": f"{p}-images", "imageTagMutability": "IMMUTABLE" if good else "MUTABLE",
             "imageScanningConfiguration": {"scanOnPush": good},
             "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": Ref(key, "arn")}] if good else [],
             "forceDelete": False, "tags": tags}, "AWS::ECR::Repository"),
        Res("aws:kinesis/stream:Stream", f"{p}-events",
            {"name": f"{p}-events", "shardCount": 2.0, "retentionPeriod": 168.0,
             "encryptionType": "KMS" if good else "NONE", "kmsKeyId": Ref(key, "arn") if good else None,
             "streamModeDetails": {"streamMode": "PROVISIONED"}, "tags": tags}, "AWS::Kinesis::Stream"),
        Res("aws:efs/fileSystem:FileSystem", f"{p}-shared",
            {"encrypted": good, "kmsKeyId": Ref(key, "arn") if good else None, "performanceMode": "generalPurpose",
             "throughputMode": "elastic", "lifecyclePolicies": [{"transitionToIa": "AFTER_30_DAYS"}],
             "tags": tags}, "AWS::EFS::FileSystem"),
    ]
    out = []
    for r in res:
        if r is None:
            continue
        r.props = {k: v for k, v in r.props.items() if v is not None}
        r.preview = preview
        out.append(r)
    return out


def _assume(service: str) -> Dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service},
                                                    "Action": "sts:AssumeRole"}]}


def description(n_resources: int, prefix: str = "") -> List[Res]:
    """A stack of exactly ``n_resources`` resources (singletons first, then whole units, the last cut)."""
    out = singletons(prefix)
    i = 0
    while len(out) < n_resources:
        out.extend(unit(i, prefix))
        i += 1
    return out[:n_resources]


def copies(n_copies: int, n_resources: int = 1000) -> List[Res]:
    """``n_copies`` independent copies of ``description(n_resources)`` in one stack (as when several
    accounts' stacks are consolidated): every name, URN and physical name differs between copies,
    so nothing joins across them.  Copy 0 is ``description(n_resources)`` itself."""
    out: List[Res] = []
    for k in range(n_copies):
        out.extend(description(n_resources, f"c{k}-" if k else ""))
    return out


# --------------------------------------------------------------------------- engine shape
def urn(r: Res) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{r.type}::{r.name}"


def _render(value: Any, by_name: Dict[str, Res], preview: bool, deps: Dict[str, List[str]], prop: str) -> Any:
    if isinstance(value, Ref):
        target = by_name.get(value.target)
        if target is None:
            return f"missing-{value.target}"
        deps.setdefault(prop, [])
        if urn(target) not in deps[prop]:
            deps[prop].append(urn(target))
        if preview or target.preview:
            return UNKNOWN
        if value.attr == "arn":
            return arn_of(target)
        if value.attr == "name":
            return target.props.get("name") or physical_id(target)
        return physical_id(target)
    if isinstance(value, dict):
        return {k: _render(v, by_name, preview, deps, prop) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, by_name, preview, deps, prop) for v in value]
    return value


def engine_resources(resources: Sequence[Res]) -> List[Dict[str, Any]]:
    """Engine-shaped resources: {type, name, urn, props, property_dependencies, dependencies}."""
    by_name = {r.name: r for r in resources}
    out = []
    for r in resources:
        deps: Dict[str, List[str]] = {}
        props = {k: _render(v, by_name, r.preview, deps, k) for k, v in r.props.items()}
        if not r.preview:
            props.setdefault("arn", arn_of(r))
            props.setdefault("id", physical_id(r))
            props.setdefault("tagsAll", props.get("tags", {}))
        out.append({"type": r.type, "name": r.name, "urn": urn(r), "props": props,
                    "property_dependencies": deps,
                    "dependencies": sorted({u for v in deps.values() for u in v})})
    return out


def stack_export(resources: Sequence[Res]) -> Dict[str, Any]:
    """A ``pulumi stack export`` (version 3) document of the deployed stack."""
    deployed = [Res(r.type, r.name, r.props, r.cfn, False) for r in resources]
    stack_urn = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
    provider_urn = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default_7_51_1"
    provider_ref = f"{provider_urn}::04b8e9d5-7f2a-4c1e-9b0e-1f2d3c4b5a69"
    out: List[Dict[str, Any]] = [
        {"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": {}},
        {"urn": provider_urn, "custom": True, "id": "04b8e9d5-7f2a-4c1e-9b0e-1f2d3c4b5a69",
         "type": "pulumi:providers:aws", "inputs": {"region": REGION, "version": "7.51.1"},
         "outputs": {"region": REGION, "version": "7.51.1"}, "parent": stack_urn},
    ]
    for e in engine_resources(deployed):
        inputs = {k: v for k, v in e["props"].items() if k not in ("arn", "id", "tagsAll")}
        out.append({"urn": e["urn"], "custom": True, "id": e["props"].get("id", e["name"]), "type": e["type"],
                    "inputs": inputs, "outputs": e["props"], "parent": stack_urn, "provider": provider_ref,
                    "dependencies": e["dependencies"], "propertyDependencies": e["property_dependencies"]})
    return {"version": 3, "deployment": {
        "manifest": {"time": "2026-01-01T00:00:00Z", "magic": "bench", "version": "v3.200.0"},
        "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:bench"}},
        "resources": out}}


# --------------------------------------------------------------------------- CloudFormation
def _logical(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("/", "-").split("-"))


def _cfn_value(value: Any) -> Any:
    if isinstance(value, Ref):
        if value.attr == "arn":
            return {"Fn::GetAtt": [_logical(value.target), "Arn"]}
        return {"Ref": _logical(value.target)}
    if isinstance(value, dict):
        return {k: _cfn_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cfn_value(v) for v in value]
    return value


def _cfn_tags(tags: Dict[str, str]) -> List[Dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _settings_of(resources: Sequence[Res], bucket: str) -> Dict[str, Dict[str, Any]]:
    """v7 bucket settings resources folded back into the bucket, as CloudFormation writes them."""
    out: Dict[str, Dict[str, Any]] = {}
    for r in resources:
        ref = r.props.get("bucket")
        if isinstance(ref, Ref) and ref.target == bucket:
            out[r.type.split(":")[-1]] = r.props
    return out


def cloudformation(resources: Sequence[Res]) -> Dict[str, Any]:
    """The same stack as a CloudFormation template (one resource per Pulumi resource that has a
    CloudFormation twin; v7 bucket settings resources fold into their bucket)."""
    template: Dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09",
                                "Description": "phi-platform benchmark stack", "Resources": {}}
    res = template["Resources"]
    for r in resources:
        if r.cfn is None:
            continue
        p = r.props
        tags = _cfn_tags(p["tags"]) if isinstance(p.get("tags"), dict) else None
        props: Dict[str, Any]
        t = r.cfn
        if t == "AWS::S3::Bucket":
            s = _settings_of(resources, r.name)
            props = {"BucketName": p.get("bucket")}
            sse = s.get("BucketServerSideEncryptionConfiguration")
            if sse:
                d = sse["rules"][0]["applyServerSideEncryptionByDefault"]
                rule = {"SSEAlgorithm": d["sseAlgorithm"]}
                if "kmsMasterKeyId" in d:
                    rule["KMSMasterKeyID"] = _cfn_value(d["kmsMasterKeyId"])
                props["BucketEncryption"] = {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": rule, "BucketKeyEnabled": True}]}
            ver = s.get("BucketVersioning")
            if ver:
                props["VersioningConfiguration"] = {"Status": ver["versioningConfiguration"]["status"]}
            pab = s.get("BucketPublicAccessBlock")
            if pab:
                props["PublicAccessBlockConfiguration"] = {
                    "BlockPublicAcls": pab["blockPublicAcls"], "BlockPublicPolicy": pab["blockPublicPolicy"],
                    "IgnorePublicAcls": pab["ignorePublicAcls"], "RestrictPublicBuckets": pab["restrictPublicBuckets"]}
            log = s.get("BucketLogging")
            if log:
                props["LoggingConfiguration"] = {"DestinationBucketName": _cfn_value(log["targetBucket"]),
                                                 "LogFilePrefix": log["targetPrefix"]}
        elif t == "AWS::S3::BucketPolicy":
            props = {"Bucket": _cfn_value(p["bucket"]), "PolicyDocument": json.loads(p["policy"])}
        elif t == "AWS::KMS::Key":
            props = {"Description": p["description"], "EnableKeyRotation": p["enableKeyRotation"],
                     "PendingWindowInDays": int(p["deletionWindowInDays"]), "KeyUsage": p["keyUsage"],
                     "KeyPolicy": json.loads(p["policy"])}
        elif t == "AWS::Logs::LogGroup":
            props = {"LogGroupName": p["name"], "RetentionInDays": int(p["retentionInDays"])}
            if "kmsKeyId" in p:
                props["KmsKeyId"] = _cfn_value(p["kmsKeyId"])
        elif t == "AWS::CloudTrail::Trail":
            props = {"TrailName": p["name"], "S3BucketName": _cfn_value(p["s3BucketName"]),
                     "IsMultiRegionTrail": p["isMultiRegionTrail"], "IsLogging": True,
                     "IncludeGlobalServiceEvents": p["includeGlobalServiceEvents"],
                     "EnableLogFileValidation": p["enableLogFileValidation"], "KMSKeyId": _cfn_value(p["kmsKeyId"]),
                     "CloudWatchLogsLogGroupArn": _cfn_value(p["cloudWatchLogsGroupArn"])}
        elif t == "AWS::Config::ConfigurationRecorder":
            props = {"Name": p["name"], "RoleARN": p["roleArn"],
                     "RecordingGroup": {"AllSupported": True, "IncludeGlobalResourceTypes": True}}
        elif t == "AWS::Config::DeliveryChannel":
            props = {"Name": p["name"], "S3BucketName": _cfn_value(p["s3BucketName"])}
        elif t == "AWS::GuardDuty::Detector":
            props = {"Enable": p["enable"], "FindingPublishingFrequency": p["findingPublishingFrequency"]}
        elif t == "AWS::SecurityHub::Hub":
            props = {"EnableDefaultStandards": True, "AutoEnableControls": True}
        elif t == "AWS::EC2::VPC":
            props = {"CidrBlock": p["cidrBlock"], "EnableDnsHostnames": True, "EnableDnsSupport": True,
                     "InstanceTenancy": "default"}
        elif t == "AWS::EC2::InternetGateway":
            props = {}
        elif t == "AWS::EC2::Subnet":
            props = {"VpcId": _cfn_value(p["vpcId"]), "CidrBlock": p["cidrBlock"],
                     "AvailabilityZone": p["availabilityZone"], "MapPublicIpOnLaunch": False}
        elif t == "AWS::EC2::RouteTable":
            props = {"VpcId": _cfn_value(p["vpcId"])}
        elif t == "AWS::EC2::FlowLog":
            props = {"ResourceId": _cfn_value(p["vpcId"]), "ResourceType": "VPC", "TrafficType": "ALL",
                     "LogDestinationType": "cloud-watch-logs", "LogDestination": _cfn_value(p["logDestination"]),
                     "DeliverLogsPermissionArn": _cfn_value(p["iamRoleArn"]), "MaxAggregationInterval": 60}
        elif t == "AWS::IAM::Role":
            props = {"RoleName": p["name"], "AssumeRolePolicyDocument": json.loads(p["assumeRolePolicy"])}
        elif t == "AWS::IAM::Policy":
            props = {"PolicyName": p["name"], "Roles": [_cfn_value(p["role"])],
                     "PolicyDocument": json.loads(p["policy"])}
        elif t == "AWS::EC2::SecurityGroup":
            props = {"GroupName": p["name"], "GroupDescription": p["description"], "VpcId": _cfn_value(p["vpcId"]),
                     "SecurityGroupIngress": [{"IpProtocol": x["protocol"], "FromPort": int(x["fromPort"]),
                                               "ToPort": int(x["toPort"]), "CidrIp": x["cidrBlocks"][0],
                                               "Description": x["description"]} for x in p["ingress"]],
                     "SecurityGroupEgress": [{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}]}
        elif t == "AWS::RDS::DBSubnetGroup":
            props = {"DBSubnetGroupName": p["name"], "DBSubnetGroupDescription": p["name"],
                     "SubnetIds": _cfn_value(p["subnetIds"])}
        elif t == "AWS::RDS::DBInstance":
            props = {"DBInstanceIdentifier": p["identifier"], "Engine": p["engine"], "EngineVersion": p["engineVersion"],
                     "DBInstanceClass": p["instanceClass"], "AllocatedStorage": str(int(p["allocatedStorage"])),
                     "MaxAllocatedStorage": int(p["maxAllocatedStorage"]), "StorageType": p["storageType"],
                     "StorageEncrypted": p["storageEncrypted"], "MultiAZ": p["multiAz"],
                     "BackupRetentionPeriod": int(p["backupRetentionPeriod"]),
                     "DBSubnetGroupName": _cfn_value(p["dbSubnetGroupName"]),
                     "VPCSecurityGroups": _cfn_value(p["vpcSecurityGroupIds"]),
                     "PubliclyAccessible": p["publiclyAccessible"], "DeletionProtection": True,
                     "EnableIAMDatabaseAuthentication": p["iamDatabaseAuthenticationEnabled"],
                     "EnablePerformanceInsights": True,
                     "PerformanceInsightsKMSKeyId": _cfn_value(p["performanceInsightsKmsKeyId"]),
                     "EnableCloudwatchLogsExports": p["enabledCloudwatchLogsExports"], "CopyTagsToSnapshot": True,
                     "AutoMinorVersionUpgrade": True, "MasterUsername": "app", "ManageMasterUserPassword": True}
            if "kmsKeyId" in p:
                props["KmsKeyId"] = _cfn_value(p["kmsKeyId"])
        elif t == "AWS::DynamoDB::Table":
            sse = {"SSEEnabled": p["serverSideEncryption"]["enabled"]}
            if p["serverSideEncryption"]["enabled"]:
                sse.update(SSEType="KMS", KMSMasterKeyId=_cfn_value(p["serverSideEncryption"]["kmsKeyArn"]))
            props = {"TableName": p["name"], "BillingMode": p["billingMode"],
                     "AttributeDefinitions": [{"AttributeName": a["name"], "AttributeType": a["type"]}
                                              for a in p["attributes"]],
                     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     "SSESpecification": sse,
                     "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": p["pointInTimeRecovery"]["enabled"]},
                     "TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": True},
                     "DeletionProtectionEnabled": True}
        elif t == "AWS::Lambda::Function":
            props = {"FunctionName": p["name"], "Role": _cfn_value(p["role"]), "Runtime": p["runtime"],
                     "Handler": p["handler"], "MemorySize": int(p["memorySize"]), "Timeout": int(p["timeout"]),
                     "Architectures": p["architectures"], "Code": {"S3Bucket": p["s3Bucket"], "S3Key": p["s3Key"]},
                     "Environment": {"Variables": p["environment"]["variables"]}, "KmsKeyArn": _cfn_value(p["kmsKeyArn"]),
                     "VpcConfig": {"SubnetIds": _cfn_value(p["vpcConfig"]["subnetIds"]),
                                   "SecurityGroupIds": _cfn_value(p["vpcConfig"]["securityGroupIds"])},
                     "TracingConfig": {"Mode": "Active"},
                     "ReservedConcurrentExecutions": int(p["reservedConcurrentExecutions"])}
        elif t == "AWS::CloudWatch::Alarm":
            props = {"AlarmName": p["name"], "ComparisonOperator": p["comparisonOperator"],
                     "EvaluationPeriods": int(p["evaluationPeriods"]), "MetricName": p["metricName"],
                     "Namespace": p["namespace"], "Period": int(p["period"]), "Statistic": p["statistic"],
                     "Threshold": p["threshold"], "AlarmActions": _cfn_value(p["alarmActions"])}
            if "dimensions" in p:
                props["Dimensions"] = [{"Name": k, "Value": v} for k, v in p["dimensions"].items()]
        elif t == "AWS::Logs::MetricFilter":
            m = p["metricTransformation"]
            props = {"FilterName": p["name"], "LogGroupName": _cfn_value(p["logGroupName"]),
                     "FilterPattern": p["pattern"], "MetricTransformations": [
                         {"MetricName": m["name"], "MetricNamespace": m["namespace"], "MetricValue": m["value"]}]}
        elif t == "AWS::SQS::Queue":
            props = {"QueueName": p["name"], "MessageRetentionPeriod": int(p["messageRetentionSeconds"]),
                     "VisibilityTimeout": int(p["visibilityTimeoutSeconds"]),
                     "KmsDataKeyReusePeriodSeconds": int(p["kmsDataKeyReusePeriodSeconds"])}
            if "kmsMasterKeyId" in p:
                props["KmsMasterKeyId"] = _cfn_value(p["kmsMasterKeyId"])
            else:
                props["SqsManagedSseEnabled"] = False
        elif t == "AWS::SNS::Topic":
            props = {"TopicName": p["name"]}
            if "kmsMasterKeyId" in p:
                props["KmsMasterKeyId"] = _cfn_value(p["kmsMasterKeyId"])
        elif t == "AWS::SecretsManager::Secret":
            props = {"Name": p["name"], "Description": p["description"]}
            if "kmsKeyId" in p:
                props["KmsKeyId"] = _cfn_value(p["kmsKeyId"])
        elif t == "AWS::EC2::Instance":
            rb = p["rootBlockDevice"]
            props = {"ImageId": p["ami"], "InstanceType": p["instanceType"], "SubnetId": _cfn_value(p["subnetId"]),
                     "SecurityGroupIds": _cfn_value(p["vpcSecurityGroupIds"]), "Monitoring": True, "EbsOptimized": True,
                     "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
                         "Encrypted": rb["encrypted"], "VolumeSize": int(rb["volumeSize"]),
                         "VolumeType": rb["volumeType"], "DeleteOnTermination": True}}],
                     "UserData": {"Fn::Base64": p["userData"]}}
            template.setdefault("_launch", []).append((_logical(r.name), p["metadataOptions"]["httpTokens"]))
        elif t == "AWS::EC2::Volume":
            props = {"AvailabilityZone": p["availabilityZone"], "Size": int(p["size"]), "VolumeType": p["type"],
                     "Iops": int(p["iops"]), "Encrypted": p["encrypted"]}
            if "kmsKeyId" in p:
                props["KmsKeyId"] = _cfn_value(p["kmsKeyId"])
        elif t == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            props = {"Name": p["name"], "Type": "application", "Scheme": "internet-facing",
                     "Subnets": _cfn_value(p["subnets"]), "SecurityGroups": _cfn_value(p["securityGroups"]),
                     "LoadBalancerAttributes": [
                         {"Key": "routing.http.drop_invalid_header_fields.enabled",
                          "Value": str(p["dropInvalidHeaderFields"]).lower()},
                         {"Key": "deletion_protection.enabled", "Value": "true"},
                         {"Key": "access_logs.s3.enabled", "Value": str(p["accessLogs"]["enabled"]).lower()},
                         {"Key": "access_logs.s3.bucket", "Value": p["accessLogs"]["bucket"]}]}
        elif t == "AWS::ElasticLoadBalancingV2::TargetGroup":
            props = {"Name": p["name"], "Port": int(p["port"]), "Protocol": p["protocol"], "TargetType": "ip",
                     "VpcId": _cfn_value(p["vpcId"]), "HealthCheckPath": "/health", "HealthCheckProtocol": "HTTPS"}
        elif t == "AWS::ElasticLoadBalancingV2::Listener":
            props = {"LoadBalancerArn": _cfn_value(p["loadBalancerArn"]), "Port": int(p["port"]),
                     "Protocol": p["protocol"],
                     "DefaultActions": [{"Type": "forward", "TargetGroupArn": _cfn_value(p["defaultActions"][0]["targetGroupArn"])}]}
            if "sslPolicy" in p:
                props["SslPolicy"] = p["sslPolicy"]
                props["Certificates"] = [{"CertificateArn": p["certificateArn"]}]
        elif t == "AWS::ECR::Repository":
            props = {"RepositoryName": p["name"], "ImageTagMutability": p["imageTagMutability"],
                     "ImageScanningConfiguration": {"ScanOnPush": p["imageScanningConfiguration"]["scanOnPush"]}}
            if p["encryptionConfigurations"]:
                props["EncryptionConfiguration"] = {"EncryptionType": "KMS",
                                                    "KmsKey": _cfn_value(p["encryptionConfigurations"][0]["kmsKey"])}
        elif t == "AWS::Kinesis::Stream":
            props = {"Name": p["name"], "ShardCount": int(p["shardCount"]),
                     "RetentionPeriodHours": int(p["retentionPeriod"])}
            if p["encryptionType"] == "KMS":
                props["StreamEncryption"] = {"EncryptionType": "KMS", "KeyId": _cfn_value(p["kmsKeyId"])}
        elif t == "AWS::EFS::FileSystem":
            props = {"Encrypted": p["encrypted"], "PerformanceMode": p["performanceMode"],
                     "ThroughputMode": p["throughputMode"], "LifecyclePolicies": [{"TransitionToIA": "AFTER_30_DAYS"}]}
            if "kmsKeyId" in p:
                props["KmsKeyId"] = _cfn_value(p["kmsKeyId"])
        else:  # pragma: no cover - every cfn type above is handled
            raise AssertionError(f"no CloudFormation rendering for {t}")
        if tags is not None and t not in ("AWS::EC2::InternetGateway",):
            key = "Tags"
            if t in ("AWS::EFS::FileSystem",):
                key = "FileSystemTags"
            if t not in ("AWS::IAM::Policy", "AWS::Config::ConfigurationRecorder", "AWS::CloudWatch::Alarm"):
                props[key] = tags
        res[_logical(r.name)] = {"Type": t, "Properties": props}
    # IMDSv2 lives in a launch template in CloudFormation: one per instance
    for logical, tokens in template.pop("_launch", []):
        res[logical + "LaunchTemplate"] = {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
            "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": tokens, "HttpEndpoint": "enabled"}}}}
        res[logical]["Properties"]["LaunchTemplate"] = {
            "LaunchTemplateId": {"Ref": logical + "LaunchTemplate"},
            "Version": {"Fn::GetAtt": [logical + "LaunchTemplate", "LatestVersionNumber"]}}
    return template


# --------------------------------------------------------------------------- coverage of the registry
def _generic_props(type_: str, name: str) -> Dict[str, Any]:
    """Engine-shaped properties for a type the description does not produce: name, tags, a
    couple of nested settings, as a resource of that type typically carries."""
    return {"name": name, "description": f"{name} ({type_.split(':')[-1]})", "tags": _tags(name, "phi"),
            "tagsAll": _tags(name, "phi"), "arn": f"arn:aws:{type_.split(':')[1].split('/')[0]}:{REGION}:"
                                                   f"{ACCOUNT}:{name}",
            "settings": {"enabled": True, "mode": "default", "retention": 30.0}}


def coverage_extras(described_types: Sequence[str]) -> List[Res]:
    """One resource per type a resource policy checks that the description lacks, and a few
    unrelated types, taking properties from tests/fixtures `resources:` cases when one exists."""
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    from hipaa_policies.registry import policies
    checked = sorted({t for p in policies() if p.kind == "resource" for t in p.resource_types})
    samples: Dict[str, Dict[str, Any]] = {}
    try:
        import yaml
        for path in sorted((root / "tests" / "fixtures").glob("*.yaml")):
            data = yaml.safe_load(path.read_text()) or {}
            for case in data.get("cases") or []:
                for r in case.get("resources") or []:
                    props = r.get("props") or {}
                    if isinstance(props, dict) and len(json.dumps(props)) > len(json.dumps(samples.get(r.get("type"), {}))):
                        if "$UNKNOWN" not in json.dumps(props):
                            samples[r["type"]] = props
    except Exception:  # fixtures are a nicety: generic properties otherwise
        pass
    have = set(described_types)
    out = []
    for t in checked:
        if t in have:
            continue
        name = "extra-" + t.split(":")[-1].lower() + "-" + _hex(t, 6)
        props = dict(_generic_props(t, name))
        props.update(samples.get(t, {}))
        out.append(Res(t, name, props))
    for t in ("aws:route53/record:Record", "aws:lambda/permission:Permission", "aws:ec2/eip:Eip",
              "aws:ssm/parameter:Parameter", "aws:appautoscaling/policy:Policy"):
        name = "extra-" + t.split(":")[-1].lower() + "-" + _hex(t, 6)
        out.append(Res(t, name, _generic_props(t, name)))
    return out


def analyze_mix(n_units: int = 8) -> List[Dict[str, Any]]:
    """Engine-shaped resources for per-resource timing: singletons, ``n_units`` units (half
    preview-shaped) and one resource of every other type the registry checks."""
    described = singletons()
    for i in range(n_units):
        described.extend(unit(i))
    extras = coverage_extras([r.type for r in described])
    return engine_resources(described + extras)


def checked_share(resources: Sequence[Dict[str, Any]]) -> Tuple[int, int]:
    """(resources of a type some resource policy checks, all resources)."""
    from hipaa_policies.registry import policies
    checked = {t for p in policies() if p.kind == "resource" for t in p.resource_types}
    return sum(1 for r in resources if r["type"] in checked), len(resources)


# --------------------------------------------------------------------------- light resources
def light(n_resources: int) -> List[Res]:
    """A stack of resources with a few properties each and no links (subnets, attachments, log
    groups, queues...): the scan's floor is parsing the JSON and the checks themselves."""
    kinds = [
        ("aws:ec2/subnet:Subnet", lambda i: {"vpcId": f"vpc-{i // 50:08x}", "cidrBlock": f"10.{i % 250}.{i % 200}.0/24",
                                            "availabilityZone": f"{REGION}a"}),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
         lambda i: {"role": f"role-{i}", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        ("aws:ec2/routeTableAssociation:RouteTableAssociation",
         lambda i: {"subnetId": f"subnet-{i:08x}", "routeTableId": f"rtb-{i // 20:08x}"}),
        ("aws:cloudwatch/logGroup:LogGroup", lambda i: {"name": f"/app/{i}", "retentionInDays": 2557.0}),
        ("aws:sqs/queue:Queue", lambda i: {"name": f"q-{i}", "sqsManagedSseEnabled": True}),
        ("aws:sns/topicSubscription:TopicSubscription",
         lambda i: {"topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:t-{i // 10}", "protocol": "sqs",
                    "endpoint": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q-{i}"}),
    ]
    out = []
    for i in range(n_resources):
        type_, props = kinds[i % len(kinds)]
        out.append(Res(type_, f"light-{i}", props(i)))
    return out
