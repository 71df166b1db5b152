import pulumi_aws as aws

from storage import DocumentStore

store = DocumentStore("records")
aws.cloudwatch.LogGroup("app-logs", retention_in_days=30)
