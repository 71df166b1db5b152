"""AWS Lambda: environment variables under a customer managed KMS key (164.312(a)(2)(iv)),
function URLs that require IAM authentication (164.312(a)(1), 164.312(d)), permissions closed to
the public (164.312(a)(1)), functions attached to a VPC (164.312(e)(1)) and failed asynchronous
events kept (164.308(a)(7)).  (The module is ``lambda_`` because ``lambda`` is a Python keyword.)"""
from hipaa_policies.core.helpers.links import LinkedUnknown
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import resource_policy, stack_policy

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


# --------------------------------------------------------------------------- resource-based permissions
PERMISSION = "aws:lambda/permission:Permission"
SOURCE_KEYS = ("sourceArn", "sourceAccount", "principalOrgId")
PERMISSION_EXPECTED = ("a named account, role or service, or `principal: \"*\"` limited by `sourceArn`, "
                       "`sourceAccount` or `principalOrgId`")


@resource_policy(
    name="lambda-permission-no-public-principal",
    description="Lambda permissions must not let everyone (`principal: \"*\"`) invoke or manage a function "
                "without a source restriction.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="critical",
    resource_types=[PERMISSION],
    remediation="Set `principal` to the account, role or service that calls the function (e.g. "
                "`s3.amazonaws.com`) and `sourceArn` (or `sourceAccount`, or `principalOrgId`) to the caller; "
                "never combine `principal: \"*\"` with no source.",
    notes="The resource-policy form of the shared public-principal analysis: a permission for `*` is restricted "
          "by `sourceArn`, `sourceAccount` or `principalOrgId`; a source unknown until deployment is unverified. "
          "Public function URLs are checked by lambda-function-url-auth.",
)
def lambda_permission_no_public_principal(r, cfg):
    principal = r.str("principal")
    if principal is UNKNOWN:
        return r.unverified("principal", PERMISSION_EXPECTED)
    if not (isinstance(principal, str) and "*" in principal):
        return []
    pending = None
    for key in SOURCE_KEYS:
        value = r.get(key)
        if isinstance(value, str) and value.strip() and value.strip() != "*":
            return []
        if value is UNKNOWN:
            pending = pending or key
    if pending:
        return r.unverified(pending, PERMISSION_EXPECTED)
    return r.fail("principal", PERMISSION_EXPECTED)


# --------------------------------------------------------------------------- failed asynchronous events
EVENT_INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
DLQ_EXPECTED = ("an SQS queue or SNS topic ARN (or an `aws.lambda.FunctionEventInvokeConfig` with "
                "`destinationConfig.onFailure.destination`)")


@stack_policy(
    name="lambda-function-dead-letter-queue",
    description="Lambda functions should keep asynchronous events that fail every retry (a dead-letter queue or "
                "an on-failure destination) instead of dropping them.",
    citations=["164.308(a)(7)(i)", "164.308(a)(7)(ii)(B)"],
    severity="low",
    resource_types=[FUNCTION, EVENT_INVOKE_CONFIG],
    remediation="Set `deadLetterConfig.targetArn` to an encrypted SQS queue or SNS topic (the function role needs "
                "`sqs:SendMessage`/`sns:Publish`), or declare `aws.lambda.FunctionEventInvokeConfig(function_name=..., "
                "destination_config={\"on_failure\": {\"destination\": <queue/topic/bucket ARN>}})`.",
    notes="AWS Config lambda-dlq-check. Lambda retries a failed asynchronous invocation twice and then discards "
          "the event: records in flight (an S3 upload notification, an SNS message) are lost without a trace. "
          "Functions invoked only synchronously (API Gateway, function URLs) do not need one: exempt them.",
)
def lambda_function_dead_letter_queue(stack, cfg):
    findings = []
    for fn in stack.of_type(FUNCTION):
        target = fn.get("deadLetterConfig.targetArn")
        if isinstance(target, str) and target.strip():
            continue
        links = stack.referrers(fn, [EVENT_INVOKE_CONFIG], "functionName")
        destinations = [c.get("destinationConfig.onFailure.destination") for c in links.resources]
        if any(isinstance(d, str) and d.strip() for d in destinations):
            continue
        if target is UNKNOWN or UNKNOWN in destinations:
            findings.append(Finding("deadLetterConfig.targetArn", DLQ_EXPECTED, UNVERIFIED, fn.urn))
        elif links.unresolved:
            findings.append(LinkedUnknown("deadLetterConfig.targetArn", DLQ_EXPECTED, UNVERIFIED, fn.urn))
        else:
            findings.append(Finding("deadLetterConfig.targetArn", DLQ_EXPECTED, FAIL, fn.urn))
    return findings
