"""AWS DMS: replication instances private (164.312(a)(1)) and encrypted with a customer managed key
(164.312(a)(2)(iv)); endpoints connect with TLS (164.312(e)(1))."""
from hipaa_policies.core.props import FAIL
from hipaa_policies.core.policy import remediation_for, resource_policy

INSTANCE = "aws:dms/replicationInstance:ReplicationInstance"
ENDPOINT = "aws:dms/endpoint:Endpoint"
# engines whose endpoints take an `sslMode` (the others reach AWS services over HTTPS)
SSL_ENGINES = ("aurora", "aurora-postgresql", "aurora-serverless", "aurora-postgresql-serverless", "azuredb",
               "azure-sql-managed-instance", "babelfish", "db2", "db2-zos", "docdb", "mariadb", "mongodb", "mysql",
               "oracle", "postgres", "redshift", "redshift-serverless", "sqlserver", "sybase")


@resource_policy(
    name="dms-replication-instance-not-public",
    description="DMS replication instances must not be publicly accessible.",
    citations=["164.312(a)(1)", "164.312(e)(1)"],
    severity="high",
    resource_types=[INSTANCE],
    remediation="Set `publiclyAccessible: false` and place the instance in private subnets "
                "(`replicationSubnetGroupId`); changing it replaces the instance.",
    notes="AWS makes a replication instance public when `publiclyAccessible` is omitted.",
)
def dms_replication_instance_not_public(r, cfg):
    return r.expect_false("publiclyAccessible", "false (the default is true)", absent_ok=False)


@remediation_for(dms_replication_instance_not_public)
def _private(r, cfg):
    if not any(f.status == FAIL for f in dms_replication_instance_not_public(r, cfg)):
        return None
    if r.bool("publiclyAccessible") is False:
        return None
    return {**r.raw, "publiclyAccessible": False}


@resource_policy(
    name="dms-replication-instance-kms-key",
    description="DMS replication instances must encrypt their storage with a customer managed KMS key.",
    citations=["164.312(a)(2)(iv)"],
    severity="medium",
    resource_types=[INSTANCE],
    remediation="Set `kmsKeyArn` to a customer managed KMS key (only at creation).",
    notes="Without it DMS uses the AWS managed key `aws/dms`, whose key policy cannot restrict who decrypts.",
)
def dms_replication_instance_kms_key(r, cfg):
    return r.expect_present("kmsKeyArn", "the ARN of a customer managed KMS key")


@resource_policy(
    name="dms-endpoint-ssl",
    description="DMS database endpoints must connect with TLS (`sslMode` other than `none`).",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)"],
    severity="high",
    resource_types=[ENDPOINT],
    remediation="Set `sslMode` to `verify-full` (or `verify-ca`/`require`) and, for verification, "
                "`certificateArn` to an imported CA certificate.",
    notes="Endpoints for S3, DynamoDB, Kinesis, Kafka, OpenSearch, Neptune and Redis are not checked: "
          "they use their own transport settings.",
)
def dms_endpoint_ssl(r, cfg):
    engine = r.str("engineName")
    if isinstance(engine, str) and engine.lower() not in SSL_ENGINES:
        return []
    # an engine name unknown until deployment is treated as a database engine (it nearly always is)
    return r.expect_in("sslMode", ["require", "verify-ca", "verify-full"],
                       "`require`, `verify-ca` or `verify-full` (the default is `none`)")
