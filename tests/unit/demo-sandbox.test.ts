import { beforeEach, describe, expect, it, type vi } from 'vitest';
import { browser } from 'wxt/browser';
import { disableSandbox, enableSandbox } from '../../lib/client/sandbox';
import { hubspot, SITES } from '../../lib/page/sites';
import { pageUrl } from '../../lib/page/sites/page-url';
import { SANDBOX_MATCHES, SANDBOX_SCRIPT_ID, sandboxView } from '../../lib/shared/sandbox';
import { syncSandboxRegistration } from '../../lib/worker/sandbox';
import { installSandboxBrowser, type SandboxBrowserState } from './sandbox-browser';
import { connectedStatus, workerForPages } from './worker-for-pages';

describe('sandboxView', () => {
  it.each([
    ['http://127.0.0.1:8787/sandbox/gmail/mail/u/0/#inbox', 'gmail', 'https://mail.google.com/mail/u/0/#inbox'],
    [
      'http://localhost:8790/sandbox/hubspot/contacts/12345678/record/0-1/501',
      'hubspot',
      'https://app.hubspot.com/contacts/12345678/record/0-1/501',
    ],
    [
      'http://127.0.0.1:8787/sandbox/salesforce/lightning/r/Contact/003Hs00004AnaLoAAA/view',
      'salesforce',
      'https://countersign-dev.lightning.force.com/lightning/r/Contact/003Hs00004AnaLoAAA/view',
    ],
    ['http://127.0.0.1:8787/sandbox/outlook', 'outlook', 'https://outlook.office.com/'],
  ])('%s is %s at %s', (url, site, real) => {
    const v = sandboxView(new URL(url), SITES);
    expect(v?.site).toBe(site);
    expect(v?.url.href).toBe(real);
  });

  it.each([
    'https://mail.google.com/mail/u/0/',
    'https://evil.example/sandbox/gmail/',
    'http://192.168.1.5:8787/sandbox/gmail/',
    'http://127.0.0.1:8787/sandbox/pipedrive/',
    'http://127.0.0.1:8787/v1/health',
  ])('%s is not a sandbox page', (url) => {
    expect(sandboxView(new URL(url), SITES)).toBeNull();
  });
});

describe('pageUrl', () => {
  it('is the real URL on a sandbox page and the page URL elsewhere', () => {
    const doc = (href: string) => ({ defaultView: { location: { href } } }) as unknown as Document;
    expect(
      pageUrl(doc('http://127.0.0.1:8787/sandbox/hubspot/contacts/1/record/0-1/2'), hubspot.descriptor)?.href,
    ).toBe('https://app.hubspot.com/contacts/1/record/0-1/2');
    expect(pageUrl(doc('https://app.hubspot.com/contacts/1/record/0-1/2'), hubspot.descriptor)?.href).toBe(
      'https://app.hubspot.com/contacts/1/record/0-1/2',
    );
    expect(pageUrl({ defaultView: null } as unknown as Document, hubspot.descriptor)).toBeNull();
  });
});

describe('enable / disable sandbox pages', () => {
  let sb: SandboxBrowserState;

  beforeEach(() => {
    sb = installSandboxBrowser();
    // The options page asks the permission; the worker's real handler registers the script.
    workerForPages(() => connectedStatus(null));
  });

  it('asks for the loopback permission, then runs the review script on the sandbox paths only', async () => {
    expect(await enableSandbox()).toBe(true);
    const script = sb.registered.get(SANDBOX_SCRIPT_ID);
    expect(script?.matches).toEqual(SANDBOX_MATCHES);
    expect(script?.js).toEqual(['content-scripts/review.js']);
    // Enabling twice updates rather than failing on the duplicate id.
    expect(await enableSandbox()).toBe(true);
    expect(sb.registered.size).toBe(1);
  });

  it('does nothing when the person declines', async () => {
    (browser.permissions.request as unknown as ReturnType<typeof vi.fn>).mockResolvedValueOnce(false);
    expect(await enableSandbox()).toBe(false);
    expect(sb.registered.size).toBe(0);
  });

  it('disables, and a worker start re-syncs the registration with the permission', async () => {
    await enableSandbox();
    sb.registered.clear(); // e.g. the extension was updated
    expect(await syncSandboxRegistration()).toBe(true);
    expect(sb.registered.has(SANDBOX_SCRIPT_ID)).toBe(true);
    await disableSandbox();
    expect(sb.registered.size).toBe(0);
    expect(sb.granted).toBe(false);
    expect(await syncSandboxRegistration()).toBe(false);
  });
});
