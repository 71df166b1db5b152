import pulumi
import pulumi_aws as aws


class Network(pulumi.ComponentResource):
    """Registers like a multi-language component: its children are created by its own plugin."""

    vpc_id: pulumi.Output[str]

    def __init__(self, name: str, cidr: str):
        super().__init__("examplex:ec2:Network", name, {"cidrBlock": cidr, "vpcId": None}, None, remote=True)


network = Network("main", "10.0.0.0/16")
aws.s3.Bucket("artifacts")
