import pulumi
import pulumi_aws as aws

key = aws.kms.Key("docs-key", enable_key_rotation=True, deletion_window_in_days=30)
bucket = aws.s3.Bucket("docs")
aws.s3.BucketServerSideEncryptionConfiguration(
    "docs-sse", bucket=bucket.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
            "bucket_key_enabled": True}])
aws.s3.BucketPublicAccessBlock("docs-pab", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                               ignore_public_acls=True, restrict_public_buckets=True)
pulumi.export("bucket", bucket.id)
