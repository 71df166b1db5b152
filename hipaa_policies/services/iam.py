"""AWS IAM: account password policy (164.308(a)(5)(ii)(D), 164.312(d))."""
from ..registry import remediation_for, resource_policy

PASSWORD_POLICY = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
COMPLEXITY = ("requireLowercaseCharacters", "requireUppercaseCharacters", "requireNumbers", "requireSymbols")


@resource_policy(
    name="iam-account-password-policy",
    description="The IAM account password policy must require long, complex, unrepeated and expiring passwords.",
    citations=["164.308(a)(5)(ii)(D)", "164.312(d)", "164.312(a)(2)(i)"],
    severity="medium",
    resource_types=[PASSWORD_POLICY],
    remediation="Set `minimumPasswordLength` >= 14, `passwordReusePrevention` >= 24, all four `require*` "
                "complexity flags to true and `maxPasswordAge` between 1 and 90 days.",
    config={
        "minimumLength": {"type": "integer", "default": 14, "minimum": 6, "maximum": 128,
                          "description": "Minimum password length."},
        "reusePrevention": {"type": "integer", "default": 24, "minimum": 1, "maximum": 24,
                            "description": "Number of previous passwords that cannot be reused."},
        "requireComplexity": {"type": "boolean", "default": True,
                              "description": "Require lowercase, uppercase, numbers and symbols."},
        "maxAgeDays": {"type": "integer", "default": 90, "minimum": 1, "maximum": 1095,
                       "description": "Maximum password age in days."},
    },
)
def iam_account_password_policy(r, cfg):
    findings = r.expect_at_least("minimumPasswordLength", cfg["minimumLength"])
    findings += r.expect_at_least("passwordReusePrevention", cfg["reusePrevention"])
    if cfg["requireComplexity"]:
        for flag in COMPLEXITY:
            findings += r.expect_true(flag)
    findings += r.expect(
        "maxPasswordAge", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= cfg["maxAgeDays"],
        f"between 1 and {cfg['maxAgeDays']} days")
    return findings


@remediation_for(iam_account_password_policy)
def _tighten_password_policy(r, cfg):
    new = dict(r.raw)
    length, reuse, age = r.num("minimumPasswordLength"), r.num("passwordReusePrevention"), r.num("maxPasswordAge")
    if not isinstance(length, float) or length < cfg["minimumLength"]:
        new["minimumPasswordLength"] = cfg["minimumLength"]
    if not isinstance(reuse, float) or reuse < cfg["reusePrevention"]:
        new["passwordReusePrevention"] = cfg["reusePrevention"]
    if not isinstance(age, float) or not 1 <= age <= cfg["maxAgeDays"]:
        new["maxPasswordAge"] = cfg["maxAgeDays"]
    if cfg["requireComplexity"]:
        for flag in COMPLEXITY:
            new[flag] = True
    return new if new != dict(r.raw) else None
