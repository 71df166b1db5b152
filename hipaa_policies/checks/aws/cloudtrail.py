"""AWS CloudTrail: log-file integrity validation (164.312(c)(2), 164.312(b)), multi-region coverage,
encryption, CloudWatch Logs delivery, management events, and a trail for stacks holding ePHI."""
from __future__ import annotations

from hipaa_policies.core import tokens
from hipaa_policies.core.props import FAIL, MISSING, UNKNOWN, UNVERIFIED, Finding, is_unknown
from hipaa_policies.core.policy import resource_policy, stack_policy
from hipaa_policies.core.remediation import fix_by_setting

TRAIL = "aws:cloudtrail/trail:Trail"
_TRAIL_TYPES = frozenset(tokens.expand([TRAIL]))
# Resources that typically store ePHI; a stack declaring one should have its API activity recorded.
DATA_STORES = [
    "aws:s3/bucket:Bucket", "aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:dynamodb/table:Table",
    "aws:ebs/volume:Volume", "aws:efs/fileSystem:FileSystem", "aws:redshift/cluster:Cluster",
    "aws:docdb/cluster:Cluster", "aws:neptune/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:opensearch/domain:Domain", "aws:backup/vault:Vault",
]


@resource_policy(
    name="cloudtrail-log-file-validation",
    description="CloudTrail trails must enable log-file integrity validation.",
    citations=["164.312(c)(2)", "164.312(c)(1)", "164.312(b)"],
    severity="high",
    resource_types=[TRAIL],
    remediation="Set `enableLogFileValidation: true` so CloudTrail writes signed digest files for every log file.",
)
def cloudtrail_log_file_validation(r, cfg):
    return r.expect_true("enableLogFileValidation")


fix_by_setting(cloudtrail_log_file_validation, "enableLogFileValidation", True)


@resource_policy(
    name="cloudtrail-multi-region",
    description="CloudTrail trails must record activity in every region.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="high",
    resource_types=[TRAIL],
    remediation="Set `isMultiRegionTrail: true` (and keep `includeGlobalServiceEvents` true) so API activity in "
                "any region, including IAM and sign-in events, is recorded.",
)
def cloudtrail_multi_region(r, cfg):
    return r.expect_true("isMultiRegionTrail")


fix_by_setting(cloudtrail_multi_region, "isMultiRegionTrail", True)


@resource_policy(
    name="cloudtrail-kms-encryption",
    description="CloudTrail trails must encrypt their log files with a KMS key.",
    citations=["164.312(a)(2)(iv)", "164.312(b)", "164.312(c)(1)"],
    severity="medium",
    resource_types=[TRAIL],
    remediation="Set `kmsKeyId` to a customer managed KMS key whose key policy lets CloudTrail encrypt and only "
                "auditors decrypt.",
)
def cloudtrail_kms_encryption(r, cfg):
    return r.expect_present("kmsKeyId", "a KMS key ARN (SSE-KMS for log files)")


@resource_policy(
    name="cloudtrail-cloudwatch-logs",
    description="CloudTrail trails must deliver events to CloudWatch Logs for monitoring and alerting.",
    citations=["164.308(a)(1)(ii)(D)", "164.312(b)", "164.308(a)(6)(ii)"],
    severity="medium",
    resource_types=[TRAIL],
    remediation="Set `cloudWatchLogsGroupArn` (the log group ARN followed by `:*`) and `cloudWatchLogsRoleArn` "
                "(a role CloudTrail can assume to write to it).",
)
def cloudtrail_cloudwatch_logs(r, cfg):
    findings = r.expect_present("cloudWatchLogsGroupArn", "the ARN of a CloudWatch Logs log group")
    findings += r.expect_present("cloudWatchLogsRoleArn", "the ARN of a role CloudTrail assumes to deliver logs")
    return findings


