"""Amazon GuardDuty: threat detection enabled, detection features not switched off."""
from hipaa_policies.core.policy import resource_policy, stack_policy
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding, is_unknown

DETECTOR = "aws:guardduty/detector:Detector"
DETECTOR_FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"

DEFAULT_FEATURES = ["S3_DATA_EVENTS", "RDS_LOGIN_EVENTS", "EKS_AUDIT_LOGS", "EBS_MALWARE_PROTECTION",
                    "RUNTIME_MONITORING", "LAMBDA_NETWORK_LOGS"]


@resource_policy(
    name="guardduty-detector-enabled",
    description="GuardDuty detectors must be enabled, to detect malicious activity and suspected security "
                "incidents affecting systems with ePHI.",
    citations=["164.308(a)(6)(ii)", "164.308(a)(6)(i)", "164.308(a)(5)(ii)(B)", "164.308(a)(1)(ii)(D)"],
    severity="high",
    resource_types=[DETECTOR],
    remediation="Set `enable: true` (the default) on the detector in every Region and account that processes "
                "ePHI, and route findings to the incident response process (EventBridge, Security Hub).",
)
def guardduty_detector_enabled(r, cfg):
    return r.expect_true("enable", absent_ok=True)


@resource_policy(
    name="guardduty-detector-feature-enabled",
    description="GuardDuty protection plans that watch ePHI stores and workloads (S3 data events, RDS login "
                "events, runtime and malware protection...) must not be switched off.",
    citations=["164.308(a)(5)(ii)(B)", "164.308(a)(5)(i)", "164.308(a)(6)(ii)"],
    severity="medium",
    resource_types=[DETECTOR_FEATURE],
    remediation="Set `status: ENABLED` on the `aws.guardduty.DetectorFeature`, or remove the resource and manage "
                "the feature centrally (organization configuration).",
    config={
        "features": {
            "type": "array", "items": {"type": "string"}, "minItems": 1, "default": DEFAULT_FEATURES,
            "description": "Feature names (`name`) that must be ENABLED when declared.",
        },
    },
)
def guardduty_detector_feature_enabled(r, cfg):
    watched = {f.upper() for f in (cfg.get("features") or DEFAULT_FEATURES)}
    name = r.str("name")
    if isinstance(name, str) and name.upper() not in watched:
        return []
    return r.expect_in("status", ["ENABLED"], "`ENABLED`")


@stack_policy(
    name="guardduty-malware-protection-enabled",
    description="GuardDuty detectors must scan EC2 volumes for malware (the `EBS_MALWARE_PROTECTION` feature "
                "enabled on the detector).",
    citations=["164.308(a)(5)(ii)(B)", "164.308(a)(6)(ii)"],
    severity="medium",
    resource_types=[DETECTOR, DETECTOR_FEATURE],
    remediation="Declare `aws.guardduty.DetectorFeature(detector_id=detector.id, name=\"EBS_MALWARE_PROTECTION\", "
                "status=\"ENABLED\")` (and a `MalwareProtectionPlan` for S3 buckets that receive uploads).",
    notes="Proposed rule (NPRM 2025, not in force): anti-malware protection. Enabled only by the "
          "`proposed-rule-2025` profile.",
)
def guardduty_malware_protection_enabled(stack, cfg):
    findings = []
    for detector in stack.of_type(DETECTOR):
        legacy = detector.get("datasources.malwareProtection.scanEc2InstanceWithFindings.ebsVolumes.enable")
        if legacy is True:
            continue
        links = stack.referrers(detector, [DETECTOR_FEATURE], "detectorId")
        status = None
        for feature in links.resources:
            name = feature.get("name")
            if isinstance(name, str) and name.upper() == "EBS_MALWARE_PROTECTION" or is_unknown(name):
                s = feature.get("status")
                status = UNKNOWN if is_unknown(s) or is_unknown(name) else (status or s)
                if s == "ENABLED" and not is_unknown(name):
                    status = "ENABLED"
                    break
        if status == "ENABLED":
            continue
        unknown = status is UNKNOWN or links.unresolved or is_unknown(legacy)
        findings.append(Finding("DetectorFeature(EBS_MALWARE_PROTECTION).status", "`ENABLED` for this detector",
                                UNVERIFIED if unknown else FAIL, detector.urn))
    return findings
