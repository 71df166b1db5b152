"""Amazon API Gateway (REST v1 and HTTP/WebSocket v2): TLS 1.2 on custom domains, access and
execution logs (164.312(b)), encrypted response caches, authorised routes, resource policies closed to
the public (164.312(a)(1)) and client certificates towards HTTP backends (164.312(d)).

Execution logging and client certificates are stack joins: ``aws.apigateway.MethodSettings`` and
``aws.apigateway.Integration`` link to their API and stage by ``restApi``/``stageName``.
"""
from hipaa_policies.core.helpers.links import LinkedUnknown, references
from hipaa_policies.core.helpers.policy_documents import UNPARSEABLE, read
from hipaa_policies.core.helpers.principals import public_findings
from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN, UNVERIFIED, Finding
from hipaa_policies.core.policy import resource_policy, stack_policy

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


# --------------------------------------------------------------------------- resource policies
REST_API = "aws:apigateway/restApi:RestApi"
REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"


@resource_policy(
    name="apigateway-rest-api-policy-no-public-principal",
    description="API Gateway REST API resource policies must not allow everyone (`Principal: \"*\"`) without a "
                "condition restricting the caller's network, account or organisation.",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="medium",
    resource_types=[REST_API_POLICY, REST_API],
    remediation="Restrict `Principal: \"*\"` statements with `aws:SourceVpce` (private APIs), `aws:SourceIp`, "
                "`aws:PrincipalOrgID` or `aws:PrincipalAccount`, or add a `Deny` for everyone unless such a key "
                "matches (`StringNotEquals aws:SourceVpce`, `NotIpAddress aws:SourceIp`).",
    notes="Shared public-principal analysis (see s3-bucket-policy-no-public-principal). A private API whose policy "
          "allows `*` without `aws:SourceVpce` is reachable through any VPC endpoint of any account; a public API "
          "with such a policy relies on its method authorizers alone (apigateway-route-authorization): exempt "
          "deliberately public APIs with the reason.",
)
def apigateway_rest_api_policy_no_public_principal(r, cfg):
    return public_findings(r.get("policy"), "policy", absent=UNKNOWN if r.type == REST_API_POLICY else MISSING)


# --------------------------------------------------------------------------- execution logging
V2_API = "aws:apigatewayv2/api:Api"
LOG_LEVELS = ("ERROR", "INFO")
EXEC_EXPECTED = ("declared for this stage with `methodPath: \"*/*\"` and `settings.loggingLevel` `ERROR` or "
                 "`INFO`")


def _level(value):
    return isinstance(value, str) and value.strip().upper() in LOG_LEVELS


@stack_policy(
    name="apigateway-execution-logging",
    description="API Gateway REST and WebSocket stages must write execution logs (`loggingLevel` ERROR or INFO) "
                "to CloudWatch Logs, besides access logs.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[REST_STAGE, METHOD_SETTINGS, V2_STAGE, V2_API],
    remediation="REST APIs: declare `aws.apigateway.MethodSettings(rest_api=<api>.id, stage_name=<stage>.stage_name, "
                "method_path=\"*/*\", settings={\"logging_level\": \"ERROR\"})` (or `INFO`) and an "
                "`aws.apigateway.Account` with a CloudWatch role. WebSocket APIs: set "
                "`defaultRouteSettings.loggingLevel` on the `aws.apigatewayv2.Stage`. Keep `dataTraceEnabled` "
                "false: full request logging copies ePHI into the logs.",
    notes="AWS Config api-gw-execution-logging-enabled. Only a `*/*` method setting covers every method. HTTP API "
          "(v2, `protocolType: HTTP`) stages have no execution logs and are not checked; a v2 stage whose API is "
          "not in the stack is unverified unless it sets `defaultRouteSettings.loggingLevel`.",
)
def apigateway_execution_logging(stack, cfg):
    findings = []
    stages = stack.of_type(REST_STAGE)
    if stages:
        by_stage_urn, by_name = {}, {}
        open_settings = False
        for ms in stack.of_type(METHOD_SETTINGS):
            path = ms.str("methodPath")
            level = ms.get("settings.loggingLevel")
            if path is UNKNOWN or level is UNKNOWN:
                state = UNKNOWN
            else:
                state = isinstance(path, str) and path.strip().lstrip("/") == "*/*" and _level(level)
            linked, unresolved = references(stack, ms, "stageName", [REST_STAGE])
            open_settings |= unresolved
            apis, _open = references(stack, ms, "restApi", [REST_API])
            for key in linked:
                if key.startswith("name:"):
                    for api in apis or {""}:
                        by_name.setdefault((api, key[5:]), []).append(state)
                else:
                    by_stage_urn.setdefault(key, []).append(state)
        for stage in stages:
            states = list(by_stage_urn.get(stage.urn, []))
            name = stage.str("stageName")
            apis, _open = references(stack, stage, "restApi", [REST_API])
            if isinstance(name, str):
                for api in apis or {""}:
                    states += by_name.get((api, name), [])
            if True in states:
                continue
            if UNKNOWN in states or open_settings:
                findings.append(LinkedUnknown("MethodSettings", EXEC_EXPECTED, UNVERIFIED, stage.urn))
            else:
                findings.append(Finding("MethodSettings", EXEC_EXPECTED, FAIL, stage.urn))
    for stage in stack.of_type(V2_STAGE):
        level = stage.get("defaultRouteSettings.loggingLevel")
        if _level(level):
            continue
        apis, open_api = stack.resolve(stage, "apiId", [V2_API])
        protocols = {a.str("protocolType") for a in apis}
        if apis and all(isinstance(p, str) and p.upper() == "HTTP" for p in protocols):
            continue  # HTTP APIs have no execution logging
        expected = "`ERROR` or `INFO` (WebSocket APIs)"
        if level is UNKNOWN:
            findings.append(Finding("defaultRouteSettings.loggingLevel", expected, UNVERIFIED, stage.urn))
        elif not apis or UNKNOWN in protocols:
            findings.append(LinkedUnknown("apiId", "`defaultRouteSettings.loggingLevel` `ERROR` or `INFO` if the API "
                                          "is a WebSocket API", UNVERIFIED, stage.urn))
        else:
            findings.append(Finding("defaultRouteSettings.loggingLevel", expected, FAIL, stage.urn))
    return findings


