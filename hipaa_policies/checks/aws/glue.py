"""AWS Glue: security configurations encrypt S3 output, CloudWatch logs and job bookmarks, and the
Data Catalog is encrypted with its connection passwords (164.312(a)(2)(iv))."""
from hipaa_policies.core.policy import resource_policy

SECURITY_CONFIGURATION = "aws:glue/securityConfiguration:SecurityConfiguration"
CATALOG_ENCRYPTION = "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings"


@resource_policy(
    name="glue-security-configuration-encryption",
    description="Glue security configurations must encrypt S3 data, CloudWatch logs and job bookmarks with KMS.",
    citations=["164.312(a)(2)(iv)", "164.312(b)"],
    severity="high",
    resource_types=[SECURITY_CONFIGURATION],
    remediation="In `encryptionConfiguration` set `s3Encryption.s3EncryptionMode: SSE-KMS`, "
                "`cloudwatchEncryption.cloudwatchEncryptionMode: SSE-KMS` and "
                "`jobBookmarksEncryption.jobBookmarksEncryptionMode: CSE-KMS`, each with a `kmsKeyArn`; "
                "attach the configuration to jobs, crawlers and development endpoints.",
    config={"allowS3ManagedKeys": {"type": "boolean", "default": False,
                                   "description": "Accept `SSE-S3` for S3 output instead of `SSE-KMS`."}},
)
def glue_security_configuration_encryption(r, cfg):
    base = "encryptionConfiguration."
    s3_modes = ["SSE-KMS", "SSE-S3"] if cfg["allowS3ManagedKeys"] else ["SSE-KMS"]
    findings = []
    findings += r.expect_in(f"{base}s3Encryption.s3EncryptionMode", s3_modes)
    findings += r.expect_in(f"{base}cloudwatchEncryption.cloudwatchEncryptionMode", ["SSE-KMS"],
                            "`SSE-KMS` (the default is `DISABLED`)")
    findings += r.expect_in(f"{base}jobBookmarksEncryption.jobBookmarksEncryptionMode", ["CSE-KMS"],
                            "`CSE-KMS` (the default is `DISABLED`)")
    return findings


@resource_policy(
    name="glue-data-catalog-encryption",
    description="The Glue Data Catalog must be encrypted at rest with KMS and return connection passwords encrypted.",
    citations=["164.312(a)(2)(iv)", "164.312(a)(1)"],
    severity="high",
    resource_types=[CATALOG_ENCRYPTION],
    remediation="Set `dataCatalogEncryptionSettings.encryptionAtRest.catalogEncryptionMode: SSE-KMS` with "
                "`sseAwsKmsKeyId`, and `connectionPasswordEncryption.returnConnectionPasswordEncrypted: true` "
                "with `awsKmsKeyId`.",
)
def glue_data_catalog_encryption(r, cfg):
    base = "dataCatalogEncryptionSettings."
    findings = r.expect_in(f"{base}encryptionAtRest.catalogEncryptionMode",
                           ["SSE-KMS", "SSE-KMS-WITH-SERVICE-ROLE"], "`SSE-KMS` (the default is `DISABLED`)")
    findings += r.expect_true(f"{base}connectionPasswordEncryption.returnConnectionPasswordEncrypted")
    return findings
