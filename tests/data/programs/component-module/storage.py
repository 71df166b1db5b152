import pulumi
import pulumi_aws as aws


class DocumentStore(pulumi.ComponentResource):
    """A bucket and its settings, declared here rather than in __main__.py."""

    def __init__(self, name: str, opts=None):
        super().__init__("example:storage:DocumentStore", name, None, opts)
        self.bucket = aws.s3.Bucket(f"{name}-documents", opts=pulumi.ResourceOptions(parent=self))
        aws.s3.BucketVersioning(f"{name}-versioning", bucket=self.bucket.id,
                                versioning_configuration={"status": "Enabled"},
                                opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"bucket": self.bucket.id})
