// The console's shell: hash routes to pages.
import { showError, showSession } from './lib.js';
import { loginPage } from './pages/login.js';
import { clusterPage } from './pages/cluster.js';
import { topicsPage } from './pages/topics.js';
import { topicPage } from './pages/topic.js';
import { messagesPage } from './pages/messages.js';
import { groupsPage } from './pages/groups.js';
import { groupPage } from './pages/group.js';

let current = { stop() {} };

const routes = [
  [/^#\/login$/, () => loginPage()],
  [/^#\/cluster$/, () => clusterPage()],
  [/^#\/topics$/, () => topicsPage()],
  [/^#\/topics\/([^/]+)$/, m => topicPage(decodeURIComponent(m[1]))],
  [/^#\/topics\/([^/]+)\/messages$/, m => messagesPage(decodeURIComponent(m[1]))],
  [/^#\/groups$/, () => groupsPage()],
  [/^#\/groups\/([^/]+)$/, m => groupPage(decodeURIComponent(m[1]))],
];

function route() {
  const hash = location.hash.split('?')[0] || '#/cluster';
  current.stop();
  showError(null);
  const main = document.getElementById('page');
  main.innerHTML = '';
  for (const a of document.querySelectorAll('header nav a')) {
    a.classList.toggle('active', hash.startsWith('#/' + a.dataset.page));
  }
  for (const [pattern, page] of routes) {
    const match = hash.match(pattern);
    if (match) {
      current = page(match)(main) || { stop() {} };
      return;
    }
  }
  location.hash = '#/cluster';
}

window.addEventListener('hashchange', route);
route();
showSession();
