def bucket_region(arn):
    # an S3 bucket ARN has no region field (arn:aws:s3:::name): this fails for every bucket
    return arn.split(":")[3].split("-")[1]
