"""Elastic Load Balancing v2 (ALB/NLB): listeners encrypt traffic with TLS 1.2+ (164.312(e))."""
from ..props import UNKNOWN
from ..registry import resource_policy

LISTENER = "aws:lb/listener:Listener"  # aws:alb/listener:Listener is expanded from tokens.ALIASES

# ELB security policies that allow TLS 1.2 and newer only (NIST SP 800-52 rev. 2).
TLS12_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
]
ENCRYPTED = ("HTTPS", "TLS")


def _redirects_to_https(r) -> object:
    """True / False / UNKNOWN: every default action redirects to HTTPS."""
    actions = r.list("defaultActions")
    if actions is UNKNOWN:
        return UNKNOWN
    if not actions:
        return False
    for _path, action in r.items("defaultActions"):
        kind, proto = action.str("type"), action.str("redirect.protocol")
        if UNKNOWN in (kind, proto):
            return UNKNOWN
        if not (isinstance(kind, str) and kind.lower() == "redirect" and isinstance(proto, str) and proto.upper() == "HTTPS"):
            return False
    return True


@resource_policy(
    name="lb-listener-tls",
    description="Load-balancer listeners must use HTTPS or TLS with a TLS 1.2+ security policy; "
                "plain HTTP listeners may only redirect to HTTPS.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)", "164.312(e)(2)(i)"],
    severity="high",
    resource_types=[LISTENER],
    remediation="Use `protocol: HTTPS` (ALB) or `TLS` (NLB) with `certificateArn` and an `sslPolicy` such as "
                "`ELBSecurityPolicy-TLS13-1-2-2021-06`; turn port-80 listeners into a default action of type "
                "`redirect` with `redirect.protocol: HTTPS`.",
    config={"allowedSslPolicies": {"type": "array", "items": {"type": "string"}, "minItems": 1, "default": TLS12_POLICIES,
                                   "description": "Security policies accepted as TLS 1.2+."}},
)
def lb_listener_tls(r, cfg):
    protocol = r.str("protocol")
    if protocol is UNKNOWN:
        return r.unverified("protocol", "`HTTPS` or `TLS`")
    if isinstance(protocol, str) and protocol.upper() in ENCRYPTED:
        return r.expect_in("sslPolicy", cfg["allowedSslPolicies"], "a TLS 1.2+ security policy from the allow-list",
                           case_insensitive=False)
    if isinstance(protocol, str) and protocol.upper() == "GENEVE":
        return []  # Gateway Load Balancer: encapsulation to appliances, no TLS termination
    if isinstance(protocol, str) and protocol.upper() == "HTTP":
        redirect = _redirects_to_https(r)
        if redirect is UNKNOWN:
            return r.unverified("defaultActions", "a redirect to HTTPS")
        if redirect:
            return []
        return r.fail("defaultActions", "a `redirect` to `HTTPS` on an HTTP listener (or use `protocol: HTTPS`)")
    return r.fail("protocol", "`HTTPS` or `TLS`")
