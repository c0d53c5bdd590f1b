/**
 * `drafts simulate` and `drafts import`: a stand-in for the AI pipeline (issue 5, item 4).
 * Both talk to a running server over the public API, as a real pipeline would. Progress and errors go
 * to stderr; stdout gets one summary line (or, with `--out`, nothing: the drafts go to the file).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DraftIn } from '../../lib/shared/schema';
import type { CliCommand } from '../cli';
import { generateDrafts } from '../demo';
import { PostError, postDrafts, summarizeRoutes } from '../demo/post';
import { demoToken, tokenFileFor } from '../demo/seed';

const DEFAULT_SERVER = 'http://127.0.0.1:8787';

interface Conn {
  url: string;
  token: string;
}

/** --server/--token, else $COUNTERSIGN_URL/$COUNTERSIGN_TOKEN, else the demo pipeline token `npm start` saved. */
function connection(values: { server?: string; token?: string }, err: (s: string) => void): Conn | null {
  const url = values.server ?? process.env.COUNTERSIGN_URL ?? DEFAULT_SERVER;
  const token = values.token ?? process.env.COUNTERSIGN_TOKEN ?? demoToken('demo-pipeline');
  if (!token) {
    err(
      `no token: pass --token <pipeline or admin token> (or set COUNTERSIGN_TOKEN); ` +
        `after \`npm start\` the demo pipeline token in ${tokenFileFor(process.env.DATABASE_URL)} is used`,
    );
    return null;
  }
  return { url, token };
}

function progressPrinter(err: (s: string) => void, label: string) {
  const isTty = process.stderr.isTTY === true;
  const started = Date.now();
  let last = 0;
  return ({ done, total }: { done: number; total: number }) => {
    const now = Date.now();
    if (done < total && now - last < 250 && isTty) return;
    last = now;
    const secs = (now - started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : done;
    const line = `${label} ${done}/${total} (${Math.round((done / total) * 100)}%, ${rate}/s)`;
    if (isTty) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
    else err(line);
  };
}

/**
 * A failure as one message. `where(i)` names draft i of the whole post (e.g. its line in the file),
 * so a server-side validation error points at the draft it is about.
 */
function describeFailure(e: unknown, where: (index: number) => string = (i) => `draft ${i + 1}`): string {
  if (e instanceof PostError) {
    const issues =
      typeof e.body === 'object' && e.body && 'error' in e.body
        ? ((e.body as { error: { issues?: { path?: unknown[]; message?: string }[] } }).error.issues ?? [])
        : [];
    const detail = issues
      .slice(0, 5)
      .map((i) => {
        const path = i.path ?? [];
        // Issues of POST /v1/drafts are at drafts.<index in the batch>.<field…>
        if (path[0] === 'drafts' && typeof path[1] === 'number')
          return `  ${where(e.offset + path[1])}: ${path.slice(2).join('.') || '(draft)'}: ${i.message}`;
        return `  ${path.join('.')}: ${i.message}`;
      })
      .join('\n');
    return `${e.message} (batch starting at ${where(e.offset)})${detail ? `\n${detail}` : ''}`;
  }
  if (e instanceof TypeError && /fetch failed/.test(e.message)) {
    return `cannot reach the server (${(e.cause as Error | undefined)?.message ?? e.message}); is it running? (npm start)`;
  }
  return e instanceof Error ? e.message : String(e);
}

const simulate: CliCommand = {
  usage:
    'drafts simulate [--count 500] [--workflow <name>] [--seed <s>] [--batch 100] [--server URL] [--token T] [--out file.jsonl]',
  async run(args, { out, err }) {
    const { values } = parseArgs({
      args,
      options: {
        count: { type: 'string', default: '500' },
        workflow: { type: 'string' },
        seed: { type: 'string' },
        batch: { type: 'string', default: '100' },
        server: { type: 'string' },
        token: { type: 'string' },
        out: { type: 'string' },
      },
      strict: true,
    });
    const count = Number(values.count);
    const batch = Number(values.batch);
    if (!Number.isInteger(count) || count < 1 || count > 1_000_000) {
      err('--count must be a whole number from 1 to 1000000');
      return 2;
    }
    if (!Number.isInteger(batch) || batch < 1 || batch > 500) {
      err('--batch must be a whole number from 1 to 500');
      return 2;
    }
    if (values.workflow !== undefined && !/^[A-Za-z0-9._-]{1,100}$/.test(values.workflow)) {
      err('--workflow: letters, digits and . _ - only');
      return 2;
    }
    // A fresh seed per run unless given, so repeated runs post new drafts (ids are per run).
    const seed = values.seed ?? randomBytes(4).toString('hex');
    const drafts = generateDrafts({
      count,
      seed,
      idPrefix: `sim-${seed}`,
      ...(values.workflow ? { workflow: values.workflow } : {}),
    });
    if (values.out) {
      writeFileSync(values.out, `${drafts.map((d) => JSON.stringify(d)).join('\n')}\n`);
      err(`wrote ${count} drafts to ${values.out}`);
      return 0;
    }
    const conn = connection(values, err);
    if (!conn) return 2;
    try {
      const results = await postDrafts({
        ...conn,
        drafts,
        batchSize: batch,
        onProgress: progressPrinter(err, 'posted'),
      });
      const routes = summarizeRoutes(results);
      out(
        `posted ${results.length} drafts (seed ${seed}): ` +
          Object.entries(routes)
            .map(([k, v]) => `${v} ${k}`)
            .join(', '),
      );
      return 0;
    } catch (e) {
      err(describeFailure(e));
      return 1;
    }
  },
};

export interface LineError {
  line: number;
  message: string;
}

/** Parses a JSONL file of drafts; blank lines are skipped; errors carry 1-based line numbers. */
export function parseDraftsJsonl(text: string): { drafts: { line: number; draft: DraftIn }[]; errors: LineError[] } {
  const drafts: { line: number; draft: DraftIn }[] = [];
  const errors: LineError[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      errors.push({ line, message: `not valid JSON (${(e as Error).message})` });
      return;
    }
    const r = DraftIn.safeParse(value);
    if (!r.success) {
      const msg = r.error.issues
        .slice(0, 3)
        .map((iss) => `${iss.path.length ? iss.path.join('.') : '(draft)'}: ${iss.message}`)
        .join('; ');
      errors.push({ line, message: msg });
      return;
    }
    drafts.push({ line, draft: r.data });
  });
  return { drafts, errors };
}

