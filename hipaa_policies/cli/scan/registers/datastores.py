"""ePHI data-store register: every data store of the stack with its encryption at rest, key,
key rotation, public exposure and backup coverage (164.312(a)(2)(iv), 164.310(d), 164.308(a)(7)).

The table below maps each column to the policies whose verdict it reports, per resource type.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from hipaa_policies.cli.scan.registers._base import (
    BUCKET, IDENTITY, NO_POLICY, UNKNOWN_TEXT, YES, Column, Context, Table, key_management,
    rotation, setting_text, status_column)
from hipaa_policies.core.props import MISSING

SSE_CONFIG = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


@dataclass(frozen=True)
class Store:
    type: str
    service: str
    encryption: Tuple[str, ...]          # policies: encryption at rest
    key: Optional[str]                   # property holding the KMS key
    default_key: str                     # who manages the key when none is named: aws-managed | aws-owned
    setting: Optional[str] = None        # property that turns encryption on, or names the algorithm
    public: Tuple[str, ...] = ()         # policies: not publicly reachable
    backup: Tuple[str, ...] = ()         # policies: the service's own backups / recovery
    always: str = ""                     # why the store is encrypted although no policy checks it
    off: Optional[str] = None            # key management when the `setting` flag is off (none, aws-owned)
    flag_default: bool = False           # the flag's AWS default when unset


STORES: Tuple[Store, ...] = (
    Store(BUCKET, "S3", ("s3-bucket-default-encryption-kms",), None, "aws-owned",
          public=("s3-bucket-public-access-block", "s3-bucket-no-public-acl"),
          backup=("s3-bucket-versioning-declared",)),
    Store("aws:rds/instance:Instance", "RDS", ("rds-storage-encrypted",), "kmsKeyId", "aws-managed",
          "storageEncrypted", ("rds-not-publicly-accessible",), ("rds-backup-retention",), off="none"),
    Store("aws:rds/cluster:Cluster", "RDS/Aurora", ("rds-storage-encrypted",), "kmsKeyId", "aws-managed",
          "storageEncrypted", ("rds-not-publicly-accessible",), ("rds-backup-retention",), off="none"),
    Store("aws:dynamodb/table:Table", "DynamoDB", ("dynamodb-table-encrypted-kms",), "serverSideEncryption.kmsKeyArn",
          "aws-managed", "serverSideEncryption.enabled", backup=("dynamodb-point-in-time-recovery",), off="aws-owned"),
    Store("aws:efs/fileSystem:FileSystem", "EFS", ("efs-encrypted",), "kmsKeyId", "aws-managed", "encrypted",
          backup=("efs-automatic-backups",), off="none"),
    Store("aws:ebs/volume:Volume", "EBS", ("ebs-volume-encrypted",), "kmsKeyId", "aws-managed", "encrypted", off="none"),
    Store("aws:elasticache/replicationGroup:ReplicationGroup", "ElastiCache", ("elasticache-encrypted-at-rest",),
          "kmsKeyId", "aws-owned", "atRestEncryptionEnabled", backup=("elasticache-snapshot-retention",), off="none"),
    Store("aws:elasticache/cluster:Cluster", "ElastiCache", ("elasticache-encrypted-at-rest",), None, "aws-owned",
          "engine", backup=("elasticache-snapshot-retention",)),
    Store("aws:elasticache/serverlessCache:ServerlessCache", "ElastiCache Serverless", (), "kmsKeyId", "aws-owned",
          backup=("elasticache-snapshot-retention",), always="ElastiCache Serverless always encrypts data at rest"),
    Store("aws:memorydb/cluster:Cluster", "MemoryDB", (), "kmsKeyArn", "aws-owned",
          backup=("memorydb-snapshot-retention",), always="MemoryDB always encrypts data at rest"),
    Store("aws:opensearch/domain:Domain", "OpenSearch", ("opensearch-encrypted-at-rest",), "encryptAtRest.kmsKeyId",
          "aws-managed", "encryptAtRest.enabled", ("opensearch-in-vpc",), off="none"),
    Store("aws:redshift/cluster:Cluster", "Redshift", ("redshift-cluster-encrypted",), "kmsKeyId", "aws-managed",
          "encrypted", ("redshift-cluster-not-public",), ("redshift-snapshot-retention",), off="none",
          flag_default=True),
    Store("aws:docdb/cluster:Cluster", "DocumentDB", ("docdb-cluster-encrypted",), "kmsKeyId", "aws-managed",
          "storageEncrypted", backup=("docdb-backup-retention",), off="none"),
    Store("aws:neptune/cluster:Cluster", "Neptune", ("neptune-cluster-encrypted",), "kmsKeyArn", "aws-managed",
          "storageEncrypted", backup=("neptune-backup-retention",), off="none"),
    Store("aws:sqs/queue:Queue", "SQS", ("sqs-queue-encrypted-kms",), "kmsMasterKeyId", "aws-owned",
          "sqsManagedSseEnabled"),
    Store("aws:sns/topic:Topic", "SNS", ("sns-topic-encrypted-kms",), "kmsMasterKeyId", "none"),
    Store("aws:kinesis/stream:Stream", "Kinesis Data Streams", ("kinesis-stream-encrypted-kms",), "kmsKeyId", "none",
          "encryptionType"),
    Store("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "Data Firehose",
          ("kinesis-firehose-server-side-encryption",), "serverSideEncryption.keyArn", "aws-owned",
          "serverSideEncryption.keyType"),
    Store("aws:backup/vault:Vault", "AWS Backup vault", ("backup-vault-customer-kms-key",), "kmsKeyArn", "aws-managed",
          always="AWS Backup always encrypts recovery points"),
    Store("aws:cloudwatch/logGroup:LogGroup", "CloudWatch Logs", ("cloudwatch-log-group-kms",), "kmsKeyId", "aws-owned",
          always="CloudWatch Logs always encrypts log data"),
    Store("aws:secretsmanager/secret:Secret", "Secrets Manager", ("secretsmanager-secret-customer-kms-key",), "kmsKeyId",
          "aws-managed", always="Secrets Manager always encrypts secrets"),
    Store("aws:ecr/repository:Repository", "ECR", ("ecr-repository-kms-encryption",), "encryptionConfigurations[0].kmsKey",
          "aws-owned", "encryptionConfigurations[0].encryptionType", always="ECR always encrypts images (AES-256 by default)"),
    Store("aws:sagemaker/notebookInstance:NotebookInstance", "SageMaker notebook", ("sagemaker-notebook-kms-key",),
          "kmsKeyId", "aws-managed"),
    Store("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "SageMaker endpoint",
          ("sagemaker-endpoint-config-kms-key",), "kmsKeyArn", "aws-managed"),
)
BY_TYPE: Dict[str, Store] = {s.type: s for s in STORES}
TYPES = tuple(s.type for s in STORES)

COLUMNS = IDENTITY + [
    Column("service", "Service"),
    Column("classification", "Classification tag"),
    Column("inScope", "In PHI scope", "bool"),
    status_column("encryptionAtRest", "Encrypted at rest", "the verdict of the store's encryption policy"),
    Column("encryptionSetting", "Encryption setting", "text", "the property that sets encryption, as written"),
    Column("kmsKey", "KMS key", "ref", "URN of the key in the stack, or the ARN/alias/id as written"),
    Column("keyManagement", "Key management", "text",
           "customer-managed (declared in the stack), aws-managed, aws-owned, external (outside the stack), unknown, none"),
    status_column("keyRotation", "Key rotation"),
    status_column("publicExposure", "Public access possible", "yes when the store's no-public-access policy fails"),
    status_column("backup", "Service backups", "the verdict of the store's own backup/recovery policy"),
    status_column("backupPlan", "AWS Backup coverage", "the verdict of backup-data-stores-in-backup-plan "
                  "(selected by an AWS Backup plan; native backups are the `backup` column)"),
]


def _s3(ctx: Context, bucket: Any) -> Tuple[Any, Any, Any, str]:
    """(algorithm as written, key reference, management, key resource) of a bucket's default encryption."""
    links = ctx.index.referrers(bucket, [SSE_CONFIG], "bucket")
    if links.resources:
        conf = sorted(links.resources, key=lambda c: c.urn)[0]
        algo = ctx.value(conf, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm")
        ref, mgmt, key = key_management(ctx, conf, "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId",
                                        "aws-managed" if str(algo).startswith("aws:kms") else "aws-owned")
        return algo, ref, key, mgmt
    inline = "serverSideEncryptionConfiguration.rule" if bucket.has("serverSideEncryptionConfiguration.rule") \
        else "serverSideEncryptionConfiguration.rules[0]"
    algo = ctx.value(bucket, f"{inline}.applyServerSideEncryptionByDefault.sseAlgorithm")
    if algo is None and links.unresolved:
        return UNKNOWN_TEXT, None, None, "unknown"
    ref, mgmt, key = key_management(ctx, bucket, f"{inline}.applyServerSideEncryptionByDefault.kmsMasterKeyId",
                                    "aws-managed" if str(algo).startswith("aws:kms") else "aws-owned")
    return algo if algo is not None else "AES256 (S3 default)", ref, key, mgmt


def _setting(ctx: Context, store: Store, r: Any) -> Any:
    if store.setting is None:
        return None
    return setting_text(ctx, r, store.setting)


def build(ctx: Context) -> List[Table]:
    table = Table("dataStores", "ePHI data stores", COLUMNS,
                  "Every data store of the stack. Status columns are the verdicts of the named policies.")
    tag_key = ctx.settings.tag_key
    for r in ctx.of_type(*TYPES):
        store = BY_TYPE.get(r.type) or BY_TYPE[_canonical(r.type)]
        e = table.add(ctx.entry(r, service=store.service, classification=ctx.tag(r, tag_key),
                                inScope=ctx.in_scope(r)))
        if _canonical(r.type) == BUCKET:
            setting, ref, key, mgmt = _s3(ctx, r)
            e["encryptionSetting"] = f"sseAlgorithm: {setting}" if setting is not None else None
        else:
            e["encryptionSetting"] = _setting(ctx, store, r)
            if store.key:
                ref, mgmt, key = key_management(ctx, r, store.key, store.default_key)
            else:
                ref, mgmt, key = None, store.default_key, None
            if store.off and store.setting:
                flag = r.bool(store.setting)
                if flag is False or (flag is MISSING and not store.flag_default):
                    mgmt, key = store.off, None
        e["kmsKey"], e["keyManagement"] = ref, mgmt
        if store.encryption:
            ctx.check(e, "encryptionAtRest", r.urn, store.encryption)
        else:
            ctx.basis(e, "encryptionAtRest", YES, store.always)
        rotation(ctx, e, key, mgmt)
        if store.public:
            ctx.check(e, "publicExposure", r.urn, store.public, negate=True)
        else:
            ctx.basis(e, "publicExposure", NO_POLICY, "no policy of the pack checks public access to this type")
        if store.backup:
            ctx.check(e, "backup", r.urn, store.backup)
        else:
            ctx.basis(e, "backup", NO_POLICY, "no backup policy for this type")
        if r.type in _in_plan_types():
            ctx.check(e, "backupPlan", r.urn, [IN_BACKUP_PLAN])
        else:
            ctx.basis(e, "backupPlan", NO_POLICY, f"{IN_BACKUP_PLAN} does not cover this type")
    return [table]


IN_BACKUP_PLAN = "backup-data-stores-in-backup-plan"


def _in_plan_types() -> frozenset:
    from hipaa_policies.registry import get
    return frozenset(get(IN_BACKUP_PLAN).resource_types)


def _canonical(type_: str) -> str:
    from hipaa_policies.core.tokens import canonical
    return canonical(type_)
