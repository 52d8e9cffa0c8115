"""How the gateway routes `/entrance/<execID>/...`: Java's `ZuulEntranceUtils.parseExecID`, faithfully.

Real gateways parse the id with `String.substring` and `Integer.parseInt`; bad ids raise
`StringIndexOutOfBoundsException` / `NumberFormatException`, and an id naming an entrance that is
not registered cannot be routed. Those answers are the gateway's (HTTP 200, status 1,
ledger: gateway.entrance.malformed-execid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ENTRANCE_APP", "RouteError", "parse_exec_id", "route_exec_id"]

ENTRANCE_APP = "linkis-cg-entrance"
_SERVICES = (ENTRANCE_APP, "linkis-ps-publicservice", "linkis-mg-gateway")
_INT = re.compile(r"[+-]?[0-9]+")


class RouteError(Exception):
    """A Java exception the gateway hit while parsing or routing an execID."""

    def __init__(self, java_class: str, message: str) -> None:
        self.java_class = java_class
        self.message = message
        super().__init__(f"{java_class}: {message}")

    @property
    def root_cause(self) -> str:
        """`ExceptionUtils.getRootCauseMessage`: `<SimpleClassName>: <message>`."""
        return f"{self.java_class.rsplit('.', 1)[-1]}: {self.message}"

    @property
    def stack(self) -> str:
        return (
            f"{self.java_class}: {self.message}\n"
            "\tat org.apache.linkis.protocol.utils.ZuulEntranceUtils$.parseExecID(ZuulEntranceUtils.scala:61)\n"
            "\tat org.apache.linkis.gateway.ujes.parser.EntranceRequestGatewayParser.parse(EntranceRequestGatewayParser.scala:58)\n"
        )


def _substring(text: str, begin: int, end: int) -> str:
    """Java 8 `String.substring(begin, end)` with its exceptions."""
    if begin < 0:
        raise RouteError(
            "java.lang.StringIndexOutOfBoundsException",
            f"String index out of range: {begin}",
        )
    if end > len(text):
        raise RouteError(
            "java.lang.StringIndexOutOfBoundsException",
            f"String index out of range: {end}",
        )
    if end - begin < 0:
        raise RouteError(
            "java.lang.StringIndexOutOfBoundsException",
            f"String index out of range: {end - begin}",
        )
    return text[begin:end]


def _parse_int(text: str) -> int:
    """Java `Integer.parseInt`."""
    if not _INT.fullmatch(text):
        raise RouteError(
            "java.lang.NumberFormatException", f'For input string: "{text}"'
        )
    return int(text)


def parse_exec_id(text: str) -> tuple[str, str, str, str]:
    """Return `(prefix or creator, application, instances, short id)` exactly as Linkis splits them."""
    if text.startswith("exec_id"):
        content = text[len("exec_id") :]
        app_len = _parse_int(_substring(content, 0, 3))
        inst_len = _parse_int(_substring(content, 3, 6))
        app = _substring(content, 6, 6 + app_len)
        instances = _substring(content, 6 + app_len, 6 + app_len + inst_len)
        short = _substring(content, 6 + app_len + inst_len, len(content))
        return "exec_id", app, instances, short
    creator_len = _parse_int(_substring(text, 0, 2))
    app_len = _parse_int(_substring(text, 2, 4))
    inst_len = _parse_int(_substring(text, 4, 6))
    creator = _substring(text, 6, 6 + creator_len)
    app = _substring(text, 6 + creator_len, 6 + creator_len + app_len)
    start = 6 + creator_len + app_len
    instance = _substring(text, start, start + inst_len)
    return creator, app, instance, _substring(text, start + inst_len, len(text))


@dataclass(frozen=True, slots=True)
class Route:
    """Where an execID leads: an entrance (with the short id it will look up), or another service."""

    short_id: str
    service: str = ENTRANCE_APP
    instance: str = ""  # the first instance the execID names


def _where(instance: str) -> str:
    return f" ,ip: {instance.split(':')[0]} ,port: {instance.rsplit(':', 1)[-1]} ,serviceKind: linkis-mg-gateway"


def route_exec_id(text: str, *, instance: str, legacy: bool = False) -> Route:
    """Route like the gateway with its defaults; the instance an execID names is not checked.

    `findService` keeps the registered services whose name contains the execID's application
    (case-insensitive): none → NoApplicationExistsException, several → TooManyServiceException,
    one → that service. With `wds.linkis.gateway.server.reflesh.enabled=false` (the default)
    the instance is never looked up, so any live entrance gets the request
    (ledger: gateway.entrance.unregistered-instance).
    """
    _, app, instances, short = parse_exec_id(text)
    found = [s for s in _SERVICES if app.lower() in s.lower()]
    if (
        legacy and app
    ):  # 0.x: one entrance per engine type, named by it; this one serves them all
        found = [ENTRANCE_APP]
    if not found:
        raise RouteError(
            "org.apache.linkis.server.exception.NoApplicationExistsException",
            f"errCode: 10050 ,desc: Application {app} does not exist any instances"
            f"(应用程序 {app} 不存在任何实例){_where(instance)}",
        )
    if len(found) > 1:
        services = ", ".join(found)
        raise RouteError(
            "org.apache.linkis.gateway.exception.TooManyServiceException",
            f"errCode: 11010 ,desc: Cannot find a correct serviceId for parsedServiceId:{app}, "
            f"service list are:[{services}](无法为 parsedServiceId:{app} 找到正确的 serviceId，"
            f"服务列表为：[{services}]){_where(instance)}",
        )
    return Route(short, found[0], instances.split("_")[0])
