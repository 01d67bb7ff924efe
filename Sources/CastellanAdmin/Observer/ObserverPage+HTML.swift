extension ObserverPage {
    /// The page's markup: empty containers that `observer.js` fills; no data, no secret.
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>Castellan · supervision observer</title>
    <link rel="stylesheet" href="/observer.css">
    <script src="/observer.js" defer></script>
    </head>
    <body>
    <header>
      <h1>Castellan <span>supervision observer</span></h1>
      <div class="stats">
        <div class="stat"><span class="value" id="decisions-rate">–</span><span class="label">decisions / s</span></div>
        <div class="stat"><span class="value" id="restart-total">–</span><span class="label">restarts</span></div>
        <div class="stat"><span class="value" id="worker-count">–</span><span class="label">running workers</span></div>
        <div class="connection" id="connection" data-state="connecting">connecting…</div>
      </div>
    </header>
    <div id="notice" class="notice" hidden></div>
    <section class="rates" aria-label="rates over the last minutes">
      <h2>Last 5 minutes <span class="since">(since this page opened)</span></h2>
      <div class="chart">
        <div class="chart-label">decisions / s <span class="peak" id="decisions-peak"></span></div>
        <svg id="decisions-chart" class="spark" viewBox="0 0 300 40" preserveAspectRatio="none" role="img" aria-label="decisions per second"></svg>
      </div>
      <div class="chart">
        <div class="chart-label">restarts / s <span class="peak" id="restarts-peak"></span></div>
        <svg id="restarts-chart" class="spark" viewBox="0 0 300 40" preserveAspectRatio="none" role="img" aria-label="restarts per second"></svg>
      </div>
      <ol id="escalations" class="escalations"></ol>
    </section>
    <main>
      <section class="tree">
        <h2>Supervision tree</h2>
        <table>
          <thead><tr><th>node</th><th>state</th><th class="num">generation</th><th class="num">restarts</th><th>intensity</th></tr></thead>
          <tbody id="tree"></tbody>
        </table>
      </section>
      <section class="events">
        <h2>Recent events</h2>
        <ol id="events"></ol>
        <p class="empty" id="events-empty">No events since the page opened. Kill a worker: <code>castellan chaos kill PATH</code></p>
      </section>
    </main>
    </body>
    </html>

    """#
}
