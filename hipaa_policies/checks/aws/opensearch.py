"""Amazon OpenSearch Service (and legacy Elasticsearch domains): encryption at rest
(164.312(a)(2)(iv)), node-to-node encryption and HTTPS with TLS 1.2 (164.312(e)(1), (e)(2)(ii)),
VPC-only endpoints and fine-grained access control (164.312(a)(1)), audit logs (164.312(b)).

``aws:elasticsearch/domain:Domain`` has the same property names and is matched through the token alias.
"""
from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.policy import remediation_for, resource_policy

DOMAIN = "aws:opensearch/domain:Domain"
TLS12_POLICIES = ["Policy-Min-TLS-1-2-2019-07", "Policy-Min-TLS-1-2-PFS-2023-10", "Policy-Min-TLS-1-2-RFC9151-FIPS-2024-08"]


def _enable(r, block):
    if r.bool(f"{block}.enabled") is True:
        return None
    value = r.get(block)
    value = dict(value) if isinstance(value, dict) else {}
    value["enabled"] = True
    return {**r.raw, block: value}


@resource_policy(
    name="opensearch-encrypted-at-rest",
    description="OpenSearch and Elasticsearch domains must encrypt data at rest.",
    citations=["164.312(a)(2)(iv)"],
    severity="high",
    resource_types=[DOMAIN],
    remediation="Set `encryptAtRest: {enabled: true, kmsKeyId: <customer managed key ARN>}` (OpenSearch or "
                "Elasticsearch 5.1 and later).",
    notes="Without the block encryption at rest is off. AWS Config: opensearch-encrypted-at-rest, "
          "elasticsearch-encrypted-at-rest.",
)
def opensearch_encrypted_at_rest(r, cfg):
    return r.expect_true("encryptAtRest.enabled", "true (the default is false)")


@remediation_for(opensearch_encrypted_at_rest)
def _at_rest(r, cfg):
    return _enable(r, "encryptAtRest")


@resource_policy(
    name="opensearch-node-to-node-encryption",
    description="OpenSearch and Elasticsearch domains must encrypt traffic between nodes.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="high",
    resource_types=[DOMAIN],
    remediation="Set `nodeToNodeEncryption: {enabled: true}` (OpenSearch or Elasticsearch 6.0 and later).",
    notes="AWS Config: opensearch-node-to-node-encryption-check, elasticsearch-node-to-node-encryption-check.",
)
def opensearch_node_to_node_encryption(r, cfg):
    return r.expect_true("nodeToNodeEncryption.enabled", "true (the default is false)")


@remediation_for(opensearch_node_to_node_encryption)
def _node_to_node(r, cfg):
    return _enable(r, "nodeToNodeEncryption")


@resource_policy(
    name="opensearch-https-tls12",
    description="OpenSearch and Elasticsearch domain endpoints must require HTTPS with a TLS 1.2+ security policy.",
    citations=["164.312(e)(1)", "164.312(e)(2)(ii)"],
    severity="high",
    resource_types=[DOMAIN],
    remediation="Set `domainEndpointOptions: {enforceHttps: true, tlsSecurityPolicy: "
                "\"Policy-Min-TLS-1-2-PFS-2023-10\"}`.",
    config={"allowedTlsPolicies": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                                   "default": TLS12_POLICIES,
                                   "description": "TLS security policies accepted as compliant (TLS 1.2 or later)."}},
    notes="Without `domainEndpointOptions` the endpoint accepts plain HTTP. AWS Config: opensearch-https-required.",
)
def opensearch_https_tls12(r, cfg):
    allowed = cfg["allowedTlsPolicies"]
    block = r.get("domainEndpointOptions")
    if block is UNKNOWN:
        return r.unverified("domainEndpointOptions", "`enforceHttps: true` and a TLS 1.2+ `tlsSecurityPolicy`")
    findings = r.expect_true("domainEndpointOptions.enforceHttps", "true", absent_ok=isinstance(block, dict))
    findings += r.expect_in("domainEndpointOptions.tlsSecurityPolicy", allowed,
                            "one of " + ", ".join(f"`{p}`" for p in allowed) + " (TLS 1.2 or later)",
                            case_insensitive=False)
    return findings


