extension StatusPageAssets {
    /// Reads `/status.json` every few seconds and redraws. Builds the DOM with
    /// `textContent` only (names never become markup). Each heatmap cell carries
    /// `data-from`, `data-to` and `data-state`, which the browser test reads.
    /// When the controller sends only the broken pairs (`meshBrokenOnly`, above
    /// `MeshView.gridMaxNodes` nodes) the grid gives way to a per-node summary
    /// and the list of pairs that are not up.
    static let script = #"""
    "use strict";
    (function () {
      const REFRESH_MS = 3000;
      const SYMBOL = { up: "✓", down: "✗", unknown: "?" };
      const FLAG_TEXT = { "unreachable-by-peers": "unreachable by peers", "asymmetric": "asymmetric pair", "no-report": "no health report yet", "not-reporting": "not reporting (missed its polls)" };
      let lastGood = null;

      function byId(id) { return document.getElementById(id); }

      function make(tag, text, attrs) {
        const node = document.createElement(tag);
        if (text !== undefined && text !== null) node.textContent = String(text);
        for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
        return node;
      }

      function clock(iso) {
        if (!iso) return "–";
        const d = new Date(iso);
        return isNaN(d) ? "–" : d.toLocaleString();
      }

      function rttText(ms) {
        if (ms === null || ms === undefined) return "no RTT yet";
        return (ms < 1 ? ms.toFixed(2) : ms < 10 ? ms.toFixed(1) : Math.round(ms)) + " ms";
      }

      // Fast pairs are green, slow ones shade towards olive: 0.1 ms → hue 135, 500 ms and above → hue 75.
      function upColour(ms) {
        if (ms === null || ms === undefined) return "";
        const t = Math.min(1, Math.max(0, Math.log10(Math.max(ms, 0.1) / 0.1) / Math.log10(5000)));
        return "hsl(" + Math.round(135 - 60 * t) + ", 60%, " + Math.round(36 + 6 * t) + "%)";
      }

      function renderSummary(s) {
        byId("network-name").textContent = s.network.name;
        byId("summary-range").textContent = s.network.range;
        byId("summary-active").textContent = s.network.activeNodes;
        byId("summary-registered").textContent = s.network.registeredNodes;
        byId("summary-down").textContent = s.mesh.pairs.filter(function (p) { return p.state === "down"; }).length;
        byId("summary-version").textContent = s.network.rosterVersion;
        byId("summary-ca").textContent = s.network.caFingerprint;
      }

      function cellFor(pair, from, to) {
        const state = pair ? pair.state : "unknown";
        const td = make("td", SYMBOL[state] + (pair && pair.asymmetric ? "!" : ""), {
          "class": "cell " + state + (pair && pair.asymmetric ? " asymmetric" : ""),
          "data-from": from, "data-to": to, "data-state": state,
          "data-asymmetric": pair && pair.asymmetric ? "true" : "false"
        });
        let title = from + " → " + to + ": " + state;
        if (pair && pair.rttMs !== null && pair.rttMs !== undefined) title += ", RTT " + rttText(pair.rttMs);
        if (pair && pair.since) title += ", since " + clock(pair.since);
        if (pair && pair.asymmetric) title += " (asymmetric: " + to + " reaches " + from + ")";
        if (pair && pair.lastError) title += " — " + pair.lastError;
        td.setAttribute("title", title);
        td.setAttribute("aria-label", title);
        if (state === "up" && pair) td.style.backgroundColor = upColour(pair.rttMs);
        return td;
      }

      function sortedNodes(mesh) {
        return mesh.nodes.slice().sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
      }

      function show(id, visible) {
        if (visible) byId(id).removeAttribute("hidden"); else byId(id).setAttribute("hidden", "");
      }

      function renderMesh(s) {
        const large = s.meshBrokenOnly === true;
        show("heatmap", !large);
        show("legend", !large);
        show("mesh-large", large);
        show("mesh-summary", large);
        show("broken-pairs", large);
        if (large) { renderLargeMesh(s.mesh); byId("heatmap").replaceChildren(); } else { renderHeatmap(s.mesh); }
        renderFlags(sortedNodes(s.mesh));
      }

      function renderLargeMesh(mesh) {
        const head = make("thead");
        const headRow = make("tr");
        for (const title of ["node", "reached by", "reaches", "flags"]) headRow.appendChild(make("th", title, { scope: "col" }));
        head.appendChild(headRow);
        const body = make("tbody");
        for (const n of sortedNodes(mesh)) {
          const row = make("tr", null, { "data-node": n.name });
          row.appendChild(make("th", n.name, { scope: "row" }));
          row.appendChild(make("td", n.reachableBy + "/" + n.peers, { "class": "total" }));
          row.appendChild(make("td", n.reaches + "/" + n.peers, { "class": "total" }));
          row.appendChild(make("td", n.flags.map(function (f) { return FLAG_TEXT[f] || f; }).join(", ")));
          body.appendChild(row);
        }
        byId("mesh-summary").replaceChildren(head, body);

        const items = mesh.pairs.map(function (p) {
          let text = p.from + " → " + p.to + ": " + p.state;
          if (p.asymmetric) text += " (asymmetric: " + p.to + " reaches " + p.from + ")";
          if (p.since) text += ", since " + clock(p.since);
          if (p.lastError) text += " — " + p.lastError;
          return make("li", text, { "class": "pair " + p.state, "data-from": p.from, "data-to": p.to, "data-state": p.state });
        });
        if (items.length === 0) items.push(make("li", "Every pair is up."));
        if (mesh.brokenPairsOmitted) {
          items.push(make("li", "… and " + mesh.brokenPairsOmitted + " more (all of them: overlayctl mesh --broken on the controller)",
                          { "class": "omitted", "data-omitted": String(mesh.brokenPairsOmitted) }));
        }
        const list = byId("broken-pairs");
        list.replaceChildren();
        for (const item of items) list.appendChild(item);
      }

      function renderHeatmap(mesh) {
        const summaries = sortedNodes(mesh);
        const names = summaries.map(function (n) { return n.name; });
        const pairs = new Map();
        for (const p of mesh.pairs) pairs.set(p.from + "\u0000" + p.to, p);

        const table = byId("heatmap");
        const head = make("thead");
        const headRow = make("tr");
        headRow.appendChild(make("th", "from ╲ to", { scope: "col" }));
        for (const name of names) headRow.appendChild(make("th", name, { scope: "col", "class": "peer" }));
        headRow.appendChild(make("th", "reaches", { scope: "col", "class": "total" }));
        head.appendChild(headRow);

        const body = make("tbody");
        for (const from of summaries) {
          const row = make("tr");
          row.appendChild(make("th", from.name, { scope: "row" }));
          for (const to of names) {
            if (to === from.name) {
              row.appendChild(make("td", "·", { "class": "cell self", "data-self": from.name, title: from.name + " (itself)" }));
            } else {
              row.appendChild(cellFor(pairs.get(from.name + "\u0000" + to), from.name, to));
            }
          }
          row.appendChild(make("td", from.reaches + "/" + from.peers, { "class": "total", title: from.name + " reaches " + from.reaches + " of " + from.peers + " peers" }));
          body.appendChild(row);
        }
        const foot = make("tfoot");
        const footRow = make("tr");
        footRow.appendChild(make("th", "reached by", { scope: "row", "class": "total" }));
        for (const n of summaries) {
          footRow.appendChild(make("td", n.reachableBy + "/" + n.peers, { "class": "total", title: n.reachableBy + " of " + n.peers + " peers reach " + n.name }));
        }
        foot.appendChild(footRow);
        table.replaceChildren(head, body, foot);
      }

      function renderFlags(summaries) {
        const flags = byId("flags");
        const items = [];
        for (const n of summaries) {
          const shown = n.flags.filter(function (f) { return f !== "no-report"; });
          if (shown.length === 0) continue;
          const li = make("li", n.name + ": ");
          shown.forEach(function (f, i) {
            if (i > 0) li.appendChild(document.createTextNode(", "));
            li.appendChild(make("span", FLAG_TEXT[f] || f, { "class": "flag", "data-flag": f, "data-node": n.name }));
          });
          items.push(li);
        }
        flags.replaceChildren.apply(flags, items);
      }

      function renderRoster(roster) {
        const rows = roster.map(function (n) {
          const tr = make("tr", null, { "class": n.active ? "active" : "inactive", "data-node": n.name });
          tr.appendChild(make("td", n.name));
          tr.appendChild(make("td", n.overlayIP, { "class": "mono" }));
          tr.appendChild(make("td", n.endpoint || "–", { "class": "mono" }));
          tr.appendChild(make("td", n.active ? "yes" : "no"));
          tr.appendChild(make("td", clock(n.lastSeen)));
          return tr;
        });
        const tbody = byId("roster").querySelector("tbody");
        tbody.replaceChildren.apply(tbody, rows);
      }

      function render(s) {
        renderSummary(s);
        renderMesh(s);
        renderRoster(s.roster);
        document.body.setAttribute("data-roster-version", s.network.rosterVersion);
        document.body.setAttribute("data-generated-at", s.network.generatedAt);
        const updated = byId("updated");
        updated.classList.remove("stale");
        updated.textContent = "Updated " + new Date().toLocaleTimeString() + " · refreshes every " + (REFRESH_MS / 1000) + " s";
      }

      function refresh() {
        fetch("/status.json", { cache: "no-store" })
          .then(function (r) {
            if (!r.ok) throw new Error("HTTP " + r.status);
            return r.json();
          })
          .then(function (s) { lastGood = new Date(); render(s); })
          .catch(function (e) {
            const updated = byId("updated");
            updated.classList.add("stale");
            updated.textContent = "Cannot reach the controller (" + e.message + ")" +
              (lastGood ? "; showing data from " + lastGood.toLocaleTimeString() : "");
          })
          .finally(function () { setTimeout(refresh, REFRESH_MS); });
      }

      refresh();
    })();

    """#
}
