/**
 * The local web chat page: plain HTML + JS, no build step. It renders the bot's Reply union
 * (bots/turn.ts) with DOM nodes only (never innerHTML with bot text), keeps its browser token in
 * localStorage, shows the conversation kept on the server (/web/history) on load, posts turns to
 * /web/turn and long-polls /web/poll for progress and deliveries. Each kept message carries the
 * server's id (`mid`): a reply with a known id replaces that message (an edit, or a repeat).
 */
export function webChatPage(opts: { title: string }): string {
  const title = opts.title.replace(/[<>&"]/g, "");
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  :root { --bg:#f4f5f7; --bot:#fff; --me:#d9f2d0; --accent:#2b6cb0; --muted:#667; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif; background:var(--bg); color:#1a1a1a; }
  header { position:sticky; top:0; background:#1f2937; color:#fff; padding:10px 16px; font-weight:600; display:flex; justify-content:space-between; align-items:center; z-index:2; }
  header small { font-weight:400; opacity:.7; }
  #log { max-width:760px; margin:0 auto; padding:12px 12px 96px; display:flex; flex-direction:column; gap:8px; }
  .msg { max-width:88%; padding:8px 12px; border-radius:12px; white-space:pre-wrap; word-break:break-word; box-shadow:0 1px 1px rgba(0,0,0,.06); }
  .bot { background:var(--bot); align-self:flex-start; }
  .me { background:var(--me); align-self:flex-end; }
  .rows { display:flex; flex-direction:column; gap:6px; margin-top:8px; white-space:normal; }
  .row { display:flex; gap:6px; flex-wrap:wrap; }
  .row > * { flex:1 1 auto; }
  button, a.btn { font:inherit; padding:7px 10px; border-radius:8px; border:1px solid #c8d1dc; background:#eef3f9; color:var(--accent); cursor:pointer; text-align:center; text-decoration:none; display:inline-block; }
  button:hover, a.btn:hover { background:#e1eaf4; }
  button:disabled { opacity:.5; cursor:default; }
  code, pre, .code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
  code { background:#f0f0f0; padding:0 3px; border-radius:4px; }
  pre { background:#f0f0f0; padding:6px; border-radius:6px; overflow-x:auto; }
  .codes { border-left:4px solid #38a169; }
  .item { display:flex; align-items:center; gap:8px; margin-top:6px; flex-wrap:wrap; }
  .item .label { color:var(--muted); min-width:4em; }
  .item .code { background:#1a202c; color:#9ae6b4; padding:4px 8px; border-radius:6px; user-select:all; font-size:15px; }
  .item button { flex:0 0 auto; padding:3px 8px; }
  form { position:fixed; bottom:0; left:0; right:0; background:#fff; border-top:1px solid #ddd; padding:10px; display:flex; gap:8px; justify-content:center; }
  form input { flex:1; max-width:640px; font:inherit; padding:9px 12px; border:1px solid #c8d1dc; border-radius:8px; }
  #toast { position:fixed; top:52px; left:50%; transform:translateX(-50%); background:#333; color:#fff; padding:6px 12px; border-radius:8px; display:none; z-index:3; }
  .sys { align-self:center; color:var(--muted); font-size:13px; }
</style>
</head>
<body>
<header><span>${title}</span><small id="status">…</small></header>
<div id="toast" role="status"></div>
<main id="log" aria-live="polite"></main>
<form id="composer" autocomplete="off">
  <input id="text" name="text" maxlength="500" placeholder="/start" aria-label="message">
  <button type="submit" id="send">➤</button>
</form>
<script>
(() => {
  "use strict";
  const TOKEN_KEY = "kameng.webchat.token";
  const log = document.getElementById("log");
  const input = document.getElementById("text");
  const statusEl = document.getElementById("status");
  let token = localStorage.getItem(TOKEN_KEY);
  let seq = 0;
  let local = 0;
  const lang = navigator.language || "zh-CN";
  let tz = "";
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch {}

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function scroll() { window.scrollTo(0, document.body.scrollHeight); }
  function toast(text) {
    const t = document.getElementById("toast");
    t.textContent = text; t.style.display = "block";
    clearTimeout(toast.timer); toast.timer = setTimeout(() => { t.style.display = "none"; }, 3000);
  }
  function turnId() {
    const a = new Uint8Array(12); crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  async function ensureToken() {
    if (token) return token;
    const r = await fetch("/web/session", { method: "POST" });
    const j = await r.json();
    token = j.token; localStorage.setItem(TOKEN_KEY, token);
    return token;
  }
  async function api(path, body) {
    await ensureToken();
    const init = { method: body ? "POST" : "GET", headers: { authorization: "Bearer " + token } };
    if (body) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
    const r = await fetch(path, init);
    if (r.status === 401) { localStorage.removeItem(TOKEN_KEY); token = null; throw new Error("unauthorized"); }
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }

  function renderParts(parent, parts) {
    for (const p of parts || []) {
      const tag = { bold: "b", italic: "i", code: "code", pre: "pre" }[p.style] || "span";
      parent.appendChild(el(tag, null, p.text));
    }
  }
  function renderButtons(parent, rows, msgId) {
    if (!rows || !rows.length) return;
    const box = el("div", "rows");
    for (const row of rows) {
      const r = el("div", "row");
      for (const b of row) {
        if (b.kind === "url") {
          const a = el("a", "btn", b.label); a.href = b.url; a.target = "_blank"; a.rel = "noopener noreferrer";
          r.appendChild(a);
        } else {
          const btn = el("button", null, b.label); btn.type = "button";
          btn.addEventListener("click", () => press(b.data, msgId, btn));
          r.appendChild(btn);
        }
      }
      box.appendChild(r);
    }
    parent.appendChild(box);
  }
  async function copy(text, btn) {
    try { await navigator.clipboard.writeText(text); }
    catch { const ta = el("textarea"); ta.value = text; document.body.appendChild(ta); ta.select(); document.execCommand("copy"); ta.remove(); }
    const old = btn.textContent; btn.textContent = "✓"; setTimeout(() => { btn.textContent = old; }, 1200);
  }
  function codeItem(box, label, value, copyLabel) {
    const line = el("div", "item");
    line.appendChild(el("span", "label", label));
    line.appendChild(el("span", "code", value));
    const b = el("button", null, copyLabel); b.type = "button";
    b.addEventListener("click", () => copy(value, b));
    line.appendChild(b);
    box.appendChild(line);
  }
  function renderReply(r, id) {
    const box = el("div", "msg bot");
    box.dataset.mid = id;
    switch (r.kind) {
      case "text": case "prompt":
        renderParts(box, r.body);
        renderButtons(box, r.buttons, id);
        if (r.kind === "prompt") { input.placeholder = r.placeholder || ""; input.focus(); }
        return box;
      case "codes": {
        box.classList.add("codes");
        renderParts(box, r.title);
        for (const it of r.items) {
          codeItem(box, r.labels.code, it.code, r.labels.copy);
          if (it.password) codeItem(box, r.labels.password, it.password, r.labels.copy);
        }
        if (r.footer) { box.appendChild(el("br")); renderParts(box, r.footer); }
        renderButtons(box, r.buttons, id);
        return box;
      }
      case "deep_link":
        renderParts(box, r.body);
        renderButtons(box, [[{ kind: "url", label: r.label, url: r.url }]], id);
        return box;
      case "toast":
        toast(r.text);
        return null;
      default:
        return null;
    }
  }
  function byMid(id) {
    for (const n of log.querySelectorAll(".msg")) if (n.dataset.mid === id) return n;
    return null;
  }
  function show(replies, editMid) {
    let edited = false;
    for (const r of replies || []) {
      const id = r.mid || "l" + (++local);
      const node = renderReply(r, id);
      if (!node) continue;
      const same = r.mid ? byMid(r.mid) : null;
      const target = same || (!edited && r.edit && editMid ? byMid(editMid) : null);
      if (target) { target.replaceWith(node); edited = edited || !same; }
      else log.appendChild(node);
    }
    scroll();
  }
  function mine(text) { log.appendChild(el("div", "msg me", text)); scroll(); }

  async function sendTurn(inp, editMid, silent) {
    try {
      const body = { id: turnId(), input: inp, lang };
      if (tz) body.tz = tz;
      if (silent) body.silent = true;
      const j = await api("/web/turn", body);
      show(j.replies, editMid);
    } catch (e) {
      log.appendChild(el("div", "sys", "⚠ " + e.message)); scroll();
    }
  }
  function press(data, msgId, btn) {
    const node = log.querySelector('[data-mid="' + msgId + '"]');
    if (node) node.querySelectorAll("button").forEach((b) => { if (b.textContent !== "✓") b.disabled = true; });
    sendTurn({ kind: "button", data, messageId: msgId }, msgId).finally(() => {
      if (node && node.isConnected) node.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    });
    void btn;
  }
  document.getElementById("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = ""; input.placeholder = "";
    mine(text);
    const m = /^\\/([A-Za-z0-9_]{1,32})(?:@\\S+)?\\s*([\\s\\S]*)$/.exec(text);
    sendTurn(m ? { kind: "command", command: m[1].toLowerCase(), payload: m[2].trim() } : { kind: "text", text });
  });

  async function poll() {
    for (;;) {
      try {
        const j = await api("/web/poll?after=" + seq);
        statusEl.textContent = "●";
        for (const m of j.messages) { seq = Math.max(seq, m.seq); show(m.replies); }
        if (j.head < seq) seq = j.head;
      } catch (e) {
        statusEl.textContent = "○";
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  (async () => {
    await ensureToken();
    try {
      // The conversation so far (kept on the server for this browser), then only what is newer.
      const h = await api("/web/history");
      seq = h.head;
      for (const m of h.messages) {
        if (m.from === "me") mine(m.text);
        else show([Object.assign({}, m.reply, { mid: m.mid, edit: false })]);
      }
      if (h.messages.length) log.appendChild(el("div", "sys", "· · ·"));
    } catch {}
    const start = new URLSearchParams(location.search).get("start") || "";
    await sendTurn({ kind: "command", command: "start", payload: start.slice(0, 64) }, undefined, true);
    poll();
  })();
})();
</script>
</body>
</html>
`;
}
