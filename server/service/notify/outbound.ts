import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where the server may post a Slack-compatible notification. Any reviewer sets such a URL for
 * themselves (PUT /v1/me/notifications), and the server then posts to it from inside the team's
 * network: without a check, a person could aim it at the cloud's metadata service, the database's
 * admin port or any internal API (server-side request forgery). So a notification URL must reach a
 * public address, unless the deployment names the host in COUNTERSIGN_NOTIFY_ALLOW_HOSTS (a comma
 * list of host names or IP addresses, `*` for any: e.g. a Mattermost on the office network).
 *
 * Checked when the URL is saved (a clear 400) and again on every send, on the addresses the
 * connection really uses (a `lookup` that refuses them), so a name that later resolves elsewhere
 * (DNS rebinding) gets nothing either. Webhook subscriptions are not covered: only admins create
 * them, and the AI pipeline they reach usually is internal.
 */

/** Ranges that are not the public internet (IANA special-purpose registries). */
const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const)
  NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const)
  NOT_PUBLIC.addSubnet(net, bits, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIpv4(address: string): string | null {
  const m = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return m[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const [hi, lo] = [Number.parseInt(hex[1]!, 16), Number.parseInt(hex[2]!, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Whether `address` (an IP address) is on the public internet. */
export function isPublicAddress(address: string): boolean {
  const v4 = isIP(address) === 6 ? embeddedIpv4(address) : address;
  if (v4 && isIP(v4) === 4) return !NOT_PUBLIC.check(v4, 'ipv4');
  if (isIP(address) === 6) return !NOT_PUBLIC.check(address, 'ipv6');
  return false;
}

/** The hosts the deployment allows whatever they resolve to (COUNTERSIGN_NOTIFY_ALLOW_HOSTS). */
function allowedHosts(env: NodeJS.ProcessEnv = process.env): { any: boolean; hosts: Set<string> } {
  const list = (env.COUNTERSIGN_NOTIFY_ALLOW_HOSTS ?? '')
    .split(',')
    .map((h) =>
      h
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, ''),
    )
    .filter(Boolean);
  return { any: list.includes('*'), hosts: new Set(list) };
}

/** A URL's host as compared with the allow list and given to the resolver (no IPv6 brackets). */
const hostOf = (url: URL) => url.hostname.toLowerCase().replace(/^\[|\]$/g, '');

function allowed(host: string): boolean {
  const a = allowedHosts();
  return a.any || a.hosts.has(host);
}

export class OutboundRefused extends Error {
  readonly code = 'COUNTERSIGN_OUTBOUND_REFUSED';
}

const refusal = (host: string, address: string) =>
  new OutboundRefused(
    `${host} is a private, loopback or reserved address (${address}), which notifications are not sent to; ` +
      'an administrator can allow the host with COUNTERSIGN_NOTIFY_ALLOW_HOSTS',
  );

/** `dns.lookup` that refuses a host resolving to any address that is not public (unless allowed). */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => !isPublicAddress(a.address));
    if (bad && !allowed(hostname.toLowerCase())) return callback(refusal(hostname, bad.address), '', 4);
    if ((options as dns.LookupOptions).all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
    callback(null, first.address, first.family);
  });
};

/**
 * Checks a notification URL when it is saved: http(s), no credentials, and a host that is not, or
 * does not resolve to, a private address (unless allowed). Throws with a message fit for the person
 * who typed it. A name that does not resolve now is accepted: the send checks again.
 */
export async function checkNotifyUrl(target: string): Promise<void> {
  const url = URL.canParse(target) ? new URL(target) : null;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new OutboundRefused('a Slack-compatible webhook target is an http(s) URL');
  if (url.username || url.password) throw new OutboundRefused('a webhook URL must not carry a user name or password');
  const host = hostOf(url);
  if (allowed(host)) return;
  if (isIP(host)) {
    if (!isPublicAddress(host)) throw refusal(host, host);
    return;
  }
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true });
  } catch {
    // Not resolvable from here now (no DNS at hand, a name that exists only later): accepted; every
    // send checks again on the addresses it connects to.
    return;
  }
  const bad = addresses.find((a) => !isPublicAddress(a.address));
  if (bad) throw refusal(host, bad.address);
}

/**
 * POSTs `body` as JSON to a notification URL, connecting only to addresses the check above allows;
 * resolves with the answer's status. An IP literal is checked here (no lookup happens for it).
 */
export function postNotification(target: string, body: unknown, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(target);
    const host = hostOf(url);
    if (isIP(host) && !isPublicAddress(host) && !allowed(host)) return reject(refusal(host, host));
    const payload = Buffer.from(JSON.stringify(body));
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
        lookup: guardedLookup,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(deadline);
          resolve(res.statusCode ?? 0);
        });
        res.on('error', reject);
      },
    );
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.end(payload);
  });
}
