"""The service's own address, which no webhook may call: a subscription pointing back at the
service would have it call itself with every notice (and, if a route echoed, without end).

The rule (README, "Webhooks"): an address is the service's own, and refused even where the
operator allows private targets, when
- its host and port are those of the public base URL the service is reached at
  (``SPOTLIGHT_PUBLIC_URL``; the port is the scheme's when the URL names none), or its host
  resolves to an address the public URL's host resolves to, on that port; or
- its port is the one the service listens on (``SPOTLIGHT_LISTEN``, which ``spotlight serve``
  sets from ``--host``/``--port``) and its host resolves to a loopback address, to the address
  listened on, or, when the service listens on every address (``0.0.0.0``, ``::``), to an
  address of this machine (its host name's).

What it cannot see: a proxy or a load balancer in front of the service on another name and
address than the public URL's; name it as the public URL, or refuse it at the egress."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import attrs

from domain.errors import InvalidValue

Resolver = Callable[[str, int], list[str]]


def default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _host(name: str) -> str:
    return name.strip().lower().rstrip(".")


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def machine_addresses() -> frozenset[str]:
    """The addresses this machine's host name resolves to (none when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return frozenset()
    return frozenset(str(info[4][0]) for info in infos)


@attrs.frozen
class OwnAddress:
    """Where the service itself is reached: its public base URL and its listening socket."""

    public_host: str | None = None
    public_port: int = 443
    listen_host: str | None = None
    listen_port: int | None = None
    #: This machine's own addresses, for a service listening on every address.
    local: frozenset[str] = attrs.field(factory=machine_addresses)

    @classmethod
    def of(
        cls,
        public_url: str | None,
        listen: tuple[str, int] | None,
        local: frozenset[str] | None = None,
    ) -> OwnAddress:
        public = urlsplit(public_url) if public_url else None
        return cls(
            public_host=None if public is None else _host(public.hostname or ""),
            public_port=443 if public is None else (public.port or default_port(public.scheme)),
            listen_host=None if listen is None else listen[0],
            listen_port=None if listen is None else listen[1],
            local=machine_addresses() if local is None else local,
        )

    @property
    def known(self) -> bool:
        return self.public_host is not None or self.listen_port is not None

    def refuse_if_self(
        self, host: str, port: int, addresses: Iterable[str], resolve: Resolver
    ) -> None:
        """Raise ``InvalidValue`` when ``host:port`` (resolving to ``addresses``) is the
        service itself."""
        name = _host(host)
        resolved = {ip for ip in map(_ip, addresses) if ip is not None}
        public = self.public_host
        if (
            public
            and port == self.public_port
            and (name == public or resolved & self._resolved(public, port, resolve))
        ):
            raise InvalidValue(
                f"the webhook's address {host}:{port} is the service's own public address "
                "(SPOTLIGHT_PUBLIC_URL): a webhook may not call the service itself"
            )
        if self.listen_port is None or port != self.listen_port:
            return
        listened = _ip(self.listen_host or "")
        own = {ip for ip in map(_ip, self.local) if ip is not None}
        for ip in resolved:
            if (
                ip.is_loopback
                or ip == listened
                or (listened is not None and listened.is_unspecified and (ip in own))
            ):
                raise InvalidValue(
                    f"the webhook's address {host}:{port} leads to {ip}, where the service "
                    f"itself listens ({self.listen_host}:{self.listen_port}): a webhook may "
                    "not call the service itself"
                )

    @staticmethod
    def _resolved(
        host: str, port: int, resolve: Resolver
    ) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        try:
            found = resolve(host, port)
        except (OSError, UnicodeError):
            return set()
        return {ip for ip in map(_ip, found) if ip is not None}
