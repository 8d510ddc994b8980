// A topic: its partitions (leader, replicas, ISR, offsets, sizes), a throughput chart, its
// configs with changes, and deletion behind a confirmation.
import { api, bytes, esc, num, poll } from '../lib.js';
import { Rate, RollingChart } from '../chart.js';
import { parseConfigs } from './topics.js';

export function topicPage(name) {
  return main => {
    const path = '/topics/' + encodeURIComponent(name);
    main.innerHTML = `<h1>Topic ${esc(name)} <a class="muted" style="font-size:14px" href="#${path}/messages">browse messages</a></h1>
      <div id="throughput" class="chart"></div>
      <h2>Partitions</h2>
      <table id="partitions"><thead><tr><th>Partition</th><th>Leader</th><th>Replicas</th><th>ISR</th>
        <th class="num">Log start</th><th class="num">High watermark</th><th class="num">Log end</th>
        <th class="num">Size</th><th class="num">Segments</th></tr></thead><tbody></tbody></table>
      <h2>Configs</h2>
      <form id="alter-configs" class="inline">
        <label>Set (name=value, one a line) <textarea name="set" rows="1" cols="40" placeholder="retention.ms=3600000"></textarea></label>
        <button type="submit">Apply</button>
      </form>
      <div id="alter-result"></div>
      <table id="configs"><thead><tr><th>Name</th><th>Value</th><th>Source</th><th></th></tr></thead><tbody></tbody></table>
      <h2>Delete</h2>
      <form id="delete-topic" class="inline">
        <label>Type the topic's name to confirm <input name="confirm" autocomplete="off"></label>
        <button type="submit" class="danger">Delete topic</button>
      </form>
      <div id="delete-result"></div>`;
    const chart = new RollingChart(main.querySelector('#throughput'), 'Throughput (all partitions)',
      ['messages in/s', 'KiB/s stored'], 'per second');
    const messages = new Rate();
    const stored = new Rate();
    let opened = false;

    function plot(timeMs, ends, size) {
      const inRate = messages.next(timeMs, ends);
      const sizeRate = stored.next(timeMs, size);
      if (inRate !== null) chart.add(timeMs, [inRate, sizeRate / 1024]);
    }

    async function refresh() {
      if (!opened) {
        // The broker's samples of the last minutes, so the chart opens with a history.
        const history = await api(path + '/history');
        history.timestamps.forEach((timeMs, i) => plot(timeMs, history.endOffsets[i], history.sizeBytes[i]));
        chart.container.dataset.history = chart.data[0].length;
        opened = true;
      }
      const t = await api(path);
      plot(t.timestamp, t.partitions.reduce((sum, p) => sum + (p.highWatermark ?? 0), 0),
        t.partitions.reduce((sum, p) => sum + (p.sizeBytes ?? 0), 0));
      main.querySelector('#partitions tbody').innerHTML = t.partitions.map(p => `<tr class="partition-row">
        <td>${p.partition}</td><td>${p.leader < 0 ? '<span class="bad">none</span>' : p.leader}</td>
        <td>${p.replicas.join(', ')}</td>
        <td class="${p.isr.length < p.replicas.length ? 'bad' : ''}">${p.isr.join(', ')}</td>
        <td class="num">${num(p.logStartOffset)}</td><td class="num">${num(p.highWatermark)}</td>
        <td class="num">${num(p.logEndOffset)}</td><td class="num">${bytes(p.sizeBytes)}</td>
        <td class="num">${num(p.segments)}</td></tr>`).join('');
      renderConfigs(t.configs);
    }

    function renderConfigs(configs) {
      main.querySelector('#configs tbody').innerHTML = configs.map(c => `<tr class="config-row" data-config="${esc(c.name)}">
        <td>${esc(c.name)}</td><td>${esc(c.value)}</td>
        <td><span class="tag">${esc(c.source.toLowerCase().replace('_', ' '))}</span></td>
        <td>${c.source === 'TOPIC_OVERRIDE' ? `<button class="plain" data-reset="${esc(c.name)}">reset to default</button>` : ''}</td>
        </tr>`).join('');
    }

    async function alter(body) {
      const result = main.querySelector('#alter-result');
      try {
        renderConfigs(await api(path + '/configs', { method: 'PATCH', body }));
        result.innerHTML = '<div class="notice">Configs changed.</div>';
      } catch (e) {
        result.innerHTML = `<div class="error">${esc(e.message)}</div>`;
      }
    }

    main.querySelector('#alter-configs').addEventListener('submit', event => {
      event.preventDefault();
      try {
        alter({ set: parseConfigs(new FormData(event.target).get('set')) });
      } catch (e) {
        main.querySelector('#alter-result').innerHTML = `<div class="error">${esc(e.message)}</div>`;
      }
    });
    main.querySelector('#configs').addEventListener('click', event => {
      const config = event.target.dataset.reset;
      if (config) alter({ delete: [config] });
    });
    main.querySelector('#delete-topic').addEventListener('submit', async event => {
      event.preventDefault();
      const confirmName = new FormData(event.target).get('confirm');
      const result = main.querySelector('#delete-result');
      if (confirmName !== name) {
        result.innerHTML = `<div class="error">Type "${esc(name)}" to delete it.</div>`;
        return;
      }
      try {
        await api(path + '?confirm=' + encodeURIComponent(confirmName), { method: 'DELETE' });
        location.hash = '#/topics';
      } catch (e) {
        result.innerHTML = `<div class="error">${esc(e.message)}</div>`;
      }
    });
    return poll(refresh, 2000);
  };
}
