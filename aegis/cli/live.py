"""`aegis live`: serve the live web app."""

from __future__ import annotations

import argparse
import sys

from aegis.app.page import MODES
from aegis.app.session import IDLE_TIMEOUT_S, MAX_SESSIONS
from aegis.cli.common import (
    MODEL_HELP,
    add_detector,
    add_stream_options,
    camera,
    positive_int,
)
from aegis.errors import AegisError
from aegis.faces.registry import make_detector


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the command's parser."""
    p = sub.add_parser("live", help="start the local live web app (needs the live extra)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind; any other than loopback (e.g. 0.0.0.0) exposes the app to the network "
                        "behind a random access token, printed once in the URL to open")
    p.add_argument("--port", type=int, default=8000, help="port to serve on")
    p.add_argument("--mode", choices=MODES, default="on-device",
                   help="on-device: the page runs detection and the model in the browser (nothing is sent back); "
                        "server: the page sends each frame here (for devices too weak to run it)")
    p.add_argument("--allow-origin", action="append", default=[], metavar="URL",
                   help="also accept WebSocket connections from pages of this origin (repeatable; for a "
                        "deliberate embedding)")
    p.add_argument("--certfile", help="PEM certificate: serve over HTTPS (a browser camera off loopback needs it)")
    p.add_argument("--keyfile", help="PEM private key of --certfile (if not inside it)")
    p.add_argument("--max-sessions", type=positive_int, default=MAX_SESSIONS, help="connections served at once")
    p.add_argument("--idle-timeout", type=float, default=IDLE_TIMEOUT_S, metavar="S",
                   help="close a browser connection that sends nothing for S seconds")
    p.add_argument("--model", help=MODEL_HELP)
    p.add_argument("--camera", type=camera,
                   help="show this server-side camera index, or a video file looped as a camera (to show the app "
                        "without a webcam), instead of the browser's camera")
    add_stream_options(p, live=True)
    add_detector(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """`aegis live`: serve the page and the /ws frame protocol until Ctrl+C."""
    import asyncio
    import importlib.util

    if importlib.util.find_spec("websockets") is None:
        raise AegisError("`aegis live` needs websockets: pip install 'aegis-fer[live]'")
    from aegis.analyze.analyzer import Analyzer
    from aegis.app.access import AccessPolicy
    from aegis.app.server import LiveServer, run, tls_context
    from aegis.app.stderr import StderrThrottle

    if args.keyfile and not args.certfile:
        raise AegisError("--keyfile needs --certfile")
    if args.idle_timeout <= 0:
        raise AegisError(f"--idle-timeout must be > 0, got {args.idle_timeout}")
    policy = AccessPolicy.for_bind(args.host, tuple(args.allow_origin))
    tls = tls_context(args.certfile, args.keyfile) if args.certfile else None
    if policy.token:
        print(f"aegis: warning: serving on {args.host}: devices on your network can reach the app; only a URL "
              "with the access token below opens it" + ("" if tls else ", and browsers allow the camera only over "
                                                        "HTTPS there (--certfile/--keyfile, see docs/live.md)"),
              file=sys.stderr)
    analyzer = Analyzer(model=args.model, detector=make_detector(args.detector, args.min_face),
                        detect_every=args.detect_every, smoothing=args.smoothing, threshold=args.threshold,
                        coast=args.coast)
    server = LiveServer(analyzer, lambda: make_detector(args.detector, args.min_face), camera=args.camera,
                        policy=policy, max_sessions=args.max_sessions, idle_timeout=args.idle_timeout,
                        mode=args.mode)
    StderrThrottle().start()  # libjpeg's line per corrupt frame, once per kind every few seconds
    try:
        asyncio.run(run(server, args.host, args.port, tls,
                        lambda url: print(f"AEGIS live on {url} (Ctrl+C stops it)", flush=True)))
    except OSError as exc:
        raise AegisError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    return 0