def _advanced_logs_management(selector, require_all):
    """True / False / UNKNOWN for one advanced event selector."""
    fields = selector.list("fieldSelectors")
    if fields is UNKNOWN:
        return UNKNOWN
    management, rw_limited = False, False
    for _path, fs in selector.items("fieldSelectors"):
        name = fs.str("field")
        if name is UNKNOWN:
            return UNKNOWN
        if not isinstance(name, str):
            continue
        equals = fs.list("equals")
        if equals is UNKNOWN:
            return UNKNOWN
        if name == "eventCategory":
            management = "Management" in equals
        elif name == "readOnly":
            rw_limited = True
    return management and not (require_all and rw_limited)


def _basic_logs_management(selector, require_all):
    include = selector.bool("includeManagementEvents")
    rw = selector.str("readWriteType")
    if UNKNOWN in (include, rw):
        return UNKNOWN
    if include is False:
        return False
    return not require_all or not isinstance(rw, str) or rw.lower() == "all"


def _logging(trail):
    """True / False / UNKNOWN: the trail is switched on (``enableLogging`` defaults to true)."""
    on = trail.bool("enableLogging")
    return True if on is MISSING else on


def _records_management(trail, require_all):
    """(True / False / UNKNOWN, the property that decides) for one trail's own selectors."""
    for path, check in (("advancedEventSelectors", _advanced_logs_management),
                        ("eventSelectors", _basic_logs_management)):
        selectors = trail.list(path)
        if selectors is UNKNOWN:
            return UNKNOWN, path
        if not selectors:
            continue
        results = [check(sel, require_all) for _p, sel in trail.items(path)]
        if any(res is True for res in results):
            return True, path
        return (UNKNOWN if UNKNOWN in results else False), path
    return True, "eventSelectors"  # no selectors: CloudTrail records all management events


@resource_policy(
    name="cloudtrail-logging-enabled",
    description="CloudTrail trails must be switched on (`enableLogging` not false).",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="high",
    resource_types=[TRAIL],
    remediation="Remove `enableLogging: false` (the default is true) or set it to true; pause a trail only in a "
                "reviewed change.",
    notes="A stopped trail records nothing, so it is also ignored when cloudtrail-management-events and "
          "cloudtrail-s3-data-events look for a trail that records events.",
)
def cloudtrail_logging_enabled(r, cfg):
    return r.expect_true("enableLogging", "true (the default)", absent_ok=True)


fix_by_setting(cloudtrail_logging_enabled, "enableLogging", True)


@stack_policy(
    name="cloudtrail-management-events",
    description="The stack's CloudTrail trails must record management events (read and write): at least one "
                "switched-on trail must record them; a trail that records only data events is fine beside it.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="high",
    resource_types=[TRAIL],
    remediation="Leave event selectors unset on one trail (management events are recorded by default) or keep "
                "`includeManagementEvents: true` with `readWriteType: All` on an event selector; with advanced "
                "event selectors, add one with `eventCategory` equals `Management` and no `readOnly` filter.",
    config={"requireReadAndWrite": {"type": "boolean", "default": True,
                                    "description": "Require both read and write management events."}},
    notes="Judged across the stack: when one switched-on trail records management events, trails dedicated to "
          "data events pass. Trails with `enableLogging: false` record nothing and never count "
          "(see cloudtrail-logging-enabled).",
)
def cloudtrail_management_events(stack, cfg):
    require_all = cfg["requireReadAndWrite"]
    expected = "a selector that records management events" + (" (read and write)" if require_all else "") + \
        ", on this trail or another switched-on trail of the stack"
    verdicts = []
    for trail in stack.of_type(TRAIL):
        on = _logging(trail)
        verdict, path = _records_management(trail, require_all)
        if on is False:
            verdict, path = False, "enableLogging"
        elif on is UNKNOWN and verdict is not False:
            verdict, path = UNKNOWN, "enableLogging"
        if verdict is True:
            return []
        verdicts.append((trail, verdict, path))
    pending = any(v is UNKNOWN for _t, v, _p in verdicts)
    stopped = ("true (a stopped trail records nothing), or another switched-on trail of the stack must record "
               "management events")
    return [Finding(path, stopped if path == "enableLogging" else expected, UNVERIFIED if pending else FAIL, trail.urn)
            for trail, _v, path in verdicts]


