"""Violation: a finding about the target as a plain value, turned into an exception at the edge."""

from __future__ import annotations

from dataclasses import dataclass

from linkis_harness.errors import ContractViolation

__all__ = ["Violation"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: which check family found it, a headline and the evidence."""

    check: str
    title: str
    detail: str = ""

    def to_exception(
        self, *, operation: str = "", exec_id: str | None = None
    ) -> ContractViolation:
        """Return the `ContractViolation` pytest and Locust report for this finding."""
        return ContractViolation(
            self.check,
            self.title,
            operation=operation,
            detail=self.detail,
            exec_id=exec_id,
        )

    def __str__(self) -> str:
        return (
            f"[{self.check}] {self.title}: {self.detail}"
            if self.detail
            else f"[{self.check}] {self.title}"
        )
