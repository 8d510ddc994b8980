// A consumer group: members and their assignment, lag per partition, total lag over time,
// and an offset reset (preview, then execute) while the group has no members.
import { api, esc, num, poll } from '../lib.js';
import { RollingChart } from '../chart.js';

export function groupPage(id) {
  return main => {
    const path = '/groups/' + encodeURIComponent(id);
    main.innerHTML = `<h1>Group ${esc(id)}</h1>
      <div class="cards"><div class="card"><div class="value" id="group-state">…</div><div class="label">State</div></div>
        <div class="card"><div class="value" id="total-lag">…</div><div class="label">Total lag (messages)</div></div>
        <div class="card"><div class="value" id="generation">…</div><div class="label">Generation</div></div></div>
      <div id="lag-chart" class="chart"></div>
      <h2>Members</h2>
      <table id="members"><thead><tr><th>Member</th><th>Client</th><th>Host</th><th>Assigned partitions</th></tr></thead><tbody></tbody></table>
      <h2>Lag by partition</h2>
      <table id="lags"><thead><tr><th>Topic</th><th class="num">Partition</th><th>Member</th><th class="num">Committed</th>
        <th class="num">High watermark</th><th class="num">Lag</th><th class="num">Lag (s)</th></tr></thead><tbody></tbody></table>
      <h2>Reset offsets</h2>
      <form id="reset" class="inline">
        <label>To <select name="to"><option>earliest</option><option>latest</option><option>offset</option><option>timestamp</option></select></label>
        <label>Offset or time (ms) <input name="value" type="number" min="0"></label>
        <label>Topics (comma separated, empty: all) <input name="topics"></label>
        <button type="submit" name="preview" class="plain">Preview</button>
        <button type="submit" name="execute" class="danger">Reset</button>
      </form>
      <div id="reset-result"></div>`;
    const chart = new RollingChart(main.querySelector('#lag-chart'), 'Total lag', ['lag'], 'messages');

    main.querySelector('#reset').addEventListener('submit', async event => {
      event.preventDefault();
      const data = new FormData(event.target);
      const body = { to: data.get('to'), execute: event.submitter?.name === 'execute',
        topics: String(data.get('topics') || '').split(',').map(t => t.trim()).filter(Boolean) };
      if (data.get('value') !== '') body.value = Number(data.get('value'));
      const result = main.querySelector('#reset-result');
      try {
        const changes = await api(path + '/reset', { method: 'POST', body });
        result.innerHTML = `<div class="notice">${body.execute ? 'Reset' : 'A reset would move'} ${changes.length} partition(s):
          ${changes.map(c => `${esc(c.topic)}-${c.partition}: ${c.previousOffset} → ${c.offset}`).join('; ')}</div>`;
      } catch (e) {
        result.innerHTML = `<div class="error">${esc(e.message)}</div>`;
      }
    });

    let opened = false;
    return poll(async () => {
      if (!opened) {
        // The broker's samples of the last minutes, so the chart opens with a history.
        const history = await api(path + '/history');
        history.timestamps.forEach((timeMs, i) => chart.add(timeMs, [history.totalLag[i]]));
        chart.container.dataset.history = chart.data[0].length;
        opened = true;
      }
      const g = await api(path);
      main.querySelector('#group-state').textContent = g.state;
      main.querySelector('#total-lag').textContent = num(g.totalLag);
      main.querySelector('#generation').textContent = num(g.generation);
      chart.add(g.timestamp, [g.totalLag]);
      main.querySelector('#members tbody').innerHTML = g.members.map(m => `<tr><td>${esc(m.memberId)}</td>
        <td>${esc(m.clientId)}</td><td>${esc(m.host)}</td><td>${m.assignment.map(esc).join(', ')}</td></tr>`).join('')
        || '<tr><td colspan="4" class="muted">No members: offsets can be reset.</td></tr>';
      main.querySelector('#lags tbody').innerHTML = g.lags.map(l => `<tr class="lag-row" data-partition="${esc(l.topic)}-${l.partition}">
        <td>${esc(l.topic)}</td><td class="num">${l.partition}</td><td>${esc(l.memberId) || '<span class="muted">–</span>'}</td>
        <td class="num">${num(l.committedOffset)}</td><td class="num">${num(l.highWatermark)}</td>
        <td class="num lag">${num(l.lag)}</td><td class="num">${l.lagMs < 0 ? '–' : (l.lagMs / 1000).toFixed(1)}</td></tr>`).join('');
    }, 2000);
  };
}
