"""What the scanner's mocks answer, so real programs run as they would against AWS.

* :func:`invoke` answers data sources (``aws.get_availability_zones()``, ``aws.get_caller_identity()``,
  ``aws.ec2.get_ami()``, ``aws.iam.get_policy_document()``...).  Every field the provider always
  returns gets a plausible value, typed from the SDK's result class; the arguments are echoed (as the
  provider does); common data sources get realistic answers (three availability zones, the default
  VPC and its subnets, account 123456789012); ``getPolicyDocument`` is computed exactly as the
  provider computes it (a pure function of its inputs: :func:`policy_document`).
* :func:`resource_outputs` gives a created resource the computed outputs the provider would
  (``arn``, ``invoke_arn``, ``execution_arn``, ``invoke_url``, ``endpoint``, ``dns_name``, ``uris``,
  ``domain_validation_options``...): every non-optional output the program did not set, typed from the
  SDK's resource class, so ``output.apply(lambda x: x + "/path")`` sees a string, not ``None``.

Every value is a deterministic function of the resource's type, name and inputs: two scans of the
same program see the same values.  Nothing here is sent to the pack as a resource's own inputs; the
values only flow into other resources that refer to them, as real outputs do.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import importlib
import json
import re
import typing
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
PLACEHOLDER = "hipaa-scan-placeholder"
MAX_DEPTH = 4

# ARN service names that differ from the pulumi-aws module name
SERVICE = {"apigatewayv2": "apigateway", "lb": "elasticloadbalancing", "alb": "elasticloadbalancing",
           "elb": "elasticloadbalancing", "cognito": "cognito-idp", "sfn": "states", "cloudwatch": "cloudwatch",
           "opensearch": "es", "elasticsearch": "es", "msk": "kafka", "appautoscaling": "application-autoscaling",
           "directoryservice": "ds", "ecs": "ecs", "efs": "elasticfilesystem", "emr": "elasticmapreduce",
           "kinesis": "kinesis", "lambda": "lambda", "memorydb": "memorydb", "neptune": "rds", "docdb": "rds",
           "networkfirewall": "network-firewall", "servicediscovery": "servicediscovery", "ssoadmin": "sso",
           "wafv2": "wafv2", "workspaces": "workspaces", "cloudtrail": "cloudtrail", "route53": "route53"}
GLOBAL_SERVICES = {"iam", "route53", "cloudfront", "organizations", "waf", "globalaccelerator"}
# resource kinds in ARNs that are not the type name in kebab case
ARN_KIND = {"aws:cloudwatch/logGroup:LogGroup": "log-group:", "aws:lambda/function:Function": "function:",
            "aws:rds/instance:Instance": "db:", "aws:rds/cluster:Cluster": "cluster:",
            "aws:sns/topic:Topic": "", "aws:sqs/queue:Queue": "", "aws:dynamodb/table:Table": "table/",
            "aws:kms/key:Key": "key/", "aws:kms/alias:Alias": "", "aws:secretsmanager/secret:Secret": "secret:",
            "aws:sfn/stateMachine:StateMachine": "stateMachine:", "aws:cloudwatch/eventRule:EventRule": "rule/",
            "aws:ecs/taskDefinition:TaskDefinition": "task-definition/", "aws:ec2/vpc:Vpc": "vpc/",
            "aws:ec2/subnet:Subnet": "subnet/", "aws:ec2/securityGroup:SecurityGroup": "security-group/",
            "aws:ec2/instance:Instance": "instance/", "aws:lb/loadBalancer:LoadBalancer": "loadbalancer/app/",
            "aws:lb/targetGroup:TargetGroup": "targetgroup/", "aws:ecr/repository:Repository": "repository/",
            "aws:elasticache/replicationGroup:ReplicationGroup": "replicationgroup:",
            "aws:redshift/cluster:Cluster": "cluster:", "aws:cloudtrail/trail:Trail": "trail/",
            "aws:iam/instanceProfile:InstanceProfile": "instance-profile/", "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "oidc-provider/",
            "aws:route53/zone:Zone": "hostedzone/"}
DB_PORTS = {"postgres": 5432, "aurora-postgresql": 5432, "mysql": 3306, "aurora-mysql": 3306, "mariadb": 3306,
            "oracle": 1521, "sqlserver": 1433, "redis": 6379, "memcached": 11211}


def digest(*parts: Any, n: int = 8) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:n]


def _kebab(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", camel).lower()


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


def _parse_token(token: str):
    """(package, module, member) of ``aws:ec2/vpc:Vpc``; module ``index`` for top-level members."""
    parts = token.split(":")
    if len(parts) != 3:
        return parts[0] if parts else "", "", token
    module = parts[1].split("/")[0]
    return parts[0], module, parts[2]


def _host_label(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", str(text).lower()).strip("-") or "resource"


class Ctx:
    """What a generated value may depend on: the resource's type, name, inputs and the region."""

    def __init__(self, token: str, name: str, inputs: Mapping[str, Any], region: str) -> None:
        self.token, self.name, self.inputs, self.region = token, name, inputs, region
        self.package, self.module, self.member = _parse_token(token)
        self.service = SERVICE.get(self.module, self.module)

    @property
    def physical(self) -> str:
        for key in ("name", "bucket", "functionName", "clusterIdentifier", "identifier", "tableName"):
            v = self.inputs.get(key)
            if isinstance(v, str) and v:
                return v
        return self.name

    def id(self) -> str:
        """A resource's id is its logical name: references written as ``x.id`` then still match the
        referenced resource by name when a check resolves a link by value (inputs carry no ids)."""
        return self.name

    def arn(self) -> str:
        if self.package != "aws":
            return f"arn:aws:{self.package}:{self.region}:{ACCOUNT}:{_kebab(self.member)}/{self.name}"
        if self.module == "s3":
            bucket = self.inputs.get("bucket")
            return f"arn:aws:s3:::{bucket if isinstance(bucket, str) and bucket else self.name}"
        region = "" if self.module in GLOBAL_SERVICES else self.region
        kind = ARN_KIND.get(self.token)
        if kind is None:
            kind = _kebab(self.member) + "/"
        return f"arn:aws:{self.service}:{region}:{ACCOUNT}:{kind}{self.physical}"

    def host(self, what: str = "") -> str:
        label = _host_label(self.physical)
        suffix = digest(self.token, self.name, what, n=10)
        return f"{label}-{suffix}.{self.service}.{self.region}.amazonaws.com"


