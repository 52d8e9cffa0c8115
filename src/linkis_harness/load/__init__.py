"""`load`: Locust lifecycle load runs: planning, processes, cleanup and reports."""
