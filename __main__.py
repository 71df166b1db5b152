"""Entry point the Pulumi CLI runs (`python -m pulumi.policy <engine> .`): assemble and serve the pack."""
from hipaa_policies.runtime.pack import serve

serve()