def _string(prop: str, ctx: Ctx, index: Optional[int] = None) -> str:
    """A plausible string for output ``prop`` (camelCase) of the resource in ``ctx``."""
    p = prop.lower()
    tail = "" if index is None else f"-{index}"
    if p == "id":
        return ctx.id() + tail
    if p == "arn" or p.endswith("arn"):
        return ctx.arn() + tail
    if p in ("region",):
        return ctx.region
    if p.endswith("availabilityzone") or p.endswith("availabilityzones"):
        return ctx.region + "abcdef"[(index or 0) % 6]
    if p in ("accountid", "ownerid", "registryid", "owneraccountid"):
        return ACCOUNT
    if p.endswith("zoneid"):
        return "Z" + digest(ctx.token, ctx.name, prop, n=13).upper()
    if p.endswith("url") or p.endswith("uri"):
        return f"https://{ctx.host(prop)}/" + (str(index) if index is not None else "")
    if p.endswith("endpoint") or p.endswith("dnsname") or p.endswith("domainname") or p.endswith("address") \
            or p.endswith("hostname") or p.endswith("host"):
        return ctx.host(prop) + tail
    if "cidr" in p:
        return f"10.{(index or 0) % 256}.0.0/16"
    if p.endswith("id") or p.endswith("ids"):
        return f"{_host_label(prop[:-2] if p.endswith('id') else prop[:-3]) or 'id'}-{digest(ctx.token, ctx.name, prop, index)}"
    if p == "name" or p.endswith("name") or p == "bucket":
        return ctx.physical + tail
    if p in ("password", "token", "secret", "secretstring", "authorizationtoken") or p.endswith("password"):
        return PLACEHOLDER
    if p.endswith("json") or p == "policy":
        return "{}"
    if p in ("status", "state"):
        return "available"
    return f"{_host_label(ctx.physical)}-{_kebab(prop)}{tail}"


def _number(prop: str, ctx: Ctx) -> int:
    if prop.lower().endswith("port"):
        engine = ctx.inputs.get("engine")
        return DB_PORTS.get(engine, 443) if isinstance(engine, str) else 443
    return 1


def _unwrap(tp: Any):
    """(inner type, optional?) of a pulumi annotation: Output[X], Input[X], Optional[X]."""
    optional = False
    for _ in range(6):
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        name = getattr(origin, "__name__", "") or getattr(tp, "__name__", "")
        if origin is typing.Union:
            rest = [a for a in args if a is not type(None)]
            optional = optional or len(rest) < len(args)
            if len(rest) != 1:
                return (rest[0] if rest else Any), optional
            tp = rest[0]
            continue
        if name in ("Output", "Input", "Awaitable") and args:
            tp = args[0]
            continue
        break
    return tp, optional


def _hints(fget: Callable) -> Any:
    try:
        return typing.get_type_hints(fget).get("return", Any)
    except Exception:  # an annotation the SDK module cannot resolve: no value
        return Any


