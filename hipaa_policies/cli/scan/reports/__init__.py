"""Report renderers: each module turns a :class:`~hipaa_policies.cli.scan.runner.ScanReport` into one format."""
