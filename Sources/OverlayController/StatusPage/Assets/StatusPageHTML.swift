/// The status page's markup, compiled in: no build step and nothing fetched
/// from anywhere but this listener. `app.js` fills it from `/status.json`.
enum StatusPageAssets {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>overlayd status</title>
    <link rel="stylesheet" href="/style.css">
    <script src="/app.js" defer></script>
    </head>
    <body>
    <header>
      <h1>overlayd <span id="network-name"></span></h1>
      <p id="updated" role="status" aria-live="polite">Loading…</p>
    </header>
    <main>
      <section aria-labelledby="summary-title">
        <h2 id="summary-title">Network</h2>
        <dl id="summary">
          <div><dt>Range</dt><dd id="summary-range">–</dd></div>
          <div><dt>Active nodes</dt><dd id="summary-active">–</dd></div>
          <div><dt>Registered nodes</dt><dd id="summary-registered">–</dd></div>
          <div><dt>Pairs down</dt><dd id="summary-down">–</dd></div>
          <div><dt>Roster version</dt><dd id="summary-version" class="mono">–</dd></div>
          <div class="wide"><dt>CA fingerprint (SHA-256)</dt><dd id="summary-ca" class="mono">–</dd></div>
        </dl>
      </section>
      <section aria-labelledby="mesh-title">
        <h2 id="mesh-title">Mesh</h2>
        <p class="hint">Each row is a node, each column a peer it pings: the cell is what the row's node last reported
          about the column's peer. Hover a cell for the RTT and since when.</p>
        <ul id="legend" aria-label="Legend">
          <li><span class="swatch cell up">✓</span> up (greener is faster)</li>
          <li><span class="swatch cell up slow">✓</span> up, slow</li>
          <li><span class="swatch cell down">✗</span> down</li>
          <li><span class="swatch cell unknown">?</span> unknown (no report yet)</li>
          <li><span class="swatch cell down asymmetric">✗!</span> asymmetric: fails one way only</li>
          <li><span class="swatch cell self">·</span> the node itself</li>
        </ul>
        <div class="scroll"><table id="heatmap" aria-describedby="legend"></table></div>
        <p id="mesh-large" class="hint" hidden>More nodes than a grid can show: one row per node (how many peers reach it
          and how many it reaches), then every pair that is not up.</p>
        <div class="scroll"><table id="mesh-summary" hidden></table></div>
        <ul id="broken-pairs" aria-label="Pairs that are not up" hidden></ul>
        <ul id="flags" aria-label="Flagged nodes"></ul>
      </section>
      <section aria-labelledby="roster-title">
        <h2 id="roster-title">Roster</h2>
        <div class="scroll">
          <table id="roster">
            <thead><tr><th scope="col">Name</th><th scope="col">Overlay IP</th><th scope="col">Endpoint</th>
              <th scope="col">Active</th><th scope="col">Last seen</th></tr></thead>
            <tbody></tbody>
          </table>
        </div>
      </section>
    </main>
    <footer>Read-only view served by overlayd-controller. Refreshes every few seconds from <a href="/status.json">/status.json</a>.</footer>
    </body>
    </html>

    """#
}
