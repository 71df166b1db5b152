import json

import pulumi
import pulumi_aws as aws

role = aws.iam.Role("handler-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}))
handler = aws.lambda_.Function(
    "handler", role=role.arn, runtime="python3.12", handler="app.handler",
    code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}))
api = aws.apigateway.RestApi("api")
resource = aws.apigateway.Resource("proxy", rest_api=api.id, parent_id=api.root_resource_id, path_part="{proxy+}")
method = aws.apigateway.Method("proxy-any", rest_api=api.id, resource_id=resource.id, http_method="ANY",
                               authorization="NONE")
integration = aws.apigateway.Integration("proxy-lambda", rest_api=api.id, resource_id=resource.id,
                                         http_method=method.http_method, integration_http_method="POST",
                                         type="AWS_PROXY", uri=handler.invoke_arn)
deployment = aws.apigateway.Deployment("deployment", rest_api=api.id,
                                       opts=pulumi.ResourceOptions(depends_on=[integration]))
stage = aws.apigateway.Stage("v1", rest_api=api.id, deployment=deployment.id, stage_name="v1")
# a resource object as an input, and computed outputs used in string arithmetic
aws.lambda_.Permission("api-invoke", action="lambda:InvokeFunction", function=handler,
                       principal="apigateway.amazonaws.com",
                       source_arn=api.execution_arn.apply(lambda arn: arn + "/*/*"))
pulumi.export("url", stage.invoke_url.apply(lambda url: url + "/hello"))
