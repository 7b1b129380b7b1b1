// The wwcli sandbox console. Everything here goes through the sandbox's
// JSON control API (/_sandbox/...), the same one scripts use; nothing is
// rendered as HTML: every value becomes a text node, and only http(s)
// links become hrefs.
'use strict';

(function () {
  const POLL_MS = 1000;
  const MAX_REQUEST_ROWS = 300;

  // ---------- small DOM helpers ----------
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k === 'href') { const safe = safeURL(v); if (safe) node.href = safe; }
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  const $ = (sel) => document.querySelector(sel);

  function safeURL(u) {
    try {
      const parsed = new URL(String(u), location.href);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : '';
    } catch (e) {
      return '';
    }
  }

  function status(msg) {
    $('#status').textContent = msg || '';
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: { Accept: 'application/json' } }, options || {});
    if (opts.json !== undefined) {
      opts.method = opts.method || 'POST';
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(opts.json);
      delete opts.json;
    }
    const res = await fetch('/_sandbox' + path, opts);
    let body = {};
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) throw new Error(body.error || res.status + ' ' + res.statusText);
    return body;
  }

  const palette = ['#5b8ff9', '#61ddaa', '#f6bd16', '#7262fd', '#78d3f8', '#9661bc', '#f6903d', '#008685', '#f08bb4'];
  function avatar(label, seed) {
    let h = 0;
    for (const ch of String(seed || label)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
    const first = Array.from(String(label || '?'))[0] || '?';
    const node = el('div', { class: 'avatar', text: first.toUpperCase() });
    node.style.background = palette[h % palette.length];
    return node;
  }

  function fmtTime(t) {
    const d = new Date(t);
    if (isNaN(d)) return String(t || '');
    const pad = (n) => String(n).padStart(2, '0');
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  // ---------- state ----------
  const state = {
    info: null,
    corps: [],
    selectedChat: null,
    last: {},
  };

  // changed reports whether the JSON of key differs from last time.
  function changed(key, value) {
    const s = JSON.stringify(value);
    if (state.last[key] === s) return false;
    state.last[key] = s;
    return true;
  }

  // ---------- members and "log in as" ----------
  function renderMembers() {
    const list = $('#members');
    list.replaceChildren();
    const appSelect = $('#login-app');
    appSelect.replaceChildren(el('option', { value: '0', text: 'any app of the corp' }));
    for (const corp of state.corps) {
      for (const app of corp.apps) {
        appSelect.append(el('option', { value: corp.corpid + '/' + app.agentid, text: app.name + ' (' + app.agentid + ')' }));
      }
      const deptName = {};
      for (const d of corp.departments) deptName[d.id] = d.name;
      for (const m of corp.members) {
        const depts = (m.department || []).map((id) => deptName[id] || id).join(' / ');
        const disabled = m.status !== 1;
        list.append(el('li', { class: 'member' + (disabled ? ' disabled' : ''), 'data-userid': m.userid, 'data-corpid': corp.corpid },
          avatar(m.name, m.userid),
          el('div', { class: 'who' },
            el('div', { class: 'name', text: m.name }),
            el('div', { class: 'meta', text: m.userid + (m.position ? ' · ' + m.position : '') + (depts ? ' · ' + depts : '') })),
          el('button', { type: 'button', class: 'login primary', text: 'Log in as', onclick: () => loginAs(corp.corpid, m) })));
      }
    }
    const redirect = $('#login-redirect');
    if (!redirect.value) {
      redirect.value = localStorage.getItem('wwcli.redirect') || 'http://localhost:5173/oauth/callback';
    }
  }

  async function loginAs(corpid, member) {
    const pick = $('#login-app').value;
    const req = { userid: member.userid, corpid: corpid };
    if (pick !== '0') {
      const [c, agent] = pick.split('/');
      if (c !== corpid) { status('that app is not in ' + member.userid + "'s corp"); return; }
      req.agentid = Number(agent);
    }
    try {
      const res = await api('/code', { json: req });
      const redirect = $('#login-redirect').value.trim();
      localStorage.setItem('wwcli.redirect', redirect);
      const stateParam = $('#login-state').value;
      // WeCom appends code and state to the redirect_uri (OAuth redirect, DOC 91022).
      let url = '';
      if (safeURL(redirect)) {
        const u = new URL(redirect);
        u.searchParams.set('code', res.code);
        u.searchParams.set('state', stateParam);
        url = u.href;
      }
      $('#login-user').textContent = member.name + ' (' + member.userid + ')';
      $('#login-code').textContent = res.code;
      const link = $('#login-url');
      link.textContent = url || '(give an http(s) redirect URI)';
      if (url) link.href = url; else link.removeAttribute('href');
      $('#login-cli').textContent = 'wwcli userinfo ' + res.code;
      $('#login-result').hidden = false;
      status('');
    } catch (e) {
      status('log in as ' + member.userid + ': ' + e.message);
    }
  }

  // ---------- chats ----------
  function conversations(robots, messages) {
    const chats = [];
    for (const r of robots) {
      chats.push({ id: 'robot:' + r.name, title: r.name, sub: 'group robot', kind: 'robot', messages: r.messages || [] });
    }
    const apps = {};
    for (const corp of state.corps) for (const a of corp.apps) apps[corp.corpid + '/' + a.agentid] = a.name;
    const byApp = new Map();
    for (const m of messages) {
      const key = m.corpid + '/' + m.agentid;
      if (!byApp.has(key)) byApp.set(key, []);
      byApp.get(key).push(m);
    }
    for (const corp of state.corps) {
      for (const a of corp.apps) {
        const key = corp.corpid + '/' + a.agentid;
        chats.push({ id: 'app:' + key, title: a.name, sub: 'app ' + a.agentid, kind: 'app', messages: byApp.get(key) || [] });
        byApp.delete(key);
      }
    }
    for (const [key, list] of byApp) {
      chats.push({ id: 'app:' + key, title: apps[key] || key, sub: 'app', kind: 'app', messages: list });
    }
    return chats;
  }

  function renderChats(chats) {
    const list = $('#chat-list');
    list.replaceChildren();
    if (!state.selectedChat || !chats.some((c) => c.id === state.selectedChat)) {
      const withMessages = chats.filter((c) => c.messages.length);
      state.selectedChat = (withMessages[0] || chats[0] || {}).id;
    }
    for (const c of chats) {
      list.append(el('li', {
        class: c.id === state.selectedChat ? 'active' : '', 'data-chat': c.id,
        onclick: () => { state.selectedChat = c.id; renderChats(chats); },
      },
      avatar(c.title, c.id),
      el('div', { class: 'title' }, el('div', { text: c.title }), el('div', { class: 'sub', text: c.sub })),
      c.messages.length ? el('span', { class: 'badge', text: c.messages.length }) : null));
    }
    const chat = $('#chat');
    const current = chats.find((c) => c.id === state.selectedChat);
    chat.replaceChildren();
    if (!current || !current.messages.length) {
      chat.append(el('div', { class: 'empty' }, 'No messages yet. Send one with ', el('code', { text: 'wwcli webhook send' }),
        ' or ', el('code', { text: 'wwcli message send' }), '.'));
      return;
    }
    for (const m of current.messages) chat.append(renderMessage(current, m));
    chat.scrollTop = chat.scrollHeight;
  }

  function renderMessage(chat, m) {
    let body = m.body;
    if (typeof body === 'string') { try { body = JSON.parse(body); } catch (e) { body = {}; } }
    body = body || {};
    const type = m.msgtype || body.msgtype || '';
    const who = chat.title;
    const node = el('div', { class: 'msg' + (m.recalled_at ? ' recalled' : ''), 'data-msgtype': type },
      avatar(who, chat.id),
      el('div', { class: 'body' },
        el('div', { class: 'head', text: who + '  ' + fmtTime(m.time) + (m.recalled_at ? '  (recalled)' : '') }),
        renderContent(type, body),
        m.to_users && m.to_users.length ? el('div', { class: 'to', text: 'to ' + m.to_users.join(', ') }) : null));
    return node;
  }

  function bubble(cls, ...children) {
    return el('div', { class: 'bubble ' + (cls || '') }, ...children);
  }

  function renderContent(type, body) {
    const part = body[type] || {};
    switch (type) {
      case 'text':
        return bubble('text', renderAppText(part.content || ''),
          mentions(part.mentioned_list, part.mentioned_mobile_list));
      case 'markdown':
      case 'markdown_v2':
        return bubble('md', renderMarkdown(part.content || ''));
      case 'image':
        if (part.base64) {
          const mime = part.base64.startsWith('/9j/') ? 'image/jpeg' : part.base64.startsWith('R0lG') ? 'image/gif' : 'image/png';
          return bubble('image', el('img', { src: 'data:' + mime + ';base64,' + part.base64, alt: 'image (md5 ' + (part.md5 || '') + ')' }));
        }
        return bubble('image', '🖼 image ', el('code', { text: part.media_id || '' }));
      case 'file':
        return bubble('file-msg', el('div', { class: 'file' }, el('div', { class: 'icon', text: 'FILE' }),
          el('div', {}, el('div', { text: 'file' }), el('code', { text: part.media_id || '' }))));
      case 'voice':
        return bubble('voice', '🔊 voice ', el('code', { text: part.media_id || '' }));
      case 'video':
        return bubble('video', '🎬 ' + (part.title || 'video') + ' ', el('code', { text: part.media_id || '' }),
          part.description ? el('div', { class: 'muted', text: part.description }) : null);
      case 'news':
        return newsCard(part.articles || [], (a) => ({ title: a.title, desc: a.description, url: a.url }));
      case 'mpnews':
        return newsCard(part.articles || [], (a) => ({ title: a.title, desc: a.digest || a.author, url: a.content_source_url }));
      case 'textcard':
        return el('div', { class: 'card' },
          el('div', { class: 'card-title', text: part.title || '' }),
          el('div', { class: 'card-desc', text: stripTags(part.description || '') }),
          el('div', { class: 'footer' }, el('a', { href: part.url, target: '_blank', rel: 'noreferrer', text: part.btntxt || '详情' })));
      case 'miniprogram_notice':
        return el('div', { class: 'card' },
          el('div', { class: 'card-source', text: 'mini program ' + (part.appid || '') }),
          el('div', { class: 'card-title', text: part.title || '' }),
          el('div', { class: 'card-desc', text: part.description || '' }),
          (part.content_item || []).map((kv) => el('div', { class: 'kv' }, el('span', { text: kv.key }), el('span', { text: kv.value }))),
          el('div', { class: 'footer', text: 'page ' + (part.page || '/') }));
      case 'template_card':
        return templateCard(part);
      default:
        return bubble('unknown', el('code', { text: type + ' ' + JSON.stringify(part).slice(0, 400) }));
    }
  }

  function mentions(users, mobiles) {
    const all = [...(users || []), ...(mobiles || [])];
    if (!all.length) return null;
    return el('div', { class: 'mentions' }, all.map((u) => el('span', { class: 'mention', text: ' @' + (u === '@all' ? '所有人' : u) })));
  }

  // App text messages may carry <a href="...">links</a> (WeCom renders
  // them); anything else stays text.
  function renderAppText(s) {
    const out = [];
    const re = /<a\s+href=["']([^"']+)["']\s*>(.*?)<\/a>/gi;
    let last = 0;
    let m;
    while ((m = re.exec(s))) {
      out.push(s.slice(last, m.index));
      out.push(el('a', { href: m[1], target: '_blank', rel: 'noreferrer', text: m[2] }));
      last = re.lastIndex;
    }
    out.push(s.slice(last));
    return out;
  }

  function stripTags(s) {
    return s.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]*>/g, '');
  }

  // The markdown subset WeCom renders in robot and app messages:
  // # headings, > quotes, **bold**, [text](url), `code` and
  // <font color="info|comment|warning">.
  function renderMarkdown(src) {
    const frag = document.createDocumentFragment();
    for (const line of src.split('\n')) {
      let m;
      if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
        frag.append(el('h' + Math.min(4, m[1].length), {}, inline(m[2])));
      } else if ((m = /^>\s?(.*)$/.exec(line))) {
        frag.append(el('blockquote', {}, inline(m[1])));
      } else if (line.trim() === '') {
        frag.append(el('p', {}, '\u00a0'));
      } else {
        frag.append(el('p', {}, inline(line)));
      }
    }
    return frag;
  }

  function inline(s) {
    const out = [];
    const re = /\*\*(.+?)\*\*|\[([^\]]*)\]\(([^)\s]+)\)|`([^`]+)`|<font\s+color=["']?(info|comment|warning)["']?\s*>(.*?)<\/font>|<@([^>]+)>/g;
    let last = 0;
    let m;
    while ((m = re.exec(s))) {
      out.push(s.slice(last, m.index));
      if (m[1] !== undefined) out.push(el('b', {}, inline(m[1])));
      else if (m[2] !== undefined) out.push(el('a', { href: m[3], target: '_blank', rel: 'noreferrer', text: m[2] }));
      else if (m[4] !== undefined) out.push(el('code', { text: m[4] }));
      else if (m[5] !== undefined) out.push(el('span', { class: 'font-' + m[5] }, inline(m[6])));
      else if (m[7] !== undefined) out.push(el('span', { class: 'mention', text: '@' + m[7] }));
      last = re.lastIndex;
    }
    out.push(s.slice(last));
    return out;
  }

  function newsCard(articles, pick) {
    const card = el('div', { class: 'card news' });
    articles.forEach((a, i) => {
      const v = pick(a);
      if (i === 0) {
        card.append(el('div', { class: 'pic', text: v.url ? hostOf(v.url) : 'news' }),
          el('div', { class: 'card-title' }, el('a', { href: v.url, target: '_blank', rel: 'noreferrer', text: v.title || '' })),
          v.desc ? el('div', { class: 'card-desc', text: v.desc }) : null,
          el('div', { class: 'spacer' }));
      } else {
        card.append(el('div', { class: 'news-item' },
          el('a', { href: v.url, target: '_blank', rel: 'noreferrer', text: v.title || '' }), el('div', { class: 'thumb' })));
      }
    });
    return card;
  }

  function hostOf(u) {
    try { return new URL(u).host; } catch (e) { return ''; }
  }

  function templateCard(c) {
    const card = el('div', { class: 'card template', 'data-card-type': c.card_type || '' });
    if (c.source && (c.source.desc || c.source.icon_url)) card.append(el('div', { class: 'card-source', text: c.source.desc || '' }));
    if (c.main_title) {
      card.append(el('div', { class: 'card-title', text: c.main_title.title || '' }));
      if (c.main_title.desc) card.append(el('div', { class: 'card-desc', text: c.main_title.desc }));
    }
    if (c.card_image && c.card_image.url) card.append(el('div', { class: 'pic', text: hostOf(c.card_image.url) }));
    if (c.emphasis_content) {
      card.append(el('div', { class: 'emphasis' }, el('b', { text: c.emphasis_content.title || '' }),
        el('span', { class: 'muted', text: c.emphasis_content.desc || '' })));
    }
    if (c.quote_area) {
      card.append(el('div', { class: 'quote' }, c.quote_area.title ? el('b', { text: c.quote_area.title + ' ' }) : null,
        c.quote_area.quote_text || ''));
    }
    if (c.sub_title_text) card.append(el('div', { class: 'card-desc', text: c.sub_title_text }));
    for (const v of c.vertical_content_list || []) {
      card.append(el('div', { class: 'kv' }, el('b', { text: v.title || '' }), el('span', { text: v.desc || '' })));
    }
    for (const kv of c.horizontal_content_list || []) {
      const value = kv.url ? el('a', { href: kv.url, target: '_blank', rel: 'noreferrer', text: kv.value || '' })
        : el('span', { text: kv.value || (kv.userid ? '@' + kv.userid : '') });
      card.append(el('div', { class: 'kv' }, el('span', { text: kv.keyname || '' }), value));
    }
    if ((c.jump_list || []).length) {
      card.append(el('div', { class: 'links' }, c.jump_list.map((j) => el('a', { href: j.url, target: '_blank', rel: 'noreferrer', text: j.title || '' }))));
    }
    const buttons = (c.button_list || []).map((b) => el('button', { type: 'button', disabled: 'disabled', text: b.text || '' }));
    if (c.checkbox) {
      for (const o of c.checkbox.option_list || []) buttons.push(el('label', {}, el('input', { type: 'checkbox', disabled: 'disabled' }), ' ' + (o.text || '')));
    }
    if (c.submit_button) buttons.push(el('button', { type: 'button', disabled: 'disabled', class: 'primary', text: c.submit_button.text || 'submit' }));
    if (buttons.length) card.append(el('div', { class: 'buttons' }, buttons));
    const action = c.card_action && c.card_action.url;
    card.append(el('div', { class: 'footer' }, action ? el('a', { href: action, target: '_blank', rel: 'noreferrer', text: '查看详情' })
      : (c.card_type || 'template card')));
    return card;
  }

  // ---------- requests ----------
  function renderRequests(list) {
    const body = $('#requests tbody');
    body.replaceChildren();
    const rows = list.slice(-MAX_REQUEST_ROWS).reverse();
    for (const r of rows) {
      body.append(el('tr', { class: (r.errcode ? 'err' : '') + (r.fault ? ' fault' : '') },
        el('td', { text: fmtTime(r.time) }),
        el('td', { text: r.method }),
        el('td', { text: r.path }),
        el('td', { class: 'query', text: r.query || '' }),
        el('td', { text: r.status }),
        el('td', { class: 'errcode', text: r.errcode + (r.fault ? ' (fault)' : '') }),
        el('td', { text: (r.duration_ms || 0).toFixed(1) })));
    }
    $('#request-count').textContent = list.length + (list.length === 1 ? ' request' : ' requests');
  }

  // ---------- faults ----------
  function renderFaults(list) {
    const ul = $('#faults');
    ul.replaceChildren();
    if (!list.length) {
      ul.append(el('li', { class: 'none', text: 'No faults: every API call answers normally.' }));
      return;
    }
    for (const f of list) {
      const what = [f.errcode ? 'errcode ' + f.errcode : '', f.http_status ? 'HTTP ' + f.http_status : '',
        f.delay && f.delay !== '0s' ? 'delay ' + f.delay : ''].filter(Boolean).join(', ');
      ul.append(el('li', {}, el('code', { text: f.path }), ' → ' + what + ' · ' + (f.left < 0 ? 'until cleared' : f.left + ' left')));
    }
  }

  async function addFault(ev) {
    ev.preventDefault();
    const form = ev.target;
    const f = { path: form.path.value.trim() };
    const num = (v) => (v === '' ? 0 : Number(v));
    if (num(form.errcode.value)) f.errcode = num(form.errcode.value);
    if (num(form.http_status.value)) f.http_status = num(form.http_status.value);
    if (form.delay.value.trim()) f.delay = form.delay.value.trim();
    const times = num(form.times.value);
    f.times = times === 1 ? 0 : times;
    try {
      await api('/faults', { json: f });
      status('');
      await poll();
    } catch (e) {
      status('fault: ' + e.message);
    }
  }

  // ---------- clock ----------
  async function advance(d) {
    try {
      const c = await api('/clock', { json: { advance: d } });
      $('#clock').textContent = c.now;
    } catch (e) {
      status('clock: ' + e.message);
    }
  }

  // ---------- polling ----------
  let polling = false;
  let lastCounters = null;
  async function poll() {
    if (polling) return;
    polling = true;
    try {
      // The log, messages and robots (images included) are fetched again
      // only when an API call happened since: every one moves a counter.
      const [counters, faults, clock] = await Promise.all([api('/counters'), api('/faults'), api('/clock')]);
      $('#clock').textContent = clock.now;
      if (changed('faults', faults.faults)) renderFaults(faults.faults || []);
      const key = JSON.stringify(counters.counters);
      if (key !== lastCounters) {
        const [reqs, msgs, robots] = await Promise.all([api('/requests'), api('/messages'), api('/robots')]);
        lastCounters = key;
        if (changed('requests', reqs.requests)) renderRequests(reqs.requests || []);
        if (changed('chats', [msgs.messages, robots.robots])) renderChats(conversations(robots.robots || [], msgs.messages || []));
      }
      status('');
      document.body.dataset.ready = 'true';
    } catch (e) {
      status('sandbox unreachable: ' + e.message);
    } finally {
      polling = false;
    }
  }

  async function start() {
    for (const b of document.querySelectorAll('[data-advance]')) {
      b.addEventListener('click', () => advance(b.dataset.advance));
    }
    $('#reset').addEventListener('click', async () => {
      if (!confirm('Forget tokens, codes, faults, the log, messages and the clock offset?')) return;
      try { await api('/reset', { method: 'POST' }); state.last = {}; lastCounters = null; await poll(); } catch (e) { status('reset: ' + e.message); }
    });
    $('#fault-form').addEventListener('submit', addFault);
    $('#clear-faults').addEventListener('click', async () => {
      try { await api('/faults', { method: 'DELETE' }); await poll(); } catch (e) { status('faults: ' + e.message); }
    });
    try {
      const [info, members] = await Promise.all([api(''), api('/members')]);
      state.info = info;
      state.corps = members.corps || [];
      $('#corp-name').textContent = state.corps.map((c) => (c.name || c.corpid) + ' · ' + c.corpid).join(', ');
      renderMembers();
    } catch (e) {
      status('cannot load the sandbox: ' + e.message);
    }
    await poll();
    setInterval(() => { if (!document.hidden) poll(); }, POLL_MS);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
