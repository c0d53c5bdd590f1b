import type { DraftIn } from '../schema/draft';
import type { CanaryKind } from '../schema/governance';
import { mulberry32 } from './stats';

/**
 * Canary drafts (issue 6): known-bad variants of real drafts, mixed into reviewers' queues to
 * measure whether they still read. Each variant plants one error a careful reviewer can see from
 * the draft and its context: a company that is not the account, a fact contradicted by the
 * evidence, a price nobody approved, or a recipient who is not the target.
 */

export const CANARY_KINDS: readonly CanaryKind[] = ['wrong_company', 'stale_fact', 'wrong_price', 'wrong_recipient'];

/** Plausible but unrelated companies and people, used when the caller has none of its own to swap in. */
const DECOY_COMPANIES = [
  'Northwind Traders',
  'Globex',
  'Initech',
  'Umbrella Logistics',
  'Vandelay Industries',
  'Hooli',
];
const DECOY_PEOPLE = ['Marcus', 'Priya', 'Tomasz', 'Chloe', 'Kenji', 'Amara'];

export interface CanaryOptions {
  /** Seed for the choice of kind and substitutes (reproducible canaries). */
  seed: number;
  /** Force one kind; otherwise kinds are tried in a seeded order until one applies. */
  kind?: CanaryKind;
  /** Other account names in the same workflow: the most convincing wrong company is a real one. */
  otherCompanies?: string[];
  /** The current year, injectable for tests; stale facts move years back from it. */
  year?: number;
}

export interface Canary {
  draft: DraftIn;
  kind: CanaryKind;
  /** What was planted, for the admin's eyes only (never sent with the draft). */
  description: string;
}

type Rng = () => number;

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[Math.floor(rng() * list.length) % list.length]!;
}

function shuffle<T>(list: T[], rng: Rng): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An id shaped like the original (same separators, character classes and length), so the queue gives nothing away. */
export function lookalikeId(original: string, rng: Rng): string {
  const randomise = (segment: string) => {
    let out = '';
    for (const ch of segment) {
      if (/[0-9]/.test(ch)) out += String(Math.floor(rng() * 10));
      else if (/[a-f]/.test(ch)) out += 'abcdef'[Math.floor(rng() * 6)];
      else if (/[g-z]/.test(ch)) out += 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rng() * 26)];
      else if (/[A-Z]/.test(ch)) out += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[Math.floor(rng() * 26)];
      else out += ch;
    }
    return out;
  };
  // A leading all-letter segment is the pipeline's fixed prefix ("ext-", "crm_"): keep it.
  const parts = original.split(/([-_.:/])/);
  const once = () =>
    parts
      .map((p, i) => ((i === 0 && /^[A-Za-z]+$/.test(p) && parts.length > 1) || /^[-_.:/]$/.test(p) ? p : randomise(p)))
      .join('');
  // Short ids can come out unchanged by chance: draw again; only an id with nothing to vary gets a digit.
  for (let i = 0; i < 20; i++) {
    const out = once();
    if (out !== original) return out;
  }
  return `${original}${Math.floor(rng() * 10)}`;
}

/** The text fields of a draft a reviewer reads, as get/set pairs over a copy. */
function textSlots(d: DraftIn): { get: () => string; set: (v: string) => void; name: string }[] {
  if (d.kind === 'email') {
    const c = d.content;
    return [
      {
        name: 'subject',
        get: () => c.subject,
        set: (v) => {
          c.subject = v;
        },
      },
      {
        name: 'body',
        get: () => c.body,
        set: (v) => {
          c.body = v;
        },
      },
    ];
  }
  if (d.kind === 'note') {
    const c = d.content;
    return [
      {
        name: 'text',
        get: () => c.text,
        set: (v) => {
          c.text = v;
        },
      },
    ];
  }
  return d.content.fields.map((f) => ({
    name: f.name,
    get: () => f.value,
    set: (v) => {
      f.value = v;
    },
  }));
}

function replaceEverywhere(d: DraftIn, from: RegExp, to: (m: string) => string): number {
  let count = 0;
  for (const slot of textSlots(d)) {
    const v = slot.get();
    const next = v.replace(from, (m) => {
      count++;
      return to(m);
    });
    if (next !== v) slot.set(next);
  }
  return count;
}

