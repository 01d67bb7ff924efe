extension ObserverPage {
    /// The page's style: system fonts only (nothing is fetched), light and dark schemes, and
    /// the `flash` animation a row plays on each restart.
    static let css = #"""
    :root {
      color-scheme: light dark;
      --bg: #f7f7f5; --panel: #ffffff; --text: #1d1f21; --muted: #6b7075; --line: #e3e3df;
      --ok: #2f7d4f; --warn: #b06a00; --bad: #b3261e; --accent: #2357a6; --flash: #ffd866;
      font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
      font-size: 14px;
    }
    @media (prefers-color-scheme: dark) {
      :root {
        --bg: #16181b; --panel: #1e2125; --text: #e6e6e3; --muted: #979ca3; --line: #30343a;
        --ok: #5cc288; --warn: #e0a23c; --bad: #f07167; --accent: #7aa7ef; --flash: #7a6210;
      }
    }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--text); }
    code, .path, td.num, .time { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, monospace; }
    header {
      display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 12px;
      padding: 14px 24px; background: var(--panel); border-bottom: 1px solid var(--line);
    }
    h1 { margin: 0; font-size: 18px; font-weight: 600; }
    h1 span { color: var(--muted); font-weight: 400; }
    h2 { margin: 0 0 10px; font-size: 13px; font-weight: 600; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
    .stats { display: flex; align-items: center; gap: 28px; }
    .stat { display: flex; flex-direction: column; align-items: flex-end; }
    .stat .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
    .stat .label { font-size: 12px; color: var(--muted); }
    .connection { font-size: 12px; padding: 3px 10px; border-radius: 999px; border: 1px solid var(--line); color: var(--muted); }
    .connection[data-state="live"] { color: var(--ok); border-color: var(--ok); }
    .connection[data-state="lost"], .connection[data-state="refused"] { color: var(--bad); border-color: var(--bad); }
    .notice { margin: 16px 24px 0; padding: 12px 16px; border: 1px solid var(--warn); border-radius: 6px; background: var(--panel); line-height: 1.5; }
    .notice code { background: var(--bg); padding: 1px 4px; border-radius: 3px; }
    main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 20px; padding: 20px 24px; }
    @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
    section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; min-width: 0; }
    table { width: 100%; border-collapse: collapse; }
    th { text-align: left; font-size: 12px; font-weight: 500; color: var(--muted); padding: 4px 8px; border-bottom: 1px solid var(--line); }
    td { padding: 3px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
    .num { text-align: right; font-variant-numeric: tabular-nums; }
    td.node { overflow: hidden; text-overflow: ellipsis; max-width: 0; width: 50%; }
    tr.supervisor td.node { font-weight: 600; }
    tr.worker td.node .id::before { content: "· "; color: var(--muted); }
    .kind { color: var(--muted); font-size: 11px; margin-left: 6px; font-weight: 400; }
    .state { font-size: 12px; }
    .state::before { content: "●"; margin-right: 5px; }
    .state.running { color: var(--ok); }
    .state.restarting { color: var(--warn); }
    .state.stopped { color: var(--bad); }
    td.restarts { font-weight: 600; }
    td.restarts.zero { font-weight: 400; color: var(--muted); }
    .intensity { font-size: 12px; color: var(--muted); }
    tr.flash td { animation: flash 1.6s ease-out; }
    @keyframes flash { 0% { background: var(--flash); } 100% { background: transparent; } }
    ol#events { list-style: none; margin: 0; padding: 0; max-height: calc(100vh - 170px); overflow-y: auto; }
    ol#events li { display: grid; grid-template-columns: auto auto 1fr; gap: 2px 10px; padding: 5px 0; border-bottom: 1px solid var(--line); }
    ol#events li.new { animation: flash 1.6s ease-out; }
    .time { color: var(--muted); font-size: 12px; }
    .event { font-weight: 600; font-size: 12px; }
    .event.child_exited, .event.restart_failed { color: var(--warn); }
    .event.child_restarted, .event.child_started { color: var(--accent); }
    .event.intensity_exceeded, .event.supervisor_terminated { color: var(--bad); }
    .path { font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .detail { grid-column: 2 / 4; color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
    .empty { color: var(--muted); }
    .rates { margin: 20px 24px 0; display: grid; grid-template-columns: 1fr 1fr; gap: 4px 20px; }
    .rates h2, .rates .escalations { grid-column: 1 / 3; }
    @media (max-width: 900px) { .rates { grid-template-columns: 1fr; } .rates h2, .rates .escalations { grid-column: 1; } }
    .since { text-transform: none; letter-spacing: 0; font-weight: 400; }
    .chart-label { font-size: 12px; color: var(--muted); }
    .peak { float: right; font-variant-numeric: tabular-nums; }
    svg.spark { display: block; width: 100%; height: 48px; border-bottom: 1px solid var(--line); }
    svg.spark polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
    svg.spark rect.escalation { fill: var(--bad); opacity: .35; }
    svg.spark rect.escalation.ongoing { opacity: .7; }
    ol.escalations { list-style: none; margin: 6px 0 0; padding: 0; }
    ol.escalations li { display: flex; gap: 10px; align-items: baseline; padding: 4px 0; font-size: 13px; }
    ol.escalations .status { font-weight: 600; font-size: 12px; padding: 1px 8px; border-radius: 999px; }
    ol.escalations li.down .status { color: var(--panel); background: var(--bad); }
    ol.escalations li.back .status { color: var(--ok); border: 1px solid var(--ok); }
    tr.down td { background: color-mix(in srgb, var(--bad) 18%, transparent); }
    tr.down .state { color: var(--bad); }
    @media (prefers-reduced-motion: reduce) { tr.flash td, ol#events li.new { animation-duration: .01s; } }

    """#
}