@functools.lru_cache(maxsize=None)
def _properties(cls: type) -> List[tuple]:
    """(pulumi name, annotation) of every getter of an SDK class (resource or output type), once per class."""
    try:
        from pulumi._types import _py_properties
        props = _py_properties(cls)
    except Exception:
        return []
    return [(pulumi_name, _hints(prop.fget)) for _python_name, pulumi_name, prop in props]


def _is_resource_class(cls: type) -> bool:
    try:
        import pulumi
        return issubclass(cls, pulumi.Resource)
    except Exception:
        return False


def _shape_uncached(tp: Any, depth: int, fill_optional: bool) -> Any:
    """What kind of value annotation ``tp`` takes: ("str",), ("bool",), ("int",), ("float",),
    ("enum", value), ("strings",), ("list", shape), ("map",), ("object", ((name, shape), ...)) or None
    (no plausible value: optional, Any, another resource, too deep)."""
    import enum
    inner, optional = _unwrap(tp)
    if (optional and not fill_optional) or depth > MAX_DEPTH or inner is Any:
        return None
    if inner is str:
        return ("str",)
    if inner is bool:
        return ("bool",)
    if inner is int:
        return ("int",)
    if inner is float:
        return ("float",)
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        members = list(inner)
        return ("enum", members[0].value) if members else None
    origin = typing.get_origin(inner)
    args = typing.get_args(inner)
    if origin in (list, Sequence, typing.Sequence, List) or getattr(origin, "__name__", "") in ("Sequence", "list"):
        item = args[0] if args else Any
        if _unwrap(item)[0] is str:
            return ("strings",)
        sub = _shape(item, depth + 1, True)
        return ("list", sub)
    if origin in (dict, Mapping, typing.Mapping) or getattr(origin, "__name__", "") in ("Mapping", "dict"):
        return ("map",)
    if isinstance(inner, type) and _is_resource_class(inner):
        return None  # an output that is another resource (a component's child): not made up
    props = _properties(inner) if isinstance(inner, type) else []
    if props:  # an output type: its always-present fields
        fields = tuple((name, _shape(hint, depth + 1, False)) for name, hint in props)
        return ("object", tuple((n, sh) for n, sh in fields if sh is not None))
    return None


@functools.lru_cache(maxsize=None)
def _shape_cached(tp: Any, depth: int, fill_optional: bool) -> Any:
    return _shape_uncached(tp, depth, fill_optional)


def _shape(tp: Any, depth: int = 0, fill_optional: bool = False) -> Any:
    try:
        return _shape_cached(tp, depth, fill_optional)
    except TypeError:  # an unhashable annotation
        return _shape_uncached(tp, depth, fill_optional)


def _generate(shape: Any, prop: str, ctx: Ctx) -> Any:
    if shape is None:
        return None
    kind = shape[0]
    if kind == "str":
        return _string(prop, ctx)
    if kind == "bool":
        return False
    if kind == "int":
        return _number(prop, ctx)
    if kind == "float":
        return float(_number(prop, ctx))
    if kind == "enum":
        return shape[1]
    if kind == "strings":  # one per availability zone, as for subnets
        return [_string(prop, ctx, i) for i in range(3)]
    if kind == "list":
        value = _generate(shape[1], prop, ctx)
        return [value] if value is not None else []
    if kind == "map":
        return {}
    out: Dict[str, Any] = {}
    for name, sub in shape[1]:
        v = _generate(sub, name, ctx)
        if v is not None:
            out[name] = v
    return out


def value_for(tp: Any, prop: str, ctx: Ctx, depth: int = 0, *, fill_optional: bool = False) -> Any:
    """A plausible value of annotation ``tp`` for property ``prop``; None when none is plausible.
    The annotation is analysed once (cached); the value is made for this resource."""
    return _generate(_shape(tp, depth, fill_optional), prop, ctx)


# --------------------------------------------------------------------------- resources
@functools.lru_cache(maxsize=None)
def _plan(cls: type) -> tuple:
    """(output name, shape) of every output of a resource class that always has a value and is a
    scalar or a list of strings.  Nested settings objects are left out: made-up settings (a
    replication rule, a logging target) would mislead more than help, and they cost time in every
    program; the nested outputs programs do read are type-specific (``RESOURCE_SPECIALS``)."""
    return tuple((prop, shape) for prop, hint in _properties(cls) if prop not in ("id", "urn")
                 for shape in [_shape(hint)] if shape is not None and shape[0] not in ("object", "list", "map"))