# --------------------------------------------------------------------------- S3 data events
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
EVENT_DATA_STORE = "aws:cloudtrail/eventDataStore:EventDataStore"
S3_OBJECT = "AWS::S3::Object"
ALL_BUCKETS = "*"  # grant scope: every bucket


def _s3_arn_scope(value):
    """ALL_BUCKETS, a bucket name (every object of it), None (a prefix inside a bucket, or not S3)."""
    parts = value.split(":", 5)
    if len(parts) < 3 or parts[0] != "arn" or parts[2] != "s3":
        return None
    rest = parts[5] if len(parts) == 6 else ""
    if rest == "":
        return ALL_BUCKETS
    name, _, prefix = rest.partition("/")
    return name if name and prefix == "" else None


class _Grants:
    """What the stack's trails record, as hash lookups: S3 object data events for every bucket, per bucket
    name, per bucket a selector depends on (values built from outputs), or unknown."""

    def __init__(self):
        self.all = {"read": False, "write": False}
        self.names = {}        # bucket name -> {"read", "write"}
        self.deps = {}         # bucket URN -> {"read", "write"}
        self.unknown = {"read": False, "write": False}
        self.except_total = {"read": 0, "write": 0}
        self.except_hits = {}  # bucket name -> {"read": n, "write": n} exclusions of all-but grants

    def add(self, scope, kinds, deps=()):
        for kind in kinds:
            if scope is UNKNOWN:
                if deps:
                    for u in deps:
                        self.deps.setdefault(u, set()).add(kind)
                else:
                    self.unknown[kind] = True
            elif scope == ALL_BUCKETS:
                self.all[kind] = True
            else:
                self.names.setdefault(scope, set()).add(kind)

    def add_all_except(self, names, kinds):
        for kind in kinds:
            self.except_total[kind] += 1
            for n in names:
                hits = self.except_hits.setdefault(n, {"read": 0, "write": 0})
                hits[kind] += 1

    def covers(self, bucket_urn, bucket_names, kind):
        """True / False / UNKNOWN for one kind (read or write) of object access to one bucket."""
        if self.all[kind] or kind in self.deps.get(bucket_urn, ()):
            return True
        if any(kind in self.names.get(n, ()) for n in bucket_names):
            return True
        total = self.except_total[kind]
        if total and (bucket_names and all(self.except_hits.get(n, {}).get(kind, 0) < total for n in bucket_names)):
            return True
        return UNKNOWN if self.unknown[kind] or (total and not bucket_names) else False


_RW = {"all": ("read", "write"), "readonly": ("read",), "writeonly": ("write",)}


def _basic_data_grants(trail, grants, deps):
    for _p, sel in trail.items("eventSelectors"):
        rw = sel.str("readWriteType")
        if rw is UNKNOWN:
            kinds = ()
            grants.add(UNKNOWN, ("read", "write"), deps)
        else:
            kinds = _RW.get(rw.lower() if isinstance(rw, str) else "all", ())
        if sel.list("dataResources") is UNKNOWN:
            grants.add(UNKNOWN, kinds or ("read", "write"), deps)
            continue
        for _q, res in sel.items("dataResources"):
            kind = res.str("type")
            values = res.list("values")
            if kind is UNKNOWN or values is UNKNOWN:
                grants.add(UNKNOWN, kinds, deps)
                continue
            if kind != S3_OBJECT:
                continue
            for v in values:
                if is_unknown(v):
                    grants.add(UNKNOWN, kinds, deps)
                elif isinstance(v, str):
                    scope = _s3_arn_scope(v)
                    if scope is not None:
                        grants.add(scope, kinds)
                        if scope != ALL_BUCKETS and deps:
                            grants.add(UNKNOWN, kinds, deps)  # a name built from a bucket output


_ARN_INCLUDE = ("startsWith",)
_ARN_EXCLUDE = ("notStartsWith", "notEquals")
_IGNORED_FIELDS = ("eventCategory", "resources.type", "readOnly", "resources.ARN")


