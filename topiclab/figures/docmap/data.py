"""What the map page holds, computed from a saved run and packed small.

Points are ordered by topic (outliers first, drawn underneath), which also makes their texts compress
better. Coordinates are quantized to 16 bits over the points' bounding box; topics and categories are
small integer codes; times are whole seconds (or days) from the earliest; other numbers are 16-bit (8-bit
for probabilities) steps between their minimum and maximum. Document texts are shipped
whole while they fit `text_chars` characters in all; past that every document is cut to the same
length, the longest that fits (the page says when a text was cut, and hover shows the start of it).
Arrays go into three gzip-compressed blobs, so the page can draw the points before it decodes the texts:
`points`, `texts` and `semantic`. `meta` says where each array is and holds everything else (topics,
label levels, columns) as JSON, whose strings the page only ever puts into the DOM as text.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass

import numpy as np
import pandas as pd

from topiclab.errors import FigureError
from topiclab.figures._common import sample_per_topic, shorten, topic_table
from topiclab.figures.docmap.levels import topic_levels
from topiclab.figures.docmap.semantic import MAX_WORDS, SemanticIndex, semantic_index
from topiclab.results import OUTLIER, TopicRun

MAX_POINTS = 1_000_000  # beyond this a seeded sample keeping every topic (40 MB holds about 600,000)
TEXT_CHARS = 45_000_000  # characters of document text in one page, all documents together
MAX_CATEGORIES = 20  # a column's most frequent values get colors; the rest are grouped as "other"
GRID = 65_535  # quantized coordinates: 0..GRID on both axes
LABEL_CHARS = 48
#: Columns every run has that are not shown as columns of their own (or are shown otherwise).
OWN_COLUMNS = {"doc_id", "text", "topic", "timestamp", "class"}
#: Columns whose values are shown in 255 steps between their minimum and maximum (others: 65,535).
COARSE_COLUMNS = {"probability"}


@dataclass
class MapData:
    meta: dict
    blobs: dict[str, bytes]  # name -> gzip-compressed arrays, laid out as meta["arrays"][name] says
    rows: np.ndarray  # row of run.documents for each point, in the page's order
    semantic: SemanticIndex | None = None  # what the page's search by meaning reads (also in blobs["semantic"])

    @property
    def nbytes(self) -> int:
        return sum(len(blob) for blob in self.blobs.values())


def map_data(run: TopicRun, max_points: int | None = None, text_chars: int = TEXT_CHARS,
             search_words: int = MAX_WORDS) -> MapData:
    coords = _coordinates(run)
    documents = run.documents
    limit = MAX_POINTS if max_points is None else int(max_points)
    if limit < 1:
        raise FigureError(f"max_points must be at least 1, not {max_points!r}.")
    table = topic_table(run)
    code_of = {int(t): i for i, t in enumerate(table["topic"])}
    topics = documents["topic"].astype(int).map(code_of).to_numpy(dtype=np.int64)
    shown = sample_per_topic(topics, limit, run.config.seed)
    rows = shown[np.argsort(topics[shown], kind="stable")]
    xy, bounds, view = _quantize(coords[rows])

    points = {"x": xy[:, 0], "y": xy[:, 1], "topic": topics[rows].astype(np.uint16)}
    columns = []
    for name, kind, values, extra in _columns(documents.iloc[rows]):
        points[f"column:{name}"] = values
        columns.append({"name": name, "kind": kind, "array": f"column:{name}", **extra})
    texts, text_meta = _texts(documents["text"].iloc[rows], text_chars)
    texts["doc_id"] = _joined(documents["doc_id"].iloc[rows]) if "doc_id" in documents else _joined(pd.Series(rows))

    blobs, layout = {}, {}
    for name, arrays in (("points", points), ("texts", texts)):
        blobs[name], layout[name] = _pack(arrays)
    index = semantic_index(run, rows, search_words) if search_words else "turned off (search_words=0)"
    if isinstance(index, SemanticIndex):
        blobs["semantic"], layout["semantic"] = _pack({
            "codes": index.codes, "codebooks": index.codebooks, "word_codes": index.word_codes,
            "word_codebooks": index.word_codebooks,
            "words": _joined(pd.Series(index.words))})
        semantic = index.meta
    else:
        semantic = {"unavailable": index}

    meta = {
        "version": 1, "n": int(len(rows)), "total": int(len(documents)), "grid": GRID,
        "bounds": bounds, "view": view,
        "topics": _topics(run, table, topics[rows]),
        "levels": _levels(run, code_of, points["topic"], xy),
        "columns": columns, "text": text_meta, "semantic": semantic, "arrays": layout,
    }
    return MapData(meta, blobs, rows, index if isinstance(index, SemanticIndex) else None)


def _coordinates(run: TopicRun) -> np.ndarray:
    coords = run.projections.get("2d")
    if coords is None:
        raise FigureError(f"Run {run.name!r} has no 2D projection. Add it with `topiclab figures RUN_DIR`, "
                          "or `topiclab.figures.compute_projections(run)` then `run.save()`.")
    if len(coords) != len(run.documents):
        raise FigureError(f"Run {run.name!r} has {len(coords)} projected points for {len(run.documents)} documents; "
                          "recompute them: run.projections.clear(), then compute_projections(run).")
    coords = np.asarray(coords, dtype=np.float64)
    if not np.isfinite(coords).all():
        raise FigureError(f"Run {run.name!r} has projected points that are not finite numbers; recompute them: "
                          "run.projections.clear(), then compute_projections(run).")
    return coords


def _quantize(coords: np.ndarray) -> tuple[np.ndarray, list[float], list[int]]:
    """16-bit coordinates over the bounding box; the view is the box holding 99% of the points (UMAP puts
    small detached groups far out, which would squeeze the rest into a corner)."""
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    xy = np.rint((coords - low) / span * GRID).astype(np.uint16)
    lo, hi = np.percentile(xy, [0.5, 99.5], axis=0)
    pad = np.maximum(0.05 * (hi - lo), 64)
    view = np.clip(np.concatenate([lo - pad, hi + pad]), 0, GRID).round().astype(int).tolist()
    return xy, [float(low[0]), float(low[1]), float(high[0]), float(high[1])], view


def _topics(run: TopicRun, table: pd.DataFrame, codes: np.ndarray) -> list[dict]:
    shown = np.bincount(codes, minlength=len(table))
    return [{"id": int(row.topic), "label": shorten(str(row.label), 2 * LABEL_CHARS), "color": row.color,
             "size": int(row.size), "shown": int(count), "outlier": int(row.topic) == OUTLIER,
             "words": [str(w) for w in list(getattr(row, "words", []) or [])[:10]]}
            for row, count in zip(table.itertuples(), shown)]


def _levels(run: TopicRun, code_of: dict[int, int], codes: np.ndarray, xy: np.ndarray) -> list[dict]:
    """Each level's labels, each at the document nearest the median of its group's documents."""
    starts = np.searchsorted(codes, np.arange(len(code_of) + 1))  # points are sorted by topic code
    levels = []
    for level in topic_levels(run):
        labels = []
        for group, text in zip(level.groups, level.labels):
            members = [code_of[t] for t in group if t in code_of]
            points = np.concatenate([np.arange(starts[c], starts[c + 1]) for c in members])
            if not len(points):
                continue
            place = xy[points].astype(np.float64)
            centre = np.median(place, axis=0)
            x, y = xy[points[np.argmin(((place - centre) ** 2).sum(axis=1))]].tolist()
            labels.append({"text": shorten(text, LABEL_CHARS), "topics": members, "x": x, "y": y,
                           "size": int(len(points))})
        levels.append({"zoom": level.zoom, "labels": labels})
    return levels


def _columns(documents: pd.DataFrame):
    """(name, kind, values, meta) for each column the map can color by, besides topic."""
    if "class" in documents:
        yield ("class", "category", *_categories(documents["class"]))
    if "timestamp" in documents:
        time = _times(documents["timestamp"])
        if time is not None:
            yield ("time", "time", *time)
    words = documents["text"].astype(str).str.count(r"\S+").to_numpy()
    yield "length (words)", "number", *_numbers(pd.Series(words))
    for name in documents.columns:
        if name in OWN_COLUMNS:
            continue
        values = documents[name]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            if pd.api.types.is_datetime64_any_dtype(values):
                time = _times(values)
                if time is not None:
                    yield str(name), "time", *time
            elif values.nunique(dropna=False) > 1:
                yield (str(name), "category", *_categories(values))
        elif values.nunique(dropna=False) > 1:
            yield (str(name), "number", *_numbers(values, 8 if name in COARSE_COLUMNS else 16))


def _categories(values: pd.Series) -> tuple[np.ndarray, dict]:
    labels = values.astype(object).where(values.notna(), None).map(lambda v: "(missing)" if v is None else str(v))
    counts = labels.value_counts(sort=True)
    kept = counts.index[:MAX_CATEGORIES].tolist()
    if len(counts) > MAX_CATEGORIES:
        kept.append(f"other ({len(counts) - MAX_CATEGORIES:,} values)")
    index = {label: i for i, label in enumerate(kept[:MAX_CATEGORIES])}
    codes = labels.map(index).fillna(len(kept) - 1).to_numpy(dtype=np.uint8)
    return codes, {"categories": kept}


def _numbers(values: pd.Series, bits: int = 16) -> tuple[np.ndarray, dict]:
    """Whole numbers as they are (uint16 or uint32, when they fit); others in `2**bits - 1` steps between
    their minimum and maximum (`scale`; the top value marks a missing number)."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    known = np.isfinite(numbers)
    low, high = (float(numbers[known].min()), float(numbers[known].max())) if known.any() else (0.0, 0.0)
    extra = {"min": low, "max": high}
    if known.all() and low >= 0 and (numbers == np.round(numbers)).all() and high < 2**32:
        return numbers.astype(np.uint16 if high < 2**16 else np.uint32), extra
    dtype = np.uint8 if bits == 8 else np.uint16
    missing = int(np.iinfo(dtype).max)
    step = (high - low) / (missing - 1) or 1.0
    steps = np.where(known, np.rint((np.where(known, numbers, low) - low) / step), missing)
    return steps.astype(dtype), {**extra, "scale": [low, step], "missing": missing}


