"""Calling a webhook's address: one POST with the standard library's HTTP client (no
redirect followed, a timeout on connecting and on the answer), after checking that the
address does not lead into the service's own network.

An address whose host resolves to a private, loopback, link-local, multicast, reserved or
unspecified address (IPv4 or IPv6, IPv4-mapped included) is refused, at subscription and
again at every send (a name may be pointed elsewhere meanwhile), unless the operator allows
private targets (SPOTLIGHT_WEBHOOK_ALLOW_PRIVATE: a test's loopback receiver, a receiver on
the operator's own network). The address is resolved again by the connection itself, so a
name that changes between the check and the connection is not caught: run the service with
an egress proxy or firewall where that matters."""

from __future__ import annotations

import http.client
import ipaddress
import socket
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from adapters.webhooks.own_address import OwnAddress, default_port
from application.webhook_delivery import Answer
from domain.errors import InvalidValue

Resolver = Callable[[str, int], list[str]]  # the same as ``own_address.Resolver``


def resolve(host: str, port: int) -> list[str]:
    return sorted(
        {str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    )


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


class AddressGuard:
    """``application.webhooks.TargetGuard``: refuses addresses into private networks, and the
    service's own address (``OwnAddress``) even where private ones are allowed."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver = resolve,
        own: OwnAddress | None = None,
    ) -> None:
        self.allow_private = allow_private
        self._resolve = resolver
        self.own = own

    def check(self, url: str) -> None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or default_port(parts.scheme)
        if self.allow_private:
            if self.own is not None and self.own.known:
                try:
                    addresses = self._resolve(host, port)
                except (OSError, UnicodeError):
                    addresses = []  # an address that does not resolve is not called at all
                self.own.refuse_if_self(host, port, addresses, self._resolve)
            return
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError) as error:
            raise InvalidValue(f"the webhook's host {host!r} does not resolve: {error}") from None
        if self.own is not None and self.own.known:
            self.own.refuse_if_self(host, port, addresses, self._resolve)
        if not addresses:
            raise InvalidValue(f"the webhook's host {host!r} does not resolve")
        refused = [address for address in addresses if _forbidden(address)]
        if refused:
            raise InvalidValue(
                f"the webhook's host {host!r} leads to {refused[0]}, a private, loopback or "
                "reserved address, which webhooks may not call"
            )


class HttpPoster:
    """``application.webhook_delivery.WebhookPoster`` over http.client."""

    def __init__(self, guard: AddressGuard, *, user_agent: str = "Spotlight-Webhooks/1") -> None:
        self.guard = guard
        self.user_agent = user_agent

    def post(self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float) -> Answer:
        try:
            self.guard.check(url)
        except InvalidValue as refused:
            return Answer(status=None, error=f"refused: {refused}")
        parts = urlsplit(url)
        host = parts.hostname or ""
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(host, parts.port, timeout=timeout)
        else:
            connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
        try:
            connection.request(
                "POST",
                target,
                body=body,
                headers={**headers, "user-agent": self.user_agent},
            )
            response = connection.getresponse()
            # At most a little of the answer is read: a receiver says yes or no by its status.
            response.read(4096)
            return Answer(status=response.status)
        except TimeoutError:
            return Answer(status=None, error=f"timed out after {timeout:g} s")
        except (OSError, http.client.HTTPException) as error:
            return Answer(status=None, error=f"{type(error).__name__}: {error}")
        finally:
            connection.close()
