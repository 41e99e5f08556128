// A stand-in for Teams around the dashboard tab, and for the tenant's sign-in service.
//
// Teams hosts a tab in an iframe and talks to Microsoft's teams-js inside it by postMessage:
// the library sends {id, func, args} to its parent and waits for {id, args} back. The host
// page here (served by the browser's request routing at https://teams.microsoft.com, one of
// the origins teams-js trusts) answers `initialize`, `getContext`,
// `authentication.getAuthToken` and `executeDeepLink`, and can send `themeChange`. The token
// it hands out is signed with a key generated for the run, published as the tenant's keys
// (a JWKS) by a loopback HTTP server the bot is pointed at: the bot checks it as it would
// Entra's.
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

export const HOST_ORIGIN = 'https://teams.microsoft.com';
export const TENANT = '00000000-0000-0000-0000-0000000000001';

const base64url = (data) => Buffer.from(data).toString('base64url');

/** A signing key and a loopback server publishing it as a JWKS at `${url}`. */
export async function startTenantKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `e2e-${randomUUID()}`;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  const server = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/discovery/v2.0/keys`,
    /** A tab SSO token as Entra issues it (v2), for `audience`, about `user`. */
    token({ audience, oid, name, tenant = TENANT }) {
      const now = Math.floor(Date.now() / 1000);
      const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
      const claims = base64url(JSON.stringify({
        aud: audience,
        iss: `https://login.microsoftonline.com/${tenant}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + 3600,
        tid: tenant,
        oid,
        name,
        scp: 'access_as_user',
        ver: '2.0',
      }));
      const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(privateKey);
      return `${header}.${claims}.${base64url(signature)}`;
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The host page: the tab in a full-window iframe, and Teams' side of the conversation. */
export function hostPage({ tabUrl, token, theme = 'default', userObjectId, entityId = 'stepforward-dashboard' }) {
  const tab = new URL(tabUrl);
  const runtime = {
    apiVersion: 4,
    isLegacyTeams: false,
    supports: { appInitialization: {}, authentication: {}, pages: { config: {}, tabs: {} }, teamsCore: {} },
  };
  const context = {
    locale: 'en-gb',
    theme,
    entityId,
    tid: TENANT,
    userObjectId,
    hostClientType: 'web',
    frameContext: 'content',
    hostName: 'Teams',
  };
  const host = { tabOrigin: tab.origin, token, runtime: JSON.stringify(runtime), context };
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Teams (test host)</title>
<style>html, body { margin: 0; height: 100%; } iframe { border: 0; width: 100%; height: 100%; display: block; }</style>
</head><body>
<iframe id="tab" src="${tab.href}" title="Step Forward"></iframe>
<script>
  const host = ${JSON.stringify(host)};
  const frame = document.getElementById('tab');
  window.hostCalls = [];
  window.addEventListener('message', (event) => {
    const message = event.data;
    if (event.origin !== host.tabOrigin || !message || typeof message.func !== 'string') return;
    window.hostCalls.push({ func: message.func, args: message.args });
    if (typeof message.id !== 'number') return;
    const reply = (args) => event.source.postMessage(
      { id: message.id, uuidAsString: message.uuidAsString, args }, event.origin);
    switch (message.func) {
      case 'initialize': reply(['content', 'web', host.runtime, '2.58.0']); break;
      case 'getContext': reply([host.context]); break;
      case 'authentication.getAuthToken': reply(host.token ? [true, host.token] : [false, 'resourceRequiresConsent']); break;
      case 'executeDeepLink': reply([true]); break;
      case 'registerHandler': break;
      default: reply([]);
    }
  });
  window.setTheme = (theme) => frame.contentWindow.postMessage({ func: 'themeChange', args: [theme] }, host.tabOrigin);
</script>
</body></html>`;
}
