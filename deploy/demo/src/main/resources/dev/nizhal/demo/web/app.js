// The demo's notes page: a small client of the Nizhal wire protocol (pull, push, the /sync/stream pokes), with no
// framework and no build step. Rows live in memory; the session lives in localStorage, the client id and its
// mutation counter in sessionStorage.
// User text only ever reaches the page through textContent.

const RULE = 'myNotes';
const POLL_MS = 5000;
const MAX_BACKOFF_MS = 30000;
const SESSION_KEY = 'nizhal-demo.session';

const $ = (id) => document.getElementById(id);

/** An error answer of the server, or the server out of reach (status 0, code OFFLINE). */
class ApiError extends Error {
  constructor(status, code, message, details, retryable) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryable = retryable;
  }
}

async function post(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  let response;
  try {
    response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  } catch (unreachable) {
    throw new ApiError(0, 'OFFLINE', 'the server cannot be reached; retrying', null, true);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (notJson) {
    json = null;
  }
  if (!response.ok) {
    const error = (json && json.error) || {};
    throw new ApiError(
      response.status,
      error.code || 'HTTP_' + response.status,
      error.message || 'the server answered ' + response.status,
      error.details || null,
      error.retryable ?? response.status >= 500);
  }
  return json;
}

/** The development-only login of the demo server. */
async function login(user) {
  const answer = await post('/demo/login', { user });
  return { user: answer.user, token: answer.token };
}

/** A random UUID; crypto.randomUUID exists only in secure contexts (https, localhost), getRandomValues everywhere. */
function randomId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A client id is bound to the first actor that uses it, so each user has its own; and it is kept per tab
 * (sessionStorage, which a reload keeps), so that two tabs never take mutation ids from one counter.
 */
function clientIdFor(user, fresh) {
  const key = 'nizhal-demo.client.' + user;
  let id = fresh ? null : sessionStorage.getItem(key);
  if (!id) {
    id = 'web-' + randomId();
    sessionStorage.setItem(key, id);
    sessionStorage.setItem('nizhal-demo.next-mutation.' + id, '1');
  }
  return id;
}

/** One user's sync of the myNotes rule: pull, push, and the stream (or a 5 s poll when it is not there). */
class NotesSync {
  constructor(session, view) {
    this.session = session;
    this.view = view;
    this.clientId = clientIdFor(session.user);
    this.counterKey = 'nizhal-demo.next-mutation.' + this.clientId;
    this.rows = new Map(); // JSON [collection, key] → { collection, key, row, buckets: Set }
    this.held = new Set();
    this.cursor = null;
    this.upToDate = false;
    this.pending = []; // { id, name, args, effect, sent }: optimistic until a drained pull confirms it
    this.pulling = null;
    this.pullAgain = false;
    this.pushing = null;
    this.pushAgain = false;
    this.live = false;
    this.socket = null;
    this.backoff = 1000;
    this.stopped = false;
  }

  start() {
    this.pollTimer = setInterval(() => {
      if (!this.live || !this.upToDate) this.sync();
      else if (this.pending.some((m) => !m.sent)) this.push(); // a push that failed is sent again
    }, POLL_MS);
    this.connect();
    this.sync();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    if (this.socket) this.socket.close(1000);
  }

  sync() {
    if (this.pending.some((m) => !m.sent)) this.push();
    this.pull();
  }

  /** Shows an error, unless this sync was stopped (logged out, or another user): then it is no longer the page's. */
  report(e) {
    if (!this.stopped) this.view.error(e);
  }

  // --- HTTP with a fresh demo token after a 401 ---

  async call(path, body) {
    try {
      return await post(path, body, this.session.token);
    } catch (e) {
      if (e.status !== 401) throw e;
      await this.renewToken();
      return post(path, body, this.session.token);
    }
  }

  async renewToken() {
    const renewed = await login(this.session.user);
    if (this.stopped) return; // logged out or switched user meanwhile: never bring the old session back
    this.session.token = renewed.token;
    localStorage.setItem(SESSION_KEY, JSON.stringify(this.session));
  }

  // --- pull ---

  pull() {
    if (this.pulling) {
      this.pullAgain = true;
      return this.pulling;
    }
    this.pulling = this.pullUntilDrained().finally(() => {
      this.pulling = null;
    });
    return this.pulling;
  }

  async pullUntilDrained() {
    try {
      do {
        this.pullAgain = false;
        let more = true;
        while (more && !this.stopped) {
          const sent = this.cursor;
          const response = await this.call('/sync/pull', {
            syncRule: RULE, clientId: this.clientId, cursor: sent, held: [...this.held], limit: 1000,
          });
          if (this.stopped || this.cursor !== sent) return; // a stale or duplicated response is dropped
          if (response.reset) {
            this.rows.clear();
            this.held.clear();
            this.upToDate = false;
            if (sent !== null) {
              this.cursor = null; // start over: a full resync from no cursor
              this.render();
              continue;
            }
          }
          this.apply(response);
          more = response.hasMore;
        }
      } while (this.pullAgain && !this.stopped);
    } catch (e) {
      this.upToDate = false; // the poll timer pulls again, live or not: a poke may never come
      this.report(e);
    }
  }

  /** One response, applied as a whole. */
  apply(response) {
    for (const change of response.changes) {
      const id = JSON.stringify([change.collection, change.key]);
      if (change.op === 'upsert') {
        this.rows.set(id, {
          collection: change.collection, key: change.key, row: change.row, buckets: new Set(change.buckets || []),
        });
      } else if (change.op === 'delete') {
        this.rows.delete(id);
      }
    }
    for (const bucket of response.revokedBuckets || []) {
      this.held.delete(bucket);
      for (const [id, entry] of this.rows) {
        entry.buckets.delete(bucket);
        if (entry.buckets.size === 0) this.rows.delete(id);
      }
    }
    for (const bucket of response.loadedBuckets || []) this.held.add(bucket);
    this.cursor = response.cursor;
    this.upToDate = !response.hasMore;
    if (!response.hasMore && response.lastMutationId != null) {
      this.pending = this.pending.filter((m) => m.id > response.lastMutationId);
    }
    this.render();
  }

  // --- push ---

  nextMutationId() {
    const id = Number(sessionStorage.getItem(this.counterKey) || '1');
    sessionStorage.setItem(this.counterKey, String(id + 1));
    return id;
  }

  mutate(name, args, effect) {
    this.pending.push({ id: this.nextMutationId(), name, args, effect, sent: false });
    this.render();
    this.push();
  }

  push() {
    if (this.pushing) {
      this.pushAgain = true;
      return this.pushing;
    }
    this.pushing = this.pushAll().finally(() => {
      this.pushing = null;
    });
    return this.pushing;
  }

  async pushAll() {
    let adopted = 0;
    do {
      this.pushAgain = false;
      const batch = this.pending.filter((m) => !m.sent).slice(0, 100);
      if (batch.length === 0 || this.stopped) return;
      let response;
      try {
        response = await this.call('/sync/push', {
          clientId: this.clientId, mutations: batch.map((m) => ({ id: m.id, name: m.name, args: m.args })),
        });
      } catch (e) {
        if (e.code === 'MUTATION_ORDER' && e.details && Number.isInteger(e.details.expected) && adopted++ < 3) {
          this.renumber(e.details.expected);
          this.pushAgain = true;
          continue;
        }
        if (e.code === 'MUTATION_CONFLICT' && adopted++ < 3) {
          // an id this client used before holds another mutation: go on as a new client, from id 1
          this.clientId = clientIdFor(this.session.user, true);
          this.counterKey = 'nizhal-demo.next-mutation.' + this.clientId;
          this.renumber(1);
          this.pushAgain = true;
          continue;
        }
        this.report(e); // a retryable failure is sent again by the next poll or poke
        return;
      }
      for (const result of response.results) {
        const mutation = this.pending.find((m) => m.id === result.id);
        if (!mutation) continue;
        if (result.status === 'applied') {
          mutation.sent = true;
        } else if (result.status === 'rejected') {
          this.pending = this.pending.filter((m) => m !== mutation); // roll the optimistic write back
          const error = result.error || {};
          this.report(new ApiError(200, error.code, error.message, error.details, false));
        } else {
          if (result.error) this.report(new ApiError(200, result.error.code, result.error.message, null, true));
          break; // notAttempted: sent again from this id later
        }
      }
      this.render();
      this.pull();
    } while (this.pushAgain);
  }

  /** The server expects another first id (MUTATION_ORDER): the unsent mutations take ids from there. */
  renumber(expected) {
    let id = expected;
    for (const m of this.pending.filter((p) => !p.sent).sort((a, b) => a.id - b.id)) m.id = id++;
    sessionStorage.setItem(this.counterKey, String(id));
  }

  // --- the stream: pokes, or a poll every 5 s without it ---

  connect() {
    if (this.stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let socket;
    try {
      socket = new WebSocket(scheme + '//' + location.host + '/sync/stream');
    } catch (e) {
      this.reconnectLater();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'hello', token: this.session.token, syncRules: [RULE] }));
    };
    socket.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (notJson) {
        return;
      }
      if (frame.type === 'ready') {
        this.live = true;
        this.backoff = 1000;
        this.render();
        this.sync();
      } else if (frame.type === 'poke') {
        this.pull();
      }
    };
    socket.onclose = (event) => {
      this.socket = null;
      this.live = false;
      if (this.stopped) return;
      this.render();
      if (event.code === 4401) {
        this.renewToken().catch((e) => this.report(e)).finally(() => this.reconnectLater());
      } else {
        this.reconnectLater();
      }
    };
  }

  reconnectLater() {
    const delay = this.backoff + Math.floor(Math.random() * 500);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  // --- what the page shows ---

  /** The server's notes with the pending mutations applied on top, oldest first. */
  notes() {
    const notes = new Map();
    for (const entry of this.rows.values()) {
      if (entry.collection === 'notes') notes.set(entry.key, { ...entry.row, pending: false });
    }
    for (const m of this.pending) {
      if (m.effect.type === 'add' && !notes.has(m.effect.id)) {
        notes.set(m.effect.id, { id: m.effect.id, body: m.effect.body, updated_at: null, pending: true });
      } else if (m.effect.type === 'delete') {
        notes.delete(m.effect.id);
      }
    }
    return [...notes.values()].sort((a, b) =>
      (a.updated_at === null) - (b.updated_at === null)
      || String(a.updated_at).localeCompare(String(b.updated_at))
      || String(a.id).localeCompare(String(b.id)));
  }

  render() {
    if (!this.stopped) this.view.render(this);
  }
}