# --------------------------------------------------------------------------- client certificates
INTEGRATION = "aws:apigateway/integration:Integration"
CERT_EXPECTED = ("the id of an `aws.apigateway.ClientCertificate` (the API has HTTP integrations over the "
                 "internet, whose backends can then verify that requests come from API Gateway)")


def _body_http_integrations(body):
    """True / False / UNKNOWN: an OpenAPI body with an `http`/`http_proxy` integration not through a VPC link."""
    doc = read(body, absent=MISSING)
    if doc is MISSING:
        return False
    if doc is UNKNOWN or doc is UNPARSEABLE:
        return UNKNOWN
    stack_ = [doc]
    while stack_:
        node = stack_.pop()
        if isinstance(node, dict):
            integ = node.get("x-amazon-apigateway-integration")
            if isinstance(integ, dict) and _internet_http(integ.get("type"), integ.get("connectionType")):
                return True
            stack_.extend(node.values())
        elif isinstance(node, list):
            stack_.extend(node)
    return False


def _internet_http(kind, connection):
    return (isinstance(kind, str) and kind.strip().upper() in ("HTTP", "HTTP_PROXY")
            and not (isinstance(connection, str) and connection.strip().upper() == "VPC_LINK"))


@stack_policy(
    name="apigateway-stage-client-certificate",
    description="REST API stages whose APIs call HTTP backends over the internet must present a client "
                "certificate, so the backend can authenticate API Gateway.",
    citations=["164.312(d)", "164.312(e)(1)"],
    severity="medium",
    resource_types=[REST_STAGE, REST_API, INTEGRATION],
    remediation="Declare `aws.apigateway.ClientCertificate` and set the stage's `clientCertificateId` to its id; "
                "configure the backend to require that certificate (mutual TLS), or reach the backend through a VPC "
                "link (`connectionType: VPC_LINK`).",
    notes="AWS Config api-gw-ssl-enabled. Judgement: the certificate authenticates API Gateway to HTTP backends; "
          "stages whose APIs only use Lambda, AWS service, mock or VPC-link integrations gain nothing from it and "
          "are not checked. Integrations come from `aws.apigateway.Integration` resources and the API's OpenAPI "
          "`body` (`x-amazon-apigateway-integration`).",
)
def apigateway_stage_client_certificate(stack, cfg):
    stages = stack.of_type(REST_STAGE)
    if not stages:
        return []
    http_apis, open_integrations = {}, False
    for integ in stack.of_type(INTEGRATION):
        kind, conn = integ.get("type"), integ.get("connectionType")
        state = UNKNOWN if UNKNOWN in (kind, conn) else _internet_http(kind, conn)
        if state is False:
            continue
        apis, unresolved = references(stack, integ, "restApi", [REST_API])
        open_integrations |= unresolved
        for key in apis:
            http_apis[key] = True if state is True or http_apis.get(key) is True else UNKNOWN
    findings = []
    for stage in stages:
        cert = stage.get("clientCertificateId")
        if isinstance(cert, str) and cert.strip() or cert is UNKNOWN:
            continue  # an id unknown until deployment is an id
        keys, unresolved = references(stack, stage, "restApi", [REST_API])
        states = [http_apis.get(k, False) for k in keys]
        states += [_body_http_integrations(stack.by_urn[k].get("body")) for k in keys if k in stack.by_urn]
        if True in states:
            findings.append(Finding("clientCertificateId", CERT_EXPECTED, FAIL, stage.urn))
        elif UNKNOWN in states or open_integrations or (unresolved and http_apis):
            findings.append(LinkedUnknown("restApi", "`clientCertificateId` set if the API has HTTP integrations over "
                                          "the internet", UNVERIFIED, stage.urn))
    return findings
