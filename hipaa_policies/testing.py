"""Test harness: check Pulumi programs against the pack the way the Pulumi CLI does.

Two halves, usable from any pytest suite::

    from hipaa_policies.testing import PackServer, capture

    def program():
        import pulumi_aws as aws
        aws.rds.Instance("db", instance_class="db.t3.micro", engine="postgres", allocated_storage=20)

    def test_my_stack_is_hipaa_clean():
        resources = capture(program)                 # real pulumi_aws code under pulumi mocks
        with PackServer() as pack:                   # `python -m pulumi.policy` in the pack dir
            result = pack.check(resources)           # Analyze each resource + AnalyzeStack
        assert result.mandatory() == [], result.summary()

* :func:`capture` runs a program under ``pulumi.runtime.set_mocks`` with the real SDKs and
  records every resource in engine shape (type, name, URN, inputs as a protobuf ``Struct``,
  parent, dependencies, property dependencies, the declaring line).  Data sources answer
  plausibly (``aws.iam.get_policy_document`` as the provider computes it) and created resources
  get plausible computed outputs (``arn``, ``invoke_arn``, ...); ``preview=True`` leaves computed
  outputs unknown, as ``pulumi preview`` does for resources not yet created.  A required config
  key that is not set raises :class:`MissingConfig` naming every such key.
* :class:`PackServer` starts the pack as the CLI does (``python -u -m pulumi.policy <addr> .`` in
  the pack directory), reads the printed port and speaks ``pulumirpc.Analyzer`` over gRPC.
"""
from hipaa_policies.client.capture import (Capture, CapturedResource, MissingConfig, ProgramTimeout,
                                           RemoteComponent, capture, make_urn, resource)
from hipaa_policies.client.pack_server import PACK_DIR, Diagnostic, PackServer, Result
from hipaa_policies.core.levels import BY_PROTO_NUMBER as LEVELS

__all__ = ["Capture", "CapturedResource", "MissingConfig", "ProgramTimeout", "RemoteComponent", "capture",
           "make_urn", "resource", "PACK_DIR", "Diagnostic", "PackServer", "Result", "LEVELS"]
