/**
 * The panel's stylesheet, injected into its shadow root. Every size is in px: `rem` would follow the
 * host page's root font size (docs/toolchain.md), and WXT's `:host { all: initial }` keeps the page's
 * inherited styles out. The z-index puts the panel above Salesforce Lightning's modals (≥ 9000).
 * Colours keep at least 4.5:1 contrast on their backgrounds (axe).
 */
export const PANEL_CSS = `
:host { font-size: 14px; }
.cs-root, .cs-root * { box-sizing: border-box; }
.cs-root {
  position: fixed; z-index: 2147483000; top: 80px; right: 16px; width: 380px; max-height: calc(100vh - 96px);
  display: flex; flex-direction: column; background: #ffffff; color: #1f2328;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  border: 1px solid #d0d7de; border-radius: 8px; box-shadow: 0 8px 24px rgba(31,35,40,0.2);
  overflow: hidden; text-align: left; letter-spacing: normal; text-transform: none;
}
.cs-root.cs-left { right: auto; left: 16px; }
.cs-root.cs-collapsed { width: auto; max-height: none; border-radius: 18px; }
.cs-root button, .cs-root input, .cs-root textarea, .cs-root select {
  font: inherit; font-size: 13px; color: inherit; margin: 0;
}
.cs-root button {
  cursor: pointer; border: 1px solid #d0d7de; background: #f6f8fa; border-radius: 6px; padding: 4px 10px;
  min-height: 28px; line-height: 18px;
}
.cs-root button:hover { background: #eef1f4; }
.cs-root button.cs-primary { background: #1f6feb; border-color: #1a5fcc; color: #ffffff; }
.cs-root button.cs-primary:hover { background: #1a5fcc; }
.cs-root button.cs-danger { color: #a40e26; }
.cs-root :focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
.cs-root h2, .cs-root h3, .cs-root h4, .cs-root p, .cs-root ul, .cs-root ol, .cs-root dl, .cs-root dd,
.cs-root fieldset, .cs-root legend { margin: 0; padding: 0; }
.cs-root ul { list-style: none; }
.cs-bar {
  display: flex; align-items: center; gap: 6px; padding: 8px 10px; background: #f6f8fa;
  border-bottom: 1px solid #d0d7de; cursor: move; user-select: none; touch-action: none;
}
.cs-bar h2 { font-size: 15px; font-weight: 600; }
.cs-bar .cs-count { color: #59636e; font-size: 12px; flex: 1; }
.cs-bar button { padding: 2px 8px; min-height: 24px; font-size: 12px; }
.cs-tab { border-radius: 18px !important; padding: 6px 14px !important; font-weight: 600; }
.cs-status { padding: 6px 10px; font-size: 12px; color: #59636e; border-bottom: 1px solid #eaeef2; }
.cs-status.cs-problem { color: #a40e26; background: #fff5f5; }
.cs-list { overflow-y: auto; flex: 0 1 auto; min-height: 120px; max-height: calc(100vh - 200px); contain: strict; }
.cs-empty { padding: 24px 12px; color: #59636e; text-align: center; }
.cs-row { position: absolute; top: 0; left: 0; width: 100%; padding: 6px 8px; }
.cs-row.cs-sticky { position: sticky; z-index: 1; background: #ffffff; box-shadow: 0 1px 0 #eaeef2; }
.cs-card {
  border: 1px solid #d0d7de; border-radius: 8px; padding: 10px; background: #ffffff;
  display: flex; flex-direction: column; gap: 6px; overflow-wrap: anywhere; white-space: normal;
}
.cs-card.cs-current { border-color: #0969da; box-shadow: 0 0 0 1px #0969da; }
.cs-card.cs-grouped { margin-left: 10px; }
.cs-card h3 { font-size: 14px; font-weight: 600; }
.cs-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px; }
.cs-head h3 { flex: 1 1 100%; }
.cs-badge { font-size: 11px; padding: 1px 6px; border-radius: 10px; background: #ddf4ff; color: #0a3069; }
.cs-badge.cs-urgent { background: #fff1e5; color: #8a3b00; }
.cs-badge.cs-flag { background: #fbefff; color: #6e3a8a; }
.cs-badge.cs-claimed { background: #fff8c5; color: #4d2d00; }
.cs-recent { margin: 0; padding: 4px 12px; list-style: none; font-size: 12px; color: #57606a; }
.cs-conf { font-weight: 700; font-size: 16px; }
.cs-zone { font-size: 12px; font-weight: 600; padding: 1px 6px; border-radius: 10px; }
.cs-zone-high { color: #116329; background: #dafbe1; }
.cs-zone-medium { color: #7d4e00; background: #fff8c5; }
.cs-zone-low { color: #a40e26; background: #ffebe9; }
.cs-conf.cs-zone-high, .cs-conf.cs-zone-medium, .cs-conf.cs-zone-low { background: none; padding: 0; }
.cs-content { background: #f6f8fa; border-radius: 6px; padding: 8px; white-space: pre-wrap; font-size: 13px; max-height: 180px; overflow-y: auto; }
.cs-content .cs-subject { font-weight: 600; display: block; margin-bottom: 4px; }
.cs-fields { display: grid; grid-template-columns: max-content 1fr; gap: 2px 8px; }
.cs-fields dt { color: #59636e; }
.cs-fields dd { margin: 0; }
.cs-prev { color: #59636e; text-decoration: line-through; margin-right: 6px; }
.cs-label { font-size: 11px; font-weight: 600; color: #59636e; text-transform: uppercase; letter-spacing: 0.3px; }
.cs-rationale { font-size: 13px; white-space: pre-wrap; }
.cs-evidence li { font-size: 12px; border-left: 3px solid #d0d7de; padding: 2px 0 2px 8px; margin-top: 4px; }
.cs-evidence .cs-ev-label { font-weight: 600; }
.cs-evidence .cs-snippet { display: block; color: #1f2328; white-space: pre-wrap; }
.cs-evidence a { color: #0550ae; }
.cs-evidence .cs-source { color: #59636e; }
.cs-meta { font-size: 12px; color: #59636e; display: flex; flex-wrap: wrap; gap: 4px 10px; }
.cs-reasons { font-size: 12px; color: #59636e; }
.cs-actions { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.cs-actions label { font-size: 12px; display: inline-flex; gap: 4px; align-items: center; margin-left: auto; }
.cs-form { border-top: 1px solid #eaeef2; padding-top: 8px; display: flex; flex-direction: column; gap: 6px; }
.cs-form label.cs-field { display: flex; flex-direction: column; gap: 2px; font-size: 12px; font-weight: 600; }
.cs-form textarea, .cs-form input[type=text] {
  width: 100%; border: 1px solid #8c959f; border-radius: 6px; padding: 6px; background: #ffffff; font-weight: 400;
}
.cs-form textarea { min-height: 120px; resize: vertical; white-space: pre-wrap; }
.cs-form textarea.cs-note { min-height: 48px; }
.cs-form fieldset { border: 0; display: flex; flex-wrap: wrap; gap: 2px 10px; }
.cs-form legend { font-size: 12px; font-weight: 600; margin-bottom: 2px; width: 100%; }
.cs-form fieldset label { font-size: 12px; display: inline-flex; gap: 4px; align-items: center; }
.cs-error { color: #a40e26; font-size: 12px; font-weight: 600; }
.cs-diff { font-size: 12px; white-space: pre-wrap; background: #f6f8fa; border-radius: 6px; padding: 6px; max-height: 140px; overflow-y: auto; }
.cs-diff ins { background: #dafbe1; color: #116329; text-decoration: none; }
.cs-diff del { background: #ffebe9; color: #a40e26; }
.cs-group { border: 1px solid #d0d7de; border-radius: 8px; padding: 8px; background: #f6f8fa; display: flex; flex-direction: column; gap: 6px; }
.cs-group h3 { font-size: 13px; font-weight: 600; }
.cs-undo {
  display: flex; align-items: center; gap: 8px; padding: 8px 10px; background: #24292f; color: #ffffff; font-size: 13px;
}
.cs-undo p { flex: 1; }
.cs-undo button { background: #ffffff; color: #24292f; border-color: #ffffff; }
.cs-help { position: absolute; inset: 44px 8px auto 8px; background: #ffffff; border: 1px solid #8c959f; border-radius: 8px; padding: 12px; box-shadow: 0 8px 24px rgba(31,35,40,0.25); z-index: 1; }
.cs-help h2 { font-size: 14px; margin-bottom: 6px; }
.cs-help dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; font-size: 13px; margin-bottom: 8px; }
.cs-help dt { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 600; }
.cs-settled { font-size: 12px; font-weight: 600; color: #59636e; }
.cs-settled.cs-problem { color: #a40e26; }
.cs-friction { font-size: 12px; color: #6e4a00; background: #fff8e5; padding: 4px 6px; border-radius: 4px; margin: 4px 0; }
.cs-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
