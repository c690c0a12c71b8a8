/**
 * The panel's style sheet, as a string for a constructed CSSStyleSheet: adopted by the
 * shadow root, it needs no <style> element or stylesheet URL, which keeps the panel within
 * a strict `style-src 'self'` and independent of where the adapter serves its files.
 * Colours meet WCAG AA contrast on white; sizes follow the host's font size (rem-free).
 */
export const STYLES = `
:host { display: block; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933;
  --accent: #0b6e4f; --accent-soft: #e6f4ef; --esc: #b42318; --esc-soft: #fff4ed; --line: #d9dee3; --muted: #52606d; }
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.panel { display: flex; flex-direction: column; gap: 8px; height: 100%; min-height: 0; padding: 10px; background: #fff; }
.head { display: flex; align-items: center; justify-content: space-between; gap: 8px; flex-wrap: wrap; }
.brand { display: flex; align-items: center; gap: 6px; font-weight: 650; }
.logo { display: inline-grid; place-items: center; width: 22px; height: 22px; border-radius: 6px; background: var(--accent);
  color: #fff; font-size: 12px; }
.langs { display: inline-flex; border: 1px solid var(--line); border-radius: 999px; padding: 2px; }
.langs:empty { display: none; }
.langs button { border: 0; background: none; border-radius: 999px; padding: 2px 9px; font: inherit; font-size: 12px;
  color: var(--muted); cursor: pointer; }
.langs button[aria-checked="true"] { background: var(--accent); color: #fff; }
.search { position: relative; }
.search input { width: 100%; padding: 7px 88px 7px 10px; border: 1px solid #9aa5b1; border-radius: 8px; font: inherit; }
.search input:focus { outline: 2px solid var(--accent); outline-offset: 1px; border-color: var(--accent); }
.shortcut { position: absolute; right: 8px; top: 50%; transform: translateY(-50%); font: 11px ui-monospace, monospace;
  color: var(--muted); background: #f1f3f5; border-radius: 4px; padding: 1px 5px; pointer-events: none; }
.search input:not(:placeholder-shown) + .shortcut { display: none; }
.progress { height: 2px; border-radius: 2px; background: transparent; overflow: hidden; }
.progress.on { background: linear-gradient(90deg, transparent, var(--accent), transparent); background-size: 200% 100%;
  animation: slide 1s linear infinite; }
@keyframes slide { from { background-position: 100% 0; } to { background-position: -100% 0; } }
@media (prefers-reduced-motion: reduce) { .progress.on { animation: none; background: var(--accent); } }
.incidents { display: flex; flex-direction: column; gap: 6px; }
.incidents[hidden] { display: none; }
.incident { border-radius: 8px; padding: 7px 10px; border: 1px solid #f7c59f; border-left: 4px solid #c4320a; background: #fff6ed;
  color: #5c1d05; }
.incident p { margin: 0; }
.incident-title { font-weight: 650; }
.incident-next, .incident-note { font-size: 12px; }
.incident .incident-overdue { margin-top: 4px; padding: 4px 6px; border-radius: 4px; background: #c4320a; color: #fff;
  font-size: 12px; font-weight: 600; }
.incident.resolved { border-color: var(--line); border-left-color: var(--accent); background: var(--accent-soft); color: #0b4d38; }
.pinned .group-title { color: #b93815; }
.option.pinned { border-left: 4px solid #c4320a; }
.badge.outage { background: #c4320a; color: #fff; font-weight: 600; }
.status { margin: 0; min-height: 1.2em; color: var(--muted); font-size: 12px; }
.error { border: 1px solid #f4b4ae; background: #fef3f2; color: #7a271a; border-radius: 8px; padding: 8px 10px;
  display: flex; gap: 8px; align-items: center; justify-content: space-between; }
.error[hidden] { display: none; }
.error p { margin: 0; }
button { font: inherit; }
.retry, .actions button { border: 1px solid #9aa5b1; background: #fff; border-radius: 6px; padding: 3px 10px; cursor: pointer;
  color: #1f2933; }
.retry { border-color: #b42318; color: #b42318; font-weight: 600; white-space: nowrap; }
.list { display: flex; flex-direction: column; gap: 10px; overflow-y: auto; min-height: 0; flex: 1; }
.group { display: flex; flex-direction: column; gap: 6px; }
.group-title { font-size: 11px; font-weight: 650; letter-spacing: .04em; text-transform: uppercase; color: var(--muted); }
.escalations .group-title { color: var(--esc); }
.option { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; cursor: pointer; background: #fff; }
.option:hover { border-color: #9aa5b1; }
.option.active { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); background: #fbfefc; }
.option.escalation { border-left: 4px solid var(--esc); background: var(--esc-soft); }
.option.escalation.active { box-shadow: 0 0 0 1px var(--esc); border-color: var(--esc); }
.top { display: flex; justify-content: space-between; gap: 8px; align-items: baseline; }
.title { font-weight: 600; }
.badges { display: inline-flex; gap: 4px; flex-wrap: wrap; justify-content: flex-end; flex-shrink: 0; }
.badge { font-size: 11px; border-radius: 4px; padding: 0 5px; background: #eef1f4; color: #3e4c59; white-space: nowrap; }
.badge.esc { background: var(--esc); color: #fff; font-weight: 600; }
.badge.warn { background: #fff1c2; color: #7a4a00; }
.badge.length { font-variant-numeric: tabular-nums; background: var(--accent-soft); color: #0b4d38; }
.badge.length.over { background: #fde2e1; color: #9b1c1c; font-weight: 600; }
.approved { margin: 3px 0 0; font-size: 12px; color: var(--esc); font-weight: 600; }
.excerpt { margin: 4px 0 0; color: #3e4c59; }
.option.active .excerpt { display: none; }
.full { margin: 6px 0 0; white-space: pre-wrap; }
mark { background: #fde68a; color: inherit; border-radius: 2px; padding: 0 1px; }
mark.hole { background: #fee2e2; color: #9b1c1c; outline: 1px dashed #d64545; font-family: ui-monospace, monospace; font-size: 12px; }
.missing { margin: 6px 0 0; font-size: 12px; color: #9b1c1c; }
.missing[hidden] { display: none; }
.actions { display: flex; gap: 6px; margin-top: 8px; }
.actions button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
.escalation .actions button.primary { background: var(--esc); border-color: var(--esc); }
.actions button.quiet { margin-left: auto; border-color: transparent; color: var(--accent); text-decoration: underline; }
.guidance { margin-top: 8px; border-left: 3px solid #7b8794; background: #f5f7fa; padding: 6px 8px; border-radius: 0 6px 6px 0; }
.guidance p { margin: 0; }
.guidance-title { font-size: 11px; font-weight: 650; text-transform: uppercase; color: var(--muted); }
.hint { margin: 0; font-size: 11px; color: var(--muted); }
.fields { display: grid; gap: 6px; margin-top: 8px; padding: 8px; border: 1px dashed #d64545; border-radius: 6px; }
.field { display: grid; gap: 2px; font-size: 12px; }
.field-name { font-weight: 600; }
.field input { font: inherit; padding: 3px 6px; border: 1px solid #9aa5b1; border-radius: 4px; background: #fff; color: inherit; }
.field input:focus { outline: 2px solid var(--accent); outline-offset: 0; }
.fields-hint { margin: 0; font-size: 11px; color: var(--muted); }
/* A host in dark mode (Chatwoot's theme): the same layout, dark surfaces, AA contrast kept. */
:host([data-theme="dark"]) { color: #e4e7eb; --accent: #3ebd93; --accent-soft: #123d30; --esc: #f97066; --esc-soft: #3b1614;
  --line: #3e4c59; --muted: #9aa5b1; }
:host([data-theme="dark"]) .panel, :host([data-theme="dark"]) .option, :host([data-theme="dark"]) .retry,
:host([data-theme="dark"]) .actions button, :host([data-theme="dark"]) .field input,
:host([data-theme="dark"]) input { background: #1f2933; color: #e4e7eb; }
:host([data-theme="dark"]) .option.active { background: #17302a; }
:host([data-theme="dark"]) .option.escalation { background: var(--esc-soft); }
:host([data-theme="dark"]) .incident { background: #3b1d0c; border-color: #93370d; color: #fde7d6; }
:host([data-theme="dark"]) .incident.resolved { background: var(--accent-soft); border-color: var(--line); color: #c6f7e2; }
:host([data-theme="dark"]) .pinned .group-title { color: #fb9a6a; }
:host([data-theme="dark"]) .badge { background: #323f4b; color: #e4e7eb; }
:host([data-theme="dark"]) .badge.length { background: var(--accent-soft); color: #c6f7e2; }
:host([data-theme="dark"]) .guidance, :host([data-theme="dark"]) .shortcut { background: #323f4b; }
:host([data-theme="dark"]) mark { background: #8d6e00; }
:host([data-theme="dark"]) .actions button.primary { background: var(--accent); color: #102a23; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
