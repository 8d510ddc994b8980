// Cluster: brokers, racks, the Controller, partition health and how leadership is spread.
import { api, esc, num, poll } from '../lib.js';

export function clusterPage() {
  return main => {
    main.innerHTML = '<h1>Cluster</h1><div id="cluster-cards" class="cards"></div>'
      + '<h2>Brokers</h2><table id="brokers"><thead><tr><th>Id</th><th>Address</th><th>Rack</th><th>Role</th>'
      + '<th class="num">Leaders</th><th class="num">Replicas</th><th>Leadership share</th></tr></thead><tbody></tbody></table>';
    return poll(async () => {
      const c = await api('/cluster');
      document.getElementById('served-by').textContent = 'cluster ' + c.clusterId;
      const health = c.offlinePartitions > 0 ? 'bad' : c.underReplicatedPartitions > 0 ? 'bad' : 'good';
      main.querySelector('#cluster-cards').innerHTML = [
        card('Brokers up', c.brokers.length),
        card('Controller', c.controllerId < 0 ? 'none' : 'broker ' + c.controllerId),
        card('Topics', c.topics),
        card('Partitions', c.partitions),
        card('Under-replicated', c.underReplicatedPartitions, c.underReplicatedPartitions ? 'bad' : 'good'),
        card('Offline', c.offlinePartitions, c.offlinePartitions ? 'bad' : 'good'),
        card('Health', health === 'good' ? 'healthy' : 'degraded', health),
      ].join('');
      const led = c.brokers.reduce((sum, b) => sum + b.leaders, 0) || 1;
      main.querySelector('#brokers tbody').innerHTML = c.brokers.map(b => `<tr class="broker-row">
        <td>${b.id}</td><td>${esc(b.host)}:${b.port}</td><td>${esc(b.rack) || '<span class="muted">none</span>'}</td>
        <td>${b.controller ? '<span class="tag">controller</span>' : ''}</td>
        <td class="num">${num(b.leaders)}</td><td class="num">${num(b.replicas)}</td>
        <td><span class="bar" style="width:${Math.round(200 * b.leaders / led)}px"></span>
          ${Math.round(100 * b.leaders / led)}%</td></tr>`).join('');
    }, 5000);
  };
}

function card(label, value, cls = '') {
  return `<div class="card"><div class="value ${cls}">${esc(value)}</div><div class="label">${esc(label)}</div></div>`;
}
