/**
 * The console's entry: a hash router (`#/failures`, `#/messages/<id>`…) over views that each
 * render into <main>. Signed out, the sign-in view shows whatever was asked.
 */
import { session, signOut, whenUnauthenticated } from './api.js';
import { problemBox, show } from './dom.js';
import { auditView } from './views/audit.js';
import { deliveriesView } from './views/deliveries.js';
import { deliveryView } from './views/delivery.js';
import { failuresView } from './views/failures.js';
import { messageView } from './views/message.js';
import { messagesView } from './views/messages.js';
import { reportsView } from './views/reports.js';
import { signInView } from './views/sign-in.js';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const who = /** @type {HTMLElement} */ (document.getElementById('who'));
const account = /** @type {HTMLElement} */ (document.getElementById('account'));

/** [path pattern, view(main, params, ...captures)] */
const ROUTES = [
  [/^\/failures$/, failuresView],
  [/^\/messages$/, messagesView],
  [/^\/messages\/([0-9a-fA-F-]{36})$/, messageView],
  [/^\/deliveries$/, deliveriesView],
  [/^\/deliveries\/([0-9a-fA-F-]{36})$/, deliveryView],
  [/^\/audit$/, auditView],
  [/^\/reports$/, reportsView],
];

/** The current location: its path and its query parameters. */
function location() {
  const hash = window.location.hash.replace(/^#/, '') || '/failures';
  const [path = '/failures', search = ''] = hash.split('?');
  return { path, params: new URLSearchParams(search) };
}

let rendering = 0;

async function render() {
  const turn = ++rendering;
  const signedIn = Boolean(session.clientId);
  nav.hidden = !signedIn;
  account.hidden = !signedIn;
  who.textContent = signedIn ? `signed in as ${session.clientId ?? ''}` : '';
  if (!signedIn) {
    signInView(main, render);
    return;
  }
  const { path, params } = location();
  for (const [pattern, view] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    try {
      await view(main, params, ...match.slice(1));
    } catch (error) {
      // A newer navigation has already replaced this view: its error no longer matters.
      if (turn === rendering) show(main, problemBox(error));
    }
    return;
  }
  window.location.hash = '#/failures';
}

whenUnauthenticated(() => {
  session.clear();
  render();
});

document.getElementById('sign-out')?.addEventListener('click', async () => {
  await signOut();
  window.location.hash = '#/failures';
  render();
});

window.addEventListener('hashchange', render);
render();
