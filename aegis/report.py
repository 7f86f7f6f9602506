"""`aegis report DIR`: one self-contained report.html over a batch folder (table, faces, timelines)."""

from __future__ import annotations

import base64
import csv
import html
import json
from pathlib import Path

import cv2

from aegis.batch import COLLECTION_COLUMNS
from aegis.errors import AegisError
from aegis.render.timeline import draw_timeline
from aegis.sources import open_source

THUMB = 96
SORT_SCRIPT = """
document.querySelectorAll('th').forEach((th, col) => th.addEventListener('click', () => {
  const body = th.closest('table').tBodies[0];
  const up = th.dataset.order !== 'up';
  th.closest('tr').querySelectorAll('th').forEach(h => delete h.dataset.order);
  th.dataset.order = up ? 'up' : 'down';
  const key = r => { const t = r.cells[col].textContent; const n = parseFloat(t); return isNaN(n) ? t : n; };
  [...body.rows].sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * (up ? 1 : -1))
    .forEach(r => body.appendChild(r));
}));
"""
STYLE = """
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin-bottom: 32px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th { background: #f0f0f0; cursor: pointer; user-select: none; }
th[data-order=up]::after { content: ' \\25B2'; } th[data-order=down]::after { content: ' \\25BC'; }
td:first-child, td:nth-child(2) { text-align: left; }
section { border-top: 1px solid #ddd; padding-top: 12px; margin-top: 12px; }
.faces { display: flex; gap: 12px; } .face { text-align: center; }
.face img { width: 96px; height: 96px; border-radius: 6px; background: #eee; }
img.timeline { max-width: 100%; }
"""


def write_report(folder: str | Path) -> Path:
    """Write folder/report.html from a batch folder's collection.csv and its videos' outputs."""
    folder = Path(folder)
    if not (folder / "collection.csv").is_file():
        raise AegisError(f"{folder} has no collection.csv; run `aegis batch ... --out {folder}` first")
    with (folder / "collection.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    videos = sorted(p.parent for p in folder.glob("*/done.json"))
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>AEGIS report: {html.escape(folder.name)}"
             f"</title><style>{STYLE}</style></head><body><h1>AEGIS collection report</h1>",
             f"<p>{len(videos)} videos, {len(rows)} tracks. Click a column to sort.</p>", _table(rows)]
    parts += [_video_section(v) for v in videos]
    parts.append(f"<script>{SORT_SCRIPT}</script></body></html>\n")
    tmp = folder / "report.partial.html"
    tmp.write_text("".join(parts), encoding="utf-8")
    tmp.replace(folder / "report.html")
    return folder / "report.html"


def _table(rows: list[dict]) -> str:
    """The collection table as HTML (every column of collection.csv, numbers rounded to 3 places)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLLECTION_COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(r[c]))}</td>" for c in COLLECTION_COLUMNS) + "</tr>"
                   for r in rows)
    return f"<table id='collection'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _video_section(video: Path) -> str:
    """One video: each track's face thumbnail and dominant emotion, and the timeline."""
    done = json.loads((video / "done.json").read_text())
    summary = json.loads((video / "summary.json").read_text())
    if not (video / "timeline.png").is_file():
        draw_timeline(video / "frames.csv", video / "timeline.png", summary.get("fps_in") or 25.0)
    thumbs = _thumbnails(done["source"], video / "frames.csv")
    faces = "".join(
        f"<div class='face'>{_img(thumbs.get(t['track_id']), 'track ' + str(t['track_id']))}"
        f"<div>#{t['track_id']}: <b>{html.escape(t['dominant'])}</b></div></div>" for t in summary["tracks"])
    timeline = _img((video / "timeline.png").read_bytes(), f"timeline of {video.name}", "timeline", "png")
    return (f"<section id='{html.escape(video.name)}'><h2>{html.escape(video.name)}</h2>"
            f"<p>{html.escape(done['source'])}: {done['seconds']:.1f} s, {len(summary['tracks'])} tracks</p>"
            f"<div class='faces'>{faces or 'no face found'}</div>{timeline}</section>")


def _thumbnails(source: str, frames_csv: Path) -> dict[int, bytes]:
    """A JPEG of each track's face at its most confident detection, read back from the source (if it is there)."""
    best: dict[int, tuple[float, int, tuple[int, int, int, int]]] = {}
    with frames_csv.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["track_id"]:
                score, track = float(row["face_score"]), int(row["track_id"])
                if track not in best or score > best[track][0]:
                    best[track] = (score, int(row["frame"]), tuple(int(row[k]) for k in "xywh"))
    wanted: dict[int, list[tuple[int, tuple[int, ...]]]] = {}  # frame -> its tracks' boxes (several may share one)
    for track, (_, frame, box) in best.items():
        wanted.setdefault(frame, []).append((track, box))
    thumbs: dict[int, bytes] = {}
    try:
        for index, frame in enumerate(open_source(source)):
            for track, (x, y, w, h) in wanted.get(index, []):
                crop = frame[max(y, 0):y + h, max(x, 0):x + w]
                if crop.size:
                    thumbs[track] = cv2.imencode(".jpg", cv2.resize(crop, (THUMB, THUMB)))[1].tobytes()
            if len(thumbs) == len(best) or index > max(wanted, default=-1):
                break
    except AegisError:
        pass  # the source moved or broke since the batch: the report shows empty thumbnails
    return thumbs


def _img(data: bytes | None, alt: str, cls: str = "", kind: str = "jpeg") -> str:
    """An <img> with the bytes inlined as a data URL (an empty box without bytes)."""
    src = f"data:image/{kind};base64,{base64.b64encode(data).decode()}" if data else ""
    return f"<img class='{cls}' alt='{html.escape(alt)}' src='{src}'>"


def _cell(value: str) -> str:
    """A table cell: numbers to 3 decimals, anything else as is."""
    try:
        number = float(value)
    except ValueError:
        return value
    return str(int(number)) if number.is_integer() else f"{number:.3f}"

