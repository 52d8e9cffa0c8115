"""`check`: the contract suite run against a target, its progress, results and reports."""