@remediation_for(opensearch_https_tls12)
def _https(r, cfg):
    block = r.get("domainEndpointOptions")
    block = dict(block) if isinstance(block, dict) else {}
    policy = block.get("tlsSecurityPolicy")
    if block.get("enforceHttps") is not False and policy in cfg["allowedTlsPolicies"]:
        return None
    block["enforceHttps"] = True
    if policy not in cfg["allowedTlsPolicies"]:
        block["tlsSecurityPolicy"] = cfg["allowedTlsPolicies"][0]
    return {**r.raw, "domainEndpointOptions": block}


@resource_policy(
    name="opensearch-in-vpc",
    description="OpenSearch and Elasticsearch domains must be reachable only inside a VPC (no public endpoint).",
    citations=["164.312(a)(1)", "164.308(a)(4)(ii)(B)"],
    severity="high",
    resource_types=[DOMAIN],
    remediation="Set `vpcOptions: {subnetIds: [...private subnets], securityGroupIds: [...]}` (chosen at creation; "
                "a public domain is replaced: restore its indices from a snapshot).",
    notes="AWS Config: opensearch-in-vpc-only, elasticsearch-in-vpc-only.",
)
def opensearch_in_vpc(r, cfg):
    return r.expect_present("vpcOptions.subnetIds", "a list of private subnet IDs (a domain without `vpcOptions` "
                                                    "has a public endpoint)")


@resource_policy(
    name="opensearch-fine-grained-access-control",
    description="OpenSearch and Elasticsearch domains must enable fine-grained access control so that users, "
                "roles and index permissions are enforced inside the domain.",
    citations=["164.312(a)(1)", "164.312(d)"],
    severity="medium",
    resource_types=[DOMAIN],
    remediation="Set `advancedSecurityOptions: {enabled: true, masterUserOptions: {masterUserArn: <IAM role>}}` "
                "(requires encryption at rest, node-to-node encryption and enforced HTTPS).",
    notes="Fine-grained access control is also what produces audit logs (`opensearch-audit-logs`).",
)
def opensearch_fine_grained_access_control(r, cfg):
    return r.expect_true("advancedSecurityOptions.enabled", "true")


@resource_policy(
    name="opensearch-audit-logs",
    description="OpenSearch and Elasticsearch domains must publish audit logs to CloudWatch Logs.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[DOMAIN],
    remediation="Add `logPublishingOptions: [{logType: \"AUDIT_LOGS\", cloudwatchLogGroupArn: <log group ARN>}]`, "
                "allow OpenSearch to write to the group with `aws.cloudwatch.LogResourcePolicy`, and enable fine-grained "
                "access control.",
    notes="AWS Config: opensearch-audit-logging-enabled; opensearch-logs-to-cloudwatch checks error logs.",
)
def opensearch_audit_logs(r, cfg):
    expected = "an entry with `logType: AUDIT_LOGS`, a `cloudwatchLogGroupArn` and `enabled` not false"
    options = r.list("logPublishingOptions")
    if options is UNKNOWN:
        return r.unverified("logPublishingOptions", expected)
    pending = []
    for path, opt in r.items("logPublishingOptions"):
        kind = opt.str("logType")
        if kind is UNKNOWN:
            pending.append(path)
            continue
        if not (isinstance(kind, str) and kind.upper() == "AUDIT_LOGS"):
            continue
        problems = opt.expect_true("enabled", "true", absent_ok=True)
        problems += opt.expect_present("cloudwatchLogGroupArn", "the ARN of a CloudWatch log group")
        if not problems:
            return []
        if all(f.status != "fail" for f in problems):
            pending.append(path)
    if pending:
        return r.unverified(pending[0], expected)
    return r.fail("logPublishingOptions", expected)
