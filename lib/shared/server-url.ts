/**
 * The server URL a person types on the options page: normalised, checked for transport, and
 * recognised under another spelling (issue 13 items 5 and 8).
 */

/** Normalises what a person typed into "Server URL"; `null` when it is not an http(s) URL. */
export function normaliseServerUrl(input: string): string | null {
  const trimmed = input.trim();
  if (!trimmed) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  // Drop trailing slashes, query and hash (API paths are appended to this base), and a pasted
  // API prefix (`…/v1`): the base is where `/v1/…` lives.
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/i, '');
  return `${url.origin}${path}`;
}

/** localhost, 127.0.0.0/8 and ::1: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return !!m && Number(m[1]) === 127 && m.slice(2).every((x) => Number(x) <= 255);
}

/**
 * Why this (normalised) URL may not carry an access token and people's decisions, or null when it
 * may: plain HTTP only to this machine; anything that leaves it must be HTTPS.
 */
export function transportProblem(serverUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return 'Enter the full server address, starting with https://.';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  return `Plain http:// is only allowed for a server on this computer (localhost, 127.0.0.1, ::1). ${url.host} would receive your access token and decisions unencrypted: use https://${url.host}${url.pathname === '/' ? '' : url.pathname}.`;
}

/**
 * One server under two spellings: the same scheme, port and path, and the same host — where every
 * loopback name (localhost, 127.x, ::1) counts as one host. Hosts compare case-insensitively (URL does that).
 */
export function sameServer(a: string, b: string): boolean {
  const ka = serverIdentity(a);
  return ka !== null && ka === serverIdentity(b);
}

function serverIdentity(raw: string): string | null {
  const n = normaliseServerUrl(raw);
  if (!n) return null;
  const url = new URL(n);
  const host = isLoopbackHost(url.hostname) ? 'loopback' : url.hostname;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.protocol}//${host}:${port}${url.pathname.replace(/\/+$/, '')}`;
}
