// The public page's progressive layer: the server renders everything that
// can be rendered; this script keeps it live (Server-Sent Events), looks up
// donations and reads the latest audit checkpoint. Without it the page
// still shows every figure as of its load. No build step, no libraries.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("page-data").textContent);
  var T = D.t;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function utc(iso) {
    // "2026-03-01T08:00:00Z" -> "2026-03-01 08:00", as the server renders.
    return iso ? iso.replace("T", " ").slice(0, 16) : "";
  }
  function setText(root, field, value) {
    var c = root.querySelector('[data-field="' + field + '"]');
    if (c && c.textContent !== String(value)) c.textContent = String(value);
  }
  function provinceOf(region) {
    return region && region.length === 6 ? D.provinces[region.slice(0, 2) + "0000"] || "" : "";
  }

  // --- live feed -------------------------------------------------------
  var live = document.getElementById("live");
  function status(state, text) {
    live.setAttribute("data-state", state);
    live.textContent = text;
  }

  function onSummary(s) {
    var row = document.querySelector('#summary tr[data-item="' + s.item + '"]');
    if (!row) return;
    ["needed", "allocated", "dispatched", "delivered", "open_shortage", "available_capacity"].forEach(function (f) {
      setText(row, f, s[f]);
    });
  }

  function onRegion(r) {
    var tile = document.querySelector('#regions [data-province="' + r.province + '"]');
    if (!tile) return;
    tile.className = "tile level-" + r.level;
    tile.setAttribute("data-level", r.level);
    setText(tile, "level", D.levels[r.level] || r.level);
    setText(tile, "open_shortage", r.open_shortage);
    setText(tile, "needed", r.needed);
  }

  // A correction is shown beside the original, never merged into it.
  function correction(c) {
    var parts = [el("strong", { text: T.Correction }), " ", el("time", { datetime: c.time, text: utc(c.time) })];
    if (c.corrected_by) parts.push(" · " + c.corrected_by);
    parts.push(": " + c.reason);
    (c.fields || []).forEach(function (f) { parts.push(" · ", el("code", { text: f.field }), " → " + f.value); });
    return el("div", { "class": "correction" }, parts);
  }

  function flowRow(f, fresh) {
    var source = f.source_name === "anonymous donor" ? T.AnonymousDonor : f.source_name;
    return el("tr", { "data-id": f.id, "data-status": f.status, "class": fresh ? "fresh" : "" }, [
      el("td", { "data-field": "time" }, [el("time", { datetime: f.time, text: utc(f.time) })]),
      el("td", { "data-field": "item", text: D.items[f.item] || f.item }),
      el("td", { "data-field": "quantity", "class": "num", text: String(f.quantity) }),
      el("td", { "data-field": "source_name", text: source }),
      el("td", { "data-field": "hospital_name" }, [f.hospital_name + " ", el("span", { "class": "muted", text: provinceOf(f.hospital_region) })]),
      el("td", { "data-field": "status", text: D.status[f.status] || f.status }),
      el("td", { "data-field": "decided_by" }, [el("code", { text: f.decided_by })]),
      el("td", { "data-field": "reason", "class": "reason" }, [f.reason].concat((f.corrections || []).map(correction)))
    ]);
  }

  function onFlow(f) {
    var table = document.getElementById("flows");
    var body = table.tBodies[0];
    var old = body.querySelector('tr[data-id="' + f.id + '"]');
    // Highlight only what is new to this visitor: the stream resends the
    // rows the server already rendered when it (re)connects.
    var fresh = !old || old.getAttribute("data-status") !== f.status;
    if (old) old.remove();
    // Changes arrive oldest first, so each goes on top: newest first.
    body.insertBefore(flowRow(f, fresh), body.firstChild);
    while (body.rows.length > D.maxFlows) body.deleteRow(body.rows.length - 1);
    table.hidden = false;
    document.getElementById("no-flows").hidden = true;
  }

  function json(handler) {
    return function (e) {
      try { handler(JSON.parse(e.data)); } catch (err) { /* a bad row must not stop the feed */ }
    };
  }

  if (window.EventSource) {
    // EventSource reconnects by itself after a drop (the server asks for
    // 2 s); the stream resends the whole current state, so nothing is missed.
    var es = new EventSource("/v1/public/stream");
    es.addEventListener("open", function () { status("on", T.Live); });
    es.addEventListener("error", function () { status("retry", T.Reconnecting); });
    es.addEventListener("summary", json(onSummary));
    es.addEventListener("region", json(onRegion));
    es.addEventListener("flow", json(onFlow));
  }

  // --- donation lookup ---------------------------------------------------
  var form = document.getElementById("lookup");
  var out = document.getElementById("journey");

  function table(head, rows) {
    return el("div", { "class": "scroll" }, [el("table", {}, [
      el("thead", {}, [el("tr", {}, head.map(function (h, i) {
        return el("th", { scope: "col", "class": i > 0 ? "num" : "", text: h });
      }))]),
      el("tbody", {}, rows.map(function (r) {
        return el("tr", {}, r.map(function (c) {
          return el("td", { "class": typeof c === "number" ? "num" : "", text: String(c) });
        }));
      }))
    ])]);
  }

  function renderJourney(j) {
    out.textContent = "";
    var head = el("dl", { "class": "checkpoint" }, [
      el("dt", { text: T.LookupLabel }), el("dd", {}, [el("code", { text: j.tracking_code })]),
      el("dt", { text: T.Donor }), el("dd", { text: j.donor_name || T.AnonymousDonor }),
      el("dt", { text: T.PledgedAt }), el("dd", { text: utc(j.pledged_at) + " UTC" })
    ]);
    out.appendChild(head);
    out.appendChild(el("h3", { text: T.JourneyItems }));
    out.appendChild(table([T.Item, T.Pledged, T.Allocated, T.Dispatched, T.Delivered], (j.items || []).map(function (it) {
      return [D.items[it.item] || it.item, it.pledged, it.allocated, it.dispatched, it.delivered];
    })));
    out.appendChild(el("h3", { text: T.JourneyAllocations }));
    var allocs = j.allocations || [];
    if (!allocs.length) {
      out.appendChild(el("p", { text: T.NoAllocations }));
      return;
    }
    var list = el("ol", { "class": "journey" }, allocs.map(function (a) {
      var steps = [T.AllocatedAt + " " + utc(a.allocated_at)];
      if (a.dispatched_at) steps.push(T.DispatchedAt + " " + utc(a.dispatched_at));
      if (a.delivered_at) steps.push(T.DeliveredAt + " " + utc(a.delivered_at) + " (" + T.Received + " " + (a.received_quantity || 0) + ")");
      return el("li", { "data-status": a.status }, [
        el("strong", { text: (D.items[a.item] || a.item) + " × " + a.quantity }), " → ",
        a.hospital_name + " (" + provinceOf(a.hospital_region) + ") · " + (D.status[a.status] || a.status),
        el("br"), steps.join(" · ") + " UTC"
      ]);
    }));
    out.appendChild(list);
  }

  function say(text, isError) {
    out.textContent = "";
    out.appendChild(el("p", { "class": isError ? "error" : "", role: isError ? "alert" : "status", text: text }));
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var code = form.elements.code.value.trim();
    if (!code) {
      say(T.LookupEmpty, true);
      form.elements.code.focus();
      return;
    }
    say(T.Loading, false);
    fetch("/v1/public/donations/" + encodeURIComponent(code), { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 404) throw new Error("notfound");
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(renderJourney)
      .catch(function (err) { say(err.message === "notfound" ? T.LookupNotFound : T.LookupError, true); });
  });

  // --- the latest audit checkpoint ----------------------------------------
  var cp = document.getElementById("checkpoint");
  fetch("/v1/public/checkpoint", { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (c) {
      setText(cp, "size", c.size);
      cp.querySelector('[data-field="root_hash"] code').textContent = c.root_hash || "";
      setText(cp, "time", c.time ? utc(c.time) + " UTC" : "");
      setText(cp, "origin", c.origin || "");
      cp.setAttribute("data-loaded", "true");
    })
    .catch(function () { setText(cp, "size", T.CheckpointNone); });
})();
