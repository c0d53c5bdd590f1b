import { defineConfig } from 'wxt';

// Host permissions cover only the supported sites (issue 3: never <all_urls>).
// The review server is reached through CORS, so no host permission is needed for it.
export const SITE_MATCHES = [
  'https://mail.google.com/*',
  'https://outlook.office.com/*',
  'https://outlook.office365.com/*',
  'https://outlook.live.com/*',
  'https://app.hubspot.com/*',
  'https://app-eu1.hubspot.com/*',
  'https://*.lightning.force.com/*',
  'https://*.my.salesforce.com/*',
];

export default defineConfig({
  // Explicit imports everywhere: the server shares lib/ and must not depend on WXT globals.
  imports: false,
  modules: ['@wxt-dev/module-react', '@wxt-dev/webextension-polyfill'],
  manifest: {
    name: 'Countersign',
    description: 'Review AI-written sales drafts where you work: approve, edit or reject, applied in place.',
    // `scripting`: "Enable sandbox pages" registers the review script on the loopback sandbox at run
    // time (lib/sandbox.ts), only after the person grants the optional loopback host permission.
    permissions: ['storage', 'alarms', 'unlimitedStorage', 'scripting'],
    host_permissions: SITE_MATCHES,
    optional_host_permissions: ['http://localhost/*', 'http://127.0.0.1/*'],
  },
});
