"""Amazon Cognito user pools: multi-factor authentication, password strength, threat protection."""
from hipaa_policies.core.props import UNKNOWN
from hipaa_policies.core.policy import resource_policy

USER_POOL = "aws:cognito/userPool:UserPool"


@resource_policy(
    name="cognito-user-pool-mfa",
    description="Cognito user pools must require multi-factor authentication (person or entity authentication).",
    citations=["164.312(d)", "164.308(a)(5)(ii)(D)"],
    severity="high",
    resource_types=[USER_POOL],
    remediation="Set `mfaConfiguration: ON` and enable a second factor: `softwareTokenMfaConfiguration.enabled: "
                "true` (TOTP, preferred), `smsConfiguration` or `emailMfaConfiguration`. MFA cannot be switched "
                "to ON for a pool that has users without a registered factor; plan the migration.",
    config={
        "allowOptional": {
            "type": "boolean", "default": False,
            "description": "Accept `mfaConfiguration: OPTIONAL` (users may opt out of MFA).",
        },
    },
    notes="The provider default for `mfaConfiguration` is OFF.",
)
def cognito_user_pool_mfa(r, cfg):
    allowed = ["ON", "OPTIONAL"] if cfg.get("allowOptional") else ["ON"]
    findings = r.expect_in("mfaConfiguration", allowed, " or ".join(f"`{a}`" for a in allowed))
    if findings:
        return findings
    # MFA on, but with which factor? AWS rejects ON without one, so only flag an explicit TOTP opt-out
    # when no SMS or e-mail factor is configured either.
    totp = r.bool("softwareTokenMfaConfiguration.enabled")
    if totp is UNKNOWN:
        return r.unverified("softwareTokenMfaConfiguration.enabled", "true (or an SMS/e-mail second factor)")
    if totp is True or r.has("smsConfiguration") or r.has("emailMfaConfiguration"):
        return []
    return r.fail("softwareTokenMfaConfiguration.enabled", "true (or an SMS/e-mail second factor)")


@resource_policy(
    name="cognito-user-pool-password-policy",
    description="Cognito user pools must enforce a minimum password length (default 14 characters).",
    citations=["164.308(a)(5)(ii)(D)", "164.312(d)"],
    severity="medium",
    resource_types=[USER_POOL],
    remediation="Set `passwordPolicy.minimumLength` to at least the configured minimum (default 14); keep "
                "`passwordPolicy.temporaryPasswordValidityDays` short.",
    config={
        "minimumLength": {
            "type": "integer", "default": 14, "minimum": 6, "maximum": 99,
            "description": "Smallest accepted `passwordPolicy.minimumLength`.",
        },
    },
    notes="Without `passwordPolicy` Cognito requires 8 characters, which fails the default minimum of 14 "
          "(NIST SP 800-63B recommends 15 for single-factor passwords).",
)
def cognito_user_pool_password_policy(r, cfg):
    minimum = cfg.get("minimumLength", 14)
    if minimum <= 8 and not r.has("passwordPolicy.minimumLength") and r.get("passwordPolicy") is not UNKNOWN:
        return []  # the Cognito default (8) meets a configured minimum of 8 or less
    return r.expect_at_least("passwordPolicy.minimumLength", minimum)


@resource_policy(
    name="cognito-user-pool-threat-protection",
    description="Cognito user pools should run threat protection (advanced security) in enforced mode, "
                "to detect and block compromised-credential and risky sign-ins.",
    citations=["164.308(a)(5)(ii)(C)", "164.308(a)(6)(ii)"],
    severity="medium",
    resource_types=[USER_POOL],
    remediation="Set `userPoolTier: PLUS` and `userPoolAddOns.advancedSecurityMode: ENFORCED`; review "
                "`aws.cognito.RiskConfiguration` actions for high-risk sign-ins.",
    config={
        "allowAudit": {
            "type": "boolean", "default": False,
            "description": "Accept `AUDIT` mode (risks are logged but not acted on).",
        },
    },
    notes="Threat protection is billed (Plus tier); the check is advisory by default (log-in monitoring is "
          "Addressable).",
)
def cognito_user_pool_threat_protection(r, cfg):
    allowed = ["ENFORCED", "AUDIT"] if cfg.get("allowAudit") else ["ENFORCED"]
    return r.expect_in("userPoolAddOns.advancedSecurityMode", allowed, " or ".join(f"`{a}`" for a in allowed))