function appendSentence(d: DraftIn, sentence: string): boolean {
  if (d.kind === 'email') {
    const body = d.content.body;
    // Before the sign-off when there is one, so the sentence reads as part of the pitch.
    const m = /\n\s*\n(?=[^\n]*\n?[^\n]*$)/.exec(body);
    d.content.body = m ? `${body.slice(0, m.index)} ${sentence}${body.slice(m.index)}` : `${body} ${sentence}`;
    return true;
  }
  if (d.kind === 'note') {
    d.content.text = `${d.content.text} ${sentence}`.trim();
    return true;
  }
  return false;
}

function wrongCompany(d: DraftIn, rng: Rng, opts: CanaryOptions): string | null {
  const names = [d.account.name, d.target.company].filter((x): x is string => !!x && x.length >= 2);
  const pool = (opts.otherCompanies ?? []).filter((c) => !names.some((n) => n.toLowerCase() === c.toLowerCase()));
  const decoy = pick(rng, pool.length > 0 ? pool : DECOY_COMPANIES.filter((c) => !names.includes(c)));
  let changed = 0;
  for (const name of names) changed += replaceEverywhere(d, new RegExp(escapeRe(name), 'gi'), () => decoy);
  if (changed === 0) {
    if (d.kind === 'crm_update') {
      const f = d.content.fields.find((x) => /company|account|organi[sz]ation/i.test(x.name));
      if (!f) return null;
      f.value = decoy;
    } else if (!appendSentence(d, `Teams like yours at ${decoy} usually see results within a month.`)) return null;
  }
  return `Mentions ${decoy} instead of ${d.account.name}.`;
}

function staleFact(d: DraftIn, rng: Rng, opts: CanaryOptions): string | null {
  const year = opts.year ?? new Date().getUTCFullYear();
  const back = 2 + Math.floor(rng() * 3);
  // A recent year moved back: "your 2026 expansion" becomes a 2023 one the evidence contradicts.
  let detail = '';
  const years = replaceEverywhere(d, /\b(20[0-9]{2})\b/g, (m) => {
    const y = Number(m);
    if (y < year - 2) return m;
    detail = `${m} → ${y - back}`;
    return String(y - back);
  });
  if (years > 0 && detail) return `A date moved back (${detail}): the fact is out of date.`;
  // Otherwise a number the evidence backs, changed (headcount, funding, growth).
  const evidenceText = d.evidence.map((e) => e.snippet).join(' ');
  for (const slot of textSlots(d)) {
    const v = slot.get();
    const m = /\b(\d{2,}(?:,\d{3})*)\b/.exec(v);
    if (m && evidenceText.includes(m[1]!)) {
      const n = Number(m[1]!.replace(/,/g, ''));
      const stale = Math.max(1, Math.round(n * (0.4 + rng() * 0.3)));
      slot.set(v.slice(0, m.index) + stale.toLocaleString('en-US') + v.slice(m.index + m[1]!.length));
      return `A figure from the evidence changed (${m[1]} → ${stale}): the fact is stale.`;
    }
  }
  return null;
}

function wrongPrice(d: DraftIn, rng: Rng): string | null {
  let detail = '';
  const money = /([$€£])\s?(\d[\d,]*(?:\.\d+)?)(\s?[kKmM])?/g;
  const n = replaceEverywhere(d, money, (m) => {
    const parts = /([$€£])\s?(\d[\d,]*(?:\.\d+)?)(\s?[kKmM])?/.exec(m)!;
    const value = Number(parts[2]!.replace(/,/g, ''));
    const factor = rng() < 0.5 ? 0.5 : 3;
    const next = Math.round(value * factor * 100) / 100;
    const out = `${parts[1]}${next.toLocaleString('en-US')}${parts[3] ?? ''}`;
    if (!detail) detail = `${m} → ${out}`;
    return out;
  });
  if (n > 0) return `A price changed (${detail}).`;
  if (d.kind === 'crm_update') {
    const f = d.content.fields.find(
      (x) => /amount|price|value|arr|mrr|budget|deal/i.test(x.name) && /\d/.test(x.value),
    );
    if (!f) return null;
    const before = f.value;
    f.value = before.replace(/\d[\d,]*(?:\.\d+)?/, (x) => String(Math.round(Number(x.replace(/,/g, '')) * 3)));
    return `A price field changed (${before} → ${f.value}).`;
  }
  const discount = pick(rng, [40, 50, 60]);
  if (!appendSentence(d, `I can also lock in ${discount}% off list price if you sign this month.`)) return null;
  return `Offers an unapproved ${discount}% discount.`;
}

