/**
 * The supported sites' match patterns: the manifest's host permissions (wxt.config.ts) and the
 * content scripts' `matches`. Only these sites, never `<all_urls>`.
 */
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
