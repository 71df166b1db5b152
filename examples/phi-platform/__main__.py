"""PHI platform: a patient-records API on AWS (pulumi-aws 7.x).

Network: a VPC with public subnets (load balancer) and private subnets (API tasks, database),
flow logs to CloudWatch Logs.  Compute: an ECS Fargate service behind an Application Load
Balancer that terminates TLS 1.2+.  Data: PostgreSQL on RDS encrypted with a customer managed
KMS key; S3 buckets for clinical documents with the v7 split settings (encryption, versioning,
public access block, access logging).  Audit: a multi-region CloudTrail trail with log-file
validation, CloudWatch log groups, an IAM password policy and least-privilege task roles.

Deliberate gaps, so `hipaa-policies scan` has something to show (search for "GAP"):
  * the application log group keeps logs 30 days (audit records need 6 years),
  * the analytics export bucket uses SSE-S3 (AES256) instead of a customer managed KMS key,
  * the load balancer's port-80 listener forwards plain HTTP instead of redirecting to HTTPS,
  * the reporting replica database is not encrypted at rest.
"""
import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
env = config.get("environment") or "dev"
domain = config.require("domainName")
vpc_cidr = config.get("vpcCidr") or "10.40.0.0/16"
db_class = config.get("dbInstanceClass") or "db.t4g.medium"
api_image = config.require("apiImage")
audit_retention = config.get_int("auditLogRetentionDays") or 2557
app_retention = config.get_int("appLogRetentionDays") or 2557

tags = {"project": "phi-platform", "environment": env, "data-classification": "phi", "owner": "platform-team"}
azs = ["us-east-1a", "us-east-1b"]

# --------------------------------------------------------------------------- keys
data_key = aws.kms.Key("phi-data-key", description="Encrypts ePHI at rest (RDS, S3, logs)",
                       enable_key_rotation=True, deletion_window_in_days=30, tags=tags)
aws.kms.Alias("phi-data-key-alias", name=f"alias/phi-platform-{env}-data", target_key_id=data_key.key_id)
logs_key = aws.kms.Key("audit-logs-key", description="Encrypts CloudTrail and CloudWatch Logs",
                       enable_key_rotation=True, deletion_window_in_days=30, tags=tags)

# --------------------------------------------------------------------------- network
vpc = aws.ec2.Vpc("phi-vpc", cidr_block=vpc_cidr, enable_dns_hostnames=True, enable_dns_support=True,
                  tags={**tags, "Name": f"phi-platform-{env}"})
igw = aws.ec2.InternetGateway("phi-igw", vpc_id=vpc.id, tags=tags)
public_subnets, private_subnets = [], []
for i, az in enumerate(azs):
    public_subnets.append(aws.ec2.Subnet(f"public-{az}", vpc_id=vpc.id, cidr_block=f"10.40.{i}.0/24",
                                         availability_zone=az, map_public_ip_on_launch=False,
                                         tags={**tags, "tier": "public"}))
    private_subnets.append(aws.ec2.Subnet(f"private-{az}", vpc_id=vpc.id, cidr_block=f"10.40.{10 + i}.0/24",
                                          availability_zone=az, tags={**tags, "tier": "private"}))
public_rt = aws.ec2.RouteTable("public-rt", vpc_id=vpc.id,
                               routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}], tags=tags)
for i, subnet in enumerate(public_subnets):
    aws.ec2.RouteTableAssociation(f"public-rta-{i}", subnet_id=subnet.id, route_table_id=public_rt.id)

alb_sg = aws.ec2.SecurityGroup(
    "alb-sg", vpc_id=vpc.id, description="Load balancer: HTTPS from the internet",
    ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]},
             {"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["0.0.0.0/0"]}],
    egress=[{"protocol": "tcp", "from_port": 8443, "to_port": 8443, "cidr_blocks": [vpc_cidr]}],
    tags=tags)
api_sg = aws.ec2.SecurityGroup(
    "api-sg", vpc_id=vpc.id, description="API tasks: from the load balancer only",
    ingress=[{"protocol": "tcp", "from_port": 8443, "to_port": 8443, "security_groups": [alb_sg.id]}],
    egress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]},
            {"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": [vpc_cidr]}],
    tags=tags)
db_sg = aws.ec2.SecurityGroup(
    "db-sg", vpc_id=vpc.id, description="PostgreSQL: from the API tasks only",
    ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "security_groups": [api_sg.id]}],
    tags=tags)

flow_log_role = aws.iam.Role("flow-log-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                   "Action": "sts:AssumeRole"}]}), tags=tags)
flow_log_group = aws.cloudwatch.LogGroup("vpc-flow-logs", name=f"/phi-platform/{env}/vpc-flow-logs",
                                         retention_in_days=audit_retention, kms_key_id=logs_key.arn, tags=tags)
aws.ec2.FlowLog("phi-vpc-flow-log", vpc_id=vpc.id, traffic_type="ALL", log_destination=flow_log_group.arn,
                iam_role_arn=flow_log_role.arn, tags=tags)

# --------------------------------------------------------------------------- storage (S3, v7 split settings)
access_logs = aws.s3.Bucket("s3-access-logs", bucket=f"phi-platform-{env}-s3-access-logs", tags=tags)
aws.s3.BucketServerSideEncryptionConfiguration(
    "s3-access-logs-sse", bucket=access_logs.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": data_key.arn},
            "bucket_key_enabled": True}])
