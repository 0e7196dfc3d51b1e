/* On a phone the filters come first, folded: one tap opens them, the results follow right below.
   Without JavaScript (or on a wide screen) they stay open. */
(function () {
  "use strict";
  var refine = document.getElementById("refine");
  if (!refine || !window.matchMedia) return;
  var narrow = window.matchMedia("(max-width: 860px)");
  function fit() { refine.open = !narrow.matches; }
  fit();
  if (narrow.addEventListener) narrow.addEventListener("change", fit);
})();
