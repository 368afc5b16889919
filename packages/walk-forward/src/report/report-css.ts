/**
 * The report page's inline stylesheet (no external fonts or images).
 *
 * @module
 */

/** CSS of the HTML report. */
export const REPORT_CSS = `
:root { --fg:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --card:#fff; --accent:#1565c0; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:var(--fg); background:var(--bg); }
header { background:#102a43; color:#fff; padding:20px 32px; }
header h1 { margin:0 0 4px; font-size:22px; font-weight:600; }
header p { margin:0; color:#bcccdc; }
nav { margin:8px 0 0; font-size:12px; }
nav a { color:#9fb3c8; margin-right:12px; text-decoration:none; }
nav a:hover { color:#fff; }
main { max-width:1360px; margin:0 auto; padding:24px 24px 48px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 20px; margin:0 0 20px; }
h2 { font-size:16px; margin:0 0 4px; font-weight:600; }
h3 { font-size:13px; margin:14px 0 6px; font-weight:600; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
.note { color:var(--muted); margin:0 0 12px; font-size:13px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fill,minmax(150px,1fr)); gap:10px; }
.kpi { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
.kpi .label { color:var(--muted); font-size:11px; text-transform:uppercase; letter-spacing:.04em; }
.kpi .value { font-size:20px; font-weight:600; font-variant-numeric:tabular-nums; }
.pos { color:#2e7d32; } .neg { color:#c62828; }
.banner { border-radius:8px; padding:12px 16px; margin:0 0 16px; font-weight:600; }
.banner.danger { background:#c62828; color:#fff; }
.callout { border-left:4px solid var(--accent); background:#f0f4f8; padding:10px 14px; border-radius:4px; margin:0 0 12px; }
.callout.warn { border-left-color:#ef6c00; background:#fff4e5; }
.model dl { display:grid; grid-template-columns:110px 1fr; gap:4px 12px; margin:0; }
.model dt { font-weight:600; color:var(--muted); }
.model dd { margin:0; }
.model .execution { font-weight:600; }
.pnl { display:grid; grid-template-columns:repeat(auto-fill,minmax(170px,1fr)); gap:10px; margin-top:10px; }
svg.chart { width:100%; height:auto; display:block; }
svg.chart .grid { stroke:#eef1f4; stroke-width:1; }
svg.chart .axis { stroke:#9aa5b1; stroke-width:1; }
svg.chart .tick, svg.chart .muted { fill:var(--muted); font-size:11px; }
svg.chart .axis-label { fill:var(--muted); font-size:12px; }
svg.chart .ref { stroke-width:1.2; }
svg.chart .ref-label { font-size:11px; }
svg.chart .area { opacity:.15; }
svg.chart .marker { fill:transparent; stroke:none; }
svg.chart .marker:hover { fill:#102a43; }
svg.chart .bar:hover { opacity:.75; }
.legend { display:flex; flex-wrap:wrap; gap:16px; margin:8px 0 0; color:var(--muted); font-size:12px; }
.legend i { display:inline-block; width:18px; height:0; border-top:2px solid; vertical-align:middle; margin-right:6px; }
.legend i.box { height:10px; border:none; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; font-size:12px; }
th, td { padding:4px 6px; border-bottom:1px solid var(--line); text-align:right; white-space:nowrap; }
th { background:#f0f4f8; position:sticky; top:0; font-weight:600; z-index:1; }
th:first-child, td:first-child, td.l, th.l { text-align:left; }
tr.warn td { background:#fff4e5; }
.table-wrap { max-height:520px; overflow:auto; border:1px solid var(--line); border-radius:6px; }
table.heatmap td, table.heatmap th { text-align:center; min-width:58px; }
table.heatmap th.l { text-align:left; }
table.heatmap td.year, table.heatmap th.year { font-weight:600; border-left:2px solid var(--line); }
.definitions dl { display:grid; grid-template-columns:220px 1fr; gap:6px 16px; margin:0; font-size:13px; }
.definitions dt { font-weight:600; }
.definitions dd { margin:0; color:#323f4b; }
#config-table td, #config-table th { text-align:left; }
#config-table td:first-child { width:220px; }
select { font:inherit; padding:4px 8px; margin:0 0 8px; }
.spread[hidden] { display:none; }
code { background:#f0f4f8; padding:0 3px; border-radius:3px; font-size:12px; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:0 0 24px; }
`;