def resource_outputs(cls: Optional[type], token: str, name: str, inputs: Mapping[str, Any],
                     region: str = DEFAULT_REGION, echo_inputs: bool = True) -> Dict[str, Any]:
    """The state a created resource would have: its inputs, plus plausible values for every output
    the provider always sets and the program did not (wire names, camelCase).  A component's
    outputs are not its inputs (``echo_inputs=False``: an awsx ``Vpc`` takes a NAT gateway strategy
    and outputs NAT gateway resources)."""
    ctx = Ctx(token, name, inputs, region)
    state: Dict[str, Any] = dict(inputs) if echo_inputs else {}
    if cls is not None:
        for prop, shape in _plan(cls):
            if state.get(prop) is None:
                v = _generate(shape, prop, ctx)
                if v is not None:
                    state[prop] = v
    if echo_inputs:
        state.setdefault("arn", ctx.arn())
    special = RESOURCE_SPECIALS.get(token)
    if special is not None:  # type-specific outputs (from the inputs and the generic state)
        for k, v in special(ctx, state).items():
            if inputs.get(k) is None:
                state[k] = v
    return state


def _lambda_function(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    arn = state.get("arn") or ctx.arn()
    return {"invokeArn": f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
            "qualifiedArn": f"{arn}:$LATEST", "version": "$LATEST"}


def _execute_api(ctx: Ctx, api_id: str) -> str:
    return f"arn:aws:execute-api:{ctx.region}:{ACCOUNT}:{api_id}"


def _rest_api(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    api_id = digest(ctx.token, ctx.name, n=10)
    return {"executionArn": _execute_api(ctx, api_id), "rootResourceId": digest(ctx.name, "root", n=10)}


def _stage(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    api = state.get("restApi") or state.get("apiId") or ctx.name
    stage = state.get("stageName") or state.get("name") or ctx.name
    api_id = _host_label(api) if isinstance(api, str) else ctx.name
    return {"invokeUrl": f"https://{api_id}.execute-api.{ctx.region}.amazonaws.com/{stage}",
            "executionArn": f"{_execute_api(ctx, api_id)}/{stage}"}


def _api_v2(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    api_id = digest(ctx.token, ctx.name, n=10)
    scheme = "wss" if str(state.get("protocolType", "")).upper() == "WEBSOCKET" else "https"
    return {"apiEndpoint": f"{scheme}://{api_id}.execute-api.{ctx.region}.amazonaws.com",
            "executionArn": _execute_api(ctx, api_id)}


def _graphql_api(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    api_id = digest(ctx.token, ctx.name, n=26)
    return {"uris": {"GRAPHQL": f"https://{api_id}.appsync-api.{ctx.region}.amazonaws.com/graphql",
                     "REALTIME": f"wss://{api_id}.appsync-realtime-api.{ctx.region}.amazonaws.com/graphql"}}


def _certificate(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    given = ctx.inputs.get("domainName")
    domain = given if isinstance(given, str) and given else f"{_host_label(ctx.name)}.example.org"
    names = [domain] + [n for n in ctx.inputs.get("subjectAlternativeNames") or [] if isinstance(n, str) and n != domain]
    return {"domainName": domain, "status": "ISSUED",
            "domainValidationOptions": [
                {"domainName": n, "resourceRecordName": f"_{digest(n, n=32)}.{n.lstrip('*.')}.",
                 "resourceRecordType": "CNAME", "resourceRecordValue": f"_{digest(n, 'v', n=32)}.acm-validations.aws."}
                for n in names]}


def _load_balancer(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    return {"dnsName": f"{_host_label(ctx.physical)[:20]}-{digest(ctx.name, n=10)}.{ctx.region}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K"}


def _database(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    engine = state.get("engine")
    port = state.get("port") or (DB_PORTS.get(engine, 5432) if isinstance(engine, str) else 5432)
    host = f"{_host_label(ctx.physical)}.{digest(ctx.name, n=12)}.{ctx.region}.rds.amazonaws.com"
    return {"address": host, "endpoint": f"{host}:{int(port)}", "port": int(port)}


def _distribution(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    return {"domainName": f"d{digest(ctx.name, n=13)}.cloudfront.net", "hostedZoneId": "Z2FDTNDATAQYW2"}


def _bucket(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    bucket = state.get("bucket") if isinstance(state.get("bucket"), str) else ctx.name
    return {"bucket": bucket, "bucketDomainName": f"{bucket}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{bucket}.s3.{ctx.region}.amazonaws.com", "region": ctx.region}


def _repository(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    return {"repositoryUrl": f"{ACCOUNT}.dkr.ecr.{ctx.region}.amazonaws.com/{ctx.physical}", "registryId": ACCOUNT}


def _eks_cluster(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    return {"endpoint": f"https://{digest(ctx.name, n=32).upper()}.gr7.{ctx.region}.eks.amazonaws.com",
            "certificateAuthority": {"data": base64.b64encode(b"hipaa-scan placeholder CA").decode()},
            "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{ctx.region}.amazonaws.com/id/{digest(ctx.name, n=32).upper()}"}]}]}


def _zone(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    return {"zoneId": "Z" + digest(ctx.name, n=13).upper(),
            "nameServers": [f"ns-{i}.awsdns-{i:02d}.{tld}" for i, tld in ((1, "com"), (2, "net"), (3, "org"), (4, "co.uk"))]}


def _stack_reference(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    return {"outputs": {}, "secretOutputNames": []}


def _awsx_vpc(ctx: Ctx, state: Mapping[str, Any]) -> Dict[str, Any]:
    """awsx.ec2.Vpc: one subnet per availability zone and subnet spec (default: public and private)."""
    specs = [s for s in ctx.inputs.get("subnetSpecs") or [] if isinstance(s, Mapping)] or \
        [{"type": "Public"}, {"type": "Private"}]
    try:
        azs = int(ctx.inputs.get("numberOfAvailabilityZones") or 3)
    except (TypeError, ValueError):
        azs = 3
    ids: Dict[str, List[str]] = {"Public": [], "Private": [], "Isolated": [], "Unused": []}
    for spec in specs:
        kind = str(spec.get("type") or "Private").capitalize()
        for i in range(azs):
            ids.setdefault(kind, []).append(f"subnet-0{digest(ctx.name, spec.get('name'), kind, i, n=16)}")
    vpc = f"vpc-0{digest(ctx.name, n=16)}"
    return {"vpcId": vpc, "publicSubnetIds": ids["Public"], "privateSubnetIds": ids["Private"],
            "isolatedSubnetIds": ids["Isolated"]}


RESOURCE_SPECIALS: Dict[str, Callable[[Ctx, Mapping[str, Any]], Dict[str, Any]]] = {
    "aws:lambda/function:Function": _lambda_function,
    "aws:apigateway/restApi:RestApi": _rest_api,
    "aws:apigateway/stage:Stage": _stage,
    "aws:apigateway/deployment:Deployment": _stage,
    "aws:apigatewayv2/api:Api": _api_v2,
    "aws:apigatewayv2/stage:Stage": lambda ctx, s: {"invokeUrl": f"https://{digest(ctx.name, n=10)}.execute-api."
                                                    f"{ctx.region}.amazonaws.com/{s.get('name') or ctx.name}"},
    "aws:appsync/graphQLApi:GraphQLApi": _graphql_api,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:alb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:elb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:rds/instance:Instance": _database,
    "aws:rds/cluster:Cluster": _database,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:ecr/repository:Repository": _repository,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:route53/zone:Zone": _zone,
    "pulumi:pulumi:StackReference": _stack_reference,
    "awsx:ec2:Vpc": _awsx_vpc,
}


# --------------------------------------------------------------------------- data sources
@functools.lru_cache(maxsize=None)
def _result_class(token: str) -> Optional[type]:
    """The SDK's result type of a data source (``aws:ec2/getAmi:getAmi`` → ``pulumi_aws.ec2.get_ami.GetAmiResult``)."""
    package, module, member = _parse_token(token)
    if not member:
        return None
    sdk = {"aws": "pulumi_aws"}.get(package, f"pulumi_{package.replace('-', '_')}")
    mod = "" if module in ("index", "") else "." + {"lambda": "lambda_"}.get(module, module)
    try:
        m = importlib.import_module(f"{sdk}{mod}.{_snake(member)}")
    except Exception:
        return None
    return getattr(m, member[:1].upper() + member[1:] + "Result", None)


def _azs(region: str) -> List[str]:
    return [region + s for s in "abc"]


def invoke(token: str, args: Mapping[str, Any], region: str = DEFAULT_REGION) -> Dict[str, Any]:
    """The answer of data source ``token`` to ``args`` (wire names)."""
    args = {k: v for k, v in (args or {}).items() if v is not None}
    name = str(args.get("name") or args.get("id") or _parse_token(token)[2])
    ctx = Ctx(token, name, args, region)
    out: Dict[str, Any] = {}
    cls = _result_class(token)
    hints = dict(_properties(cls)) if cls is not None else {}
    for prop, hint in hints.items():
        v = value_for(hint, prop, ctx)
        if v is not None:
            out[prop] = v
    for key, value in args.items():  # the provider echoes its arguments, in the result's types
        out[key] = _as_hint(value, hints.get(key))
    special = INVOKE_SPECIALS.get(token)
    if special is not None:
        out.update(special(ctx, args))
    out.setdefault("id", region if token.startswith("aws:index/") else ctx.id())
    return out


def _as_hint(value: Any, hint: Any) -> Any:
    """``value`` converted to the scalar type the SDK result expects (``most_recent="true"`` → True)."""
    if hint is None:
        return value
    inner, _ = _unwrap(hint)
    if inner is bool and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if inner in (int, float) and isinstance(value, str):
        try:
            return inner(value)
        except ValueError:
            return value
    if inner is str and isinstance(value, (int, float, bool)):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return value


def _get_azs(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    names = _azs(ctx.region)
    short = {"us-east-1": "use1", "us-west-2": "usw2", "eu-west-1": "euw1"}.get(ctx.region, ctx.region.replace("-", ""))
    return {"names": names, "zoneIds": [f"{short}-az{i}" for i in range(1, len(names) + 1)],
            "groupNames": [ctx.region], "id": ctx.region}


def _get_caller_identity(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/hipaa-scan", "userId": "AIDA" + digest("user", n=17).upper(),
            "id": ACCOUNT}


def _get_region(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    region = args.get("region") or args.get("name") or ctx.region
    return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com",
            "description": region}


def _get_partition(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    return {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws"}


def _get_ami(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    ami = "ami-0" + digest(json.dumps(args, sort_keys=True, default=str), n=16)
    return {"id": ami, "imageId": ami, "arn": f"arn:aws:ec2:{ctx.region}::image/{ami}", "architecture": "x86_64",
            "rootDeviceName": "/dev/xvda", "rootDeviceType": "ebs", "virtualizationType": "hvm", "state": "available"}


DEFAULT_VPC = "vpc-0defa17c1d0a1b2c3"


def _get_vpc(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    vpc = args.get("id") or DEFAULT_VPC
    return {"id": vpc, "cidrBlock": "172.31.0.0/16", "default": bool(args.get("default", True)),
            "arn": f"arn:aws:ec2:{ctx.region}:{ACCOUNT}:vpc/{vpc}", "ownerId": ACCOUNT, "state": "available"}


def _get_subnets(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    return {"ids": [f"subnet-0{digest(ctx.region, az, n=16)}" for az in _azs(ctx.region)]}


def _get_subnet(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    subnet = args.get("id") or f"subnet-0{digest(ctx.region, _azs(ctx.region)[0], n=16)}"
    return {"id": subnet, "vpcId": args.get("vpcId") or DEFAULT_VPC, "cidrBlock": "172.31.0.0/20",
            "availabilityZone": _azs(ctx.region)[0], "arn": f"arn:aws:ec2:{ctx.region}:{ACCOUNT}:subnet/{subnet}"}


def _get_security_group(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    sg = args.get("id") or f"sg-0{digest(json.dumps(args, sort_keys=True, default=str), n=16)}"
    return {"id": sg, "vpcId": args.get("vpcId") or DEFAULT_VPC, "name": args.get("name") or "default",
            "arn": f"arn:aws:ec2:{ctx.region}:{ACCOUNT}:security-group/{sg}"}


def _get_iam_policy(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    name = args.get("name") or (str(args.get("arn", "")).rsplit("/", 1)[-1]) or "policy"
    arn = args.get("arn") or f"arn:aws:iam::aws:policy/{name}"
    return {"arn": arn, "name": name, "policy": json.dumps({"Version": "2012-10-17", "Statement": []})}


def _get_role(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    name = args.get("name") or "role"
    return {"arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "name": name,
            "assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": []})}


def _get_key(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    key_id = str(args.get("keyId") or "key")
    uuid = "-".join(digest(key_id, n=32)[a:b] for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)))
    arn = key_id if key_id.startswith("arn:") else f"arn:aws:kms:{ctx.region}:{ACCOUNT}:key/{uuid}"
    return {"arn": arn, "id": uuid, "keyManager": "CUSTOMER", "keyState": "Enabled", "enabled": True}


def _get_alias(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    name = str(args.get("name") or "alias/key")
    uuid = "-".join(digest(name, n=32)[a:b] for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)))
    return {"arn": f"arn:aws:kms:{ctx.region}:{ACCOUNT}:{name}", "name": name, "targetKeyId": uuid,
            "targetKeyArn": f"arn:aws:kms:{ctx.region}:{ACCOUNT}:key/{uuid}"}


def _get_zone(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    name = str(args.get("name") or "example.org").rstrip(".")
    zone = args.get("zoneId") or "Z" + digest(name, n=13).upper()
    return {"zoneId": zone, "id": zone, "name": name + ".", "arn": f"arn:aws:route53:::hostedzone/{zone}",
            "nameServers": [f"ns-{i}.awsdns-{i:02d}.com" for i in range(1, 5)]}


def _get_certificate(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    domain = str(args.get("domain") or "example.org")
    return {"arn": f"arn:aws:acm:{ctx.region}:{ACCOUNT}:certificate/{digest(domain, n=32)}", "domain": domain,
            "status": "ISSUED", "id": f"arn:aws:acm:{ctx.region}:{ACCOUNT}:certificate/{digest(domain, n=32)}"}


def _ecr_token(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    return {"userName": "AWS", "password": PLACEHOLDER,
            "authorizationToken": base64.b64encode(f"AWS:{PLACEHOLDER}".encode()).decode(),
            "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.{ctx.region}.amazonaws.com", "expiresAt": "2099-12-31T00:00:00Z"}


def _elb_service_account(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    return {"arn": "arn:aws:iam::127311923021:root", "id": "127311923021"}


def _secret_version(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    return {"secretString": PLACEHOLDER, "versionId": digest(args.get("secretId"), n=32)}


def _ssm_parameter(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    name = str(args.get("name") or "parameter")
    value = f"ami-0{digest(name, n=16)}" if "ami" in name.lower() else PLACEHOLDER
    return {"value": value, "insecureValue": value, "type": "String", "arn": f"arn:aws:ssm:{ctx.region}:{ACCOUNT}:parameter/{name.lstrip('/')}"}


def _cluster_auth(ctx: Ctx, args: Mapping[str, Any]) -> Dict[str, Any]:
    return {"token": PLACEHOLDER}


INVOKE_SPECIALS: Dict[str, Callable[[Ctx, Mapping[str, Any]], Dict[str, Any]]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _get_azs,
    "aws:index/getCallerIdentity:getCallerIdentity": _get_caller_identity,
    "aws:index/getRegion:getRegion": _get_region,
    "aws:index/getPartition:getPartition": _get_partition,
    "aws:ec2/getAmi:getAmi": _get_ami,
    "aws:ec2/getVpc:getVpc": _get_vpc,
    "aws:ec2/getSubnets:getSubnets": _get_subnets,
    "aws:ec2/getSubnetIds:getSubnetIds": _get_subnets,
    "aws:ec2/getSubnet:getSubnet": _get_subnet,
    "aws:ec2/getSecurityGroup:getSecurityGroup": _get_security_group,
    "aws:iam/getPolicyDocument:getPolicyDocument": lambda ctx, args: policy_document(args),
    "aws:iam/getPolicy:getPolicy": _get_iam_policy,
    "aws:iam/getRole:getRole": _get_role,
    "aws:kms/getKey:getKey": _get_key,
    "aws:kms/getAlias:getAlias": _get_alias,
    "aws:route53/getZone:getZone": _get_zone,
    "aws:acm/getCertificate:getCertificate": _get_certificate,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_token,
    "aws:ecr/getCredentials:getCredentials": _ecr_token,
    "aws:elb/getServiceAccount:getServiceAccount": _elb_service_account,
    "aws:secretsmanager/getSecretVersion:getSecretVersion": _secret_version,
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:eks/getClusterAuth:getClusterAuth": _cluster_auth,
}


# --------------------------------------------------------------------------- getPolicyDocument
class PolicyDocumentError(ValueError):
    """The provider would reject the document (duplicate Sid, unparseable source document)."""


def _string_list(values: Any, version: str) -> Any:
    """The provider's encoding of a set of strings: one value → a string, several → sorted in reverse;
    ``&{...}`` becomes ``${...}`` (IAM policy variables) under version 2012-10-17."""
    items = sorted({str(v) for v in (values or []) if v is not None}, reverse=True)
    if version != "2008-10-17":
        items = sorted({v.replace("&{", "${") for v in items}, reverse=True)
    if not items:
        return None
    return items[0] if len(items) == 1 else items


def _principals(entries: Any, version: str) -> Any:
    entries = [e for e in (entries or []) if isinstance(e, Mapping)]
    if not entries:
        return None
    if len(entries) == 1 and entries[0].get("type") == "*" and _string_list(entries[0].get("identifiers"), version) == "*":
        return "*"
    merged: Dict[str, List[str]] = {}
    for e in entries:
        ids = _string_list(e.get("identifiers"), version)
        ids = [] if ids is None else [ids] if isinstance(ids, str) else ids
        merged.setdefault(str(e.get("type")), []).extend(ids)
    out: Dict[str, Any] = {}
    for typ in sorted(merged):
        ids = sorted(set(merged[typ]), reverse=True) if len(merged[typ]) > 1 else merged[typ]
        out[typ] = ids[0] if len(ids) == 1 else ids
    return out


def _conditions(entries: Any, version: str) -> Any:
    entries = [e for e in (entries or []) if isinstance(e, Mapping)]
    if not entries:
        return None
    merged: Dict[str, Dict[str, List[str]]] = {}
    for e in entries:
        values = _string_list(e.get("values"), version)
        values = [] if values is None else [values] if isinstance(values, str) else values
        merged.setdefault(str(e.get("test")), {}).setdefault(str(e.get("variable")), []).extend(values)
    return {test: {var: (vals[0] if len(vals) == 1 else vals) for var, vals in sorted(variables.items())}
            for test, variables in sorted(merged.items())}


def _statement(raw: Mapping[str, Any], version: str) -> Dict[str, Any]:
    stmt: Dict[str, Any] = {"Sid": str(raw.get("sid") or ""), "Effect": str(raw.get("effect") or "Allow")}
    for key, wire in (("Action", "actions"), ("NotAction", "notActions"), ("Resource", "resources"),
                      ("NotResource", "notResources")):
        v = _string_list(raw.get(wire), version)
        if v is not None:
            stmt[key] = v
    for key, wire in (("Principal", "principals"), ("NotPrincipal", "notPrincipals")):
        v = _principals(raw.get(wire), version)
        if v is not None:
            stmt[key] = v
    v = _conditions(raw.get("conditions"), version)
    if v is not None:
        stmt["Condition"] = v
    return stmt


STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal",
                  "Condition")


def _normalised(stmt: Mapping[str, Any]) -> Dict[str, Any]:
    """A statement of a JSON source document in the provider's field order (Sid always present)."""
    out: Dict[str, Any] = {"Sid": str(stmt.get("Sid") or "")}
    for key in STATEMENT_KEYS[1:]:
        if stmt.get(key) not in (None, "", [], {}):
            out[key] = stmt[key]
    return out


def _merge(doc: Dict[str, Any], new: Mapping[str, Any]) -> None:
    if new.get("Id"):
        doc["Id"] = new["Id"]
    if str(new.get("Version") or "") > str(doc.get("Version") or ""):
        doc["Version"] = new["Version"]
    statements = doc.setdefault("Statement", [])
    for stmt in new.get("Statement") or []:
        sid = stmt.get("Sid")
        if sid:
            for i, existing in enumerate(statements):
                if existing.get("Sid") == sid:
                    statements[i] = stmt
                    break
            else:
                statements.append(stmt)
        else:
            statements.append(stmt)


def _parse_source(text: Any, which: str) -> Dict[str, Any]:
    try:
        doc = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise PolicyDocumentError(f"{which}: not a JSON policy document")
    statements = doc.get("Statement") or []
    if isinstance(statements, Mapping):
        statements = [statements]
    return {"Version": doc.get("Version", ""), "Id": doc.get("Id", ""),
            "Statement": [_normalised(s) for s in statements if isinstance(s, Mapping)]}


def _go_json(value: Any, indent: Optional[int]) -> str:
    text = json.dumps(value, indent=indent, ensure_ascii=False, separators=(",", ": ") if indent else (",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def policy_document(args: Mapping[str, Any]) -> Dict[str, Any]:
    """``aws.iam.get_policy_document`` as the provider computes it (``json``, ``minifiedJson``, ``id``):
    source documents merged in order (their Sids must be unique), then this document's statements
    (overriding equal Sids), then the override documents; each statement as ``Sid``, ``Effect``
    (default Allow), ``Action``, ``NotAction``, ``Resource``, ``NotResource``, ``Principal``,
    ``NotPrincipal``, ``Condition``, a single value written as a string and several sorted in
    reverse order, ``{"*": ["*"]}`` principals written as ``"*"``."""
    version = str(args.get("version") or "2012-10-17")
    merged: Dict[str, Any] = {"Version": ""}
    sids = set()
    for i, text in enumerate(args.get("sourcePolicyDocuments") or []):
        source = _parse_source(text, f"sourcePolicyDocuments[{i}]")
        for stmt in source["Statement"]:
            if stmt["Sid"]:
                if stmt["Sid"] in sids:
                    raise PolicyDocumentError(f"duplicate Sid ({stmt['Sid']}) in sourcePolicyDocuments")
                sids.add(stmt["Sid"])
        _merge(merged, source)
    own: Dict[str, Any] = {"Version": version, "Statement": []}
    if args.get("policyId"):
        own["Id"] = str(args["policyId"])
    own_sids = set()
    for raw in args.get("statements") or []:
        if not isinstance(raw, Mapping):
            continue
        stmt = _statement(raw, version)
        if stmt["Sid"]:
            if stmt["Sid"] in own_sids:
                raise PolicyDocumentError(f"duplicate Sid ({stmt['Sid']}) in statements")
            own_sids.add(stmt["Sid"])
        own["Statement"].append(stmt)
    _merge(merged, own)
    for i, text in enumerate(args.get("overridePolicyDocuments") or []):
        _merge(merged, _parse_source(text, f"overridePolicyDocuments[{i}]"))
    doc: Dict[str, Any] = {}
    if merged.get("Version"):
        doc["Version"] = merged["Version"]
    if merged.get("Id"):
        doc["Id"] = merged["Id"]
    if merged.get("Statement"):
        doc["Statement"] = merged["Statement"]
    text = _go_json(doc, 2)
    return {"json": text, "minifiedJson": _go_json(doc, None), "id": str(int(digest(text, n=8), 16)),
            "version": version}
