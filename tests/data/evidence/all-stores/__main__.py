"""Evidence registers test program: one of every data-store type the ePHI register covers, plus
endpoints, trails and logs, backups, identity settings, exemptions and a network, some compliant and
some not (comments say which).  Secret inputs carry the marker ``canary-`` so a test can prove no
secret value reaches any register."""
import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
db_password = config.require_secret("dbPassword")
canary = pulumi.Output.secret("canary-master-password-4711")
tags = {"data-classification": "phi", "owner": "records-team", "system": "all-stores"}

cmk = aws.kms.Key("cmk", enable_key_rotation=True, deletion_window_in_days=30, tags=tags)
stale_key = aws.kms.Key("stale-key", enable_key_rotation=False, tags=tags)          # rotation off

# --------------------------------------------------------------------------- network
vpc = aws.ec2.Vpc("main-vpc", cidr_block="10.9.0.0/16", tags=tags)
igw = aws.ec2.InternetGateway("igw", vpc_id=vpc.id)
public = aws.ec2.Subnet("public-a", vpc_id=vpc.id, cidr_block="10.9.0.0/24", map_public_ip_on_launch=True)
private = aws.ec2.Subnet("private-a", vpc_id=vpc.id, cidr_block="10.9.10.0/24")
private_b = aws.ec2.Subnet("private-b", vpc_id=vpc.id, cidr_block="10.9.11.0/24")
rt = aws.ec2.RouteTable("public-rt", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}])
aws.ec2.RouteTableAssociation("public-rta", subnet_id=public.id, route_table_id=rt.id)
web_sg = aws.ec2.SecurityGroup("web-sg", vpc_id=vpc.id, description="web",
                               ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}])
aws.ec2.SecurityGroupRule("web-ssh", type="ingress", protocol="tcp", from_port=22, to_port=22,   # admin port open
                          cidr_blocks=["0.0.0.0/0"], security_group_id=web_sg.id)
data_sg = aws.ec2.SecurityGroup("data-sg", vpc_id=vpc.id, description="data",
                                ingress=[{"protocol": "tcp", "from_port": 5432, "to_port": 5432,
                                          "security_groups": [web_sg.id]}])
aws.ec2.FlowLog("vpc-flow", vpc_id=vpc.id, traffic_type="ALL", log_destination_type="s3",
                log_destination="arn:aws:s3:::central-flow-logs")
aws.ec2.Instance("bastion", ami="ami-0123456789abcdef0", instance_type="t3.micro", subnet_id=public.id,
                 vpc_security_group_ids=[web_sg.id], associate_public_ip_address=True,
                 root_block_device={"encrypted": True}, tags={**tags, "owner": pulumi.Output.secret("canary-owner-tag")})

# --------------------------------------------------------------------------- S3
logs = aws.s3.Bucket("audit-logs", bucket="all-stores-audit-logs", object_lock_enabled=True, tags=tags)
aws.s3.BucketServerSideEncryptionConfiguration("audit-logs-sse", bucket=logs.id, rules=[
    {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": cmk.arn}}])
aws.s3.BucketLifecycleConfiguration("audit-logs-lifecycle", bucket=logs.id, rules=[   # expires too early
    {"id": "expire", "status": "Enabled", "filter": {}, "expiration": {"days": 30}}])
aws.s3.BucketObjectLockConfiguration("audit-logs-lock", bucket=logs.id,
                                     rule={"default_retention": {"mode": "COMPLIANCE", "years": 7}})
docs = aws.s3.Bucket("phi-docs", bucket="all-stores-phi-docs", tags=tags)
aws.s3.BucketServerSideEncryptionConfiguration("phi-docs-sse", bucket=docs.id, rules=[
    {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": cmk.arn},
     "bucket_key_enabled": True}])
aws.s3.BucketPublicAccessBlock("phi-docs-pab", bucket=docs.id, block_public_acls=True, block_public_policy=True,
                               ignore_public_acls=True, restrict_public_buckets=True)
aws.s3.BucketVersioning("phi-docs-versioning", bucket=docs.id, versioning_configuration={"status": "Enabled"})
aws.s3.BucketLogging("phi-docs-logging", bucket=docs.id, target_bucket=logs.id, target_prefix="docs/")
aws.s3.BucketPolicy("phi-docs-policy", bucket=docs.id, policy=docs.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                            "Resource": [arn, f"{arn}/*"],
                                            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})))
aws.s3.Bucket("scratch", bucket="all-stores-scratch", tags=tags)                   # nothing declared

