"""The Analyzer client: start the pack as the Pulumi CLI does and speak pulumirpc.Analyzer to it."""
