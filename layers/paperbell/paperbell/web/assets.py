"""The page's stylesheet and script, served by the API itself (/app.css, /app.js), so
the Content-Security-Policy can forbid inline code. The pages work without the script:
it only pre-fills the timezone and shows the preview live while typing."""

from __future__ import annotations

CSS = """
:root { color-scheme: light; --fg: #111; --muted: #444; --accent: #1a4d8f; --bad: #a4000f; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: #fff; margin: 0; }
main { max-width: 46rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
label, legend { display: block; font-weight: 600; margin-top: 1rem; }
input[type=email], input[type=text], textarea, select { font: inherit; width: 100%;
  padding: .5rem; border: 1px solid #666; border-radius: 4px; color: var(--fg); }
textarea { min-height: 6rem; }
fieldset { border: 1px solid #999; border-radius: 4px; margin-top: 1rem; }
fieldset label { display: inline; font-weight: normal; margin-right: 1rem; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
button { font: inherit; margin-top: 1rem; padding: .6rem 1.1rem; border: 0; border-radius: 4px;
  background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
button.danger { background: var(--bad); }
:focus-visible { outline: 3px solid #f0a000; outline-offset: 2px; }
.error { color: var(--bad); font-weight: 600; }
[aria-invalid=true] { border-color: var(--bad); border-width: 2px; }
.caret { font-family: ui-monospace, monospace; white-space: pre; color: var(--bad); }
mark { background: #ffe066; color: #000; padding: 0 .1em; }
ol.papers { padding-left: 1.2rem; }
ol.papers li { margin-bottom: 1rem; }
.meta { color: var(--muted); font-size: .9rem; margin: 0; }
.notice { border-left: 4px solid var(--accent); padding: .5rem 1rem; background: #eef3fa; }
html.js .nojs-only { display: none; }
.live-preview #preview { max-height: 50vh; overflow-y: auto; }
.live-preview #preview:empty { display: none; }
html:not(.js) .live-preview { display: none; }
"""

JS = r"""
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var tz = document.getElementById("timezone");
  if (tz && tz.getAttribute("data-prefill") === "1") {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone) { tz.value = zone; }
    } catch (e) { /* keep the server's default */ }
  }
  var queries = document.getElementById("queries");
  var out = document.getElementById("preview");
  if (!queries || !out) { return; }
  var timer = null, controller = null, last = null;
  function run() {
    var lines = queries.value.split("\n").map(function (s) { return s.trim(); })
      .filter(function (s) { return s.length > 0; });
    var key = lines.join("\n");
    if (key === last) { return; }
    last = key;
    if (!lines.length) { out.innerHTML = ""; return; }
    var params = new URLSearchParams();
    lines.forEach(function (line) { params.append("q", line); });
    params.set("format", "fragment");
    if (controller) { controller.abort(); }
    controller = new AbortController();
    out.setAttribute("aria-busy", "true");
    fetch("preview?" + params.toString(), { signal: controller.signal })
      .then(function (r) { return r.text(); })
      .then(function (html) { out.innerHTML = html; out.removeAttribute("aria-busy"); })
      .catch(function () { out.removeAttribute("aria-busy"); });
  }
  queries.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 300);
  });
  run();
})();
"""