# --------------------------------------------------------------------------- databases
pg = aws.rds.ParameterGroup("pg-tls", name="pg-tls", family="postgres16", parameters=[{"name": "rds.force_ssl", "value": "1"}])
db_subnets = aws.rds.SubnetGroup("db-subnets", name="all-stores-db", subnet_ids=[private.id, private_b.id])
db = aws.rds.Instance("records-db", identifier="records-db", engine="postgres", engine_version="16.4",
                      instance_class="db.t4g.medium", allocated_storage=50, username="records", password=canary,
                      storage_encrypted=True, kms_key_id=cmk.arn, parameter_group_name=pg.name,
                      db_subnet_group_name=db_subnets.name, vpc_security_group_ids=[data_sg.id],
                      publicly_accessible=True, backup_retention_period=14, multi_az=True,   # public: a violation
                      deletion_protection=True, enabled_cloudwatch_logs_exports=["postgresql"], tags=tags)
cpg = aws.rds.ClusterParameterGroup("aurora-pg", name="aurora-pg", family="aurora-postgresql16",
                                    parameters=[{"name": "rds.force_ssl", "value": "0"}])   # TLS not forced
aurora = aws.rds.Cluster("aurora", cluster_identifier="aurora", engine="aurora-postgresql", master_username="admin",
                         master_password=db_password, storage_encrypted=True, kms_key_id=stale_key.arn,
                         db_cluster_parameter_group_name=cpg.name, backup_retention_period=7, tags=tags)
aws.docdb.Cluster("docs-db", master_username="admin", master_password=canary, storage_encrypted=False, tags=tags)
aws.neptune.Cluster("graph-db", storage_encrypted=True, kms_key_arn=cmk.arn, backup_retention_period=7, tags=tags)
rs_pg = aws.redshift.ParameterGroup("rs-pg", name="rs-pg", family="redshift-1.0", parameters=[{"name": "require_ssl", "value": "true"}])
aws.redshift.Cluster("warehouse", cluster_identifier="warehouse", node_type="ra3.xlplus", master_username="admin",
                     manage_master_password=True, encrypted="true", kms_key_id=cmk.arn, publicly_accessible=False,
                     cluster_parameter_group_name=rs_pg.name, automated_snapshot_retention_period=7, tags=tags)
table = aws.dynamodb.Table("sessions", name="sessions", hash_key="id", attributes=[{"name": "id", "type": "S"}],
                           billing_mode="PAY_PER_REQUEST", server_side_encryption={"enabled": True, "kms_key_arn": cmk.arn},
                           point_in_time_recovery={"enabled": True}, deletion_protection_enabled=True, tags=tags)
aws.dynamodb.Table("cache-table", name="cache-table", hash_key="id", attributes=[{"name": "id", "type": "S"}],
                   billing_mode="PAY_PER_REQUEST", tags=tags)                        # AWS owned key, no PITR
fs = aws.efs.FileSystem("shared-fs", encrypted=True, kms_key_id=cmk.arn, tags=tags)
aws.efs.BackupPolicy("shared-fs-backup", file_system_id=fs.id, backup_policy={"status": "ENABLED"})
aws.efs.MountTarget("shared-fs-mount", file_system_id=fs.id, subnet_id=private.id, security_groups=[data_sg.id])
aws.ebs.Volume("scratch-volume", availability_zone="us-east-1a", size=20, encrypted=False, tags={   # exempted
    **tags, "hipaa:exempt": "ebs-volume-encrypted", "hipaa:exempt-reason": "RISK-9: holds only public images",
    "hipaa:exempt-until": "2099-12-31"})
aws.elasticache.ReplicationGroup("cache", description="sessions cache", node_type="cache.t4g.small", engine="redis",
                                 at_rest_encryption_enabled=True, kms_key_id=cmk.arn, transit_encryption_enabled=True,
                                 automatic_failover_enabled=True, multi_az_enabled=True, num_cache_clusters=2,
                                 snapshot_retention_limit=7, security_group_ids=[data_sg.id], tags=tags)
aws.memorydb.Cluster("memdb", acl_name="app-acl", node_type="db.t4g.small", tls_enabled=True,
                     snapshot_retention_limit=7, security_group_ids=[data_sg.id], tags=tags)
