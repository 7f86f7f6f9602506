"""`aegis report DIR`: one self-contained report.html over a batch folder (table, faces, timelines)."""

from __future__ import annotations

import base64
import csv
import html
import json
from pathlib import Path

import cv2

from aegis.analyze.batch import BASE_COLUMNS
from aegis.errors import AegisError
from aegis.io.files import write_text
from aegis.io.readers import open_source
from aegis.render.timeline import colour, draw_timeline

THUMB = 96
SORT_SCRIPT = """
document.querySelectorAll('th').forEach((th, col) => th.addEventListener('click', () => {
  const body = th.closest('table').tBodies[0];
  const up = th.dataset.order !== 'up';
  th.closest('tr').querySelectorAll('th').forEach(h => delete h.dataset.order);
  th.dataset.order = up ? 'up' : 'down';
  const key = r => { const c = r.cells[col], t = c.dataset.key ?? c.textContent, n = parseFloat(t);
                     return isNaN(n) ? t : n; };
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
td:first-child, td:nth-child(4) { text-align: left; }
td:nth-child(4) { white-space: nowrap; }
td.id { max-width: 22ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table:not(.all) .detail { display: none; }
.bar { display: flex; width: 220px; height: 14px; background: #eee; border-radius: 3px; overflow: hidden; }
.bar span { display: block; height: 100%; }
td i { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 6px; }
button { font: inherit; padding: 6px 12px; margin-bottom: 8px; }
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
    rows = _read_collection(folder / "collection.csv")
    videos = sorted(p.parent for p in folder.glob("*/done.json"))
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>AEGIS report: {html.escape(folder.name)}"
             f"</title><style>{STYLE}</style></head><body><h1>AEGIS collection report</h1>",
             f"<p>{_plural(len(videos), 'video')}, {_plural(len(rows), 'track')}. Click a column to sort; hover a "
             "video for its source and a bar for its shares.</p>", _table(rows)]
    parts += [_video_section(v) for v in videos]
    parts.append(f"<script>{SORT_SCRIPT}</script></body></html>\n")
    return write_text(folder / "report.html", "".join(parts))


def _read_collection(path: Path) -> list[dict]:
    """The rows of a batch's collection.csv; AegisError when its columns or rows are not the batch's."""
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.DictReader(f)
        names = reader.fieldnames or []
        missing = [c for c in BASE_COLUMNS if c not in names] + ([] if any(c.startswith("share_") for c in names)
                                                                 else ["share_<class>"])
        if missing:
            raise AegisError(f"{path} is not an `aegis batch` collection: it lacks {', '.join(missing[:4])}"
                             f"{' and more' if len(missing) > 4 else ''}; run `aegis batch` again")
        rows = list(reader)
    for line, row in enumerate(rows, 2):
        if None in row.values() or None in row:
            raise AegisError(f"{path}:{line}: the row does not have the header's {len(reader.fieldnames)} fields; "
                             "run `aegis batch` again")
    return rows


def _table(rows: list[dict]) -> str:
    """The collection table: video, track, seconds, dominant and a bar of the label shares; every number of
    collection.csv (shares and mean probabilities) in columns that a button shows."""
    columns = list(rows[0]) if rows else []
    shares = [c for c in columns if c.startswith("share_")]
    details = [c for c in columns if c.startswith(("share_", "mean_"))]
    classes = tuple(c[6:] for c in shares)
    head = ("<th>video</th><th>track</th><th>seconds</th><th>dominant</th><th>label shares</th>"
            + "".join(f"<th class='detail'>{html.escape(c)}</th>" for c in details))
    body = []
    for r in rows:
        bar = "".join(f"<span style='width:{100 * _number(r[c]):.1f}%;background:{_css(c[6:], classes)}' "
                      f"title='{html.escape(c[6:])} {100 * _number(r[c]):.0f}%'></span>" for c in shares)
        dominant = html.escape(r["dominant"])
        body.append(f"<tr><td class='id' title='{html.escape(r['source'])}'>{html.escape(r['video_id'])}</td>"
                    f"<td>{html.escape(r['track_id'])}</td><td>{html.escape(_cell(r['seconds']))}</td>"
                    f"<td><i style='background:{_css(r['dominant'], classes)}'></i>{dominant}</td>"
                    f"<td data-key='{_number(r.get('share_' + r['dominant'], '')):.4f}'>"
                    f"<div class='bar'>{bar}</div></td>"
                    + "".join(f"<td class='detail'>{html.escape(_cell(r[c]))}</td>" for c in details) + "</tr>")
    button = "<button onclick=\"document.getElementById('collection').classList.toggle('all')\">" \
             "show or hide the per-class columns</button>"
    return (f"{button}<table id='collection'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _number(value: str) -> float:
    """A table value as a number (0 when it is none)."""
    try:
        return float(value)
    except ValueError:
        return 0.0


def _css(label: str, classes: tuple[str, ...]) -> str:
    """The timeline's colour of a label, as CSS."""
    b, g, r = colour(label, classes)
    return f"rgb({r},{g},{b})"


def _plural(n: int, word: str) -> str:
    """`1 track`, `2 tracks`."""
    return f"{n} {word}{'' if n == 1 else 's'}"


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
            f"<p>{html.escape(done['source'])}: {done['seconds']:.1f} s, {_plural(len(summary['tracks']), 'track')}</p>"
            f"<div class='faces'>{faces or 'no face found'}</div>{timeline}</section>")


def _thumbnails(source: str, frames_csv: Path) -> dict[int, bytes]:
    """A JPEG of each track's face at its most confident detection, read back from the source (if it is there)."""
    best: dict[int, tuple[float, int, tuple[int, int, int, int]]] = {}
    with frames_csv.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["track_id"] and row.get("coasted") != "1":  # a coasted box is a guess: no thumbnail from it
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

