"""The client's own request path: signed requests straight onto `LeanTransport`.

`httpx.AsyncClient` spends about 0.15 ms of CPU per request building and merging URLs,
headers and cookies before a transport sees the request, and as much again wrapping the
answer; the RSA signature itself costs 0.2 ms. `KalshiClient` always talks to one origin
with one set of headers, so this module prepares those once and writes each request as
bytes: request line, the fixed headers, the three `KalshiAuth` headers (signed here, on
every attempt, retries included — `_core._send` is the only caller), and a JSON body
encoded exactly as httpx encodes `json=`.

The answer is still an `httpx.Response` (content decoded by httpx from its
`Content-Encoding`), and failures are the same httpx exceptions, so error mapping and
retries in `_core` do not know which path a request took. The httpx path remains for
injected transports (the tests' scripted ones) and when proxy variables are set, which
only httpx honours.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from urllib.parse import quote, urlencode

import httpx

from ._auth import KalshiAuth
from ._transport import LeanTransport, origin_of

# Characters httpx leaves unescaped in a path (RFC 3986 pchar and "/").
_PATH_SAFE = "/!$&'()*+,;=:@~"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def proxies_configured() -> bool:
    """Whether the environment names a proxy (httpx would route through it)."""
    return any(key in urllib.request.getproxies() for key in ("http", "https", "all"))


class DirectSender:
    """Signs and sends `KalshiClient` requests on a `LeanTransport`."""

    def __init__(
        self,
        transport: LeanTransport,
        base_url: str,
        headers: httpx.Headers,
        timeout: httpx.Timeout,
        auth: KalshiAuth | None,
    ) -> None:
        url = httpx.URL(base_url)
        self._transport = transport
        self._base_url = base_url
        self._origin = origin_of(url)
        self._prefix = url.raw_path.rstrip(b"/").decode("ascii")
        lines = [b"Host: " + url.netloc]
        lines.extend(name + b": " + value for name, value in headers.raw)
        self._fixed_headers = b"\r\n".join(lines) + b"\r\n"
        self._connect_s = timeout.connect
        self._read_s = timeout.read
        self._auth = auth

    async def send(
        self, method: str, path: str, params: Mapping[str, str], body: object
    ) -> httpx.Response:
        raw_path = self._prefix + quote(path, safe=_PATH_SAFE)
        target = raw_path + "?" + urlencode(params) if params else raw_path
        parts = [f"{method} {target} HTTP/1.1\r\n".encode("ascii"), self._fixed_headers]
        if self._auth is not None:
            signed = self._auth.headers_for(method, raw_path)
            parts.append("".join(f"{name}: {value}\r\n" for name, value in signed.items()).encode())
        content = b""
        if body is not None:
            content = json.dumps(
                body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")
            parts.append(b"Content-Length: %d\r\nContent-Type: application/json\r\n" % len(content))
        elif method in _BODY_METHODS:
            parts.append(b"Content-Length: 0\r\n")
        parts.append(b"\r\n")
        try:
            reply = await self._transport.round_trip(
                self._origin,
                b"".join(parts),
                content,
                method=method,
                connect_s=self._connect_s,
                read_s=self._read_s,
            )
        except httpx.TransportError as exc:
            exc.request = httpx.Request(
                method, self._base_url.rstrip("/") + target[len(self._prefix) :]
            )
            raise
        return httpx.Response(
            reply.status,
            headers=reply.headers,
            content=reply.content,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reply.reason},
        )