aws.opensearch.Domain("search", domain_name="search", engine_version="OpenSearch_2.13",
                      encrypt_at_rest={"enabled": True, "kms_key_id": cmk.arn},
                      node_to_node_encryption={"enabled": True},
                      domain_endpoint_options={"enforce_https": True, "tls_security_policy": "Policy-Min-TLS-1-2-2019-07"},
                      vpc_options={"subnet_ids": [private.id], "security_group_ids": [data_sg.id]}, tags=tags)

# --------------------------------------------------------------------------- messaging, streams, secrets, images, ML
aws.sqs.Queue("jobs", kms_master_key_id="alias/aws/sqs", tags=tags)                 # AWS managed key
topic = aws.sns.Topic("alerts", tags={**tags, "hipaa:exempt": "sns-topic-encrypted-kms",   # void: expired
                                      "hipaa:exempt-reason": "legacy", "hipaa:exempt-until": "2020-01-31"})
aws.kinesis.Stream("events", shard_count=1, encryption_type="KMS", kms_key_id=cmk.arn, tags=tags)
firehose_role = aws.iam.Role("firehose-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"},
                                            "Action": "sts:AssumeRole"}]}))
aws.kinesis.FirehoseDeliveryStream("delivery", destination="extended_s3",
                                   server_side_encryption={"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK",
                                                           "key_arn": cmk.arn},
                                   extended_s3_configuration={"role_arn": firehose_role.arn, "bucket_arn": docs.arn})
secret = aws.secretsmanager.Secret("db-credentials", kms_key_id=cmk.arn, tags=tags)
aws.secretsmanager.SecretVersion("db-credentials-v1", secret_id=secret.id,
                                 secret_string=pulumi.Output.secret("canary-secret-string-0815"))
aws.ecr.Repository("api-images", image_tag_mutability="IMMUTABLE",
                   encryption_configurations=[{"encryption_type": "KMS", "kms_key": cmk.arn}], tags=tags)
