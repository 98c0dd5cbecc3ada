/* topiclab document map: every document of a run on its 2D projection, drawn on a canvas by the CPU.
 *
 * Points are painted into one ImageData, an antialiased disc per point, in plain JavaScript: 600,000
 * points take about 50 ms on two cores, where WebGL in a browser without a GPU (SwiftShader) took
 * seconds a frame with deck.gl, and where newer browsers offer no WebGL at all.
 *
 * Reads the page's data (a JSON <script id="tlmap-meta"> and gzip+base64 blobs), draws the points, then
 * decodes the texts and answers hover, click, search (by words or by meaning), box and lasso selection,
 * topic hiding, color by column and the time filter. Data from the run reaches the DOM only as text
 * (textContent, attribute values); nothing is fetched. Embedded in a notebook widget, the page tells its
 * parent window the current selection and search through postMessage, and takes searches from it.
 */
(function () {
  "use strict";

  const ROOT = document.getElementById("tlmap");
  const META = JSON.parse(document.getElementById("tlmap-meta").textContent);
  const N = META.n;
  const GRID = META.grid;
  const LIST_LIMIT = 200;      // search results listed
  const TABLE_LIMIT = 500;     // selected rows shown in the table (the CSV holds them all)
  const MEANING_TOP = 200;     // documents a search by meaning highlights
  const POST_LIMIT = 10000;    // search matches sent to a notebook
  const DIM = [208, 208, 208, 70];
  const CATEGORY_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#393b79", "#ad494a", "#637939", "#8c6d31", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1",
    "#636363", "#de9ed6"];
  const GREY = "#b4b4b4";
  const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];
  const TYPES = { uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, uint32: Uint32Array, float32: Float32Array, utf8: Uint8Array };

  // ------------------------------------------------------------------ small helpers
  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key === "style") Object.assign(node.style, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }
  const hex = (color) => { const v = parseInt(color.slice(1), 16); return [(v >> 16) & 255, (v >> 8) & 255, v & 255]; };
  const fmt = (n) => n.toLocaleString("en-US");
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  function ramp(t) {  // viridis, t in [0, 1]
    const x = clamp(t, 0, 1) * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - i;
    const a = hex(VIRIDIS[i]), b = hex(VIRIDIS[i + 1]);
    return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f));
  }
  function fromBase64(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    const binary = atob(text), bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  async function blob(name) {  // {array name: typed array} of one gzip+base64 blob
    const source = document.getElementById("tlmap-" + name);
    const stream = new Response(fromBase64(source.textContent.trim())).body.pipeThrough(new DecompressionStream("gzip"));
    const buffer = await new Response(stream).arrayBuffer();
    const arrays = {};
    for (const a of META.arrays[name]) {
      const Type = TYPES[a.dtype];
      arrays[a.name] = new Type(buffer, a.offset, a.bytes / Type.BYTES_PER_ELEMENT);
    }
    return arrays;
  }
  function splitStrings(bytes) {  // NUL-joined UTF-8 -> {text, starts}; string i is text.slice(starts[i], starts[i+1] - 1)
    const text = new TextDecoder().decode(bytes);
    const starts = [0];
    for (let at = text.indexOf("\0"); at !== -1; at = text.indexOf("\0", at + 1)) starts.push(at + 1);
    starts.push(text.length + 1);
    return { text, starts: Int32Array.from(starts) };
  }
  const piece = (strings, i) => strings.text.slice(strings.starts[i], strings.starts[i + 1] - 1);
  function formatTime(seconds) {
    const iso = new Date(seconds * 1000).toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso.slice(0, 16).replace("T", " ");
  }
  function snippet(text, limit) {
    const flat = text.slice(0, 3 * limit).replace(/\s+/g, " ").trim();
    return flat.length > limit ? flat.slice(0, limit - 1).trimEnd() + "…" : flat;
  }

  // ------------------------------------------------------------------ state
  const topics = META.topics.map((t, code) => ({ ...t, code, rgb: hex(t.color), visible: true }));
  const columns = META.columns;
  const timeColumn = columns.find((c) => c.kind === "time" && c.name === "time") || null;
  const state = {
    colorBy: "topic", mode: "words", query: "", tool: "pan",
    active: new Uint8Array(N).fill(1), matches: null, matchList: null, selected: null, selectedList: [],
    time: null, hovered: -1, unknownWords: [],
  };
  let points = null, texts = null, ids = null, semantic = null, grid = null;
  let positions = null, base = null, colors = null, viewState = null, fitZoom = 0;
  const world = worldScale();

  function worldScale() {  // quantized grid -> world units with the projection's aspect ratio
    const [x0, y0, x1, y1] = META.bounds;
    const spanX = x1 - x0 || 1, spanY = y1 - y0 || 1, unit = 1000 / Math.max(spanX, spanY);
    return { sx: spanX * unit / GRID, sy: spanY * unit / GRID, width: spanX * unit, height: spanY * unit };
  }

  // ------------------------------------------------------------------ layout
  const ui = {};
  function buildUi() {
    ui.search = el("input", { type: "search", placeholder: "Search documents…", "aria-label": "Search documents" });
    ui.mode = el("select", { "aria-label": "Search by" }, [el("option", { value: "words", text: "by words" }),
      el("option", { value: "meaning", text: "by meaning" })]);
    ui.count = el("span", { class: "tl-count", role: "status" });
    ui.colorBy = el("select", { "aria-label": "Color by" }, [el("option", { value: "topic", text: "topic" }),
      ...columns.map((c) => el("option", { value: c.name, text: c.name }))]);
    ui.tools = ["pan", "box", "lasso"].map((tool) => el("button", { type: "button", "data-tool": tool,
      "aria-pressed": String(tool === "pan"), title: tool === "pan" ? "Drag to move, scroll to zoom" :
        `Drag to select documents (${tool}); hold Shift to add to the selection`, text: tool[0].toUpperCase() + tool.slice(1),
      onclick: () => setTool(tool) }));
    ui.reset = el("button", { type: "button", text: "Reset view", onclick: () => setView(initialView()) });
    const nTopics = topics.filter((t) => !t.outlier).length;
    const counted = N < META.total ? `${fmt(N)} of ${fmt(META.total)} documents (a sample keeping every topic)` : `${fmt(N)} documents`;
    const heading = el("span", { class: "tl-title", text: META.title || "", title: META.title || "" });
    const summary = el("span", { class: "tl-muted", text: `${counted} · ${nTopics} topics` });
    const bar = el("div", { class: "tl-bar" }, [heading, summary, ui.search, ui.mode, ui.count, el("span", { class: "tl-spacer" }),
      el("label", { text: "Color by " }, [ui.colorBy]), el("span", { class: "tl-tools" }, [...ui.tools, ui.reset])]);

    ui.labels = el("div", { class: "tl-labels" });
    ui.select = el("div", { class: "tl-select", hidden: "" });
    ui.lasso = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    ui.lasso.setAttribute("class", "tl-lasso");
    ui.polygon = document.createElementNS("http://www.w3.org/2000/svg", "polygon");
    ui.lasso.appendChild(ui.polygon);
    ui.tooltip = el("div", { class: "tl-tooltip", hidden: "" });
    ui.status = el("div", { class: "tl-status", text: `Loading ${fmt(N)} documents…` });
    ui.help = el("div", { class: "tl-help", text: "Scroll to zoom, drag to move (or + − and arrow keys), hover a point to read it, click it to open it." });
    ui.stage = el("div", { class: "tl-stage" }, [ui.labels, ui.select, ui.lasso, ui.tooltip, ui.status, ui.help]);

    ui.tabs = {};
    ui.panels = {};
    const tabBar = el("div", { class: "tl-tabs", role: "tablist" });
    for (const [name, title] of [["topics", "Topics"], ["results", "Results"], ["document", "Document"]]) {
      ui.tabs[name] = el("button", { type: "button", role: "tab", "aria-selected": "false", text: title, onclick: () => showTab(name) });
      ui.panels[name] = el("div", { class: "tl-panel", role: "tabpanel", hidden: "" });
      tabBar.appendChild(ui.tabs[name]);
    }
    ui.side = el("div", { class: "tl-side" }, [tabBar, ...Object.values(ui.panels)]);

    ui.time = el("div", { class: "tl-time", hidden: "" });
    ui.selection = el("div", { class: "tl-selection", hidden: "" });
    ROOT.append(bar, el("div", { class: "tl-body" }, [ui.stage, ui.side]), ui.time, ui.selection);
    showTab("topics");
  }

  function showTab(name) {
    for (const [key, tab] of Object.entries(ui.tabs)) {
      tab.setAttribute("aria-selected", String(key === name));
      ui.panels[key].hidden = key !== name;
    }
  }

  // ------------------------------------------------------------------ view
  function stageSize() { return [ui.stage.clientWidth || 800, ui.stage.clientHeight || 600]; }
  function initialView() {
    const [x0, y0, x1, y1] = META.view;
    const [w, h] = stageSize();
    const vw = (x1 - x0) * world.sx || 1, vh = (y1 - y0) * world.sy || 1;
    fitZoom = Math.log2(Math.min(w / vw, h / vh) * 0.95);
    return { target: [(x0 + x1) / 2 * world.sx, (y0 + y1) / 2 * world.sy, 0], zoom: fitZoom,
      minZoom: fitZoom - 3, maxZoom: fitZoom + 14 };
  }
  function setView(view) {
    viewState = view;
    requestDraw();
    placeLabels();
    hideTooltip();
  }
  function toScreen(wx, wy) {  // world -> CSS pixels in the stage (OrthographicView, y up)
    const [w, h] = stageSize(), s = 2 ** viewState.zoom;
    return [(wx - viewState.target[0]) * s + w / 2, h / 2 - (wy - viewState.target[1]) * s];
  }
  function toWorld(px, py) {
    const [w, h] = stageSize(), s = 2 ** viewState.zoom;
    return [(px - w / 2) / s + viewState.target[0], viewState.target[1] - (py - h / 2) / s];
  }
  function pointRadius() {
    const r0 = N <= 2000 ? 4 : N <= 20000 ? 3 : N <= 200000 ? 2 : 1.5;
    return r0 * clamp(2 ** (0.5 * (viewState.zoom - fitZoom)), 1, 5);
  }

  // ------------------------------------------------------------------ colors and layers
  function colorOf(column) {  // base RGBA per point for one color mode, and what the legend shows
    const rgba = new Uint8Array(4 * N);
    const topic = points.topic;
    if (column === null) {
      for (let i = 0; i < N; i++) {
        const t = topics[topic[i]], o = 4 * i;
        rgba[o] = t.rgb[0]; rgba[o + 1] = t.rgb[1]; rgba[o + 2] = t.rgb[2]; rgba[o + 3] = t.outlier ? 90 : 200;
      }
      return rgba;
    }
    const values = points[column.array];
    if (column.kind === "category") {
      const palette = column.categories.map((c, k) => hex(isOther(column, k) ? GREY : CATEGORY_COLORS[k % CATEGORY_COLORS.length]));
      for (let i = 0; i < N; i++) {
        const c = palette[values[i]], o = 4 * i;
        rgba[o] = c[0]; rgba[o + 1] = c[1]; rgba[o + 2] = c[2]; rgba[o + 3] = 200;
      }
      return rgba;
    }
    const [lo, hi] = robustRange(column);
    const lut = Array.from({ length: 256 }, (_, k) => ramp(k / 255)), grey = hex(GREY);
    const missing = (v) => !Number.isFinite(v);
    for (let i = 0; i < N; i++) {
      const v = values[i], o = 4 * i;
      const c = missing(v) ? grey : lut[Math.round(clamp((v - lo) / (hi - lo || 1), 0, 1) * 255)];
      rgba[o] = c[0]; rgba[o + 1] = c[1]; rgba[o + 2] = c[2]; rgba[o + 3] = missing(v) ? 90 : 200;
    }
    return rgba;
  }
  const isOther = (column, k) => /^other \(|^\(missing\)$/.test(column.categories[k]) &&
    (k === column.categories.length - 1 || column.categories[k] === "(missing)");
  function robustRange(column) {  // 1st and 99th percentile, so a few extreme values do not flatten the rest
    if (column.range) return column.range;
    const values = points[column.array], sample = [];
    const step = Math.max(1, Math.floor(N / 20000));
    for (let i = 0; i < N; i += step) {
      const v = values[i];
      if (Number.isFinite(v)) sample.push(v);
    }
    sample.sort((a, b) => a - b);
    const pick = (q) => sample.length ? sample[Math.min(sample.length - 1, Math.floor(q * sample.length))] : 0;
    column.range = [pick(0.01), pick(0.99)];
    return column.range;
  }
  function recolor() {  // colors = base, hidden when inactive, dimmed when something is highlighted
    const marked = state.matches || state.selected, dim = pack(DIM);
    colors = new Uint32Array(N);
    for (let i = 0; i < N; i++) {
      if (!state.active[i]) continue;  // 0: not drawn
      colors[i] = marked ? dim : pack(base.subarray(4 * i, 4 * i + 4));
    }
    requestDraw();
  }
  const pack = (c) => ((c[3] << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;  // RGBA as one little-endian word

  // ------------------------------------------------------------------ drawing: every point, by the CPU
  const stamps = new Map();
  function stamp(radius) {  // the pixels a disc of this radius covers, with how much of each (0-255)
    const key = Math.max(0.5, Math.round(radius * 4) / 4);
    if (!stamps.has(key)) {
      const reach = Math.ceil(key), dx = [], dy = [], cover = [];
      for (let y = -reach; y <= reach; y++) for (let x = -reach; x <= reach; x++) {
        let inside = 0;  // 4 x 4 samples per pixel
        for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) {
          const u = x - 0.375 + sx / 4, v = y - 0.375 + sy / 4;
          if (u * u + v * v <= key * key) inside++;
        }
        if (inside) { dx.push(x); dy.push(y); cover.push(Math.round(inside / 16 * 255)); }
      }
      stamps.set(key, { dx: Int32Array.from(dx), dy: Int32Array.from(dy), cover: Uint8Array.from(cover), reach });
    }
    return stamps.get(key);
  }
  let canvas = null, context = null, image = null, pixels = null, overlay = null, ratio = 1, pending = 0;
  function requestDraw() { if (!pending && canvas) pending = requestAnimationFrame(draw); }
  function resizeCanvas() {
    const [w, h] = stageSize();
    ratio = Math.min(window.devicePixelRatio || 1, 2);
    for (const c of [canvas, overlay]) { c.width = Math.round(w * ratio); c.height = Math.round(h * ratio); }
    image = context.createImageData(canvas.width, canvas.height);
    pixels = new Uint32Array(image.data.buffer);
  }
  function draw() {
    pending = 0;
    const width = canvas.width, height = canvas.height, scale = 2 ** viewState.zoom * ratio;
    const ox = width / 2 - viewState.target[0] * scale, oy = height / 2 + viewState.target[1] * scale;
    pixels.fill(0xffffffff);
    const radius = pointRadius() * ratio, dot = stamp(radius), ring = stamp(radius + 1.5 * ratio);
    const paint = (i, color, shape) => {
      const x = Math.round(positions[2 * i] * scale + ox), y = Math.round(oy - positions[2 * i + 1] * scale);
      const reach = shape.reach;
      if (x < reach || y < reach || x >= width - reach || y >= height - reach) return;
      const alpha = color >>> 24, r = color & 255, g = (color >>> 8) & 255, b = (color >>> 16) & 255;
      const dx = shape.dx, dy = shape.dy, cover = shape.cover, at = x + y * width;
      for (let k = 0; k < cover.length; k++) {
        const j = at + dx[k] + dy[k] * width, a = (alpha * cover[k] + 255) >> 8, old = pixels[j];
        const r0 = old & 255, g0 = (old >>> 8) & 255, b0 = (old >>> 16) & 255;
        pixels[j] = 0xff000000 | ((b0 + (((b - b0) * a) >> 8)) << 16) | ((g0 + (((g - g0) * a) >> 8)) << 8) | (r0 + (((r - r0) * a) >> 8));
      }
    };
    for (let i = 0; i < N; i++) if (colors[i]) paint(i, colors[i], dot);
    for (const [list, edge] of [[state.selectedList, pack([45, 108, 223, 255])], [state.matchList || [], pack([25, 25, 25, 255])]]) {
      for (const i of list) if (state.active[i]) { paint(i, edge, ring); paint(i, pack([...base.subarray(4 * i, 4 * i + 3), 255]), dot); }
    }
    context.putImageData(image, 0, 0);
    drawOverlay();
    if (!api.drawnAt) requestAnimationFrame(() => { api.drawnAt = performance.now(); ROOT.dataset.drawn = "1"; });
  }
  function drawOverlay() {  // the hovered point's ring, on its own canvas: a hover does not repaint the points
    const c = overlay.getContext("2d"), i = state.hovered;
    c.clearRect(0, 0, overlay.width, overlay.height);
    if (i < 0) return;
    const [x, y] = toScreen(positions[2 * i], positions[2 * i + 1]);
    c.beginPath();
    c.arc(x * ratio, y * ratio, (pointRadius() + 4) * ratio, 0, 2 * Math.PI);
    c.lineWidth = 2 * ratio;
    c.strokeStyle = "#000";
    c.stroke();
  }

  // ------------------------------------------------------------------ filters: topics shown, time range
  function updateActive() {
    const topic = points.topic, time = timeColumn && points[timeColumn.array];
    for (let i = 0; i < N; i++) {
      let on = topics[topic[i]].visible;
      if (on && state.time) { const t = time[i]; on = t >= state.time[0] && t <= state.time[1]; }
      state.active[i] = on ? 1 : 0;
    }
    if (state.selected) setSelection(state.selectedList.filter((i) => state.active[i]), false);
    if (state.query) runSearch(); else recolor();
    placeLabels();
    ROOT.dataset.active = String(state.active.reduce((a, b) => a + b, 0));
  }

  // ------------------------------------------------------------------ labels by zoom level
  let labelNodes = [];
  function buildLabels() {
    labelNodes = [];
    ui.labels.replaceChildren();
    META.levels.forEach((level, depth) => {
      const coarse = depth < META.levels.length - 1;
      for (const label of level.labels) {
        const only = label.topics.length === 1 ? topics[label.topics[0]] : null;
        const node = el("div", { class: coarse ? "tl-label tl-coarse" : "tl-label", text: label.text,
          "data-level": String(depth), "data-topics": label.topics.map((t) => topics[t].id).join(" "), title: label.text,
          style: only ? { borderLeftColor: only.color } : {} });
        ui.labels.appendChild(node);
        labelNodes.push({ node, depth, label, width: 0, height: 0, wx: label.x * world.sx, wy: label.y * world.sy });
      }
    });
  }
  function currentLevel() {
    const rel = viewState.zoom - fitZoom + 1e-6;
    let level = 0;
    META.levels.forEach((l, depth) => { if (l.zoom <= rel) level = depth; });
    return level;
  }
  function placeLabels() {
    if (!viewState || !points) return;
    const level = currentLevel(), [w, h] = stageSize(), placed = [];
    ROOT.dataset.level = String(level);
    const candidates = labelNodes.filter((l) => l.depth === level && l.label.topics.some((t) => topics[t].visible))
      .sort((a, b) => b.label.size - a.label.size);
    for (const l of labelNodes) if (!candidates.includes(l)) l.node.hidden = true;
    for (const l of candidates) {
      if (!l.width) { l.node.hidden = false; l.width = l.node.offsetWidth; l.height = l.node.offsetHeight; }
      const [x, y] = toScreen(l.wx, l.wy), inside = x > 0 && x < w && y > 0 && y < h;
      const left = clamp(x - l.width / 2, 2, Math.max(2, w - l.width - 2));  // the whole label on the map
      const box = [left, y - l.height / 2, left + l.width, y + l.height / 2];
      const free = inside && l.width > 0 && !placed.some((p) => box[0] < p[2] + 4 && p[0] < box[2] + 4 && box[1] < p[3] + 2 && p[1] < box[3] + 2);
      l.node.hidden = !free;
      if (free) { placed.push(box); l.node.style.transform = `translate(${box[0]}px, ${box[1]}px)`; }
    }
  }

  // ------------------------------------------------------------------ hover, click: a grid index on the CPU
  function buildGrid() {
    const cols = clamp(Math.round(Math.sqrt(N / 4)), 8, 1024), rows = cols;
    const cell = new Uint32Array(N), counts = new Uint32Array(cols * rows + 1);
    for (let i = 0; i < N; i++) {
      const c = Math.min(cols - 1, Math.floor(points.x[i] / (GRID + 1) * cols)) + cols * Math.min(rows - 1, Math.floor(points.y[i] / (GRID + 1) * rows));
      cell[i] = c; counts[c + 1]++;
    }
    for (let c = 1; c <= cols * rows; c++) counts[c] += counts[c - 1];
    const items = new Uint32Array(N), fill = counts.slice(0, cols * rows);
    for (let i = 0; i < N; i++) items[fill[cell[i]]++] = i;
    return { cols, rows, starts: counts, items };
  }
  function cellsAround(x0, y0, x1, y1, visit) {  // world box -> every point index in the cells it touches
    const gx = (v) => clamp(Math.floor(v / world.sx / (GRID + 1) * grid.cols), 0, grid.cols - 1);
    const gy = (v) => clamp(Math.floor(v / world.sy / (GRID + 1) * grid.rows), 0, grid.rows - 1);
    for (let cy = gy(y0); cy <= gy(y1); cy++) for (let cx = gx(x0); cx <= gx(x1); cx++) {
      const c = cx + cy * grid.cols;
      for (let k = grid.starts[c]; k < grid.starts[c + 1]; k++) visit(grid.items[k]);
    }
  }
  function nearest(px, py, pixels) {
    const [wx, wy] = toWorld(px, py), r = pixels / 2 ** viewState.zoom;
    let best = -1, bestD = r * r;
    cellsAround(wx - r, wy - r, wx + r, wy + r, (i) => {
      if (!state.active[i]) return;
      const dx = positions[2 * i] - wx, dy = positions[2 * i + 1] - wy, d = dx * dx + dy * dy;
      if (d <= bestD) { bestD = d; best = i; }
    });
    return best;
  }
  function hoverAt(px, py) {
    const i = nearest(px, py, Math.max(6, pointRadius() + 4));
    if (i < 0) { hideTooltip(); return; }
    const t = topics[points.topic[i]];
    ui.tooltip.replaceChildren(
      el("div", { class: "tl-tip-topic" }, [el("span", { class: "tl-swatch", style: { background: t.color } }), el("span", { text: t.label })]),
      el("div", { class: "tl-tip-text", text: snippet(docText(i), 240) }));
    ui.tooltip.hidden = false;
    const [w, h] = stageSize();
    const left = px + 14 + ui.tooltip.offsetWidth > w ? px - 14 - ui.tooltip.offsetWidth : px + 14;
    const top = py + 14 + ui.tooltip.offsetHeight > h ? py - 14 - ui.tooltip.offsetHeight : py + 14;
    ui.tooltip.style.left = `${Math.max(0, left)}px`;
    ui.tooltip.style.top = `${Math.max(0, top)}px`;
    ui.tooltip.dataset.index = String(i);
    if (state.hovered !== i) { state.hovered = i; drawOverlay(); }
  }
  function hideTooltip() {
    ui.tooltip.hidden = true;
    delete ui.tooltip.dataset.index;
    if (state.hovered >= 0) { state.hovered = -1; drawOverlay(); }
  }
  const docText = (i) => texts ? piece(texts, i) : "";
  const docId = (i) => ids ? piece(ids, i) : String(i);

  function openDocument(i) {
    const t = topics[points.topic[i]], panel = ui.panels.document;
    const fields = [["topic", t.label], ["id", docId(i)]];
    for (const c of columns) fields.push([c.name, columnValue(c, i)]);
    const full = texts ? points.length_full(i) : 0, shown = docText(i).length;
    panel.replaceChildren(
      el("div", { class: "tl-tip-topic" }, [el("span", { class: "tl-swatch", style: { background: t.color } }), el("span", { text: t.label })]),
      el("table", { class: "tl-doc-fields" }, fields.map(([k, v]) => el("tr", {}, [el("th", { text: k }), el("td", { text: v })]))),
      full > shown ? el("p", { class: "tl-muted", text: `This page holds the first ${fmt(shown)} of the document's ${fmt(full)} characters.` }) : null,
      el("div", { class: "tl-doc-text", text: docText(i) }));
    panel.dataset.index = String(i);
    showTab("document");
  }
  function columnValue(column, i) {
    const v = points[column.array][i];
    if (column.kind === "category") return column.categories[v];
    if (column.kind === "time") return Number.isFinite(v) ? formatTime(v) : "";
    return Number.isFinite(v) ? String(Math.round(v * 1e4) / 1e4) : "";
  }
  function focusDocument(i) {
    const zoom = Math.max(viewState.zoom, fitZoom + 3);
    setView({ ...viewState, target: [positions[2 * i], positions[2 * i + 1], 0], zoom });
    state.hovered = i;
    drawOverlay();
    openDocument(i);
  }

  // ------------------------------------------------------------------ moving around: wheel, drag, double-click, keys
  function bindView() {
    const local = (e) => { const r = ui.stage.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    const zoomAt = (px, py, zoom) => {  // the point under (px, py) stays there
      const [wx, wy] = toWorld(px, py), [w, h] = stageSize();
      const next = clamp(zoom, viewState.minZoom, viewState.maxZoom), scale = 2 ** next;
      setView({ ...viewState, zoom: next, target: [wx - (px - w / 2) / scale, wy + (py - h / 2) / scale, 0] });
    };
    ui.stage.addEventListener("wheel", (e) => {
      e.preventDefault();
      const [px, py] = local(e), step = e.deltaMode === 1 ? 0.05 : e.deltaMode === 2 ? 1 : 0.002;
      zoomAt(px, py, viewState.zoom - clamp(e.deltaY * step, -1, 1));
    }, { passive: false });
    let drag = null;
    canvas.addEventListener("pointerdown", (e) => {
      if (state.tool !== "pan" || e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, target: viewState.target };
      canvas.setPointerCapture(e.pointerId);
      ui.stage.classList.add("tl-dragging");
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const scale = 2 ** viewState.zoom;
      setView({ ...viewState, target: [drag.target[0] - (e.clientX - drag.x) / scale, drag.target[1] + (e.clientY - drag.y) / scale, 0] });
    });
    const end = () => { drag = null; ui.stage.classList.remove("tl-dragging"); };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("dblclick", (e) => { const [px, py] = local(e); zoomAt(px, py, viewState.zoom + (e.shiftKey ? -1 : 1)); });
    ui.stage.tabIndex = 0;
    ui.stage.addEventListener("keydown", (e) => {
      const [w, h] = stageSize(), scale = 2 ** viewState.zoom, [tx, ty] = viewState.target;
      const moves = { ArrowLeft: [-0.1 * w, 0], ArrowRight: [0.1 * w, 0], ArrowUp: [0, 0.1 * h], ArrowDown: [0, -0.1 * h] };
      if (e.key === "+" || e.key === "=") zoomAt(w / 2, h / 2, viewState.zoom + 0.5);
      else if (e.key === "-") zoomAt(w / 2, h / 2, viewState.zoom - 0.5);
      else if (moves[e.key]) setView({ ...viewState, target: [tx + moves[e.key][0] / scale, ty + moves[e.key][1] / scale, 0] });
      else return;
      e.preventDefault();
    });
  }

  // ------------------------------------------------------------------ pointer: hover, click, box and lasso
  function bindPointer() {
    let frame = 0, down = null;
    ui.stage.addEventListener("pointermove", (e) => {
      if (e.buttons || state.tool !== "pan" || !texts) return;
      const rect = ui.stage.getBoundingClientRect(), px = e.clientX - rect.left, py = e.clientY - rect.top;
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => hoverAt(px, py));
    });
    ui.stage.addEventListener("pointerleave", () => { cancelAnimationFrame(frame); hideTooltip(); });
    ui.stage.addEventListener("pointerdown", (e) => { down = [e.clientX, e.clientY]; if (state.tool === "pan") hideTooltip(); });
    ui.stage.addEventListener("pointerup", (e) => {
      if (!down || state.tool !== "pan" || !texts) return;
      const moved = Math.hypot(e.clientX - down[0], e.clientY - down[1]);
      down = null;
      if (moved > 4) return;
      const rect = ui.stage.getBoundingClientRect();
      const i = nearest(e.clientX - rect.left, e.clientY - rect.top, Math.max(6, pointRadius() + 4));
      if (i >= 0) openDocument(i);
    });
    let path = null;
    const local = (e) => { const r = ui.stage.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    ui.select.addEventListener("pointerdown", (e) => {
      ui.select.setPointerCapture(e.pointerId);
      path = { start: local(e), points: [local(e)], add: e.shiftKey };
      draw();
    });
    ui.select.addEventListener("pointermove", (e) => {
      if (!path) return;
      if (state.tool === "box") path.points = [path.start, local(e)]; else path.points.push(local(e));
      draw();
    });
    ui.select.addEventListener("pointerup", () => {
      if (!path) return;
      const polygon = outline(path);
      const add = path.add;
      path = null;
      draw();
      if (polygon.length >= 3) selectPolygon(polygon, add);
    });
    function outline(p) {
      if (state.tool !== "box") return p.points;
      const [[x0, y0], [x1, y1]] = [p.start, p.points[p.points.length - 1]];
      return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
    }
    function draw() { ui.polygon.setAttribute("points", path ? outline(path).map((q) => q.join(",")).join(" ") : ""); }
  }
  function setTool(tool) {
    state.tool = tool;
    for (const b of ui.tools) b.setAttribute("aria-pressed", String(b.dataset.tool === tool));
    ui.select.hidden = tool === "pan";
    hideTooltip();
  }
  function selectPolygon(screen, add) {
    const poly = screen.map(([x, y]) => toWorld(x, y));
    const xs = poly.map((p) => p[0]), ys = poly.map((p) => p[1]);
    const inside = (x, y) => {
      let hit = false;
      for (let a = 0, b = poly.length - 1; a < poly.length; b = a++) {
        const [xa, ya] = poly[a], [xb, yb] = poly[b];
        if ((ya > y) !== (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa) hit = !hit;
      }
      return hit;
    };
    const found = new Set(add ? state.selectedList : []);
    cellsAround(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys), (i) => {
      if (state.active[i] && inside(positions[2 * i], positions[2 * i + 1])) found.add(i);
    });
    setSelection([...found].sort((a, b) => a - b), true);
  }
  function setSelection(list, announce) {
    state.selectedList = list;
    state.selected = list.length ? new Uint8Array(N) : null;
    for (const i of list) state.selected[i] = 1;
    ROOT.dataset.selected = String(list.length);
    renderTable();
    recolor();
    if (announce) post();
  }
  function renderTable() {
    const list = state.selectedList;
    ui.selection.hidden = !list.length;
    if (!list.length) { ui.selection.replaceChildren(); return; }
    const shownColumns = columns.filter((c) => c.kind !== "number" || c.name !== "length (words)");
    const head = ["id", "topic", ...shownColumns.map((c) => c.name), "text"];
    const rows = list.slice(0, TABLE_LIMIT).map((i) => el("tr", { "data-index": String(i), onclick: () => focusDocument(i) }, [
      el("td", { text: docId(i) }), el("td", { text: topics[points.topic[i]].label }),
      ...shownColumns.map((c) => el("td", { text: columnValue(c, i) })),
      el("td", { class: "tl-cell-text", text: snippet(docText(i), 200) })]));
    const note = list.length > TABLE_LIMIT ? ` (the first ${fmt(TABLE_LIMIT)} shown; the CSV holds all)` : "";
    ui.selection.replaceChildren(
      el("div", { class: "tl-selection-bar" }, [el("strong", { text: `${fmt(list.length)} documents selected${note}` }),
        el("button", { type: "button", text: "Download CSV", onclick: downloadCsv }),
        el("button", { type: "button", text: "Clear selection", onclick: () => setSelection([], true) })]),
      el("div", { class: "tl-table-wrap" }, [el("table", { class: "tl-table" }, [
        el("thead", {}, [el("tr", {}, head.map((h) => el("th", { text: h })))]), el("tbody", {}, rows)])]));
  }
  function csvCell(value) {  // quoted, and never read as a formula by a spreadsheet
    let text = String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return '"' + text.replace(/"/g, '""') + '"';
  }
  function selectionCsv() {
    const head = ["doc_id", "topic", "topic_label", ...columns.map((c) => c.name), "text"];
    if (META.text.cap !== null) head.push("text_complete");
    const lines = [head.map(csvCell).join(",")];
    for (const i of state.selectedList) {
      const t = topics[points.topic[i]], text = docText(i);
      const row = [docId(i), t.id, t.label, ...columns.map((c) => columnValue(c, i)), text];
      if (META.text.cap !== null) row.push(points.length_full(i) > text.length ? "no" : "yes");
      lines.push(row.map(csvCell).join(","));
    }
    return lines.join("\r\n") + "\r\n";
  }
  function downloadCsv() {
    const url = URL.createObjectURL(new Blob(["\ufeff" + selectionCsv()], { type: "text/csv;charset=utf-8" }));
    const link = el("a", { href: url, download: "selected-documents.csv" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  // ------------------------------------------------------------------ search by words and by meaning
  function terms(query) {  // words, or "quoted phrases"
    return (query.match(/"[^"]+"|\S+/g) || []).map((t) => t.replace(/^"|"$/g, "")).filter(Boolean);
  }
  function searchWords(query) {  // documents holding every term, case-insensitive, in document order
    const words = terms(query);
    const hits = new Uint8Array(N), starts = texts.starts, all = texts.text;
    words.forEach((word, k) => {
      const pattern = new RegExp(word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi");
      let doc = 0, m;
      while ((m = pattern.exec(all)) !== null) {
        while (starts[doc + 1] <= m.index) doc++;
        if (hits[doc] === k) hits[doc] = k + 1;
        pattern.lastIndex = starts[doc + 1];  // the next document
        if (pattern.lastIndex >= all.length) break;
      }
    });
    const list = [];
    for (let i = 0; i < N; i++) if (hits[i] === words.length && state.active[i]) list.push(i);
    return list;
  }
  function searchMeaning(query) {  // the documents nearest the mean vector of the query's words
    if (!semantic) return [];
    const dims = META.semantic.dims, m = META.semantic.m, width = dims / m;
    const wm = META.semantic.word_m, wwidth = dims / wm, wbooks = semantic.word_codebooks;
    const q = new Float32Array(dims), unknown = [];
    let known = 0;
    for (const word of query.toLowerCase().match(/[\p{L}]{2,}/gu) || []) {
      const k = semantic.vocabulary.get(word);
      if (k === undefined) { unknown.push(word); continue; }
      for (let s = 0; s < wm; s++) {  // the word's vector, from its codes
        const c = semantic.word_codes[k * wm + s];
        for (let d = 0; d < wwidth; d++) q[s * wwidth + d] += wbooks[(s * 256 + c) * wwidth + d];
      }
      known++;
    }
    state.unknownWords = unknown;
    if (!known) return [];
    const table = new Float32Array(m * 256), books = semantic.codebooks;
    for (let s = 0; s < m; s++) for (let c = 0; c < 256; c++) {
      let dot = 0;
      for (let d = 0; d < width; d++) dot += q[s * width + d] * books[(s * 256 + c) * width + d];
      table[s * 256 + c] = dot;
    }
    const codes = semantic.codes, scores = new Float32Array(N).fill(-Infinity);
    for (let i = 0; i < N; i++) {
      if (!state.active[i]) continue;
      let score = 0;
      for (let s = 0, o = i * m; s < m; s++) score += table[s * 256 + codes[o + s]];
      scores[i] = score;
    }
    return topIndices(scores, MEANING_TOP);
  }
  function topIndices(scores, k) {
    const order = [];
    let floor = -Infinity;
    for (let i = 0; i < scores.length; i++) {  // a sorted list of the best k, kept short
      const s = scores[i];
      if (s === -Infinity || (order.length >= k && s <= floor)) continue;
      let at = order.length;
      while (at > 0 && scores[order[at - 1]] < s) at--;
      order.splice(at, 0, i);
      if (order.length > k) order.pop();
      floor = order.length >= k ? scores[order[order.length - 1]] : -Infinity;
    }
    return order;
  }
  function runSearch() {
    const query = state.query.trim();
    if (!query || !texts) {
      state.matches = null; state.matchList = null;
      ui.count.textContent = "";
      ROOT.dataset.matches = "";
      renderResults();
      recolor();
      return;
    }
    if (state.mode === "meaning" && !semantic) {
      ui.count.textContent = META.semantic.unavailable ? "search by meaning is not available" : "loading the word table…";
      return;  // runs again once the table is read
    }
    const started = performance.now();
    const list = state.mode === "meaning" ? searchMeaning(query) : searchWords(query);
    state.matchList = list;
    state.matches = new Uint8Array(N);
    for (const i of list) state.matches[i] = 1;
    ROOT.dataset.matches = String(list.length);
    ROOT.dataset.searchMs = String(Math.round(performance.now() - started));
    ui.count.textContent = state.mode === "meaning" ? (list.length ? `${fmt(list.length)} closest in meaning` : "no known words")
      : `${fmt(list.length)} ${list.length === 1 ? "document matches" : "documents match"}`;
    renderResults();
    recolor();
  }
  function renderResults() {
    const panel = ui.panels.results, list = state.matchList;
    if (!list) { panel.replaceChildren(el("p", { class: "tl-muted", text: "Type words in the search box: documents holding all of them are highlighted and listed here. \"By meaning\" ranks documents by how close they are to the words' meaning." })); return; }
    const notes = [];
    if (state.mode === "meaning" && state.unknownWords.length) notes.push(`Not in this map's vocabulary: ${state.unknownWords.join(", ")}.`);
    if (state.mode === "meaning" && META.semantic.unavailable) notes.push(`Search by meaning is not available: ${META.semantic.unavailable}.`);
    if (META.text.cap !== null && state.mode === "words") notes.push(`Texts longer than ${fmt(META.text.cap)} characters are searched in their first ${fmt(META.text.cap)}.`);
    panel.replaceChildren(
      el("p", { class: "tl-muted", text: `${fmt(list.length)} ${list.length === 1 ? "document" : "documents"}${list.length > LIST_LIMIT ? `, the first ${LIST_LIMIT} listed` : ""}. ${notes.join(" ")}` }),
      ...list.slice(0, LIST_LIMIT).map((i) => {
        const t = topics[points.topic[i]];
        return el("div", { class: "tl-result", "data-index": String(i), onclick: () => focusDocument(i) }, [
          el("div", { class: "tl-tip-topic" }, [el("span", { class: "tl-swatch", style: { background: t.color } }), el("span", { text: t.label })]),
          el("div", { class: "tl-tip-text", text: snippet(docText(i), 200) })]);
      }));
    showTab("results");
  }
  function bindSearch() {
    let timer = 0;
    const go = () => { clearTimeout(timer); state.query = ui.search.value; runSearch(); post(); };
    ui.search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(go, 250); });
    ui.search.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); if (e.key === "Escape") { ui.search.value = ""; go(); } });
    ui.mode.addEventListener("change", () => { state.mode = ui.mode.value; go(); });
    if (META.semantic.unavailable) {
      ui.mode.options[1].disabled = true;
      ui.mode.title = `Search by meaning is not available: ${META.semantic.unavailable}`;
    }
  }

  // ------------------------------------------------------------------ legend: topics to hide, colors
  function renderLegend() {
    const panel = ui.panels.topics, column = columns.find((c) => c.name === state.colorBy) || null;
    const parts = [];
    if (column && column.kind === "category") {
      parts.push(el("div", { class: "tl-muted", text: `Colored by ${column.name}` }), ...column.categories.map((c, k) =>
        el("div", { class: "tl-category" }, [el("span", { class: "tl-swatch", style: { background: isOther(column, k) ? GREY : CATEGORY_COLORS[k % CATEGORY_COLORS.length] } }), el("span", { text: c })])));
    } else if (column) {
      const [lo, hi] = robustRange(column), show = (v) => column.kind === "time" ? formatTime(v) : fmt(Math.round(v * 100) / 100);
      parts.push(el("div", { class: "tl-muted", text: `Colored by ${column.name}` }),
        el("div", { class: "tl-scale", style: { background: `linear-gradient(to right, ${VIRIDIS.join(", ")})` } }),
        el("div", { class: "tl-scale-ends" }, [el("span", { text: show(lo) }), el("span", { text: show(hi) })]));
    }
    const order = [...topics].sort((a, b) => (a.outlier - b.outlier) || (b.shown - a.shown));
    parts.push(el("div", { class: "tl-legend-tools" }, [el("strong", { text: `${topics.filter((t) => !t.outlier).length} topics` }),
      el("button", { type: "button", text: "Show all", onclick: () => setTopics(() => true) }),
      el("button", { type: "button", text: "Hide all", onclick: () => setTopics(() => false) })]));
    for (const t of order) {
      const box = el("input", { type: "checkbox", "data-topic": String(t.id), "aria-label": `Show topic ${t.label}` });
      box.checked = t.visible;
      box.addEventListener("change", () => { t.visible = box.checked; updateActive(); post(); });
      parts.push(el("label", { class: "tl-topic", title: t.words.length ? `${t.label}\n${t.words.join(", ")}` : t.label }, [box,
        el("span", { class: "tl-swatch", style: { background: t.color } }), el("span", { class: "tl-name", text: t.label }),
        el("span", { class: "tl-n", text: fmt(t.shown) })]));
    }
    panel.replaceChildren(...parts);
  }
  function setTopics(rule) {
    for (const t of topics) t.visible = rule(t);
    renderLegend();
    updateActive();
  }
  function bindColor() {
    ui.colorBy.addEventListener("change", () => {
      state.colorBy = ui.colorBy.value;
      const column = columns.find((c) => c.name === state.colorBy) || null;
      base = colorOf(column);
      ROOT.dataset.colorBy = state.colorBy;
      renderLegend();
      recolor();
    });
  }

  // ------------------------------------------------------------------ time filter
  function buildTime() {
    if (!timeColumn) return;
    const values = points[timeColumn.array], known = [];
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < N; i++) { const v = values[i]; if (v < lo) lo = v; if (v > hi) hi = v; }  // NaN: neither
    if (lo > hi) return;
    const steps = 1000, at = (k) => Math.round(lo + (hi - lo) * k / steps);
    const from = el("input", { type: "range", min: "0", max: String(steps), value: "0", "aria-label": "From" });
    const to = el("input", { type: "range", min: "0", max: String(steps), value: String(steps), "aria-label": "To" });
    const text = el("span", { class: "tl-range-text" });
    const canvas = el("canvas", { width: "600", height: "36" });
    const bins = new Uint32Array(80);
    for (let i = 0; i < N; i++) { const v = values[i]; if (Number.isFinite(v)) bins[Math.min(79, Math.floor((v - lo) / (hi - lo || 1) * 80))]++; }
    const show = formatTime;
    function update() {
      let a = +from.value, b = +to.value;
      if (a > b) [a, b] = [b, a];
      state.time = a === 0 && b === steps ? null : [at(a), at(b)];
      text.textContent = `${show(at(a))} – ${show(at(b))}`;
      ROOT.dataset.time = state.time ? state.time.join(",") : "";
      drawBins(a / steps, b / steps);
      updateActive();
    }
    function drawBins(a, b) {
      const ctx = canvas.getContext("2d"), max = Math.max(1, ...bins);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      bins.forEach((count, k) => {
        const x = k / 80, inside = x + 1 / 80 > a && x < b;
        ctx.fillStyle = inside ? "#2d6cdf" : "#c8c8c8";
        const height = Math.max(count ? 1 : 0, count / max * canvas.height);
        ctx.fillRect(x * canvas.width, canvas.height - height, canvas.width / 80 - 1, height);
      });
    }
    from.addEventListener("input", update);
    to.addEventListener("input", update);
    ui.time.replaceChildren(el("strong", { text: "Time" }), el("div", { class: "tl-sliders" }, [from, to]), text, canvas);
    ui.time.hidden = false;
    text.textContent = `${show(lo)} – ${show(hi)}`;
    drawBins(0, 1);
  }

  // ------------------------------------------------------------------ a notebook around the page
  const embedded = window.parent !== window;
  function post() {  // not while a search by meaning waits for the word table: its matches are not known yet
    if (!embedded || (state.query.trim() && state.mode === "meaning" && !semantic && !META.semantic.unavailable)) return;
    window.parent.postMessage({ topiclab: "map", kind: "state", query: state.query.trim(), mode: state.mode,
      selection: state.selectedList.slice(), matches: (state.matchList || []).slice(0, POST_LIMIT),
      hidden: topics.filter((t) => !t.visible).map((t) => t.id) }, "*");
  }
  function listen() {
    window.addEventListener("message", (e) => {
      const m = e.data;
      if (!embedded || e.source !== window.parent || !m || m.topiclab !== "map") return;
      if (m.kind === "search" && typeof m.query === "string") {
        if (m.mode === "words" || m.mode === "meaning") { state.mode = m.mode; ui.mode.value = m.mode; }
        ui.search.value = m.query;
        state.query = m.query;
        runSearch();
        post();
      } else if (m.kind === "select" && Array.isArray(m.selection)) {
        setSelection(m.selection.filter((i) => Number.isInteger(i) && i >= 0 && i < N && state.active[i]), true);
      }
    });
  }

  // ------------------------------------------------------------------ start
  async function start() {
    buildUi();
    points = await blob("points");
    for (const c of columns) {  // stored steps back to numbers, times to seconds; NaN where missing
      const raw = points[c.array];
      if (c.kind === "time") {
        const values = new Float64Array(N);
        for (let i = 0; i < N; i++) values[i] = raw[i] === c.missing ? NaN : c.origin + raw[i] * c.unit;
        points[c.array] = values;
      } else if (c.scale) {
        const values = new Float32Array(N), [low, step] = c.scale;
        for (let i = 0; i < N; i++) values[i] = raw[i] === c.missing ? NaN : low + raw[i] * step;
        points[c.array] = values;
      }
    }
    positions = new Float32Array(2 * N);
    for (let i = 0; i < N; i++) { positions[2 * i] = points.x[i] * world.sx; positions[2 * i + 1] = points.y[i] * world.sy; }
    base = colorOf(null);
    canvas = el("canvas", { class: "tl-points", "aria-label": `Map of ${fmt(N)} documents` });
    overlay = el("canvas", { class: "tl-overlay" });
    context = canvas.getContext("2d");
    ui.stage.prepend(canvas, overlay);
    resizeCanvas();
    viewState = initialView();
    recolor();
    bindView();
    buildLabels();
    renderLegend();
    buildTime();
    placeLabels();
    ui.status.textContent = "Reading the documents…";

    const textArrays = await blob("texts");
    texts = splitStrings(textArrays.text);
    ids = splitStrings(textArrays.doc_id);
    points.length_full = textArrays.length ? (i) => textArrays.length[i] : (i) => docText(i).length;
    grid = buildGrid();
    bindPointer();
    bindSearch();
    bindColor();
    listen();
    renderResults();
    showTab("topics");
    ui.status.hidden = true;
    new ResizeObserver(() => {
      const keep = viewState.zoom - fitZoom;
      resizeCanvas();
      initialView();
      setView({ ...viewState, zoom: fitZoom + keep });
    }).observe(ui.stage);
    ROOT.dataset.state = "ready";
    api.readyAt = performance.now();
    if (embedded) window.parent.postMessage({ topiclab: "map", kind: "ready" }, "*");
    if (META.arrays.semantic) {
      const s = await blob("semantic");
      const words = splitStrings(s.words);
      s.vocabulary = new Map(Array.from({ length: words.starts.length - 1 }, (_, k) => [piece(words, k), k]));
      semantic = s;
      ROOT.dataset.semantic = "ready";
      if (state.query && state.mode === "meaning") { runSearch(); post(); }
    }
  }

  // For tests and the benchmark: where a point is on the screen, and what the map holds.
  const api = {
    screenPosition(i) {
      const r = ui.stage.getBoundingClientRect(), [x, y] = toScreen(positions[2 * i], positions[2 * i + 1]);
      return [r.left + x, r.top + y];
    },
    zoomBy(steps) { setView({ ...viewState, zoom: viewState.zoom + steps }); },
    get level() { return currentLevel(); },
    get zoom() { return viewState.zoom; },
    get selection() { return state.selectedList.slice(); },
    get matches() { return (state.matchList || []).slice(); },
    csv: () => selectionCsv(),
  };
  window.topiclabMap = api;
  start().catch((error) => {
    ui.status.hidden = false;
    ui.status.textContent = `The map could not be read: ${error.message || error}`;
    throw error;
  });
})();