function wrongRecipient(d: DraftIn, rng: Rng): string | null {
  const first = d.target.name?.split(/\s+/)[0];
  const decoy = pick(
    rng,
    DECOY_PEOPLE.filter((p) => p !== first),
  );
  if (d.kind === 'email') {
    const c = d.content;
    let what = '';
    if (c.to?.includes('@')) {
      const [, domain] = c.to.split('@');
      c.to = `${decoy.toLowerCase()}@${domain}`;
      what = `addressed to ${c.to}`;
    }
    if (first && first.length >= 2) {
      const n = replaceEverywhere(d, new RegExp(`\\b${escapeRe(first)}\\b`, 'g'), () => decoy);
      if (n > 0) what = what ? `${what}, greets ${decoy}` : `greets ${decoy}`;
    } else {
      const n = replaceEverywhere(d, /^(Hi|Hello|Hey|Dear)\s+([A-Z][a-z]+)/m, (m) => m.replace(/\s+\S+$/, ` ${decoy}`));
      if (n > 0) what = what ? `${what}, greets ${decoy}` : `greets ${decoy}`;
    }
    return what ? `Wrong recipient: ${what} instead of ${d.target.name ?? d.target.email ?? 'the target'}.` : null;
  }
  if (d.kind === 'crm_update') {
    const f = d.content.fields.find((x) => /email|contact|owner|name/i.test(x.name));
    if (!f) return null;
    const before = f.value;
    f.value = f.value.includes('@') ? `${decoy.toLowerCase()}@${f.value.split('@')[1]}` : decoy;
    return `Wrong contact (${before} → ${f.value}).`;
  }
  if (first && new RegExp(`\\b${escapeRe(first)}\\b`).test(d.content.text)) {
    replaceEverywhere(d, new RegExp(`\\b${escapeRe(first)}\\b`, 'g'), () => decoy);
    return `Names ${decoy} instead of ${first}.`;
  }
  return null;
}

/**
 * A known-bad copy of `original`, or null when no kind applies. The copy keeps the original's
 * confidence, rationale and evidence, so it cannot be told apart in the queue except by reading it;
 * only `externalId` changes (to an id of the same shape).
 */
export function makeCanary(original: DraftIn, options: CanaryOptions): Canary | null {
  const rng = mulberry32(options.seed);
  const order = options.kind ? [options.kind] : shuffle([...CANARY_KINDS], rng);
  for (const kind of order) {
    const d = structuredClone(original);
    const description =
      kind === 'wrong_company'
        ? wrongCompany(d, rng, options)
        : kind === 'stale_fact'
          ? staleFact(d, rng, options)
          : kind === 'wrong_price'
            ? wrongPrice(d, rng)
            : wrongRecipient(d, rng);
    if (description && JSON.stringify(d.content) !== JSON.stringify(original.content)) {
      d.externalId = lookalikeId(original.externalId, rng);
      return { draft: d, kind, description };
    }
  }
  return null;
}

/**
 * How many canaries to add next to one real draft entering a review queue, so that canaries make up
 * `canaryRate` of the queue on average: r / (1 − r) per real draft, drawn as a Bernoulli for the
 * fractional part (e.g. 5% of the queue = one canary per 19 real drafts).
 */
export function canariesFor(canaryRate: number, rng: Rng): number {
  if (canaryRate <= 0) return 0;
  const perReal = canaryRate >= 0.5 ? 1 : canaryRate / (1 - canaryRate);
  const whole = Math.floor(perReal);
  return whole + (rng() < perReal - whole ? 1 : 0);
}
