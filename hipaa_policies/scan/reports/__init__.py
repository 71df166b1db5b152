"""Report renderers: each module turns a :class:`~hipaa_policies.scan.runner.ScanReport` into one format."""
