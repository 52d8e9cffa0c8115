"""The proxy-user and token matrix asked of a live gateway, one fresh session per case.

`MatrixRunner.run_case` (`runner.py`) asks the gateway one `core.rulecases.Case` through
`LinkisClient` and returns a `Row` with what was expected, what was observed and the verdict
(`verdict.py`). Proxy cases use the real `/user/proxy?proxyUser=&validationCode=`
(Linkis 1.4.0 UserRestful.scala) or, with `proxy_mode="headers"`, the documented-but-unimplemented
`Proxy-User` + `Validation-Code` request headers; token cases send `Token-Code` + `Token-User` to
`jobhistory/list` (ledger: gateway.token.is-token-request). An accepted proxy must then act as the
user (`userInfo`) and own the job it submits (job history `executeUser`).
"""

from linkis_harness.core.rulecases import (
    ANY_USER,
    UNKNOWN_TOKEN,
    Case,
    ProxyMode,
    Redactor,
    derive_cases,
    fingerprint,
)
from linkis_harness.rules.matrix.runner import (
    MatrixRunner,
    Row,
    check_reachable,
    refine_version,
)
from linkis_harness.rules.matrix.verdict import Observed

# Re-exported: the runner, the CLI and the contract suite take everything rules-related here.
__all__ = [
    "ANY_USER",
    "UNKNOWN_TOKEN",
    "Case",
    "MatrixRunner",
    "Observed",
    "ProxyMode",
    "Redactor",
    "Row",
    "check_reachable",
    "derive_cases",
    "fingerprint",
    "refine_version",
]
