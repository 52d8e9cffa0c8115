"""`python -m linkis_harness` runs the CLI."""

from linkis_harness.cli import main

main()
