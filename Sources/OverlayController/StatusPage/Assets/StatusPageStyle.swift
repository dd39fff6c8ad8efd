extension StatusPageAssets {
    static let style = #"""
    :root { color-scheme: light; --up: hsl(135, 60%, 38%); --down: #c62828; --unknown: #8a8a8a; --ink: #1d2126; --muted: #5b636e; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f7f9; }
    header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
    header { display: flex; align-items: baseline; justify-content: space-between; gap: 16px; flex-wrap: wrap; padding-top: 16px; }
    h1 { font-size: 22px; margin: 0; }
    h1 span { font-weight: normal; color: var(--muted); font-size: 16px; }
    h2 { font-size: 17px; margin: 24px 0 8px; }
    #updated { color: var(--muted); margin: 0; }
    #updated.stale { color: var(--down); font-weight: 600; }
    section { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 4px 16px 16px; margin-top: 16px; }
    .hint { color: var(--muted); margin: 0 0 8px; }
    .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; word-break: break-all; }
    .scroll { overflow-x: auto; }
    dl#summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px 24px; margin: 0; }
    dl#summary .wide { grid-column: 1 / -1; }
    dt { color: var(--muted); font-size: 13px; }
    dd { margin: 0; font-size: 20px; font-weight: 600; }
    dd.mono { font-size: 13px; font-weight: normal; }
    [hidden] { display: none !important; }
    #legend { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 0; margin: 0 0 12px; }
    #legend li { display: flex; align-items: center; gap: 6px; }
    table { border-collapse: collapse; }
    #roster { width: 100%; }
    #roster th, #roster td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #e6e9ed; }
    #roster tr.inactive td { color: var(--muted); }
    #heatmap th { font-weight: 600; font-size: 13px; padding: 2px 6px; white-space: nowrap; }
    #heatmap thead th.peer { writing-mode: vertical-rl; transform: rotate(180deg); text-align: left; height: 90px; vertical-align: bottom; }
    #heatmap tbody th { text-align: right; }
    #heatmap td.total, #heatmap th.total { color: var(--muted); font-size: 12px; text-align: center; padding: 2px 8px; }
    .cell { width: 34px; height: 30px; min-width: 34px; text-align: center; vertical-align: middle; color: #fff; font-weight: 700;
            border: 2px solid #fff; border-radius: 4px; font-size: 14px; cursor: default; }
    .cell.up { background: var(--up); }
    .cell.down { background: var(--down); }
    .cell.unknown { background: var(--unknown); }
    .cell.self { background: transparent; color: #b9c0c8; }
    .cell.asymmetric { outline: 3px dashed #f39c12; outline-offset: -3px; }
    .swatch { display: inline-block; line-height: 26px; }
    .swatch.slow { background: hsl(75, 60%, 40%); }
    #flags { margin: 10px 0 0; padding-left: 20px; }
    #flags li { margin: 2px 0; }
    #flags .flag { font-weight: 600; color: var(--down); }
    footer { color: var(--muted); font-size: 13px; padding: 16px 20px 32px; }
    """#
}
