"""Resource type tokens: the one place that knows legacy and paired aliases.

Service modules name the pulumi-aws v7 token of each resource they check; the registry expands
each to the tokens below so one policy also sees programs written for older majors and the
``aws:lb``/``aws:alb`` pairs.  ``tests/test_tokens.py`` checks every v7 token a policy names
exists in the installed pulumi-aws, so a typo fails the suite instead of silently matching nothing.
"""
from __future__ import annotations

from typing import Dict, Iterable, Tuple

# v7 token -> tokens that mean the same AWS resource in other spellings.
ALIASES: Dict[str, Tuple[str, ...]] = {
    # S3: in v6 `Bucket` carried inline settings and `BucketV2` was the split form; v7 keeps the
    # `...V2` tokens as deprecated aliases of the split resources.
    "aws:s3/bucket:Bucket": ("aws:s3/bucketV2:BucketV2",),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        ("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",),
    "aws:s3/bucketVersioning:BucketVersioning": ("aws:s3/bucketVersioningV2:BucketVersioningV2",),
    "aws:s3/bucketLogging:BucketLogging": ("aws:s3/bucketLoggingV2:BucketLoggingV2",),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
        ("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",),
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration":
        ("aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",),
    "aws:s3/bucketAcl:BucketAcl": ("aws:s3/bucketAclV2:BucketAclV2",),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": (),
    # Elastic Load Balancing v2: two modules, one AWS resource.
    "aws:lb/listener:Listener": ("aws:alb/listener:Listener", "aws:applicationloadbalancing/listener:Listener"),
    "aws:lb/loadBalancer:LoadBalancer": ("aws:alb/loadBalancer:LoadBalancer",
                                         "aws:applicationloadbalancing/loadBalancer:LoadBalancer"),
    "aws:lb/listenerRule:ListenerRule": ("aws:alb/listenerRule:ListenerRule",),
    "aws:lb/targetGroup:TargetGroup": ("aws:alb/targetGroup:TargetGroup",),
    "aws:lb/listenerCertificate:ListenerCertificate": ("aws:alb/listenerCertificate:ListenerCertificate",),
    # Classic ELB under its pre-v5 module name.
    "aws:elb/loadBalancer:LoadBalancer": ("aws:elasticloadbalancing/loadBalancer:LoadBalancer",),
    # Amazon OpenSearch Service kept the Elasticsearch resource for legacy domains.
    "aws:opensearch/domain:Domain": ("aws:elasticsearch/domain:Domain",),
    "aws:opensearch/domainPolicy:DomainPolicy": ("aws:elasticsearch/domainPolicy:DomainPolicy",),
}

# Tokens accepted as legacy spellings although the installed pulumi-aws no longer defines them.
LEGACY_ONLY = frozenset({
    "aws:applicationloadbalancing/listener:Listener",
    "aws:applicationloadbalancing/loadBalancer:LoadBalancer",
    "aws:elasticloadbalancing/loadBalancer:LoadBalancer",
})


def expand(tokens: Iterable[str]) -> Tuple[str, ...]:
    """The given tokens plus every alias, order kept, no duplicates."""
    out: Dict[str, None] = {}
    for token in tokens:
        out[token] = None
        for alias in ALIASES.get(token, ()):
            out[alias] = None
    return tuple(out)


def canonical(token: str) -> str:
    """The v7 token for an alias (or the token itself)."""
    return _CANONICAL.get(token, token)


_CANONICAL = {alias: v7 for v7, aliases in ALIASES.items() for alias in aliases}
