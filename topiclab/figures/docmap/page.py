"""The map as one HTML page that opens from disk: styles, data and the map's script, all inline.

Data goes in as text the page never executes: the JSON header with every `<`, `>` and `&` escaped (so a
document cannot close the script element), and base64 blobs. Embedded in a notebook or a report the
page sits in a sandboxed iframe (`srcdoc`): scripts run, but it cannot reach the surrounding page.
"""

from __future__ import annotations

import base64
import html
import json
from functools import lru_cache
from pathlib import Path

from topiclab.figures.docmap.data import MapData

HERE = Path(__file__).parent
SANDBOX = "allow-scripts allow-downloads"


@lru_cache(maxsize=None)
def asset(relative: str) -> str:
    """A packaged file (static/); it must not be able to end an inline <script> early."""
    text = (HERE / relative).read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise RuntimeError(f"{relative} holds '</script', which would end its inline <script> element.")
    return text


def inline_json(value) -> str:
    """JSON safe inside <script>: no `<`, `>` or `&` left to start a tag, a comment or an entity."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_html(data: MapData, title: str) -> str:
    blobs = "".join(f'<script type="application/octet-stream" id="tlmap-{name}">{base64.b64encode(blob).decode("ascii")}'
                    "</script>\n" for name, blob in data.blobs.items())
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{asset('static/map.css')}</style>\n</head>\n<body>\n"
        '<div id="tlmap" class="tlmap"></div>\n'
        f'<script type="application/json" id="tlmap-meta">{inline_json({**data.meta, "title": title})}</script>\n'
        f"{blobs}<script>{asset('static/map.js')}</script>\n</body>\n</html>\n"
    )


def iframe_html(page: str, title: str, height: int) -> str:
    """The page in a sandboxed iframe, for notebooks, reports and pages that hold other figures."""
    return (f'<iframe class="topiclab-map" title="{html.escape(title)}" sandbox="{SANDBOX}" '
            f'style="width: 100%; height: {int(height)}px; border: 1px solid #ddd; border-radius: 4px;" '
            f'srcdoc="{html.escape(page, quote=True)}"></iframe>')
