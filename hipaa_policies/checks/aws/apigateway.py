"""Amazon API Gateway (REST v1 and HTTP/WebSocket v2): TLS 1.2 on custom domains, access logs,
encrypted response caches and authorised routes."""
from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.policy import resource_policy

REST_DOMAIN = "aws:apigateway/domainName:DomainName"
V2_DOMAIN = "aws:apigatewayv2/domainName:DomainName"
REST_STAGE = "aws:apigateway/stage:Stage"
V2_STAGE = "aws:apigatewayv2/stage:Stage"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
REST_METHOD = "aws:apigateway/method:Method"
V2_ROUTE = "aws:apigatewayv2/route:Route"

TLS_EXPECTED = "`TLS_1_2` or an enhanced `SecurityPolicy_TLS12_*`/`SecurityPolicy_TLS13_*` policy"


def _tls12_or_later(value):
    """Legacy `TLS_1_2`, or an enhanced policy: every `SecurityPolicy_` policy requires TLS 1.2+."""
    if not isinstance(value, str):
        return False
    v = value.strip()
    return v.upper() == "TLS_1_2" or v.startswith(("SecurityPolicy_TLS12", "SecurityPolicy_TLS13"))


@resource_policy(
    name="apigateway-domain-name-tls12",
    description="API Gateway custom domain names (REST, HTTP and WebSocket) must refuse TLS 1.0 and 1.1.",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)"],
    severity="high",
    resource_types=[REST_DOMAIN, V2_DOMAIN],
    remediation="REST API domains: set `securityPolicy: TLS_1_2` (or an enhanced policy such as "
                "`SecurityPolicy_TLS13_1_2_2021_06` together with `endpointAccessMode`). "
                "HTTP/WebSocket domains: set `domainNameConfiguration.securityPolicy: TLS_1_2`.",
    notes="An omitted REST `securityPolicy` fails: AWS's default depends on the endpoint type and has "
          "historically been TLS_1_0.",
)
def apigateway_domain_name_tls12(r, cfg):
    if r.type == V2_DOMAIN:
        return r.expect("domainNameConfiguration.securityPolicy", _tls12_or_later, TLS_EXPECTED)
    return r.expect("securityPolicy", _tls12_or_later, TLS_EXPECTED)


@resource_policy(
    name="apigateway-stage-access-logging",
    description="API Gateway stages must write access logs to CloudWatch Logs or Firehose.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[REST_STAGE, V2_STAGE],
    remediation="Set `accessLogSettings.destinationArn` to a CloudWatch log group (or Firehose stream) ARN and "
                "`accessLogSettings.format` to a format that records at least `$context.requestId`, "
                "`$context.identity.sourceIp`, caller/user identity, `$context.httpMethod`, "
                "`$context.resourcePath` and `$context.status`.",
)
def apigateway_stage_access_logging(r, cfg):
    if r.get("accessLogSettings") is UNKNOWN:
        return r.unverified("accessLogSettings", "a destination ARN and a log format")
    return (r.expect_present("accessLogSettings.destinationArn", "the ARN of a log destination")
            + r.expect_present("accessLogSettings.format", "a non-empty access log format"))


@resource_policy(
    name="apigateway-cache-encrypted",
    description="When API Gateway response caching is enabled, the cache must be encrypted.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[METHOD_SETTINGS],
    remediation="In `aws.apigateway.MethodSettings` set `settings.cacheDataEncrypted: true` wherever "
                "`settings.cachingEnabled` is true, or keep caching off for methods that return ePHI.",
)
def apigateway_cache_encrypted(r, cfg):
    caching = r.bool("settings.cachingEnabled")
    if caching is UNKNOWN:
        return r.unverified("settings.cachingEnabled", "false, or `settings.cacheDataEncrypted` true")
    if caching is not True:
        return []
    return r.expect_true("settings.cacheDataEncrypted", "true when `settings.cachingEnabled` is true")


@resource_policy(
    name="apigateway-route-authorization",
    description="API Gateway methods and routes should require authorization (IAM, Cognito, JWT or a "
                "Lambda authorizer) rather than open access.",
    citations=["164.312(d)", "164.312(a)(1)"],
    severity="high",
    resource_types=[REST_METHOD, V2_ROUTE],
    remediation="Set `authorization` (REST methods) to `AWS_IAM`, `COGNITO_USER_POOLS` or `CUSTOM` with an "
                "`authorizerId`, or `authorizationType` (HTTP/WebSocket routes) to `AWS_IAM`, `JWT` or `CUSTOM`. "
                "An API key (`apiKeyRequired`) identifies a client application, not a person.",
    default_level="advisory",
    level_reason="public endpoints that never touch ePHI (health checks, public content) legitimately allow "
                 "open access; scope the pack to PHI resources or exempt them, then raise to mandatory",
    notes="CORS preflight (`OPTIONS`) methods are not checked: browsers send them without credentials.",
)
def apigateway_route_authorization(r, cfg):
    expected = "an authorization type other than `NONE`"
    if r.type == V2_ROUTE:
        key = r.str("routeKey")
        if isinstance(key, str) and key.strip().upper().startswith("OPTIONS "):
            return []
        return r.expect("authorizationType", lambda v: isinstance(v, str) and v.strip().upper() != "NONE",
                        expected)
    method = r.str("httpMethod")
    if isinstance(method, str) and method.strip().upper() == "OPTIONS":
        return []
    return r.expect("authorization", lambda v: isinstance(v, str) and v.strip().upper() not in ("", "NONE"),
                    expected)