aws.s3.BucketPublicAccessBlock("s3-access-logs-pab", bucket=access_logs.id, block_public_acls=True,
                               block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
aws.s3.BucketVersioning("s3-access-logs-versioning", bucket=access_logs.id,
                        versioning_configuration={"status": "Enabled"})


def phi_bucket(name: str, sse: dict) -> aws.s3.Bucket:
    bucket = aws.s3.Bucket(name, bucket=f"phi-platform-{env}-{name}", tags=tags)
    aws.s3.BucketServerSideEncryptionConfiguration(f"{name}-sse", bucket=bucket.id, rules=[sse])
    aws.s3.BucketVersioning(f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"})
    aws.s3.BucketPublicAccessBlock(f"{name}-pab", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                                   ignore_public_acls=True, restrict_public_buckets=True)
    aws.s3.BucketLogging(f"{name}-logging", bucket=bucket.id, target_bucket=access_logs.id, target_prefix=f"{name}/")
    return bucket


kms_rule = {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": data_key.arn},
            "bucket_key_enabled": True}
documents = phi_bucket("clinical-documents", kms_rule)
# GAP: analytics exports use SSE-S3 (AES256), not a customer managed KMS key.
exports = phi_bucket("analytics-exports", {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}})

# --------------------------------------------------------------------------- audit (CloudTrail, logs)
trail_bucket = aws.s3.Bucket("cloudtrail-logs", bucket=f"phi-platform-{env}-cloudtrail", tags=tags)
aws.s3.BucketServerSideEncryptionConfiguration(
    "cloudtrail-logs-sse", bucket=trail_bucket.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": logs_key.arn}}])
aws.s3.BucketVersioning("cloudtrail-logs-versioning", bucket=trail_bucket.id,
                        versioning_configuration={"status": "Enabled"})
aws.s3.BucketPublicAccessBlock("cloudtrail-logs-pab", bucket=trail_bucket.id, block_public_acls=True,
                               block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
aws.s3.BucketLogging("cloudtrail-logs-logging", bucket=trail_bucket.id, target_bucket=access_logs.id,
                     target_prefix="cloudtrail/")
trail_log_group = aws.cloudwatch.LogGroup("cloudtrail-events", name=f"/phi-platform/{env}/cloudtrail",
                                          retention_in_days=audit_retention, kms_key_id=logs_key.arn, tags=tags)
trail_role = aws.iam.Role("cloudtrail-logs-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                   "Action": "sts:AssumeRole"}]}), tags=tags)
aws.cloudtrail.Trail("phi-audit-trail", name=f"phi-platform-{env}-audit", s3_bucket_name=trail_bucket.id,
                     is_multi_region_trail=True, include_global_service_events=True,
                     enable_log_file_validation=True, kms_key_id=logs_key.arn,
                     cloud_watch_logs_group_arn=trail_log_group.arn.apply(lambda arn: f"{arn}:*"),
                     cloud_watch_logs_role_arn=trail_role.arn, tags=tags)

# GAP: application logs kept 30 days (Pulumi.dev.yaml appLogRetentionDays); audit records need 6 years.
app_logs = aws.cloudwatch.LogGroup("records-api-logs", name=f"/phi-platform/{env}/records-api",
                                   retention_in_days=app_retention, kms_key_id=logs_key.arn, tags=tags)

# --------------------------------------------------------------------------- identity
aws.iam.AccountPasswordPolicy("password-policy", minimum_password_length=14, require_lowercase_characters=True,
                              require_uppercase_characters=True, require_numbers=True, require_symbols=True,
                              allow_users_to_change_password=True, max_password_age=90, password_reuse_prevention=24)
ecs_assume = json.dumps({"Version": "2012-10-17",
                         "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                        "Action": "sts:AssumeRole"}]})
execution_role = aws.iam.Role("records-api-execution-role", assume_role_policy=ecs_assume, tags=tags)
aws.iam.RolePolicyAttachment("records-api-execution-policy", role=execution_role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
task_role = aws.iam.Role("records-api-task-role", assume_role_policy=ecs_assume, tags=tags)
aws.iam.RolePolicy("records-api-documents-access", role=task_role.id, policy=pulumi.Output.all(
    documents.arn, data_key.arn).apply(lambda a: json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"{a[0]}/*"},
            {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": a[1]},
        ]})))
aws.ebs.EncryptionByDefault("ebs-encryption-by-default", enabled=True)

# --------------------------------------------------------------------------- database
db_subnets = aws.rds.SubnetGroup("records-db-subnets", subnet_ids=[s.id for s in private_subnets], tags=tags)
db = aws.rds.Instance("records-db", engine="postgres", engine_version="16.4", instance_class=db_class,
                      allocated_storage=100, max_allocated_storage=500, db_name="records", username="records_admin",
                      manage_master_user_password=True, storage_encrypted=True, kms_key_id=data_key.arn,
                      multi_az=True, backup_retention_period=35, db_subnet_group_name=db_subnets.name,
                      vpc_security_group_ids=[db_sg.id], deletion_protection=True,
                      iam_database_authentication_enabled=True, publicly_accessible=False,
                      enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
                      copy_tags_to_snapshot=True, final_snapshot_identifier=f"phi-platform-{env}-records-final",
                      tags=tags)
# GAP: the reporting copy of the database is not encrypted at rest.
aws.rds.Instance("reporting-db", engine="postgres", engine_version="16.4", instance_class="db.t4g.small",
                 allocated_storage=50, db_name="reporting", username="reporting_admin",
                 manage_master_user_password=True, storage_encrypted=False, backup_retention_period=7,
                 db_subnet_group_name=db_subnets.name, vpc_security_group_ids=[db_sg.id],
                 publicly_accessible=False, skip_final_snapshot=True, tags=tags)

# --------------------------------------------------------------------------- load balancer and API
cert = aws.acm.Certificate("records-cert", domain_name=domain, validation_method="DNS", tags=tags)
# Elastic Load Balancing writes access logs only to buckets encrypted with SSE-S3, so this bucket carries a
# documented, expiring exemption from the KMS policy (resource tags hipaa:exempt*; see docs/scan.md).
alb_logs = aws.s3.Bucket("alb-access-logs", bucket=f"phi-platform-{env}-alb-logs", tags={
    **tags, "data-classification": "internal",
    "hipaa:exempt": "s3-bucket-default-encryption-kms",
    "hipaa:exempt-reason": "RISK-0117: ELB access logs support SSE-S3 only; logs hold no ePHI",
    "hipaa:exempt-until": "2027-06-30"})
aws.s3.BucketServerSideEncryptionConfiguration(
    "alb-access-logs-sse", bucket=alb_logs.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}])  # ALB logs support SSE-S3 only
aws.s3.BucketPublicAccessBlock("alb-access-logs-pab", bucket=alb_logs.id, block_public_acls=True,
                               block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
alb = aws.lb.LoadBalancer("records-alb", load_balancer_type="application", internal=False,
                          subnets=[s.id for s in public_subnets], security_groups=[alb_sg.id],
                          drop_invalid_header_fields=True, enable_deletion_protection=True,
                          access_logs={"bucket": alb_logs.id, "enabled": True, "prefix": "records-alb"}, tags=tags)
target_group = aws.lb.TargetGroup("records-api-tg", port=8443, protocol="HTTPS", target_type="ip", vpc_id=vpc.id,
                                  health_check={"path": "/healthz", "protocol": "HTTPS"}, tags=tags)
aws.lb.Listener("records-https", load_balancer_arn=alb.arn, port=443, protocol="HTTPS",
                ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", certificate_arn=cert.arn,
                default_actions=[{"type": "forward", "target_group_arn": target_group.arn}], tags=tags)
# GAP: plain HTTP is forwarded to the API instead of redirected to HTTPS.
aws.lb.Listener("records-http", load_balancer_arn=alb.arn, port=80, protocol="HTTP",
                default_actions=[{"type": "forward", "target_group_arn": target_group.arn}], tags=tags)

cluster = aws.ecs.Cluster("phi-cluster", settings=[{"name": "containerInsights", "value": "enabled"}], tags=tags)
task = aws.ecs.TaskDefinition(
    "records-api-task", family=f"records-api-{env}", cpu="512", memory="1024", network_mode="awsvpc",
    requires_compatibilities=["FARGATE"], execution_role_arn=execution_role.arn, task_role_arn=task_role.arn,
    container_definitions=app_logs.name.apply(lambda group: json.dumps([{
        "name": "records-api", "image": api_image, "essential": True, "readonlyRootFilesystem": True,
        "portMappings": [{"containerPort": 8443, "protocol": "tcp"}],
        "environment": [{"name": "DB_HOST", "value": "records-db"}, {"name": "TLS_MIN_VERSION", "value": "1.2"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "api"}},
    }])), tags=tags)
aws.ecs.Service("records-api", cluster=cluster.arn, task_definition=task.arn, desired_count=2, launch_type="FARGATE",
                network_configuration={"subnets": [s.id for s in private_subnets], "security_groups": [api_sg.id],
                                       "assign_public_ip": False},
                load_balancers=[{"target_group_arn": target_group.arn, "container_name": "records-api",
                                 "container_port": 8443}], tags=tags)

pulumi.export("url", f"https://{domain}")
pulumi.export("documents_bucket", documents.bucket)
pulumi.export("db_endpoint", db.endpoint)
