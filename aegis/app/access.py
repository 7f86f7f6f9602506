"""Who may use the live server: Host and Origin checks against DNS rebinding and cross-site pages, and a token.

Browsers let any page open a WebSocket to any address, so the server decides itself:
- Host: on a loopback or named bind address, every HTTP request must name one of the server's own hosts
  (127.0.0.1, localhost, [::1] or the bind address) on its port; a DNS-rebinding page names its own
  domain and is refused. Bound to a wildcard (0.0.0.0, ::) the server cannot know its LAN names, so
  there the token stands guard instead.
- Origin: a WebSocket handshake from a browser must come from the server's own page (the Host it asked
  for), from a loopback origin on its port, or from an origin given with --allow-origin. Clients that
  send no Origin are not browsers, and no web page can make them connect.
- Token: off loopback every request but the public assets (page script, style, emoji) must carry
  `?token=...`, compared in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from aegis.errors import AegisError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
_HOST = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>\d{1,5}))?")


def is_loopback(host: str) -> bool:
    """Whether a bind address reaches this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A random access token (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def normalise_origin(origin: str) -> str:
    """`scheme://host[:port]` in lower case with the default port left out; AegisError if it is no http(s) origin."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise AegisError(f"--allow-origin {origin!r} is not an origin such as https://example.org:8443")
    try:
        port = parts.port
    except ValueError as exc:
        raise AegisError(f"--allow-origin {origin!r}: {exc}") from exc
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = 80 if parts.scheme == "http" else 443
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def split_host(value: str) -> tuple[str, int | None]:
    """(host, port) of a Host header ("[::1]:8000" -> ("::1", 8000)); port None when absent or malformed.

    Only a bare host name, IPv4 or bracketed IPv6 address, with an optional port, is a Host: anything else
    (user info such as `evil@127.0.0.1`, a path, spaces) gives ("", None).
    """
    match = _HOST.fullmatch(value.strip())
    if not match:
        return "", None
    port = match["port"]
    return match["host"].strip("[]").lower(), int(port) if port and int(port) < 65536 else None


@dataclass(frozen=True)
class AccessPolicy:
    """The live server's admission rules.

    Attributes:
        bind: the address the server listens on (the port is read from each connection's socket).
        token: required on /, /config.json and /ws when set (always set off loopback by `for_bind`).
        allowed_origins: extra origins (normalised) whose pages may open /ws.
    """

    bind: str
    token: str | None = None
    allowed_origins: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_bind(cls, bind: str, allow_origins: tuple[str, ...] = ()) -> AccessPolicy:
        """The policy for a bind address: a fresh token whenever it is not loopback."""
        token = None if is_loopback(bind) else new_token()
        return cls(bind, token, frozenset(normalise_origin(o) for o in allow_origins))

    @property
    def own_hosts(self) -> tuple[str, ...]:
        """Host names the server answers to; empty when bound to a wildcard (any name, token required)."""
        if self.bind in WILDCARD_HOSTS:
            return ()
        return tuple(dict.fromkeys((*LOOPBACK_HOSTS, self.bind.strip("[]").lower())))

    def host_refusal(self, host_header: str | None, port: int) -> str | None:
        """Why a request's Host header is refused, for a server on `port` (None: accepted)."""
        if not self.own_hosts:
            return None
        host, asked = split_host(host_header or "")
        if host.lower() not in self.own_hosts or asked != port:
            return "this server answers only to its own address (Host header refused)"
        return None

    def origin_refusal(self, origin: str | None, host_header: str | None, port: int) -> str | None:
        """Why a WebSocket handshake's Origin is refused (None: accepted, or a client that sends none).

        The Host header must have passed `host_refusal` already: the page this server served is accepted
        under the Host it was asked for.
        """
        if origin is None:
            return None
        try:
            origin = normalise_origin(origin)
        except AegisError:
            return "cross-origin WebSocket refused"
        own = {normalise_origin(f"{scheme}://{host}:{port}") for scheme in ("http", "https")
               for host in ("127.0.0.1", "localhost", "[::1]")}
        own |= {normalise_origin(f"{scheme}://{host_header}") for scheme in ("http", "https")
                if host_header and split_host(host_header)[0] and _origin_like(f"{scheme}://{host_header}")}
        if origin in own or origin in self.allowed_origins:
            return None
        return "cross-origin WebSocket refused"

    def token_refusal(self, path: str) -> str | None:
        """Why a request path's `?token=` is refused (None: accepted, or no token is required)."""
        if self.token is None:
            return None
        given = parse_qs(urlsplit(path).query).get("token", [""])[0]
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return "missing or wrong access token: open the URL that `aegis live` printed"
        return None

    def url(self, port: int, scheme: str = "http") -> str:
        """The address to open, with the token when one is required."""
        host = "127.0.0.1" if self.bind in WILDCARD_HOSTS else self.bind
        host = f"[{host}]" if ":" in host else host
        return f"{scheme}://{host}:{port}/" + (f"?token={self.token}" if self.token else "")


def _origin_like(text: str) -> bool:
    """Whether text parses as an http(s) origin."""
    try:
        normalise_origin(text)
    except AegisError:
        return False
    return True
