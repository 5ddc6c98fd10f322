// The live feed: every few seconds, ask the console for the rows after
// the last one shown and append them. Without this script the page still
// works: its refresh button reloads it with the same filters. The words it
// shows come from the page (data-says-live, data-says-retry), in the page's language.
(function () {
  "use strict";
  var table = document.getElementById("feed");
  var live = document.getElementById("live");
  if (!table || !live || !window.fetch) { return; }
  var every = 5000;
  var body = table.tBodies[0];
  function after() { return table.getAttribute("data-after") || "-1"; }
  function poll() {
    var url = table.getAttribute("data-rows") + "&after=" + encodeURIComponent(after());
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (r) {
      if (r.status === 401) { window.location.reload(); return null; }
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.text().then(function (html) {
        return { html: html, last: r.headers.get("X-Last-Index") };
      });
    }).then(function (got) {
      if (!got) { return; }
      live.setAttribute("data-state", "on");
      live.textContent = live.getAttribute("data-says-live");
      if (got.html.trim() !== "") {
        var tmp = document.createElement("tbody");
        tmp.innerHTML = got.html;
        while (tmp.firstElementChild) {
          var row = tmp.firstElementChild;
          row.classList.add("fresh");
          body.appendChild(row);
        }
        var none = document.getElementById("no-events");
        if (none) { none.hidden = true; }
      }
      if (got.last) { table.setAttribute("data-after", got.last); }
    }).catch(function () {
      live.setAttribute("data-state", "retry");
      live.textContent = live.getAttribute("data-says-retry");
    }).then(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
}());
