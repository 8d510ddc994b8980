// The message browser: a partition's messages from an offset, a time, or the newest ones;
// JSON pretty-printed, binary as hex; and a live tail that long-polls the broker.
import { api, esc, hashParams, MIN_POLL_MS, showError, time } from '../lib.js';

const SHOWN_ROWS = 500;

export function messagesPage(name) {
  return main => {
    const path = '/topics/' + encodeURIComponent(name);
    const params = hashParams();
    main.innerHTML = `<h1>Messages of <a href="#${path}">${esc(name)}</a></h1>
      <form id="browse" class="inline">
        <label>Partition <select name="partition"></select></label>
        <label>From offset <input name="offset" type="number" min="0" placeholder="newest"></label>
        <label>or from time <input name="time" type="datetime-local" step="1"></label>
        <label>Limit <input name="limit" type="number" min="1" max="500" value="50"></label>
        <button type="submit">Show</button>
        <label style="flex-direction:row;align-items:center;gap:4px"><input type="checkbox" name="tail" id="tail"> Live tail</label>
      </form>
      <div id="browse-status" class="muted"></div>
      <table id="messages"><thead><tr><th class="num">Offset</th><th>Timestamp</th><th>Key</th><th>Value</th><th>Headers</th></tr></thead>
        <tbody></tbody></table>`;
    const form = main.querySelector('#browse');
    const rows = main.querySelector('#messages tbody');
    let next = null;
    let stopped = false;
    let tailing = false;

    api(path).then(topic => {
      form.partition.innerHTML = topic.partitions.map(p => `<option value="${p.partition}">${p.partition}</option>`).join('');
      if (params.has('partition')) form.partition.value = params.get('partition');
      if (params.has('offset')) form.offset.value = params.get('offset');
      show();
    }).catch(showError);

    async function show() {
      const query = new URLSearchParams({ partition: form.partition.value, limit: form.limit.value || '50' });
      if (form.offset.value !== '') query.set('offset', form.offset.value);
      else if (form.time.value) query.set('timestamp', String(new Date(form.time.value).getTime()));
      try {
        const page = await api(path + '/messages?' + query);
        rows.innerHTML = page.messages.map(row).join('') || '<tr><td colspan="5" class="muted">No messages here.</td></tr>';
        next = page.nextOffset;
        status(page);
        showError(null);
      } catch (e) {
        showError(e);
      }
    }

    function status(page) {
      main.querySelector('#browse-status').textContent = `partition ${page.partition}: offsets ${page.logStartOffset}`
        + ` to ${page.highWatermark - 1} committed; showing from ${page.startOffset}, next ${page.nextOffset}`;
    }

    /** One long poll after another from the last offset shown, at most one a second. */
    async function tail() {
      while (tailing && !stopped) {
        const started = Date.now();
        try {
          const query = new URLSearchParams({ partition: form.partition.value, offset: next, limit: '100', wait: '1000' });
          const page = await api(path + '/messages?' + query);
          if (page.messages.length) {
            if (rows.querySelector('td[colspan]')) rows.innerHTML = '';
            rows.insertAdjacentHTML('beforeend', page.messages.map(row).join(''));
            while (rows.children.length > SHOWN_ROWS) rows.firstElementChild.remove();
          }
          next = page.nextOffset;
          status(page);
          showError(null);
        } catch (e) {
          showError(e);
        }
        await new Promise(resolve => setTimeout(resolve, Math.max(0, MIN_POLL_MS - (Date.now() - started))));
      }
    }

    form.addEventListener('submit', event => { event.preventDefault(); show(); });
    form.tail.addEventListener('change', () => {
      tailing = form.tail.checked;
      if (tailing) tail();
    });
    return { stop() { stopped = true; } };
  };
}

function payload(p) {
  if (p.format === 'NULL') return '<span class="muted">null</span>';
  const tag = p.format === 'TEXT' ? '' : `<span class="tag">${p.format.toLowerCase()}</span>`;
  const cut = p.truncated ? `<span class="tag">first of ${p.size} bytes</span>` : '';
  return `${tag}${cut}<pre class="payload ${p.format.toLowerCase()}">${esc(p.text)}</pre>`;
}

function row(m) {
  const headers = m.headers.map(h => `<div><b>${esc(h.key)}</b>: ${payload(h.value)}</div>`).join('');
  return `<tr class="message-row" data-offset="${m.offset}"><td class="num">${m.offset}</td><td>${time(m.timestamp)}</td>
    <td>${payload(m.key)}</td><td>${payload(m.value)}</td><td>${headers}</td></tr>`;
}
