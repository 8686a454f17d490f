// social.js - Sign-In with Ethereum (any EIP-1193 wallet), upvotes,
// reactions, comments and admin moderation.  No inline script (CSP); every
// text from the server goes into the page with textContent.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  let session = { signed_in: false };

  async function api(method, path, body) {
    const opts = { method, headers: {}, credentials: 'same-origin' };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    if (method !== 'GET' && session.csrf) opts.headers['X-CSRF-Token'] = session.csrf;
    const r = await fetch(path, opts);
    let j = null;
    try { j = await r.json(); } catch (e) { j = null; }
    if (!r.ok) {
      const err = new Error(j && j.error ? j.error.message : `HTTP ${r.status}`);
      err.status = r.status;
      err.reason = j && j.error ? j.error.reason : null;
      throw err;
    }
    return j;
  }

  function say(id, text) {
    const el = $(id);
    if (el) el.textContent = text || '';
  }

  function hexUtf8(s) {
    const bytes = new TextEncoder().encode(s);
    let h = '0x';
    for (const b of bytes) h += b.toString(16).padStart(2, '0');
    return h;
  }

  function short(addr) {
    return addr ? `${addr.slice(0, 6)}…${addr.slice(-4)}` : '';
  }

  // ---- header: sign-in state ----

  function renderAuth() {
    const who = $('auth-who');
    const signin = $('auth-signin');
    const signout = $('auth-signout');
    const nav = $('nav-admin');
    if (!signin) return;
    if (session.signed_in) {
      who.textContent = short(session.address);
      who.title = session.address;
      who.hidden = false;
      signin.hidden = true;
      signout.hidden = false;
    } else {
      who.hidden = true;
      signin.hidden = false;
      signout.hidden = true;
    }
    if (nav) nav.hidden = !(session.signed_in && session.admin);
    signin.disabled = session.writable === false;
    if (session.writable === false) signin.title = 'This server is read-only: sign-in is unavailable.';
  }

  async function loadSession() {
    try {
      session = await api('GET', '/api/v1/auth/session');
    } catch (e) {
      session = { signed_in: false };
    }
    renderAuth();
  }

  async function signIn() {
    const eth = window.ethereum;
    say('auth-msg', '');
    if (!eth || typeof eth.request !== 'function') {
      say('auth-msg', 'No Ethereum wallet found: install MetaMask or another wallet.');
      return;
    }
    try {
      const accounts = await eth.request({ method: 'eth_requestAccounts' });
      if (!accounts || !accounts.length) throw new Error('the wallet shared no account');
      const n = await api('GET', `/api/v1/auth/nonce?address=${encodeURIComponent(accounts[0])}`);
      const signature = await eth.request({ method: 'personal_sign', params: [hexUtf8(n.message), accounts[0]] });
      const v = await api('POST', '/api/v1/auth/verify', { message: n.message, signature });
      session = { signed_in: true, address: v.address, address_lower: v.address_lower,
                  csrf: v.csrf, admin: v.admin, writable: true };
      renderAuth();
      say('auth-msg', 'Signed in.');
      await loadSocial();
    } catch (e) {
      say('auth-msg', `Sign-in failed: ${e.message || e}`);
    }
  }

  async function signOut() {
    try {
      await api('POST', '/api/v1/auth/logout');
    } catch (e) {
      say('auth-msg', `Sign-out failed: ${e.message}`);
    }
    session = { signed_in: false, writable: session.writable };
    renderAuth();
    await loadSocial();
  }

  // ---- the image page's social section ----

  let state = null;

  function renderComment(c) {
    const li = document.createElement('li');
    li.className = 's-comment';
    li.dataset.id = String(c.id);
    if (c.hidden) li.classList.add('s-hidden');
    const head = document.createElement('div');
    head.className = 's-meta';
    const who = document.createElement('code');
    who.textContent = short(c.address_display);
    who.title = c.address_display;
    const when = document.createElement('time');
    const d = new Date(c.created_at * 1000);
    when.dateTime = d.toISOString().replace(/\.\d+Z$/, 'Z');
    when.title = d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    when.textContent = when.title;
    when.setAttribute('data-ago', '');
    head.append(who, ' · ', when);
    if (window.arbiusdTimes) window.arbiusdTimes(head); // "3 min ago", as the server writes times
    if (c.edited_at) head.append(' · edited');
    if (c.hidden) head.append(' · hidden');
    const body = document.createElement('p');
    body.className = 's-text';
    body.textContent = c.body;
    li.append(head, body);
    if (c.editable) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 's-edit';
      b.textContent = 'Edit';
      b.addEventListener('click', () => editComment(li, c));
      li.append(b);
    }
    if (session.admin) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 's-mod';
      b.textContent = c.hidden ? 'Unhide' : 'Hide';
      b.addEventListener('click', () => moderate('comment', c.id, !c.hidden));
      li.append(' ', b);
    }
    return li;
  }

  function editComment(li, c) {
    const ta = document.createElement('textarea');
    ta.value = c.body;
    ta.rows = 3;
    ta.className = 's-edit-body';
    const save = document.createElement('button');
    save.type = 'button';
    save.textContent = 'Save';
    const msg = document.createElement('span');
    msg.setAttribute('role', 'status');
    save.addEventListener('click', async () => {
      try {
        await api('POST', `/api/v1/comment/${c.id}/edit`, { body: ta.value });
        await loadSocial();
      } catch (e) {
        msg.textContent = e.message;
      }
    });
    li.replaceChildren(ta, save, ' ', msg);
    ta.focus();
  }

  function renderSocial() {
    const sec = $('social');
    if (!sec || !state) return;
    const signed = session.signed_in;
    const vote = $('s-vote');
    vote.disabled = !signed;
    vote.setAttribute('aria-pressed', String(!!(state.viewer && state.viewer.upvoted)));
    $('s-upvotes').textContent = String(state.upvotes);
    sec.dataset.upvotes = String(state.upvotes);
    for (const btn of sec.querySelectorAll('.s-react')) {
      const r = state.reactions.find((x) => x.name === btn.dataset.reaction);
      btn.disabled = !signed;
      btn.setAttribute('aria-pressed', String(!!(r && r.mine)));
      btn.querySelector('.s-n').textContent = String(r ? r.count : 0);
    }
    const list = $('s-comments');
    list.replaceChildren(...state.comments.map(renderComment));
    $('s-empty').hidden = state.comments.length > 0;
    $('s-form').hidden = !signed;
    $('s-hint').hidden = signed;
    const hide = $('s-hide-image');
    hide.hidden = !session.admin;
    hide.textContent = state.hidden ? 'Unhide this image' : 'Hide this image';
  }

  async function loadSocial() {
    const sec = $('social');
    if (!sec) return;
    try {
      state = await api('GET', `/api/v1/image/${encodeURIComponent(sec.dataset.task)}/social`);
      renderSocial();
    } catch (e) {
      say('s-status', `Could not load votes and comments: ${e.message}`);
    }
  }

  async function moderate(kind, id, hidden) {
    try {
      await api('POST', '/api/v1/admin/hide', { kind, id, hidden });
      await loadSocial();
    } catch (e) {
      say('s-status', e.message);
    }
  }

  function wireSocial() {
    const sec = $('social');
    if (!sec) return;
    const task = sec.dataset.task;
    $('s-vote').addEventListener('click', async () => {
      const up = !(state && state.viewer && state.viewer.upvoted);
      try {
        await api('POST', `/api/v1/image/${task}/vote`, { up });
        await loadSocial();
      } catch (e) {
        say('s-status', e.message);
      }
    });
    for (const btn of sec.querySelectorAll('.s-react')) {
      btn.addEventListener('click', async () => {
        const on = btn.getAttribute('aria-pressed') !== 'true';
        try {
          state = await api('POST', `/api/v1/image/${task}/react`, { reaction: btn.dataset.reaction, on });
          renderSocial();
        } catch (e) {
          say('s-status', e.message);
        }
      });
    }
    $('s-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const ta = $('s-body');
      say('s-status', 'Posting…');
      try {
        await api('POST', `/api/v1/image/${task}/comments`, { body: ta.value });
        ta.value = '';
        say('s-status', 'Posted.');
        await loadSocial();
      } catch (e) {
        say('s-status', e.message);
      }
    });
    $('s-hide-image').addEventListener('click', () => moderate('image', task, !(state && state.hidden)));
  }

  // ---- /admin moderation form ----

  function wireAdmin() {
    for (const b of document.querySelectorAll('.admin-unhide')) {
      b.addEventListener('click', async () => {
        const id = b.dataset.kind === 'comment' ? Number(b.dataset.id) : b.dataset.id;
        try {
          await api('POST', '/api/v1/admin/hide', { kind: b.dataset.kind, id, hidden: false });
          b.closest('tr').remove();
        } catch (e) {
          b.textContent = e.message;
        }
      });
    }
    const form = $('admin-hide');
    if (!form) return;
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const kind = $('ah-kind').value;
      const raw = $('ah-id').value.trim();
      const id = kind === 'comment' ? Number(raw) : raw;
      try {
        const r = await api('POST', '/api/v1/admin/hide', { kind, id, hidden: $('ah-hidden').value === 'true' });
        say('ah-status', `${r.kind} ${r.id}: ${r.hidden ? 'hidden' : 'visible'}${r.changed ? '' : ' (unchanged)'}`);
      } catch (e) {
        say('ah-status', e.message);
      }
    });
  }

  async function start() {
    const signin = $('auth-signin');
    if (signin) signin.addEventListener('click', signIn);
    const signout = $('auth-signout');
    if (signout) signout.addEventListener('click', signOut);
    wireSocial();
    wireAdmin();
    await loadSession();
    await loadSocial();
    document.documentElement.dataset.socialReady = '1';
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
