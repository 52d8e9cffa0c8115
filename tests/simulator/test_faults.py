"""The fault catalogue as `serve --fault list` prints it.

Each fault is proven once, end to end, by the fault table in tests/check/test_check.py: a
`check` run against a simulator serving it fails exactly the checks it names, and a faithful
run fails none. (Direct probes of each fault, once here, were a second proof of the same link.)
"""

from __future__ import annotations

import io

from linkis_harness.cli import run
from linkis_harness.simulator.faults import FAULTS


def test_fault_list_names_every_fault_with_its_family() -> None:

    out, err = io.StringIO(), io.StringIO()
    assert run(["serve", "--fault", "list"], out, err) == 0
    listed = {line.split()[0]: line.split()[1] for line in out.getvalue().splitlines()}
    assert listed == {name: fault.family for name, fault in FAULTS.items()}