// --- the page ---

let current = null;

const view = {
  render(sync) {
    const list = $('notes');
    const items = sync.notes().map((note) => {
      const item = document.createElement('li');
      item.dataset.id = note.id;
      if (note.pending) item.classList.add('pending');
      const body = document.createElement('span');
      body.className = 'body';
      body.textContent = note.body;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'delete';
      remove.textContent = 'delete';
      remove.addEventListener('click', () => sync.mutate('deleteNote', { id: note.id }, { type: 'delete', id: note.id }));
      item.append(body, remove);
      return item;
    });
    list.replaceChildren(...items);
    $('no-notes').hidden = items.length > 0 || !sync.upToDate;
    const state = sync.upToDate ? 'up to date' : 'syncing';
    $('sync-status').textContent = state + (sync.live ? ' · live' : ' · polling every 5 s');
    $('sync-status').dataset.state = sync.upToDate ? 'up-to-date' : 'syncing';
    $('sync-status').dataset.pending = String(sync.pending.length);
  },
  error(e) {
    $('error-text').textContent = (e.code || 'ERROR') + ': ' + e.message;
    $('error').hidden = false;
    if (e.status === 401) logOut();
  },
};

function show(session) {
  $('login').hidden = !!session;
  $('app').hidden = !session;
  $('who').textContent = session ? session.user : '';
}

function start(session) {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  show(session);
  current = new NotesSync(session, view);
  current.start();
}

function logOut() {
  if (current) current.stop();
  current = null;
  localStorage.removeItem(SESSION_KEY);
  $('notes').replaceChildren();
  show(null);
}

for (const button of document.querySelectorAll('#login button[data-user]')) {
  button.addEventListener('click', async () => {
    try {
      start(await login(button.dataset.user));
      $('error').hidden = true;
    } catch (e) {
      view.error(e);
    }
  });
}

$('logout').addEventListener('click', logOut);
$('error-close').addEventListener('click', () => {
  $('error').hidden = true;
});

$('add-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('note-body');
  const body = input.value.trim();
  if (!body || !current) return;
  const id = randomId();
  current.mutate('addNote', { id, body }, { type: 'add', id, body });
  input.value = '';
});

const saved = localStorage.getItem(SESSION_KEY);
if (saved) {
  try {
    start(JSON.parse(saved));
  } catch (corrupt) {
    logOut();
  }
}