sm_role = aws.iam.Role("sagemaker-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                            "Action": "sts:AssumeRole"}]}))
aws.sagemaker.NotebookInstance("notebook", instance_type="ml.t3.medium", role_arn=sm_role.arn, kms_key_id=cmk.arn,
                               direct_internet_access="Disabled", root_access="Disabled", subnet_id=private.id,
                               security_groups=[data_sg.id], tags=tags)
aws.sagemaker.EndpointConfiguration("endpoint-config", production_variants=[{      # no KMS key
    "variant_name": "main", "model_name": "model", "initial_instance_count": 1, "instance_type": "ml.m5.large"}],
    tags=tags)

# --------------------------------------------------------------------------- logs and trail
trail_group = aws.cloudwatch.LogGroup("trail-group", name="/all-stores/trail", retention_in_days=2557,
                                      kms_key_id=cmk.arn, tags=tags)
aws.cloudwatch.LogGroup("app-group", name="/all-stores/app", retention_in_days=14, tags=tags)   # short, no key
trail_role = aws.iam.Role("trail-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                            "Action": "sts:AssumeRole"}]}))
aws.cloudtrail.Trail("trail", name="all-stores", s3_bucket_name=logs.id, is_multi_region_trail=True,
                     enable_log_file_validation=True, kms_key_id=cmk.arn,
                     cloud_watch_logs_group_arn=trail_group.arn.apply(lambda a: f"{a}:*"),
                     cloud_watch_logs_role_arn=trail_role.arn,
                     event_selectors=[{"read_write_type": "All", "include_management_events": True,
                                       "data_resources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]}])

# --------------------------------------------------------------------------- endpoints
cert = aws.acm.Certificate("cert", domain_name="records.example-health.org", validation_method="DNS")
alb = aws.lb.LoadBalancer("alb", load_balancer_type="application", internal=False, subnets=[public.id, private.id],
                          security_groups=[web_sg.id], drop_invalid_header_fields=True,
                          access_logs={"bucket": logs.id, "enabled": True}, tags=tags)
tg = aws.lb.TargetGroup("tg", port=443, protocol="HTTPS", vpc_id=vpc.id, target_type="ip")
aws.lb.Listener("https", load_balancer_arn=alb.arn, port=443, protocol="HTTPS",
                ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", certificate_arn=cert.arn,
                default_actions=[{"type": "forward", "target_group_arn": tg.arn}])
aws.lb.Listener("http-redirect", load_balancer_arn=alb.arn, port=80, protocol="HTTP", default_actions=[
    {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}])
aws.cloudfront.Distribution(
    "cdn", enabled=True,
    origins=[{"domain_name": "records.example-health.org", "origin_id": "api",
              "custom_origin_config": {"http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
                                       "origin_ssl_protocols": ["TLSv1.2"]}}],
    default_cache_behavior={"target_origin_id": "api", "viewer_protocol_policy": "redirect-to-https",
                            "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                            "forwarded_values": {"query_string": False, "cookies": {"forward": "none"}}},
    restrictions={"geo_restriction": {"restriction_type": "none"}},
    viewer_certificate={"acm_certificate_arn": cert.arn, "ssl_support_method": "sni-only",
                        "minimum_protocol_version": "TLSv1.2_2021"},
    logging_config={"bucket": "all-stores-audit-logs.s3.amazonaws.com"}, web_acl_id="arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1")
aws.apigatewayv2.DomainName("api-domain", domain_name="api.example-health.org",
                            domain_name_configuration={"certificate_arn": cert.arn, "endpoint_type": "REGIONAL",
                                                       "security_policy": "TLS_1_2"})
aws.apigateway.DomainName("legacy-domain", domain_name="legacy.example-health.org",
                          regional_certificate_arn=cert.arn)                         # no TLS policy: fails
api = aws.apigatewayv2.Api("http-api", protocol_type="HTTP")
aws.apigatewayv2.Stage("api-stage", api_id=api.id, name="prod", access_log_settings={
    "destination_arn": trail_group.arn, "format": "$context.requestId $context.identity.sourceIp"})

# --------------------------------------------------------------------------- backup
vault = aws.backup.Vault("vault", name="all-stores-vault", kms_key_arn=cmk.arn, tags=tags)
aws.backup.VaultLockConfiguration("vault-lock", backup_vault_name=vault.name, min_retention_days=35,
                                  max_retention_days=3650, changeable_for_days=3)
plan = aws.backup.Plan("plan", name="daily", rules=[{
    "rule_name": "daily", "target_vault_name": vault.name, "schedule": "cron(0 5 * * ? *)",
    "lifecycle": {"delete_after": 35},
    "copy_actions": [{"destination_vault_arn": "arn:aws:backup:us-west-2:210987654321:backup-vault:dr-vault",
                      "lifecycle": {"delete_after": 90}}]}])
backup_role = aws.iam.Role("backup-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"},
                                            "Action": "sts:AssumeRole"}]}))
aws.backup.Selection("selection", plan_id=plan.id, iam_role_arn=backup_role.arn, name="data",
                     resources=[db.arn, table.arn])
restore_plan = aws.backup.RestoreTestingPlan("restore-test", name="monthly_restore",
                                             schedule_expression="cron(0 6 1 * ? *)",
                                             recovery_point_selection={"algorithm": "LATEST_WITHIN_WINDOW",
                                                                       "include_vaults": ["*"],
                                                                       "recovery_point_types": ["SNAPSHOT"]})
aws.backup.RestoreTestingSelection("restore-test-rds", name="rds", restore_testing_plan_name=restore_plan.name,
                                   protected_resource_type="RDS", iam_role_arn=backup_role.arn,
                                   protected_resource_arns=["*"])

# --------------------------------------------------------------------------- identity
aws.iam.AccountPasswordPolicy("passwords", minimum_password_length=8, require_symbols=False)      # weak
admin_role = aws.iam.Role("ops-admin", max_session_duration=43200, assume_role_policy=json.dumps({   # 12 h sessions
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                            "Action": "sts:AssumeRole",
                                            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
aws.iam.RolePolicy("ops-admin-all", role=admin_role.id, policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
aws.iam.RolePolicyAttachment("ops-admin-managed", role=admin_role.name,
                             policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
pool = aws.cognito.UserPool("patients", mfa_configuration="ON", software_token_mfa_configuration={"enabled": True},
                            password_policy={"minimum_length": 14, "require_symbols": True, "require_numbers": True,
                                             "require_lowercase": True, "require_uppercase": True})
aws.cognito.UserPoolClient("portal-client", user_pool_id=pool.id, access_token_validity=1, id_token_validity=1,
                           refresh_token_validity=30)
aws.ssoadmin.PermissionSet("analysts", instance_arn="arn:aws:sso:::instance/ssoins-1234567890abcdef",
                           session_duration="PT8H")                                  # longer than 1 hour
aws.appstream.Fleet("desktops", instance_type="stream.standard.small", compute_capacity={"desired_instances": 1},
                    idle_disconnect_timeout_in_seconds=600, disconnect_timeout_in_seconds=300,
                    max_user_duration_in_seconds=28800)
