import pulumi
import pulumi_aws as aws

from helpers import bucket_region

bucket = aws.s3.Bucket("site")
pulumi.export("region", bucket.arn.apply(bucket_region))
