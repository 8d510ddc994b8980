// What every page uses: the API client, formatting, the error box and a poller.

/** No page asks the broker more often than this. */
export const MIN_POLL_MS = 1000;

/** Calls the console API; a failed call throws an Error with the broker's message. */
export async function api(path, options = {}) {
  const init = { method: options.method || 'GET', headers: {} };
  if (options.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch('/console/api' + path, init);
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== '/login') {
    // No session (or it ended): log in, then come back here.
    const back = location.hash.startsWith('#/login') ? hashParams().get('then') : location.hash;
    location.hash = '#/login' + (back ? '?then=' + encodeURIComponent(back) : '');
    throw new Error('log in to use the console');
  }
  if (!response.ok) {
    throw new Error(`${body.error || response.status}: ${body.message || response.statusText}`);
  }
  return body;
}

/** Shows who is logged in, with a logout button, when the console asks for a login. */
export async function showSession() {
  const box = document.getElementById('session');
  const session = await api('/session').catch(() => null);
  if (!session || !session.authentication) {
    box.innerHTML = '';
    return;
  }
  box.innerHTML = `${esc(session.user)} <button id="logout" class="plain">Log out</button>`;
  box.querySelector('#logout').addEventListener('click', async () => {
    await api('/logout', { method: 'POST' }).catch(() => null);
    box.innerHTML = '';
    location.hash = '#/login';
  });
}

/** Escapes text for HTML. */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

export function num(n) {
  return n === null || n === undefined || n < 0 ? '–' : Number(n).toLocaleString('en');
}

export function time(ms) {
  return ms < 0 ? '–' : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export function showError(error) {
  const box = document.getElementById('error');
  box.textContent = error ? String(error.message || error) : '';
  box.hidden = !error;
}

/**
 * Runs {@code tick} now and then every {@code everyMs} (at least MIN_POLL_MS), one call at a
 * time, while the page is shown and the tab visible; returns a handle whose stop() ends it.
 */
export function poll(tick, everyMs) {
  const interval = Math.max(MIN_POLL_MS, everyMs);
  let stopped = false;
  let timer = null;
  async function run() {
    if (stopped) return;
    if (!document.hidden) {
      try {
        await tick();
        showError(null);
      } catch (e) {
        showError(e);
      }
    }
    if (!stopped) timer = setTimeout(run, interval);
  }
  run();
  return { stop() { stopped = true; clearTimeout(timer); } };
}

/** The query string after the hash route, as URLSearchParams. */
export function hashParams() {
  const q = location.hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : location.hash.slice(q + 1));
}
