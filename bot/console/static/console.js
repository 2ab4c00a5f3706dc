// Refreshes the board's rows every 15 s without a reload (the same filters as the page).
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var src = board.getAttribute("data-src");
  function refresh() {
    fetch(src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");

        board.innerHTML = doc.body.innerHTML;
      })
      .catch(function () { /* the next round tries again */ });
  }
  var every = parseInt(board.getAttribute("data-every") || "15000", 10);
  window.setInterval(refresh, every);
})();
