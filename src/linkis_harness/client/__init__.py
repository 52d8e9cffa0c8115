"""The only code that speaks HTTP to a Linkis target: `LinkisClient` and the `Answer`s it returns."""

from linkis_harness.client.answer import Answer
from linkis_harness.client.session import TICKET_COOKIES, LinkisClient

__all__ = ["TICKET_COOKIES", "Answer", "LinkisClient"]
