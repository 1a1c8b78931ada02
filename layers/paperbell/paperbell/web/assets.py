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
.promise { font-size: 1.2rem; margin: .25rem 0 1rem; }
.signup { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; }
.signup label { flex-basis: 100%; margin-top: 0; }
.signup input { flex: 1 1 16rem; width: auto; }
.signup button { margin-top: 0; }
details.options { margin-top: 1rem; }
details.options summary { cursor: pointer; color: var(--accent); font-weight: 600; }
input[type=number] { font: inherit; width: 6rem; padding: .5rem; border: 1px solid #666;
  border-radius: 4px; }
ol.trending { list-style: none; padding-left: 0; }
ol.trending li { display: grid; grid-template-columns: 3rem 1fr; column-gap: .5rem;
  border-bottom: 1px solid #ddd; padding-bottom: .75rem; }
ol.trending li > * { grid-column: 2; margin: .1rem 0; }
ol.trending .rank { grid-column: 1; grid-row: 1 / span 4; font-size: 1.3rem; font-weight: 700;
  color: var(--muted); }
ol.trending h3 { font-size: 1.05rem; }
.upvotes { font-weight: 600; color: var(--fg); }
[hidden] { display: none !important; }
.live-preview #preview { max-height: 50vh; overflow-y: auto; }
.live-preview #preview:empty { display: none; }
html:not(.js) .live-preview { display: none; }
textarea.short { min-height: 3rem; }
ul.liked { padding-left: 1.2rem; }
ul.liked li { margin-bottom: .5rem; }
button.small { margin: 0 0 0 .5rem; padding: .2rem .6rem; font-size: .85rem; }
.terms code { background: #eef3fa; padding: 0 .25em; border-radius: 3px; }
.live-preview #like-preview { max-height: 50vh; overflow-y: auto; }
.live-preview #like-preview:empty { display: none; }
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
  // Show only the fields of the chosen kind (trending / queries / both) and the weekday
  // only for weekly mail; without the script every field stays visible and works.
  function chosen(name) {
    var input = document.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }
  function sync() {
    var kind = chosen("kind") || "trending";
    Array.prototype.forEach.call(document.querySelectorAll(".choice"), function (div) {
      div.hidden = (div.getAttribute("data-for") || "").split(" ").indexOf(kind) < 0;
    });
    var weekday = document.getElementById("weekday");
    if (weekday) {
      var weekly = chosen("frequency") === "weekly";
      weekday.hidden = !weekly;
      var label = document.querySelector('label[for="weekday"]');
      if (label) { label.hidden = !weekly; }
    }
  }
  Array.prototype.forEach.call(
    document.querySelectorAll('input[name="kind"], input[name="frequency"]'),
    function (input) { input.addEventListener("change", sync); });
  sync();
  // A live preview: as the visitor types into a textarea, the server's HTML fragment
  // for it is shown (queries: what they match; liked papers: what they would bring).
  function live(input, out, params) {
    if (!input || !out) { return; }
    var timer = null, controller = null, last = null;
    function run() {
      var query = params(input.value);
      var key = query ? query.toString() : "";
      if (key === last) { return; }
      last = key;
      if (!query) { out.innerHTML = ""; return; }
      query.set("format", "fragment");
      if (controller) { controller.abort(); }
      controller = new AbortController();
      out.setAttribute("aria-busy", "true");
      fetch("preview?" + query.toString(), { signal: controller.signal })
        .then(function (r) { return r.text(); })
        .then(function (html) { out.innerHTML = html; out.removeAttribute("aria-busy"); })
        .catch(function () { out.removeAttribute("aria-busy"); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 300);
    });
    run();
  }
  function lines(text) {
    return text.split("\n").map(function (s) { return s.trim(); })
      .filter(function (s) { return s.length > 0; });
  }
  live(document.getElementById("queries"), document.getElementById("preview"),
    function (text) {
      var found = lines(text);
      if (!found.length) { return null; }
      var params = new URLSearchParams();
      found.forEach(function (line) { params.append("q", line); });
      return params;
    });
  // Only where the liked papers are the whole profile (the subscribe page); the manage
  // page's preview is the stored profile's, shown by the server.
  var likeOut = document.getElementById("like-preview");
  if (likeOut && likeOut.getAttribute("data-live") === "1") {
    live(document.getElementById("like"), likeOut, function (text) {
      if (!text.trim()) { return null; }
      var params = new URLSearchParams();
      params.set("like", text);
      var dislike = document.getElementById("dislike");
      if (dislike && dislike.value.trim()) { params.set("dislike", dislike.value); }
      return params;
    });
  }
})();
"""
