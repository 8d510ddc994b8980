// Topics: every topic with its size and rates (from successive polls), and a create form.
import { api, bytes, esc, num, poll } from '../lib.js';
import { Rate } from '../chart.js';

export function topicsPage() {
  return main => {
    main.innerHTML = `<h1>Topics</h1>
      <form id="create-topic" class="inline">
        <label>Name <input name="name" required pattern="[a-zA-Z0-9._\\-]+" placeholder="orders"></label>
        <label>Partitions <input name="partitions" type="number" min="1" placeholder="default"></label>
        <label>Replication factor <input name="replicationFactor" type="number" min="1" placeholder="default"></label>
        <label>Configs (name=value, one a line) <textarea name="configs" rows="1" cols="32"
          placeholder="retention.ms=86400000"></textarea></label>
        <button type="submit">Create topic</button>
      </form>
      <div id="create-result"></div>
      <table id="topics"><thead><tr><th>Name</th><th class="num">Partitions</th><th class="num">RF</th>
        <th class="num">Messages</th><th class="num">Size</th><th class="num">Messages/s</th>
        <th>Health</th><th></th></tr></thead><tbody></tbody></table>`;
    const rates = new Map();
    const form = main.querySelector('#create-topic');
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const data = new FormData(form);
      const result = main.querySelector('#create-result');
      try {
        const body = { name: data.get('name'), configs: parseConfigs(data.get('configs')) };
        if (data.get('partitions')) body.partitions = Number(data.get('partitions'));
        if (data.get('replicationFactor')) body.replicationFactor = Number(data.get('replicationFactor'));
        const created = await api('/topics', { method: 'POST', body });
        result.innerHTML = `<div class="notice">Created <a href="#/topics/${encodeURIComponent(created.name)}">${esc(created.name)}</a>
          with ${created.partitions.length} partition(s).</div>`;
        form.reset();
        await refresh();
      } catch (e) {
        result.innerHTML = `<div class="error">${esc(e.message)}</div>`;
      }
    });
    async function refresh() {
      const topics = await api('/topics');
      const now = Date.now();
      main.querySelector('#topics tbody').innerHTML = topics.map(t => {
        if (!rates.has(t.name)) rates.set(t.name, new Rate());
        const rate = rates.get(t.name).next(now, t.endOffsets);
        const health = t.offline ? `<span class="bad">${t.offline} offline</span>`
          : t.underReplicated ? `<span class="bad">${t.underReplicated} under-replicated</span>` : '<span class="good">ok</span>';
        const link = '#/topics/' + encodeURIComponent(t.name);
        return `<tr class="topic-row" data-topic="${esc(t.name)}"><td><a href="${link}">${esc(t.name)}</a></td>
          <td class="num">${t.partitions}</td><td class="num">${t.replicationFactor}</td>
          <td class="num">${num(t.records)}</td><td class="num">${bytes(t.sizeBytes)}</td>
          <td class="num">${rate === null ? '…' : rate.toFixed(1)}</td><td>${health}</td>
          <td><a href="${link}/messages">messages</a></td></tr>`;
      }).join('') || '<tr><td colspan="8" class="muted">No topics yet.</td></tr>';
    }
    return poll(refresh, 5000);
  };
}

/** "a=1\nb=2" (or comma separated) as {a: "1", b: "2"}. */
export function parseConfigs(text) {
  const configs = {};
  for (const line of String(text || '').split(/[\n,]/)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq < 1) throw new Error(`config "${trimmed}" is not name=value`);
    configs[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return configs;
}
