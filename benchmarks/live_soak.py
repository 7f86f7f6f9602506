"""Soak test of `aegis live` on loopback: N concurrent clients send real frames at a fixed rate.

    python benchmarks/live_soak.py [--seconds 600] [--clients 4] [--fps 15] [--three] [--json FILE]
    python benchmarks/live_soak.py --seconds 60 --clients 1 --hostile 4 [--json FILE]  # under attack
    python benchmarks/live_soak.py --bombs [--json FILE]  # each JPEG bomb once: time and memory
    python benchmarks/live_soak.py --in-process 900 [--json FILE]

It starts the server in a subprocess and records its resident memory once the clients have run for `--warmup`
seconds (the start of the steady state) and at the end, and the round-trip latency of every answered frame (p50,
p95); the frames are the head-pose clips' (one or two faces), or with --three benchmarks/pipeline_fps.py's three
people side by side. Bounded in time; loopback only. With --in-process N, no server: one live session (the server's
defaults) decodes and answers N of the same frames back to back in this process, and the time of each (the server's
share of a round trip, free of the network and the pacing) is reported instead.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
from websockets.sync.client import connect

from aegis.io.readers import open_source

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"


def status_mb(pid: int, field: str = "VmRSS") -> float:
    """A memory field of a process in MB from /proc (VmRSS: resident now, VmHWM: its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def client(port: int, frames: list[bytes], seconds: float, fps: float, latencies: list[float],
           server_ms: list[float], stats: dict) -> None:
    """Send frames at `fps` for `seconds`; record the round trip and the server's time of each answered frame."""
    sent: dict[int, float] = {}
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        def receive() -> None:
            try:
                for message in ws:
                    reply = json.loads(message)
                    if "dropped" in reply and sent.pop(reply["frame"], None) is not None:
                        stats["dropped"] += 1
                    elif "frame" in reply and reply["frame"] in sent:
                        latencies.append((time.perf_counter() - sent.pop(reply["frame"])) * 1e3)
                        server_ms.append(reply.get("latency_ms", float("nan")))
                        stats["answered"] += 1
            except Exception:  # the socket closes at the end of the run
                return

        reader = threading.Thread(target=receive, daemon=True)
        reader.start()
        start, i = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            sent[i] = time.perf_counter()
            ws.send(frames[i % len(frames)])
            stats["sent"] += 1
            i += 1
            time.sleep(max(0.0, start + i / fps - time.perf_counter()))
        time.sleep(1.0)
    reader.join(2)


def hostile_payloads() -> list[bytes | str]:
    """What the red team sent: JPEG bombs declaring 30000, 65000 and 12000 pixels a side, garbage after a JPEG
    marker, random bytes, and text past the parser's limits."""
    small = bytearray(cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes())
    sof = small.index(b"\xff\xc0")
    bombs = []
    for side in (30000, 65000, 12000):
        small[sof + 5:sof + 9] = side.to_bytes(2, "big") * 2
        bombs.append(bytes(small))
    rng = np.random.default_rng(0)
    return [*bombs, b"\xff\xd8\xff" + rng.bytes(4096), rng.bytes(2048), "1" * 5000, "[" * 100000, "{bad"]


def hostile(port: int, seconds: float, stats: dict) -> None:
    """Send bad messages back to back for `seconds`, each after the answer to the one before."""
    payloads = hostile_payloads()
    with connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        start, i = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            ws.send(payloads[i % len(payloads)])
            reply = json.loads(ws.recv(timeout=30))
            stats["hostile_errors"] += "error" in reply
            i += 1
        stats["hostile_sent"] += i


def bombs(port: int, pid: int, frames: list[bytes]) -> dict:
    """One legitimate frame, then each bomb once: its round trip and what it added to the server's peak memory."""
    report = {}
    with connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        ws.send(frames[0])
        ws.recv(timeout=30)
        for side, payload in zip((30000, 65000, 12000), hostile_payloads()[:3], strict=True):
            peak = status_mb(pid, "VmHWM")
            start = time.perf_counter()
            ws.send(payload)
            reply = json.loads(ws.recv(timeout=60))
            report[f"{side}x{side}"] = {"ms": round((time.perf_counter() - start) * 1e3, 2),
                                        "peak_mb_growth": round(status_mb(pid, "VmHWM") - peak, 1),
                                        "reply": reply.get("error")}
        ws.send(frames[0])
        report["next_frame_answered"] = "faces" in json.loads(ws.recv(timeout=30))
    return report


def in_process(frames: list[bytes], count: int) -> dict:
    """`count` frames through one live session with the server's defaults, back to back: ms each, p50 / p95."""
    from aegis.analyze.analyzer import Analyzer
    from aegis.app.session import LiveSession

    analyzer = Analyzer()
    session = LiveSession(analyzer, analyzer.detector)
    ms = []
    for i in range(count):
        start = time.perf_counter()
        session.process(frames[i % len(frames)], i)
        ms.append((time.perf_counter() - start) * 1e3)
    return {"in_process_frames": count, "server_ms_p50": round(float(np.percentile(ms, 50)), 1),
            "server_ms_p95": round(float(np.percentile(ms, 95)), 1), "server_ms_mean": round(float(np.mean(ms)), 1)}


def soak_frames(three: bool = False) -> list[bytes]:
    """The head-pose clips' frames at 640x480, or (`three`) three people side by side, as JPEG payloads."""
    if three:
        from pipeline_fps import three_face_frames

        frames = three_face_frames()
    else:
        frames = [cv2.resize(f, (640, 480)) for c in sorted(VIDEOS.glob("head-pose-*.gif")) for f in open_source(c)]
    return [cv2.imencode(".jpg", f)[1].tobytes() for f in frames]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--fps", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=10, help="seconds of load before the start memory")
    parser.add_argument("--hostile", type=int, default=0, metavar="N",
                        help="N more connections send JPEG bombs and garbage back to back meanwhile")
    parser.add_argument("--in-process", type=int, metavar="N", help="time N frames in this process instead")
    parser.add_argument("--bombs", action="store_true", help="send each JPEG bomb once and report that instead")
    parser.add_argument("--three", action="store_true", help="three people side by side in every frame")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.in_process:
        cv2.setNumThreads(1)
        report = in_process(soak_frames(args.three), args.in_process)
        print(json.dumps(report, indent=2))
        if args.json:
            args.json.write_text(json.dumps(report, indent=2))
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "aegis.cli", "live", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        server.stdout.readline()  # "AEGIS live on ..."
        time.sleep(1.0)
        frames = soak_frames(args.three)
        if args.bombs:
            report = bombs(port, server.pid, frames)
            print(json.dumps(report, indent=2))
            if args.json:
                args.json.write_text(json.dumps(report, indent=2) + "\n")
            return
        latencies: list[float] = []
        server_ms: list[float] = []
        stats = {"sent": 0, "answered": 0, "dropped": 0, "hostile_sent": 0, "hostile_errors": 0}
        threads = [threading.Thread(target=client,
                                    args=(port, frames, args.seconds, args.fps, latencies, server_ms, stats))
                   for _ in range(args.clients)]
        threads += [threading.Thread(target=hostile, args=(port, args.seconds, stats)) for _ in range(args.hostile)]
        for t in threads:
            t.start()
        time.sleep(min(args.warmup, args.seconds / 2))
        rss_start = status_mb(server.pid)
        for t in threads:
            t.join()
        rss_end, rss_peak = status_mb(server.pid), status_mb(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(10)
    lat, proc = np.array(latencies), np.array(server_ms)
    report = {"clients": args.clients, "hostile": args.hostile, "fps_per_client": args.fps, "seconds": args.seconds,
              **stats, "rss_mb_peak": round(rss_peak, 1),
              "rss_mb_start": round(rss_start, 1), "rss_mb_end": round(rss_end, 1),
              "rss_growth": round(rss_end / rss_start - 1, 3),
              "latency_ms_p50": round(float(np.percentile(lat, 50)), 1) if len(lat) else None,
              "latency_ms_p95": round(float(np.percentile(lat, 95)), 1) if len(lat) else None,
              "server_ms_p50": round(float(np.percentile(proc, 50)), 1) if len(proc) else None,
              "server_ms_p95": round(float(np.percentile(proc, 95)), 1) if len(proc) else None}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
