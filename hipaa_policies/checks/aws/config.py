"""AWS Config: a configuration recorder that records every resource, is switched on and delivers its
history (evaluation, 164.308(a)(8); audit of configuration changes, 164.312(b))."""
from hipaa_policies.core.props import FAIL, UNKNOWN, UNVERIFIED, Finding, as_str
from hipaa_policies.core.policy import resource_policy, stack_policy

RECORDER = "aws:cfg/recorder:Recorder"
RECORDER_STATUS = "aws:cfg/recorderStatus:RecorderStatus"
DELIVERY_CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"

ALL = "ALL_SUPPORTED_RESOURCE_TYPES"


@resource_policy(
    name="config-recorder-all-resources",
    description="AWS Config recorders must record all supported resource types.",
    citations=["164.308(a)(8)", "164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[RECORDER],
    remediation="Omit `recordingGroup`, or set `recordingGroup.allSupported: true` without `resourceTypes`, and "
                "`recordingGroup.recordingStrategies[0].useOnly: ALL_SUPPORTED_RESOURCE_TYPES`. In one Region per "
                "account also set `includeGlobalResourceTypes: true` to record IAM.",
    config={
        "allowExclusions": {
            "type": "boolean", "default": False,
            "description": "Accept `EXCLUSION_BY_RESOURCE_TYPES` (all types except an explicit list).",
        },
        "requireGlobalResourceTypes": {
            "type": "boolean", "default": True,
            "description": "When all supported types are recorded, also require "
                           "`recordingGroup.includeGlobalResourceTypes: true` (IAM users, roles, groups, policies). "
                           "Set false for the stacks of the other Regions when one home Region records them.",
        },
    },
    notes="Global resource types (IAM) are required by default, as AWS Config's conformance packs do: the record of "
          "who was granted access to ePHI lives in IAM. AWS recommends recording them in one Region only (duplicate "
          "configuration items otherwise): in a multi-Region account keep the default for the home Region's stack "
          "and set `requireGlobalResourceTypes: false` for the others. Not required with "
          "`EXCLUSION_BY_RESOURCE_TYPES`, which records global types unless excluded.",
)
def config_recorder_all_resources(r, cfg):
    group = r.get("recordingGroup")
    if group is UNKNOWN:
        return r.unverified("recordingGroup", "all supported resource types")
    allowed = [ALL, "EXCLUSION_BY_RESOURCE_TYPES"] if cfg.get("allowExclusions") else [ALL]
    findings = []
    strategies = r.list("recordingGroup.recordingStrategies")
    if strategies is UNKNOWN:
        findings += r.unverified("recordingGroup.recordingStrategies", f"`useOnly: {ALL}`")
        use_only = UNKNOWN
    else:
        use_only = None
        for _path, s in r.items("recordingGroup.recordingStrategies"):
            findings += s.expect_in("useOnly", allowed, absent_ok=True)
            value = s.str("useOnly")
            if isinstance(value, str) or value is UNKNOWN:
                use_only = value
    excluding = isinstance(use_only, str) and use_only.upper() == "EXCLUSION_BY_RESOURCE_TYPES"
    if not excluding:
        findings += r.expect_true("recordingGroup.allSupported", absent_ok=True)
        types = r.list("recordingGroup.resourceTypes")
        if types is UNKNOWN:
            findings += r.unverified("recordingGroup.resourceTypes", "empty (every supported type recorded)")
        elif types and r.bool("recordingGroup.allSupported") is not True:
            findings += r.fail("recordingGroup.resourceTypes", "empty, with `allSupported: true`")
    if cfg.get("requireGlobalResourceTypes") and not excluding and r.bool("recordingGroup.allSupported") is not False:
        findings += r.expect_true("recordingGroup.includeGlobalResourceTypes",
                                  "true in the Region that records IAM (the default is false)")
    return findings


def _recorder_names(stack):
    """Effective recorder name -> recorders (an omitted `name` is AWS's `default`)."""
    names = {}
    for rec in stack.of_type(RECORDER):
        n = as_str(rec.get("name"))
        if n is UNKNOWN:
            continue
        names.setdefault(n if isinstance(n, str) else "default", []).append(rec)
    return names


def _statuses_by_recorder(stack):
    """recorder URN -> its RecorderStatus resources; plus whether some status's link is unknown."""
    names = _recorder_names(stack)
    out, open_link = {}, False
    for st in stack.of_type(RECORDER_STATUS):
        targets = [stack.by_urn[u] for u in st.property_dependencies.get("name", ()) if u in stack.by_urn
                   and stack.by_urn[u].type == RECORDER]
        if not targets:
            n = as_str(st.get("name"))
            if n is UNKNOWN:
                open_link = True
            elif isinstance(n, str):
                targets = names.get(n, [])
        for t in targets:
            out.setdefault(t.urn, []).append(st)
    return out, open_link


@stack_policy(
    name="config-recorder-enabled",
    description="Every AWS Config recorder declared in the stack must be switched on by a recorder status "
                "with `isEnabled: true`.",
    citations=["164.308(a)(8)", "164.312(b)"],
    severity="medium",
    resource_types=[RECORDER, RECORDER_STATUS],
    remediation="Declare `aws.cfg.RecorderStatus` with `name` set to the recorder's name and `isEnabled: true` "
                "(it needs the delivery channel: add `depends_on=[delivery_channel]`).",
)
def config_recorder_enabled(stack, cfg):
    findings = []
    by_recorder, open_link = _statuses_by_recorder(stack)
    expected = "referenced by an `aws.cfg.RecorderStatus` with `isEnabled: true`"
    for rec in stack.of_type(RECORDER):
        statuses = by_recorder.get(rec.urn, [])
        flags = [st.bool("isEnabled") for st in statuses]
        if True in flags:
            continue
        pending = open_link or UNKNOWN in flags or rec.get("name") is UNKNOWN
        if False in flags:
            pending = False
        findings.append(Finding("name", expected, UNVERIFIED if pending else FAIL, urn=rec.urn))
    return findings


@stack_policy(
    name="config-delivery-channel",
    description="A stack that declares an AWS Config recorder must declare a delivery channel, or the "
                "configuration history is never delivered (and the recorder cannot start).",
    citations=["164.308(a)(8)", "164.312(b)"],
    severity="medium",
    resource_types=[RECORDER, DELIVERY_CHANNEL],
    remediation="Declare an `aws.cfg.DeliveryChannel` with `s3BucketName` (and `s3KmsKeyArn`, `snsTopicArn` as "
                "needed) in the same stack as the recorder.",
    default_level="advisory",
    level_reason="an account has one delivery channel per Region, which may be managed by another stack",
)
def config_delivery_channel(stack, cfg):
    buckets = [c.get("s3BucketName") for c in stack.of_type(DELIVERY_CHANNEL)]  # once per call, not per recorder
    ok = any(isinstance(b, str) and b for b in buckets)
    pending = any(b is UNKNOWN for b in buckets)
    findings = []
    for rec in stack.of_type(RECORDER):
        if ok:
            continue
        findings.append(Finding("name", "accompanied by an `aws.cfg.DeliveryChannel` with `s3BucketName`",
                                UNVERIFIED if pending else FAIL, urn=rec.urn))
    return findings
