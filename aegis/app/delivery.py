"""The page's files as the live server sends them: revalidated by ETag (an unchanged file costs a 304, not a
download), and gzip-compressed where the browser accepts it (the WebAssembly runtime shrinks about fourfold)."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

COMPRESSED_KINDS = ("text/", "application/wasm", "application/json", "application/octet-stream",
                    "application/manifest+json")  # PNGs are compressed already


@dataclass(frozen=True)
class Delivered:
    """One file's body, its gzip form (None where compressing does not pay) and its ETag."""

    body: bytes
    gzipped: bytes | None
    etag: str


class Delivery:
    """The files the page loads, read and compressed once each (they do not change while the server runs)."""

    def __init__(self) -> None:
        self._files: dict[str, Delivered] = {}

    def response(self, request: Request, path: str, read: Callable[[], bytes], kind: str) -> Response:
        """200 with the file (gzip where accepted), or 304 when the browser's copy has the same ETag."""
        file = self._files.get(path) or self._remember(path, read(), kind)
        headers = Headers([("Content-Type", kind), ("ETag", file.etag), ("Cache-Control", "no-cache"),
                           ("Vary", "Accept-Encoding")])
        if file.etag in request.headers.get("If-None-Match", ""):
            return Response(HTTPStatus.NOT_MODIFIED.value, HTTPStatus.NOT_MODIFIED.phrase, headers, b"")
        body = file.body
        if file.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            body = file.gzipped
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        return Response(HTTPStatus.OK.value, HTTPStatus.OK.phrase, headers, body)

    def _remember(self, path: str, body: bytes, kind: str) -> Delivered:
        """Digest and compress a file once."""
        gzipped = gzip.compress(body, 6, mtime=0) if kind.startswith(COMPRESSED_KINDS) else None
        if gzipped is not None and len(gzipped) > 0.9 * len(body):
            gzipped = None
        file = Delivered(body, gzipped, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
        self._files[path] = file
        return file
