import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app';
import { startTestServer, type TestServer } from '../helpers/server';
import { draftIn } from './fixtures';

// Request bodies are read once, straight from Node's request (server/middleware/body.ts); the limit holds
// whether the size is declared or streamed, and the error bodies are the contract's.

const LIMIT = 20_000;

/** A POST whose body is sent in chunks with no Content-Length (Transfer-Encoding: chunked). */
function postChunked(
  url: string,
  token: string,
  chunks: Array<string | Buffer>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/drafts`,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('request bodies', () => {
  let s: TestServer;
  let pipeline: string;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { bodyLimitBytes: LIMIT });
    pipeline = await s.token('pipeline');
  });
  afterAll(() => s?.close());

  it('a streamed body over the limit gets 413, one under it is read whole', async () => {
    const big = JSON.stringify({ drafts: Array.from({ length: 60 }, () => draftIn()) });
    expect(big.length).toBeGreaterThan(LIMIT);
    const over = await postChunked(s.url, pipeline, big.match(/[\s\S]{1,4096}/g)!);
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body).error.code).toBe('payload_too_large');

    const small = JSON.stringify({ drafts: [draftIn(), draftIn()] });
    const ok = await postChunked(s.url, pipeline, small.match(/[\s\S]{1,100}/g)!);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).results).toHaveLength(2);
  });

  it('JSON with a byte order mark is read; malformed JSON is a 400 with the error body', async () => {
    const bom = await s.api('/v1/drafts', {
      token: pipeline,
      body: `\ufeff${JSON.stringify({ drafts: [draftIn()] })}`,
    });
    expect(bom.status).toBe(200);
    const bad = await s.api('/v1/drafts', { token: pipeline, body: '{"drafts": [' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'invalid_json', message: 'Malformed JSON in request body' });
    // A multi-byte character split across chunks arrives whole.
    const name = 'Zoë Ångström 日本';
    const body = JSON.stringify({ drafts: [draftIn({ account: { name } })] });
    const at = body.indexOf('ë') + 1; // inside the two bytes of ë
    const split = Buffer.from(body);
    const cut = Buffer.byteLength(body.slice(0, at)) - 1;
    const r = await postChunked(s.url, pipeline, [split.subarray(0, cut), split.subarray(cut)]);
    expect(r.status).toBe(200);
    const stored = await s.store.db
      .selectFrom('drafts')
      .select('input_json')
      .where('id', '=', JSON.parse(r.body).results[0].id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(stored.input_json).account.name).toBe(name);
  });

  it('outside Node’s server (app.request) the body is read from the web Request with the same limit and checks', async () => {
    const app = createApp({ store: s.store, bodyLimitBytes: LIMIT });
    const post = (body: string) =>
      app.request('/v1/drafts', {
        method: 'POST',
        headers: { authorization: `Bearer ${pipeline}`, 'content-type': 'application/json' },
        body,
      });
    const over = await post(JSON.stringify({ drafts: Array.from({ length: 60 }, () => draftIn()) }));
    expect(over.status).toBe(413);
    expect((await over.json()).error.code).toBe('payload_too_large');
    const ok = await post(JSON.stringify({ drafts: [draftIn()] }));
    expect(ok.status).toBe(200);
    const nul = await post(JSON.stringify({ drafts: [draftIn({ content: { subject: 's', body: 'a\u0000b' } })] }));
    expect(nul.status).toBe(400);
    expect((await nul.json()).error.code).toBe('invalid_input');
  });
});
