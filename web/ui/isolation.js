// Cross-origin isolation (the `isolate` setting), through coi-serviceworker. Static hosts such
// as GitHub Pages cannot send COOP/COEP headers; coi-serviceworker adds them from a service
// worker, which needs one reload to take over. It must live next to index.html: a service
// worker only controls pages under its own folder.

import { el } from './dom.js';

/**
 * Make the page cross-origin isolated (or stop) as `wanted` says; returns what happens:
 * "unsupported", "isolated", "starting" (coi-serviceworker reloads the page itself), "off" or
 * "stopping" (this reloads the page).
 */
export async function applyIsolation(wanted) {
  if (!('serviceWorker' in navigator)) return 'unsupported';
  if (wanted) {
    if (window.crossOriginIsolated) return 'isolated';
    // coi's default policy in Chromium is COEP require-corp: same-origin files and CORS requests
    // (the worker's image fetches, the sidecar's API and audio) pass; no-cors media from other
    // sites without a CORP header do not. (Its "credentialless" mode is not used: the worker
    // forgets it whenever the browser stops it, so pages would get either policy.)
    Object.assign(window, { coi: { quiet: true } });
    document.head.append(el('script', { src: new URL('coi-serviceworker.min.js', document.baseURI).href }));
    return 'starting';
  }
  const registrations = await navigator.serviceWorker.getRegistrations();
  const ours = registrations.filter((r) => /coi-serviceworker(\.min)?\.js$/.test(r.active?.scriptURL || ''));
  if (ours.length === 0) return 'off';
  await Promise.all(ours.map((r) => r.unregister()));
  // The page is still controlled by the worker it just unregistered: reload without it.
  if (navigator.serviceWorker.controller) window.location.reload();
  return 'stopping';
}
