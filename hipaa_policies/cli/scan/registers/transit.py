"""In-transit register: every endpoint that carries ePHI over a network, its protocol and TLS
policy, and whether the transmission-security policies (164.312(e)) pass on it: load-balancer
listeners, CloudFront distributions, API domains, database TLS enforcement (parameter groups and
the databases that use them), caches, search domains, brokers, DMS endpoints and bucket
SecureTransport policies."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from hipaa_policies.core.props import UNKNOWN, is_unknown, unwrap
from hipaa_policies.core.tokens import canonical
from hipaa_policies.cli.scan.registers._base import (
    BUCKET, IDENTITY, NO_POLICY, SECRET, UNKNOWN_TEXT, Column, Context, Table, contains_secret, scalar, secret_on_path, setting_text,
    status_column)

RDS_PG = ("aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup")
DOCDB_PG = ("aws:docdb/clusterParameterGroup:ClusterParameterGroup",)
REDSHIFT_PG = ("aws:redshift/parameterGroup:ParameterGroup",)
TLS_PARAMETERS = ("rds.force_ssl", "require_secure_transport", "require_ssl", "tls")


@dataclass(frozen=True)
class Endpoint:
    type: str
    kind: str
    policies: Tuple[str, ...]
    protocol: Optional[str] = None       # property path of the protocol as written
    port: Optional[str] = None
    tls: Optional[str] = None            # property path of the TLS policy / setting
    target: Optional[Tuple[str, Tuple[str, ...]]] = None   # (property, types) of the resource it fronts


ENDPOINTS: Tuple[Endpoint, ...] = (
    Endpoint("aws:lb/listener:Listener", "load-balancer listener", ("lb-listener-tls",), "protocol", "port", "sslPolicy",
             ("loadBalancerArn", ("aws:lb/loadBalancer:LoadBalancer",))),
    Endpoint("aws:elb/loadBalancer:LoadBalancer", "classic load balancer",
             ("elb-classic-listener-encrypted", "elb-classic-tls-policy"), "listeners[*].lbProtocol",
             "listeners[*].lbPort", "listeners[*].sslCertificateId"),
    Endpoint("aws:cloudfront/distribution:Distribution", "CloudFront distribution",
             ("cloudfront-viewer-https-only", "cloudfront-viewer-tls-minimum", "cloudfront-origin-https"),
             "defaultCacheBehavior.viewerProtocolPolicy", None, "viewerCertificate.minimumProtocolVersion"),
    Endpoint("aws:apigateway/domainName:DomainName", "API Gateway domain (REST)", ("apigateway-domain-name-tls12",),
             None, None, "securityPolicy"),
    Endpoint("aws:apigatewayv2/domainName:DomainName", "API Gateway domain (HTTP/WebSocket)",
             ("apigateway-domain-name-tls12",), None, None, "domainNameConfiguration.securityPolicy"),
    Endpoint("aws:elasticache/replicationGroup:ReplicationGroup", "ElastiCache", ("elasticache-encrypted-in-transit",),
             None, "port", "transitEncryptionEnabled"),
    Endpoint("aws:elasticache/cluster:Cluster", "ElastiCache node", ("elasticache-encrypted-in-transit",),
             None, "port", "transitEncryptionEnabled"),
    Endpoint("aws:memorydb/cluster:Cluster", "MemoryDB", ("memorydb-tls-enabled",), None, "port", "tlsEnabled"),
    Endpoint("aws:opensearch/domain:Domain", "OpenSearch domain",
             ("opensearch-https-tls12", "opensearch-node-to-node-encryption"), "domainEndpointOptions.enforceHttps",
             None, "domainEndpointOptions.tlsSecurityPolicy"),
    Endpoint("aws:msk/cluster:Cluster", "MSK cluster", ("msk-cluster-encryption-in-transit",),
             "encryptionInfo.encryptionInTransit.clientBroker", None, "encryptionInfo.encryptionInTransit.inCluster"),
    Endpoint("aws:dms/endpoint:Endpoint", "DMS endpoint", ("dms-endpoint-ssl",), "engineName", "port", "sslMode"),
    Endpoint(RDS_PG[0], "database TLS enforcement (parameter group)", ("rds-parameter-group-requires-tls",)),
    Endpoint(RDS_PG[1], "database TLS enforcement (cluster parameter group)", ("rds-parameter-group-requires-tls",)),
    Endpoint(DOCDB_PG[0], "database TLS enforcement (DocumentDB)", ("docdb-parameter-group-tls",)),
    Endpoint(REDSHIFT_PG[0], "database TLS enforcement (Redshift)", ("redshift-parameter-group-require-ssl",)),
    Endpoint(BUCKET, "S3 bucket policy (SecureTransport)", ("s3-bucket-secure-transport",)),
)

# Databases and the parameter group property that decides their TLS enforcement.
DATABASES = (
    ("aws:rds/instance:Instance", "parameterGroupName", RDS_PG[:1], "rds-parameter-group-requires-tls"),
    ("aws:rds/cluster:Cluster", "dbClusterParameterGroupName", RDS_PG[1:], "rds-parameter-group-requires-tls"),
    ("aws:docdb/cluster:Cluster", "dbClusterParameterGroupName", DOCDB_PG, "docdb-parameter-group-tls"),
    ("aws:redshift/cluster:Cluster", "clusterParameterGroupName", REDSHIFT_PG, "redshift-parameter-group-require-ssl"),
)

COLUMNS = IDENTITY + [
    Column("kind", "Endpoint"),
    Column("protocol", "Protocol"),
    Column("port", "Port"),
    Column("tlsPolicy", "TLS policy / setting"),
    Column("fronts", "Fronts / uses", "ref"),
    status_column("encryptedInTransit", "Encrypted in transit", "the verdict of the transmission-security policies"),
]


def _many(ctx: Context, r: Any, path: str) -> Any:
    """A value, or for a ``[*]`` path the list of values of every element."""
    if "[*]" not in path:
        v = ctx.value(r, path)
        return setting_text(ctx, r, path) if isinstance(v, bool) else v
    head, tail = path.split("[*]", 1)
    if secret_on_path(r.raw, head):
        return SECRET
    raw = r.get(head)
    if raw is UNKNOWN:
        return UNKNOWN_TEXT
    if not isinstance(raw, list):
        return None
    out = [ctx.value(item, tail.lstrip(".")) for item in raw]
    return [v for v in out if v is not None] or None


def parameter(r: Any, names: Tuple[str, ...] = TLS_PARAMETERS) -> Any:
    """``name=value`` of the TLS parameter a parameter group sets (by reference when secret)."""
    if secret_on_path(r.raw, "parameters"):
        return SECRET
    params = r.get("parameters")
    if params is UNKNOWN:
        return UNKNOWN_TEXT
    if not isinstance(params, list):
        return None
    for p in params:
        if contains_secret(p):
            continue
        p = unwrap(p)
        if not isinstance(p, dict):
            continue
        name = unwrap(p.get("name"))
        if isinstance(name, str) and name.lower() in names:
            value = unwrap(p.get("value"))
            return f"{name}={UNKNOWN_TEXT if is_unknown(value) else scalar(value)}"
    return None


def build(ctx: Context) -> List[Table]:
    table = Table("endpoints", "Endpoints and their transmission security", COLUMNS,
                  "Protocol and TLS policy per endpoint; the status is the verdict of the listed policies.")
    by_type = {e.type: e for e in ENDPOINTS}
    for r in ctx.of_type(*by_type):
        ep = by_type[canonical(r.type)]
        e = table.add(ctx.entry(r, kind=ep.kind))
        if ep.protocol:
            e["protocol"] = _many(ctx, r, ep.protocol)
        if ep.port:
            e["port"] = _many(ctx, r, ep.port)
        if ep.tls:
            e["tlsPolicy"] = _many(ctx, r, ep.tls)
        elif ep.type in RDS_PG + DOCDB_PG + REDSHIFT_PG:
            e["tlsPolicy"] = parameter(r)
        if ep.target:
            e["fronts"] = ctx.ref(r, ep.target[0], ep.target[1])
        status = ctx.check(e, "encryptedInTransit", r.urn, ep.policies)
        if ep.type == BUCKET:  # what the verdict means for the bucket's endpoints
            e["protocol"] = {"yes": "HTTPS only", "no": "HTTP and HTTPS"}.get(status)
            e["tlsPolicy"] = "aws:SecureTransport deny" if status == "yes" else None
    for type_, prop, groups, policy in DATABASES:
        for db in ctx.of_type(type_):
            e = table.add(ctx.entry(db, kind="database TLS enforcement (database)", protocol=ctx.value(db, "engine"),
                                    port=ctx.value(db, "port")))
            group = ctx.resolved(db, prop, groups)
            if group is not None:
                e["fronts"] = group.urn
                e["tlsPolicy"] = parameter(group)
                ctx.check(e, "encryptedInTransit", group.urn, [policy])
            else:
                written = ctx.value(db, prop)
                e["fronts"] = written
                why = ("the database uses a parameter group outside the stack" if written not in (None, "")
                       else "the database uses the engine's default parameter group, which no policy checks "
                            "(RDS for PostgreSQL 15+ and MariaDB 11.8+ enforce TLS by default, most engines do not)")
                if written in (SECRET, UNKNOWN_TEXT):
                    why = "the parameter group is not known until deployment"
                ctx.basis(e, "encryptedInTransit", NO_POLICY, why)
    return [table]