def _advanced_data_grants(selector, grants, deps):
    """Grants of one advanced event selector (a selector narrowed by other fields grants nothing)."""
    fields = selector.list("fieldSelectors")
    if fields is UNKNOWN:
        grants.add(UNKNOWN, ("read", "write"), deps)
        return
    by_field = {}
    for _p, fs in selector.items("fieldSelectors"):
        name = fs.str("field")
        if name is UNKNOWN:
            grants.add(UNKNOWN, ("read", "write"), deps)
            return
        if isinstance(name, str):
            by_field.setdefault(name, []).append(fs)
    if any(f not in _IGNORED_FIELDS for f in by_field):
        return  # narrowed to some events or identities: not every access is recorded

    def equals(field):
        values = []
        for fs in by_field.get(field, ()):
            v = fs.list("equals")
            if v is UNKNOWN or any(is_unknown(x) for x in v):
                return UNKNOWN
            values += [x for x in v if isinstance(x, str)]
        return values
    category, types, read_only = equals("eventCategory"), equals("resources.type"), equals("readOnly")
    if UNKNOWN in (category, types, read_only):
        grants.add(UNKNOWN, ("read", "write"), deps)
        return
    if "Data" not in category or S3_OBJECT not in types:
        return
    kinds = ("read", "write")
    if read_only:
        kinds = tuple(k for k, flag in (("read", "true"), ("write", "false")) if flag in [x.lower() for x in read_only])
    includes, excludes, partial = [], [], False
    for fs in by_field.get("resources.ARN", ()):
        for op in ("equals", "startsWith", "endsWith", "notStartsWith", "notEquals", "notEndsWith"):
            values = fs.list(op)
            if values is UNKNOWN or any(is_unknown(x) for x in values):
                grants.add(UNKNOWN, kinds, deps)
                return
            strings = [x for x in values if isinstance(x, str)]
            if not strings:
                continue
            if op in _ARN_INCLUDE:
                includes += strings
            elif op in _ARN_EXCLUDE:
                excludes += strings
            else:
                partial = True  # exact object ARNs or suffixes: part of a bucket at most
    if partial and not includes:
        return
    if includes:
        for v in includes:
            scope = _s3_arn_scope(v)
            if scope is not None and not any(_s3_arn_scope(x) in (scope, ALL_BUCKETS) or
                                             (isinstance(x, str) and _bucket_of(x) == scope) for x in excludes):
                grants.add(scope, kinds)
                if scope != ALL_BUCKETS and deps:
                    grants.add(UNKNOWN, kinds, deps)
        return
    excluded = {_bucket_of(x) for x in excludes} - {None}
    if any(_s3_arn_scope(x) == ALL_BUCKETS for x in excludes):
        return
    if excluded:
        grants.add_all_except(excluded, kinds)
    else:
        grants.add(ALL_BUCKETS, kinds)


