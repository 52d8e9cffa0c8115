"""The contract suite's machinery: its pytest plugin, job lifecycle, protocol helpers and schemathesis hooks."""
