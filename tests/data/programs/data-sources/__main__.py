import pulumi
import pulumi_aws as aws

zones = aws.get_availability_zones(state="available")
account = aws.get_caller_identity().account_id
region = aws.get_region().region
partition = aws.get_partition().partition
default_vpc = aws.ec2.get_vpc(default=True)
default_subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [default_vpc.id]}])
ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"],
                      filters=[{"name": "name", "values": ["al2023-ami-*-x86_64"]}])

vpc = aws.ec2.Vpc("app", cidr_block="10.20.0.0/16")
for i, zone in enumerate(zones.names[:2]):
    aws.ec2.Subnet(f"app-{zone}", vpc_id=vpc.id, availability_zone=zone, cidr_block=f"10.20.{i}.0/24")
aws.ec2.Instance("worker", ami=ami.id, instance_type="t3.micro", subnet_id=default_subnets.ids[0])

bucket = aws.s3.Bucket("exports", bucket=f"exports-{account}-{region}")
tls_only = aws.iam.get_policy_document_output(statements=[{
    "sid": "DenyInsecureTransport",
    "effect": "Deny",
    "principals": [{"type": "*", "identifiers": ["*"]}],
    "actions": ["s3:*"],
    "resources": [bucket.arn, bucket.arn.apply(lambda arn: f"{arn}/*")],
    "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
}])
aws.s3.BucketPolicy("exports-tls-only", bucket=bucket.id, policy=tls_only.json)
pulumi.export("partition", partition)
