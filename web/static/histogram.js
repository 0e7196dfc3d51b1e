/* Progressive enhancement for the date histogram: drag across bars to pick a period.
   Without JavaScript every bar is still a plain link to its own period. */
(function () {
  "use strict";
  var svg = document.querySelector("svg.hist");
  if (!svg || !window.URL) return;
  var bars = Array.prototype.slice.call(svg.querySelectorAll("a.hist-bar"));
  if (bars.length < 2) return;
  var start = null, current = null, moved = false;

  function indexAt(clientX) {
    var best = 0, bestDist = Infinity;
    bars.forEach(function (bar, i) {
      var r = bar.querySelector(".hist-slot").getBoundingClientRect();
      var d = Math.abs(clientX - (r.left + r.width / 2));
      if (d < bestDist) { bestDist = d; best = i; }
    });
    return best;
  }
  function paint() {
    var lo = Math.min(start, current), hi = Math.max(start, current);
    bars.forEach(function (bar, i) { bar.classList.toggle("is-brushed", moved && i >= lo && i <= hi); });
  }
  svg.addEventListener("dragstart", function (e) { e.preventDefault(); });
  svg.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    start = current = indexAt(e.clientX);
    moved = false;
  });
  svg.addEventListener("pointermove", function (e) {
    if (start === null) return;
    current = indexAt(e.clientX);
    if (current !== start) moved = true;
    paint();
  });
  function finish(e) {
    if (start === null) return;
    var lo = Math.min(start, current), hi = Math.max(start, current);
    var wasMoved = moved;
    start = null;
    if (!wasMoved) return;  // a plain click: the bar's own link does the work
    e.preventDefault();
    var url = new URL(bars[lo].getAttribute("href"), window.location.href);
    url.searchParams.set("date_to", bars[hi].getAttribute("data-end"));
    window.location.assign(url.pathname + url.search);
  }
  svg.addEventListener("pointerup", finish);
  svg.addEventListener("click", function (e) { if (moved) { e.preventDefault(); moved = false; } }, true);
  svg.addEventListener("pointerleave", function () { if (start !== null) { start = null; moved = false; paint(); } });
})();
