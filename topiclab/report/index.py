"""`index.html`: one page linking every report in an output folder, with its key figures.

Built from each report's `report.json`, so it lists what is on disk, including reports finished
by an earlier, interrupted batch and reports that failed (with their error). Names, paths and errors
are shown as text (Jinja's autoescape), and a report's link is always relative: its folder name is
URL-quoted, so no name can turn it into another scheme (`javascript:`) or another place.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Union
from urllib.parse import quote

from topiclab.files import read_json, write_text
from topiclab.report.report import RECORD

TEMPLATE = Path(__file__).parent / "templates" / "reports_index.html.j2"


def report_records(output_dir: Union[str, Path]) -> list[dict]:
    """The `report.json` of every report directly under `output_dir`, by name."""
    records = []
    for path in sorted(Path(output_dir).glob(f"*/{RECORD}")):
        record = read_json(path)
        if isinstance(record, dict) and record.get("status") in ("ok", "failed"):
            settings = record.get("parameters", {}).get("settings") or {}
            shown = ", ".join(f"{k}={v}" for k, v in settings.items() if not k.startswith("corpus."))
            name = path.parent.name
            records.append({**record, "name": name, "href": f"{quote(name, safe='')}/report.html",
                            "summary": record.get("summary", {}), "settings": shown})
    return records


def write_index(output_dir: Union[str, Path], title: str = "topiclab reports") -> Path:
    import jinja2

    records = report_records(output_dir)
    template = jinja2.Template(TEMPLATE.read_text(encoding="utf-8"), autoescape=True)
    page = template.render(
        title=title, reports=records, n_ok=sum(r["status"] == "ok" for r in records),
        n_failed=sum(r["status"] == "failed" for r in records), written=datetime.now().strftime("%Y-%m-%d %H:%M"),
        pct=lambda v: "–" if _missing(v) else f"{v:.1%}", num=lambda v: "–" if _missing(v) else f"{v:.3f}",
    )
    return write_text(Path(output_dir) / "index.html", page)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
