// anywidget front end of topiclab's MapWidget: the same map page, in a sandboxed iframe, kept in step
// with the widget's traitlets through postMessage (the page posts its state; Python's searches and
// selections are posted to it).
export default {
  render({ model, el }) {
    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "allow-scripts allow-downloads");
    frame.setAttribute("title", "document map");
    frame.style.cssText = `width: 100%; height: ${model.get("_height")}px; border: 1px solid #ddd; border-radius: 4px;`;
    frame.srcdoc = model.get("_page");
    el.appendChild(frame);
    let fromPage = false;
    const send = (message) => { if (frame.contentWindow) frame.contentWindow.postMessage({ topiclab: "map", ...message }, "*"); };
    const search = () => { if (!fromPage) send({ kind: "search", query: model.get("query"), mode: model.get("mode") }); };
    const select = () => { if (!fromPage) send({ kind: "select", selection: model.get("selected_points") }); };
    const onMessage = (event) => {
      const m = event.data;
      if (event.source !== frame.contentWindow || !m || m.topiclab !== "map") return;
      if (m.kind === "ready") {
        if (model.get("query")) search();
        if (model.get("selected_points").length) select();
      } else if (m.kind === "state") {
        fromPage = true;
        model.set({ query: m.query, mode: m.mode, selected_points: m.selection, matched_points: m.matches });
        fromPage = false;
        model.save_changes();
      }
    };
    window.addEventListener("message", onMessage);
    model.on("change:query", search);
    model.on("change:mode", search);
    model.on("change:selected_points", select);
    return () => {
      window.removeEventListener("message", onMessage);
      model.off("change:query", search);
      model.off("change:mode", search);
      model.off("change:selected_points", select);
    };
  },
};
