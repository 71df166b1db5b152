"""AWS Lambda: environment variables under a customer managed KMS key (164.312(a)(2)(iv)),
function URLs that require IAM authentication (164.312(a)(1), 164.312(d)) and functions attached
to a VPC (164.312(e)(1)).  (The module is ``lambda_`` because ``lambda`` is a Python keyword.)"""
from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.policy import resource_policy

FUNCTION = "aws:lambda/function:Function"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"


@resource_policy(
    name="lambda-function-env-kms-key",
    description="Lambda functions with environment variables must encrypt them with a customer managed KMS key.",
    citations=["164.312(a)(2)(iv)"],
    severity="medium",
    resource_types=[FUNCTION],
    remediation="Set `kmsKeyArn` to a customer managed KMS key and grant the function role `kms:Decrypt`; keep "
                "secrets in Secrets Manager rather than in environment variables.",
    notes="Functions without environment variables are not checked; variables unknown during preview count as "
          "present. Without `kmsKeyArn` Lambda uses the "
          "AWS managed key `aws/lambda`, whose key policy cannot restrict who decrypts.",
)
def lambda_function_env_kms_key(r, cfg):
    variables = r.get("environment.variables")
    # variables unknown until deployment are assumed present: the key is then required
    if variables is not UNKNOWN and not (isinstance(variables, dict) and variables):
        return []
    return r.expect_present("kmsKeyArn", "the ARN of a customer managed KMS key (the function has environment variables)")


@resource_policy(
    name="lambda-function-url-auth",
    description="Lambda function URLs must require IAM authentication (`authorizationType: AWS_IAM`).",
    citations=["164.312(a)(1)", "164.312(d)"],
    severity="high",
    resource_types=[FUNCTION_URL],
    remediation="Set `authorizationType: \"AWS_IAM\"` and grant `lambda:InvokeFunctionUrl` to the callers; put "
                "public endpoints behind API Gateway or CloudFront with an authorizer instead.",
)
def lambda_function_url_auth(r, cfg):
    return r.expect_in("authorizationType", ["AWS_IAM"], "`AWS_IAM` (not `NONE`)")


@resource_policy(
    name="lambda-function-in-vpc",
    description="Lambda functions should run attached to a VPC so their traffic to ePHI data stores stays on "
                "private networks.",
    citations=["164.312(e)(1)", "164.312(a)(1)"],
    severity="low",
    resource_types=[FUNCTION],
    remediation="Set `vpcConfig: {subnetIds: [...private subnets], securityGroupIds: [...]}` and reach AWS "
                "services through VPC endpoints.",
    default_level="advisory",
    level_reason="functions that reach no private data store gain nothing from a VPC; the rule is a network "
                 "hardening recommendation (AWS Config `lambda-inside-vpc`), not a safeguard on its own",
)
def lambda_function_in_vpc(r, cfg):
    subnets = r.list("vpcConfig.subnetIds")
    if subnets is UNKNOWN:
        return r.unverified("vpcConfig.subnetIds", "at least one subnet")
    if any(isinstance(v, str) and v for v in subnets):
        return []
    if any(v is UNKNOWN for v in subnets):
        return r.unverified("vpcConfig.subnetIds", "at least one subnet")
    return r.fail("vpcConfig.subnetIds", "at least one private subnet")
