// Consumer groups: every group with its state, members and generation.
import { api, esc, num, poll } from '../lib.js';

export function groupsPage() {
  return main => {
    main.innerHTML = `<h1>Consumer groups</h1>
      <table id="groups"><thead><tr><th>Group</th><th>State</th><th class="num">Members</th>
        <th class="num">Generation</th><th>Assignor</th><th class="num">Partitions with offsets</th></tr></thead><tbody></tbody></table>`;
    return poll(async () => {
      const groups = await api('/groups');
      main.querySelector('#groups tbody').innerHTML = groups.map(g => `<tr class="group-row" data-group="${esc(g.groupId)}">
        <td><a href="#/groups/${encodeURIComponent(g.groupId)}">${esc(g.groupId)}</a></td><td>${esc(g.state)}</td>
        <td class="num">${g.members}</td><td class="num">${num(g.generation)}</td><td>${esc(g.assignor)}</td>
        <td class="num">${g.committedPartitions}</td></tr>`).join('')
        || '<tr><td colspan="6" class="muted">No consumer groups.</td></tr>';
    }, 5000);
  };
}