const importCmd: CliCommand = {
  usage: 'drafts import <file.jsonl> [--dry-run] [--batch 100] [--server URL] [--token T]',
  async run(args, { out, err }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        batch: { type: 'string', default: '100' },
        server: { type: 'string' },
        token: { type: 'string' },
      },
      strict: true,
    });
    const file = positionals[0];
    if (!file) {
      err(`usage: npm run -s cli -- ${this.usage}`);
      return 2;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      err(`cannot read ${file}: ${(e as Error).message}`);
      return 2;
    }
    const { drafts, errors } = parseDraftsJsonl(text);
    for (const e of errors) err(`${file}:${e.line}: ${e.message}`);
    // Duplicated externalIds inside one file would be silently folded by the server's idempotency.
    const seen = new Map<string, number>();
    for (const d of drafts) {
      const first = seen.get(d.draft.externalId);
      if (first !== undefined) err(`${file}:${d.line}: externalId "${d.draft.externalId}" repeats line ${first}`);
      else seen.set(d.draft.externalId, d.line);
    }
    if (values['dry-run']) {
      out(`${drafts.length} valid, ${errors.length} invalid (dry run: nothing posted)`);
      return errors.length ? 1 : 0;
    }
    if (drafts.length === 0) {
      out(`0 valid, ${errors.length} invalid: nothing posted`);
      return errors.length ? 1 : 0;
    }
    const conn = connection(values, err);
    if (!conn) return 2;
    const batch = Number(values.batch);
    try {
      const results = await postDrafts({
        ...conn,
        drafts: drafts.map((d) => d.draft),
        batchSize: Number.isInteger(batch) && batch >= 1 && batch <= 500 ? batch : 100,
        onProgress: progressPrinter(err, 'posted'),
      });
      const routes = summarizeRoutes(results);
      out(
        `posted ${results.length} drafts, ${errors.length} invalid line${errors.length === 1 ? '' : 's'} skipped: ` +
          Object.entries(routes)
            .map(([k, v]) => `${v} ${k}`)
            .join(', '),
      );
      return errors.length ? 1 : 0;
    } catch (e) {
      err(describeFailure(e, (n) => `${file}:${drafts[n]?.line ?? '?'}`));
      return 1;
    }
  },
};

/** Added to the CLI's command table in server/cli.ts. */
export const draftCommands: Record<string, CliCommand> = {
  'drafts simulate': simulate,
  'drafts import': importCmd,
};
