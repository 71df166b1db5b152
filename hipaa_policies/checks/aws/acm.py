"""AWS Certificate Manager: strong certificate keys and certificate transparency logging."""
from hipaa_policies.core.policy import resource_policy

CERTIFICATE = "aws:acm/certificate:Certificate"

DEFAULT_ALGORITHMS = ["RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]


def _imported(r):
    return r.has("certificateBody") or r.has("privateKey")


@resource_policy(
    name="acm-certificate-key-algorithm",
    description="ACM certificates used for TLS must have RSA keys of at least 2048 bits or NIST elliptic-curve keys.",
    citations=["164.312(e)(2)(ii)", "164.312(e)(1)"],
    severity="medium",
    resource_types=[CERTIFICATE],
    remediation="Request the certificate with `keyAlgorithm` `RSA_2048` (the default) or stronger, or an "
                "`EC_prime256v1`/`EC_secp384r1` key; reissue certificates with weaker keys.",
    config={
        "allowedKeyAlgorithms": {
            "type": "array", "items": {"type": "string"}, "minItems": 1, "default": DEFAULT_ALGORITHMS,
            "description": "Accepted values of `keyAlgorithm`.",
        },
    },
    notes="Imported certificates (`certificateBody`/`privateKey`) are not checked: their key is not an input.",
)
def acm_certificate_key_algorithm(r, cfg):
    if _imported(r):
        return []
    return r.expect_in("keyAlgorithm", cfg.get("allowedKeyAlgorithms") or DEFAULT_ALGORITHMS, absent_ok=True)


@resource_policy(
    name="acm-certificate-transparency-logging",
    description="ACM certificates should be recorded in public certificate transparency logs, so that "
                "mis-issued certificates for the organisation's domains can be detected.",
    citations=["164.312(e)(2)(i)", "164.312(e)(1)"],
    severity="low",
    resource_types=[CERTIFICATE],
    remediation="Remove `options.certificateTransparencyLoggingPreference: DISABLED` (or set it to `ENABLED`).",
)
def acm_certificate_transparency_logging(r, cfg):
    if _imported(r) or r.has("certificateAuthorityArn"):
        return []  # private CA certificates are never logged publicly
    return r.expect_not_in("options.certificateTransparencyLoggingPreference", ["DISABLED"], "`ENABLED`")
