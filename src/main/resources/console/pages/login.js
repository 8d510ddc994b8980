// Log in with a user of the cluster (as the gRPC and Kafka listeners check them), then back to
// the page that asked for it.
import { api, esc, hashParams, showSession } from '../lib.js';

export function loginPage() {
  return main => {
    main.innerHTML = `<h1>Log in</h1>
      <form id="login" class="inline">
        <label>User <input name="user" autocomplete="username" required></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
        <button type="submit">Log in</button>
      </form>
      <div id="login-result"></div>`;
    const form = main.querySelector('#login');
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        await api('/login', { method: 'POST', body: { user: data.get('user'), password: data.get('password') } });
        await showSession();
        location.hash = hashParams().get('then') || '#/cluster';
      } catch (e) {
        main.querySelector('#login-result').innerHTML = `<div class="error">${esc(e.message)}</div>`;
      }
    });
  };
}
