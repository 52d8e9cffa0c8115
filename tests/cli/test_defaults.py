"""Out of the box: `rules` with no arguments runs the shipped sample rules on the embedded simulator."""

import io

import pytest

from linkis_harness import cli


@pytest.mark.slow
def test_rules_runs_the_shipped_samples_against_the_embedded_simulator() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["rules"], out, err)
    text = out.getvalue()
    assert code == 0, text + err.getvalue()
    assert "proxy.properties" in text
    assert "tokens.properties" in text
    assert "0 failed" in text.splitlines()[-1]
