"""The check families of the contract suite: pytest markers, report rows, in report order."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["FAMILIES"]

FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "envelope": "every answer is a {method, status, message, data} envelope with the right HTTP code",
        "schema": "answers conform to specs/linkis.openapi.yaml (schemathesis)",
        "crash": "no server crash hidden behind status 1",
        "execid": "execIDs parse, name an instance and agree with job history; taskIDs are increasing integers",
        "states": "job states follow the Linkis state machine and end as expected",
        "progress": "progress is a number in [0, 1], non-decreasing, 1.0 at the end",
        "log": "log paging loses and duplicates nothing; buckets match line levels",
        "kill": "kill ends a job for its owner only; job history is private",
        "auth": "login, token and not-logged-in answers",
        "rules": "proxy-user and token rules are enforced",
        "results": "result sets hold exactly the expected rows",
    }
)