def _bucket_of(arn):
    """The bucket named by an S3 ARN or ARN prefix (``arn:aws:s3:::name/...``), or None."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "s3" or not parts[5]:
        return None
    return parts[5].split("/", 1)[0] or None


def _bucket_names(bucket):
    names = set()
    for key in ("bucket", "id"):
        v = bucket.get(key)
        if isinstance(v, str) and v and not is_unknown(v):
            names.add(v)
    return names


@stack_policy(
    name="cloudtrail-s3-data-events",
    description="Reads and writes of objects in the stack's S3 buckets (ePHI) must be recorded as CloudTrail "
                "data events by a switched-on trail or CloudTrail Lake event data store of the stack.",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[BUCKET, TRAIL, EVENT_DATA_STORE],
    remediation="On a trail add an advanced event selector with `eventCategory` equals `Data`, `resources.type` "
                "equals `AWS::S3::Object` and, to limit it to the ePHI buckets, `resources.ARN` startsWith "
                "`arn:aws:s3:::<bucket>/` (omit it for every bucket); or a basic event selector with "
                "`dataResources: [{type: \"AWS::S3::Object\", values: [\"arn:aws:s3:::<bucket>/\"]}]` and "
                "`readWriteType: All`.",
    config={"requireReadAndWrite": {"type": "boolean", "default": True,
                                    "description": "Require both read (GetObject) and write (PutObject, "
                                                   "DeleteObject) data events."}},
    notes="Stacks without a trail are left to cloudtrail-trail-declared. Buckets that receive CloudTrail logs or "
          "S3 server access logs are not checked (recording data events on them records the logging itself). "
          "A selector limited to an object prefix, to exact object ARNs or to some event names or identities "
          "does not count as covering the bucket. Use the pack's resource-tag scope to check only the buckets "
          "classified as ePHI. AWS Config: cloudtrail-s3-dataevents-enabled.",
)
def cloudtrail_s3_data_events(stack, cfg):
    sources = stack.of_type(TRAIL, EVENT_DATA_STORE)
    if not stack.has_type(TRAIL):
        return []
    grants = _Grants()
    log_buckets, log_bucket_urns = set(), set()
    for src in sources:
        on = _logging(src) if src.type in _TRAIL_TYPES else True
        if on is False:
            continue
        if src.type in _TRAIL_TYPES:
            log_bucket_urns.update(src.property_dependencies.get("s3BucketName", ()))
            name = src.get("s3BucketName")
            if isinstance(name, str) and not is_unknown(name):
                log_buckets.add(name)
        if on is UNKNOWN:
            grants.add(UNKNOWN, ("read", "write"))
            continue
        deps = tuple(src.property_dependencies.get("advancedEventSelectors", ()))
        advanced = src.list("advancedEventSelectors")
        if advanced is UNKNOWN:
            grants.add(UNKNOWN, ("read", "write"), deps)
        elif advanced:
            for _p, sel in src.items("advancedEventSelectors"):
                _advanced_data_grants(sel, grants, deps)
            continue
        if src.type in _TRAIL_TYPES:
            basic = src.list("eventSelectors")
            basic_deps = tuple(src.property_dependencies.get("eventSelectors", ()))
            if basic is UNKNOWN:
                grants.add(UNKNOWN, ("read", "write"), basic_deps)
            else:
                _basic_data_grants(src, grants, basic_deps)
    for logging in stack.of_type(BUCKET_LOGGING):
        log_bucket_urns.update(logging.property_dependencies.get("targetBucket", ()))
        target = logging.get("targetBucket")
        if isinstance(target, str) and not is_unknown(target):
            log_buckets.add(target)
    both = cfg["requireReadAndWrite"]
    expected = ("a CloudTrail data-event selector on a switched-on trail covering `AWS::S3::Object` in this bucket "
                "(" + ("read and write" if both else "read or write") + " events)")
    findings = []
    for bucket in stack.of_type(BUCKET):
        names = _bucket_names(bucket)
        if bucket.urn in log_bucket_urns or names & log_buckets:
            continue
        read, write = grants.covers(bucket.urn, names, "read"), grants.covers(bucket.urn, names, "write")
        results = [read, write] if both else [_or(read, write)]
        if all(r is True for r in results):
            continue
        status = FAIL if False in results else UNVERIFIED
        findings.append(Finding("aws.cloudtrail.Trail.advancedEventSelectors", expected, status, bucket.urn))
    return findings


def _or(a, b):
    if a is True or b is True:
        return True
    return UNKNOWN if UNKNOWN in (a, b) else False


@stack_policy(
    name="cloudtrail-trail-declared",
    description="A stack that declares ePHI data stores should declare a CloudTrail trail (or rely on an "
                "organisation trail managed elsewhere).",
    citations=["164.312(b)", "164.308(a)(1)(ii)(D)"],
    severity="medium",
    resource_types=[TRAIL] + DATA_STORES,
    remediation="Declare an `aws.cloudtrail.Trail` (multi-region, validated, KMS-encrypted, delivering to "
                "CloudWatch Logs), or exempt the stack if an organisation trail in a central account covers it.",
    default_level="advisory",
    level_reason="many organisations record API activity with one organisation trail in a central stack, which "
                 "this stack cannot see",
)
def cloudtrail_trail_declared(stack, cfg):
    if stack.has_type(TRAIL):
        return []
    return [Finding("(stack)", "accompanied by an `aws.cloudtrail.Trail` (or an organisation trail) recording "
                    "access to this data store", FAIL, store.urn)
            for store in stack.of_type(*DATA_STORES)]
