"""The pieces of the lifecycle load test: options, the job lifecycle, the journal, shapes."""