def _times(values: pd.Series) -> tuple[np.ndarray, dict] | None:
    """Whole seconds (or days, when every time is midnight) from the earliest, as uint16 when they fit,
    else uint32; `missing` marks a document without a time."""
    stamps = pd.to_datetime(values, errors="coerce", utc=True)
    known = stamps.notna().to_numpy()
    if not known.any():
        return None
    seconds = ((stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(dtype=np.float64)
    origin, end = int(seconds[known].min()), int(seconds[known].max())
    midnights = (seconds[known] % 86_400 == 0).all()
    unit = 86_400 if midnights or end - origin >= np.iinfo(np.uint32).max else 1  # over 136 years: days
    dtype = np.uint16 if (end - origin) // unit < np.iinfo(np.uint16).max else np.uint32
    missing = int(np.iinfo(dtype).max)
    offsets = np.where(known, (np.where(known, seconds, origin) - origin) // unit, missing).astype(dtype)
    return offsets, {"origin": origin, "unit": int(unit), "missing": missing, "min": origin, "max": end}


def _texts(texts: pd.Series, budget: int) -> tuple[dict, dict]:
    texts = texts.astype(str).str.replace("\0", "\ufffd", regex=False)
    lengths = texts.str.len().to_numpy(dtype=np.int64)
    cap = _water_level(lengths, budget)
    shipped = texts if cap is None else texts.str.slice(0, cap)
    if cap is None:
        return {"text": _joined(shipped)}, {"chars": int(lengths.sum()), "cap": None, "cut": 0}
    arrays = {"text": _joined(shipped), "length": lengths.astype(np.uint32)}  # to say how much was cut
    return arrays, {"chars": int(np.minimum(lengths, cap).sum()), "cap": cap, "cut": int((lengths > cap).sum())}


def _water_level(lengths: np.ndarray, budget: int) -> int | None:
    """None when every text fits `budget` characters in all; else the largest per-text cap that does."""
    if lengths.sum() <= budget:
        return None
    ordered = np.sort(lengths)
    before = np.concatenate([[0], np.cumsum(ordered)[:-1]])  # characters of the texts shorter than each
    totals = before + ordered * (len(ordered) - np.arange(len(ordered)))  # cap at each length
    k = int(np.searchsorted(totals, budget, side="right"))  # texts that fit whole under the best cap
    return max(1, int((budget - before[k]) // (len(ordered) - k)))


def _joined(values: pd.Series) -> bytes:
    """Strings joined by NUL as UTF-8 (the page splits on it); a NUL inside a string becomes U+FFFD."""
    return "\0".join(values.astype(str).str.replace("\0", "\ufffd", regex=False)).encode("utf-8")


def _pack(arrays: dict[str, np.ndarray | bytes]) -> tuple[bytes, list[dict]]:
    """One gzip blob of the arrays back to back (8-byte aligned, for typed-array views) and their layout."""
    parts, layout, offset = [], [], 0
    for name, array in arrays.items():
        data = array if isinstance(array, bytes) else np.ascontiguousarray(array).tobytes()
        dtype = "utf8" if isinstance(array, bytes) else str(array.dtype)
        layout.append({"name": name, "dtype": dtype, "offset": offset, "bytes": len(data),
                       **({} if isinstance(array, bytes) else {"shape": list(array.shape)})})
        pad = -len(data) % 8
        parts += [data, b"\0" * pad]
        offset += len(data) + pad
    return gzip.compress(b"".join(parts), compresslevel=6, mtime=0), layout
