import type { DraftIn, Evidence, Site, Trigger } from '../../lib/shared/schema';
import { COMPANIES, COMPETITORS, type DemoCompany, type DemoContact, PRODUCT, SEGMENTS, SENDERS } from './catalog';
import { createRng, type Rng } from './random';
import { DEMO_OWNER_ID, DEMO_WORKFLOWS, ZONE_BOUNDS } from './users';

/** Where a draft's confidence falls under the demo policies (see `ZONE_BOUNDS`). */
export type Zone = 'manual' | 'review' | 'auto';
/** The email quality rule a generated draft deliberately breaks (the server's rules, issue 2). */
export type QualityDefect = 'long_first_line' | 'missing_company' | 'placeholder' | 'empty_subject' | 'cut_off';
export type DemoFlag = 'pricing' | 'legal' | 'competitor';

export interface DemoDraftMeta {
  zone: Zone;
  /** Set on email drafts written to fail one quality rule. */
  defect?: QualityDefect;
  flag?: DemoFlag;
}

export interface GeneratedDraft {
  draft: DraftIn;
  meta: DemoDraftMeta;
}

export interface GenerateOptions {
  count: number;
  /** Same seed, same `now`, same options → the same drafts. */
  seed?: string | number;
  /** Base time for triggers and evidence dates (default: the current time). */
  now?: Date | string;
  /** Only this workflow. The three demo workflows have their own shapes; any other name gets outbound emails. */
  workflow?: string;
  /** Prefix of `externalId` (default `demo-<seed>`); posting the same ids again creates nothing. */
  idPrefix?: string;
}

/**
 * Proportions, dealt from shuffled decks so that they hold exactly over every full deck
 * (and so a small demo set of 60 still has every kind of draft):
 * - workflows: outbound-email 50%, crm-enrichment 30%, inbound-reply 20%;
 * - confidence zones: manual 15%, review 55%, auto 30%;
 * - named accounts 25%; flags pricing 10%, legal 5%, competitor 10%;
 * - email drafts breaking a quality rule 20% (each of the five rules 4%).
 */
export const DEMO_MIX = {
  workflow: [
    ['outbound-email', 10],
    ['crm-enrichment', 6],
    ['inbound-reply', 4],
  ],
  zone: [
    ['manual', 3],
    ['review', 11],
    ['auto', 6],
  ],
  named: [
    [true, 5],
    [false, 15],
  ],
  flag: [
    ['pricing', 2],
    ['legal', 1],
    ['competitor', 2],
    [null, 15],
  ],
  defect: [
    ['long_first_line', 1],
    ['missing_company', 1],
    ['placeholder', 1],
    ['empty_subject', 1],
    ['cut_off', 1],
    [null, 20],
  ],
} as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Generates `count` realistic drafts that each parse with `DraftIn`. */
export function generateDemoDrafts(options: GenerateOptions): GeneratedDraft[] {
  const seed = options.seed ?? 'countersign-demo';
  const rng = createRng(seed);
  const now = options.now ? new Date(options.now) : new Date();
  const prefix = options.idPrefix ?? `demo-${seed}`;
  const decks = {
    workflow: rng.deck(DEMO_MIX.workflow),
    zone: rng.deck(DEMO_MIX.zone),
    named: rng.deck(DEMO_MIX.named),
    flag: rng.deck(DEMO_MIX.flag),
    defect: rng.deck(DEMO_MIX.defect),
  };
  const named = COMPANIES.filter((c) => c.tier === 'named');
  const standard = COMPANIES.filter((c) => c.tier === 'standard');
  const out: GeneratedDraft[] = [];
  for (let i = 0; i < options.count; i++) {
    const workflow = options.workflow ?? decks.workflow();
    const zone = decks.zone();
    const company = rng.pick(decks.named() ? named : standard);
    const contact = rng.pick(company.contacts);
    const flag = decks.flag() ?? undefined;
    const ctx: Ctx = {
      rng,
      now,
      externalId: `${prefix}-${String(i + 1).padStart(5, '0')}`,
      workflow,
      zone,
      company,
      contact,
      flag,
      confidence: confidenceFor(rng, zone),
    };
    let item: GeneratedDraft;
    if (workflow === 'crm-enrichment') {
      item = rng.chance(0.7) ? crmUpdate(ctx) : accountNote(ctx);
    } else if (workflow === 'inbound-reply') {
      item = inboundReply(ctx, decks.defect() ?? undefined);
    } else {
      item = outboundEmail(ctx, decks.defect() ?? undefined);
    }
    out.push(item);
  }
  return out;
}

/** Just the drafts of `generateDemoDrafts`. */
export function generateDrafts(options: GenerateOptions): DraftIn[] {
  return generateDemoDrafts(options).map((g) => g.draft);
}

/** Which workflows the generator knows how to shape. */
export const GENERATOR_WORKFLOWS = DEMO_WORKFLOWS;

interface Ctx {
  rng: Rng;
  now: Date;
  externalId: string;
  workflow: string;
  zone: Zone;
  company: DemoCompany;
  contact: DemoContact;
  flag: DemoFlag | undefined;
  confidence: number;
}

function confidenceFor(rng: Rng, zone: Zone): number {
  const [lo, hi] =
    zone === 'manual'
      ? [0.35, ZONE_BOUNDS.review - 0.01]
      : zone === 'review'
        ? [ZONE_BOUNDS.review, ZONE_BOUNDS.auto - 0.01]
        : [ZONE_BOUNDS.auto, 0.995];
  return Math.round((lo + rng.next() * (hi - lo)) * 1000) / 1000;
}

const iso = (d: number) => new Date(d).toISOString();
const emailOf = (c: DemoCompany, p: DemoContact) => `${p.local}@${c.domain}`;
const fullName = (p: DemoContact) => `${p.first} ${p.last}`;

function account(c: DemoCompany, rng: Rng): DraftIn['account'] {
  if (c.tier === 'named') {
    return { name: c.name, domain: c.domain, tier: 'named', ownerId: DEMO_OWNER_ID, dealValue: c.dealValue ?? 50_000 };
  }
  // Some standard accounts have a small deal open; most have none yet.
  const deal = rng.chance(0.35) ? rng.int(8, 45) * 1000 : undefined;
  return { name: c.name, domain: c.domain, tier: 'standard', ...(deal ? { dealValue: deal } : {}) };
}

function emailSite(rng: Rng): Site {
  return rng.chance(0.7) ? 'gmail' : 'outlook';
}

function crmSite(rng: Rng): Site {
  return rng.chance(0.5) ? 'hubspot' : 'salesforce';
}

/** CRM record ids as the sandbox/fixture pages spell them: HubSpot numeric ids, Salesforce 15-char ids. */
export function contactRecordId(site: Site, c: DemoCompany, p: DemoContact): string {
  const n = c.contacts.indexOf(p) + 1;
  return site === 'salesforce' ? `003${c.salesforceId.slice(3, 13)}C${n}` : `${c.hubspotId}${n}`;
}

function model(ctx: Ctx): NonNullable<DraftIn['model']> {
  const older = ctx.rng.chance(0.25);
  if (ctx.workflow === 'crm-enrichment') {
    return { name: 'relay-enricher', version: older ? '2026.09.2' : '2026.11.0', prompt: 'crm-enrichment/v6' };
  }
  if (ctx.workflow === 'inbound-reply') {
    return { name: 'relay-writer', version: older ? '2026.10.3' : '2026.11.1', prompt: 'inbound-reply/v9' };
  }
  return {
    name: 'relay-writer',
    version: older ? '2026.10.3' : '2026.11.1',
    prompt: older ? 'outbound-email/v13' : 'outbound-email/v14',
  };
}

// ---------------------------------------------------------------- triggers and evidence

interface Signal {
  trigger: Trigger;
  /** One line for the email's opening; ≤ 120 chars once the name is in. */
  opening: string;
  evidence: Evidence[];
  rationaleFact: string;
}

function signalFor(ctx: Ctx): Signal {
  const { rng, now, company: c, contact: p } = ctx;
  const t = now.getTime();
  const ago = (minDays: number, maxDays: number) => t - rng.int(minDays * 24, maxDays * 24) * HOUR;
  const kind = ctx.flag === 'competitor' ? 'tech_change' : rng.pick(SIGNAL_KINDS);
  const retrieved = iso(t - rng.int(1, 36) * HOUR);
  switch (kind) {
    case 'funding': {
      const amount = rng.pick(['$18M Series B', '$40M Series C', '$65M growth round', '€22M Series B']);
      const at = ago(2, 20);
      return {
        trigger: { kind: 'funding_round', occurredAt: iso(at), expiresAt: iso(at + 30 * DAY) },
        opening: `Congratulations on the ${amount} at ${c.name}.`,
        rationaleFact: `${c.name} announced a ${amount}`,
        evidence: [
          {
            label: 'Press release',
            snippet: `${c.name} today announced a ${amount} to expand its go-to-market team across ${c.country === 'US' ? 'North America' : 'Europe'}.`,
            url: `https://www.${c.domain}/newsroom/${amount.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
            source: `${c.domain} newsroom`,
            retrievedAt: retrieved,
          },
          {
            label: 'News coverage',
            snippet: `The round will fund hiring in sales and customer success, according to the company.`,
            url: `https://news.example-wire.com/${c.domain.split('.')[0]}-raises`,
            source: 'Example Wire',
            retrievedAt: retrieved,
          },
        ],
      };
    }
    case 'new_executive': {
      const at = ago(5, 40);
      return {
        trigger: { kind: 'new_executive', occurredAt: iso(at), expiresAt: iso(at + 90 * DAY) },
        opening: `Saw that you recently joined ${c.name} as ${p.title}.`,
        rationaleFact: `${fullName(p)} started as ${p.title} ${Math.round((t - at) / DAY)} days ago`,
        evidence: [
          {
            label: 'Profile update',
            snippet: `${fullName(p)} — ${p.title} at ${c.name}. Previously sales leadership roles in ${c.industry.toLowerCase()}.`,
            url: `https://www.linkedin.com/in/${p.first.toLowerCase()}-${p.last.toLowerCase()}-demo`,
            source: 'LinkedIn',
            retrievedAt: retrieved,
          },
        ],
      };
    }
    case 'hiring': {
      const n = rng.int(4, 12);
      const at = ago(1, 14);
      return {
        trigger: { kind: 'hiring_spike', occurredAt: iso(at), expiresAt: iso(at + 21 * DAY) },
        opening: `Noticed ${c.name} is hiring ${n} SDRs in ${c.city} this quarter.`,
        rationaleFact: `${n} open SDR roles posted in the last two weeks`,
        evidence: [
          {
            label: 'Job postings',
            snippet: `${n} open roles: Sales Development Representative (${c.city}). "You will own outbound for new logos…"`,
            url: `https://careers.${c.domain}/jobs?team=sales`,
            source: `${c.name} careers`,
            retrievedAt: retrieved,
          },
        ],
      };
    }
    case 'event': {
      const at = t + rng.int(2, 10) * DAY;
      return {
        trigger: { kind: 'conference', occurredAt: iso(ago(1, 5)), expiresAt: iso(at) },
        opening: `I see ${c.name} is speaking at RevOps Summit in ${c.city} next week.`,
        rationaleFact: `${c.name} is on the agenda of RevOps Summit`,
        evidence: [
          {
            label: 'Event agenda',
            snippet: `Session: "Scaling outbound without losing the personal touch" — ${fullName(p)}, ${c.name}.`,
            url: `https://revops-summit.example-events.com/agenda`,
            source: 'RevOps Summit agenda',
            retrievedAt: retrieved,
          },
        ],
      };
    }
    case 'intent': {
      const at = t - rng.int(1, 30) * HOUR;
      // Intent goes cold fast: some expire within hours, which the queue puts first.
      return {
        trigger: { kind: 'pricing_page_visits', occurredAt: iso(at), expiresAt: iso(t + rng.int(2, 48) * HOUR) },
        opening: `Thanks for taking a look at ${PRODUCT.name} this week.`,
        rationaleFact: `3 visits to the pricing page from ${c.domain} in the last day`,
        evidence: [
          {
            label: 'Website visits',
            snippet: `3 sessions from ${c.domain}: /pricing, /customers/logistics, /security.`,
            url: `https://analytics.countersign-demo.com/accounts/${c.hubspotId}`,
            source: 'Web analytics',
            retrievedAt: retrieved,
          },
        ],
      };
    }
    case 'tech_change': {
      const rival = rng.pick(COMPETITORS);
      const at = ago(3, 30);
      return {
        trigger: { kind: 'tech_change', occurredAt: iso(at), expiresAt: iso(at + 45 * DAY) },
        opening: `Heard ${c.name} is reviewing its ${rival} contract ahead of renewal.`,
        rationaleFact: `${c.name} is evaluating a replacement for ${rival}`,
        evidence: [
          {
            label: 'Review site',
            snippet: `"We are re-evaluating ${rival} — reporting is too slow for a team our size." — ${c.industry} user, ${c.employees} employees`,
            url: `https://reviews.example-g2.com/products/${rival.toLowerCase()}/reviews`,
            source: 'Software reviews',
            retrievedAt: retrieved,
          },
        ],
      };
    }
    default: {
      const at = ago(7, 60);
      return {
        trigger: { kind: 'earnings_call', occurredAt: iso(at) },
        opening: `Your team mentioned sales productivity as a 2027 priority for ${c.name}.`,
        rationaleFact: `sales productivity was named a priority on the last earnings call`,
        evidence: [
          {
            label: 'Earnings call transcript',
            snippet: `"Improving sales productivity is one of our three priorities for next year." — CEO, ${c.name}`,
            url: `https://investors.${c.domain}/q3-call-transcript`,
            source: 'Investor relations',
            retrievedAt: retrieved,
          },
        ],
      };
    }
  }
}

const SIGNAL_KINDS = ['funding', 'new_executive', 'hiring', 'event', 'intent', 'earnings'] as const;

function crmEvidence(ctx: Ctx): Evidence {
  const { company: c, rng, now } = ctx;
  return {
    label: 'Company profile',
    snippet: `${c.name} · ${c.industry} · ${c.city}, ${c.country} · ${c.employees.toLocaleString('en-US')} employees`,
    url: `https://www.${c.domain}/about`,
    source: `${c.domain}`,
    retrievedAt: iso(now.getTime() - rng.int(1, 72) * HOUR),
  };
}

/** Fewer sources for drafts the model is unsure of (the rationale says so); never none (issue 5: each with evidence). */
function trimEvidence(ctx: Ctx, evidence: Evidence[]): Evidence[] {
  if (ctx.zone === 'manual') return evidence.slice(0, 1);
  if (ctx.zone === 'review' && ctx.rng.chance(0.3)) return evidence.slice(0, 1);
  return evidence;
}

function rationaleFor(ctx: Ctx, fact: string): string {
  const p = fullName(ctx.contact);
  if (ctx.zone === 'auto') {
    return `${fact}, confirmed by a second source. ${p}'s title matches the buyer persona, and this template has a 94% approval rate in the segment.`;
  }
  if (ctx.zone === 'review') {
    return ctx.rng.pick([
      `${fact}, but only one source confirms it. Persona fit is good; the value statement is generic for ${ctx.company.industry.toLowerCase()}.`,
      `${fact}. Not sure ${p} is the decision maker: the org chart lists two people with similar titles.`,
      `${fact}. The tone may be too familiar for a first touch at a company this size.`,
    ]);
  }
  return ctx.rng.pick([
    `Could not confirm that ${p} still works at ${ctx.company.name}: the newest source is 14 months old.`,
    `Conflicting signals: ${fact.toLowerCase()}, yet a news item suggests a hiring freeze. A person should decide the angle.`,
    `Little public information about ${ctx.company.name}; the draft is mostly template text.`,
  ]);
}

// ---------------------------------------------------------------- emails

const FLAG_LINES: Record<DemoFlag, (c: DemoCompany) => string> = {
  pricing: () =>
    'If you sign before the end of the quarter, we can offer 15% off the first year of the annual plan ($42,000 list).',
  legal: () =>
    'Our MSA and DPA are ready to share, and we can accept your paper if your legal team prefers to redline their own terms.',
  competitor: (c) =>
    `Teams that moved from ${COMPETITORS[0]} to ${PRODUCT.name} cut their reporting time by half, and ${c.name} could see the same.`,
};

const VALUE_LINES = [
  (c: DemoCompany) =>
    `${PRODUCT.name} ${PRODUCT.pitch}, so reps at ${c.name} stop copying notes between tools before every call.`,
  (c: DemoCompany) =>
    `Sales teams in ${c.industry.toLowerCase()} use ${PRODUCT.name} to check every AI-written email before it goes out; ${c.name} could start in a week.`,
  (c: DemoCompany) =>
    `We help teams like ${c.name}'s keep AI-written outreach accurate: every draft is checked against live account data first.`,
];

const CTAS = [
  'Would a 20-minute call next Tuesday or Wednesday work to see if this fits?',
  'Open to a short call next week? I can show it on your own account data.',
  'Worth a quick conversation? Happy to work around your calendar.',
];

function signOff(rng: Rng): string {
  const s = rng.pick(SENDERS);
  return `Best,\n${s.name.split(' ')[0]}`;
}

const DANGLING = new Set(['and', 'the', 'to', 'for', 'with', 'your', 'our', 'a', 'on', 'in', 'of', 'at']);

function applyDefect(
  defect: QualityDefect | undefined,
  parts: { subject: string; greeting: string; opening: string; paragraphs: string[]; close: string },
  ctx: Ctx,
): { subject: string; body: string } {
  const c = ctx.company;
  let { subject, greeting, opening, paragraphs, close } = parts;
  switch (defect) {
    case 'long_first_line': {
      // The model ran the greeting, the opening and the pitch into one line.
      let line = `${greeting.replace(/,$/, '')} — ${opening}`.trim();
      while (line.length <= 120 && paragraphs.length > 0) {
        line = `${line} ${paragraphs[0]}`;
        paragraphs = paragraphs.slice(1);
      }
      greeting = line;
      opening = '';
      break;
    }
    case 'missing_company': {
      const strip = (s: string) => s.split(`${c.name}'s`).join('your').split(c.name).join('your company');
      opening = strip(opening);
      paragraphs = paragraphs.map(strip);
      subject = strip(subject);
      break;
    }
    case 'placeholder':
      // Template fields the pipeline failed to fill.
      greeting = 'Hi {{first_name}},';
      if (ctx.rng.chance(0.5))
        paragraphs = [
          ...paragraphs.slice(0, -1),
          'I would love to hear how [Company] handles this today.',
          ...paragraphs.slice(-1),
        ];
      break;
    case 'empty_subject':
      subject = '';
      break;
    case 'cut_off': {
      // Generation stopped mid-sentence (the output token limit): no call to action, no sign-off.
      // It stops right after a word a sentence cannot end on, as truncated model output does.
      const last = paragraphs[paragraphs.length - 1] ?? opening;
      const words = last.split(' ');
      let cut = words.findIndex((w, i) => i >= 3 && DANGLING.has(w.toLowerCase()));
      if (cut < 0) {
        words.splice(Math.min(4, words.length), 0, 'and');
        cut = Math.min(4, words.length - 1);
      }
      paragraphs = [...paragraphs.slice(0, -1), words.slice(0, cut + 1).join(' ')];
      close = '';
      break;
    }
    default:
      break;
  }
  const body = [greeting, opening, ...paragraphs, close].filter((s) => s.length > 0).join('\n\n');
  return { subject, body };
}

function outboundEmail(ctx: Ctx, defect: QualityDefect | undefined): GeneratedDraft {
  const { rng, company: c, contact: p } = ctx;
  const signal = signalFor(ctx);
  const paragraphs = [rng.pick(VALUE_LINES)(c)];
  if (ctx.flag) paragraphs.push(FLAG_LINES[ctx.flag](c));
  paragraphs.push(rng.pick(CTAS));
  const subject = rng.pick([
    `${c.name} + ${PRODUCT.name}`,
    `Idea for ${c.name}'s sales team`,
    `Quick question, ${p.first}`,
    `${p.first}, re: ${signal.trigger.kind.replace(/_/g, ' ')}`,
  ]);
  const { subject: s, body } = applyDefect(
    defect,
    { subject, greeting: `Hi ${p.first},`, opening: signal.opening, paragraphs, close: signOff(rng) },
    ctx,
  );
  const site = emailSite(rng);
  const hasTrigger = rng.chance(0.75) || ctx.flag === 'competitor';
  const segments = SEGMENTS['outbound-email'];
  const draft: DraftIn = {
    externalId: ctx.externalId,
    workflow: ctx.workflow,
    kind: 'email',
    target: { site, email: emailOf(c, p), name: fullName(p), company: c.name },
    account: account(c, rng),
    content: { subject: s, body, to: `${fullName(p)} <${emailOf(c, p)}>` },
    confidence: ctx.confidence,
    rationale: rationaleFor(ctx, signal.rationaleFact),
    evidence: trimEvidence(ctx, signal.evidence),
    ...(ctx.flag ? { flags: [ctx.flag] } : {}),
    segment: segments[COMPANIES.indexOf(c) % segments.length]!,
    ...(hasTrigger ? { trigger: signal.trigger } : {}),
    model: model(ctx),
  };
  return { draft, meta: { zone: ctx.zone, ...(defect ? { defect } : {}), ...(ctx.flag ? { flag: ctx.flag } : {}) } };
}

interface Inbound {
  segment: (typeof SEGMENTS)['inbound-reply'][number];
  subject: string;
  message: string;
  reply: (c: DemoCompany) => string[];
}

const INBOUND: Record<'plain' | DemoFlag, Inbound[]> = {
  plain: [
    {
      segment: 'meeting-requests',
      subject: 'Re: Idea for your sales team',
      message: 'Thanks for reaching out. Could you send a couple of times next week? Thursday afternoon is best.',
      reply: (c) => [
        `Thanks for getting back to me. Thursday works well on our side for the ${c.name} team.`,
        'Would 2:00 or 3:30 pm your time suit you? I will send an invite with a short agenda.',
      ],
    },
    {
      segment: 'objections-timing',
      subject: 'Re: Quick question',
      message: 'Not a priority right now — we are in the middle of a CRM migration. Maybe reach out in Q2.',
      reply: (c) => [
        `Understood, a CRM migration is a big lift. I will follow up with ${c.name} at the start of Q2.`,
        'In the meantime, here is a two-page checklist other teams used to plan AI review during a migration.',
      ],
    },
  ],
  pricing: [
    {
      segment: 'pricing-questions',
      subject: 'Re: Pricing for 40 seats',
      message: 'What would pricing look like for about 40 reps? Any discount for a two-year term?',
      reply: (c) => [
        `Thanks for asking. For 40 seats at ${c.name}, list price is $54 per seat per month on the annual plan.`,
        'On a two-year term we can offer 12% off, which brings it to about $45,600 a year.',
      ],
    },
  ],
  legal: [
    {
      segment: 'pricing-questions',
      subject: 'Re: Security review',
      message: 'Before we go further, our legal team needs your DPA and will want to negotiate the liability cap.',
      reply: (c) => [
        `Of course. I have attached our DPA and SOC 2 summary for ${c.name}'s legal team.`,
        'On the liability cap, our standard MSA sets it at twelve months of fees; we can discuss changes on a call.',
      ],
    },
  ],
  competitor: [
    {
      segment: 'objections-timing',
      subject: 'Re: Idea for your sales team',
      message: `We already use ${COMPETITORS[1]} for this. Why would we switch?`,
      reply: (c) => [
        `Fair question. Teams like ${c.name}'s moved from ${COMPETITORS[1]} because reviews happen inside Gmail and the CRM.`,
        'If it helps, I can show your team a side-by-side on your own drafts.',
      ],
    },
  ],
};

function inboundReply(ctx: Ctx, defect: QualityDefect | undefined): GeneratedDraft {
  const { rng, company: c, contact: p, now } = ctx;
  const thread = rng.pick(INBOUND[ctx.flag ?? 'plain']);
  const receivedAt = now.getTime() - rng.int(1, 20) * HOUR;
  const { subject, body } = applyDefect(
    defect,
    {
      subject: thread.subject,
      greeting: `Hi ${p.first},`,
      opening: '',
      paragraphs: thread.reply(c),
      close: signOff(rng),
    },
    ctx,
  );
  const site = emailSite(rng);
  const threadId = `thread-${c.hubspotId}-${rng.int(100, 999)}`;
  const draft: DraftIn = {
    externalId: ctx.externalId,
    workflow: ctx.workflow,
    kind: 'email',
    target: { site, email: emailOf(c, p), name: fullName(p), company: c.name, threadId },
    account: account(c, rng),
    content: { subject, body, to: `${fullName(p)} <${emailOf(c, p)}>` },
    confidence: ctx.confidence,
    rationale:
      ctx.zone === 'auto'
        ? `Direct answer to a clear question from ${p.first}; all facts come from the approved answer library.`
        : ctx.zone === 'review'
          ? `The reply answers ${p.first}'s question, but the message has a second point the draft may not cover.`
          : `${p.first}'s message is ambiguous; the suggested reply is a guess and needs a person's judgement.`,
    evidence: trimEvidence(ctx, [
      {
        label: `Message from ${p.first}`,
        snippet: thread.message,
        url: `https://mail.google.com/mail/u/0/#inbox/${threadId}`,
        source: site === 'gmail' ? 'Gmail thread' : 'Outlook thread',
        retrievedAt: iso(receivedAt),
      },
      {
        label: 'Answer library',
        snippet: 'Approved answers: pricing tiers, security documents, migration checklist (updated last month).',
        url: 'https://wiki.countersign-demo.com/sales/answer-library',
        source: 'Sales wiki',
      },
    ]),
    ...(ctx.flag ? { flags: [ctx.flag] } : {}),
    inbound: true,
    segment: thread.segment,
    // A prospect waiting for an answer is time-sensitive: reply within a working day.
    trigger: { kind: 'inbound_reply', occurredAt: iso(receivedAt), expiresAt: iso(receivedAt + 24 * HOUR) },
    model: model(ctx),
  };
  return { draft, meta: { zone: ctx.zone, ...(defect ? { defect } : {}), ...(ctx.flag ? { flag: ctx.flag } : {}) } };
}

// ---------------------------------------------------------------- CRM updates and notes

function crmUpdate(ctx: Ctx): GeneratedDraft {
  const { rng, company: c, contact: p } = ctx;
  const site = crmSite(rng);
  const sf = site === 'salesforce';
  const fields: { name: string; label: string; value: string; previous?: string }[] = [];
  const choice = rng.pick(['title', 'firmographics', 'next_step'] as const);
  if (choice === 'title') {
    fields.push({
      name: sf ? 'Title' : 'jobtitle',
      label: 'Job title',
      value: p.title,
      previous: rng.pick(['Sales Manager', 'Senior Account Executive', 'Director of Sales']),
    });
    if (p.phone) fields.push({ name: sf ? 'Phone' : 'phone', label: 'Phone number', value: p.phone });
  } else if (choice === 'firmographics') {
    fields.push(
      {
        name: sf ? 'NumberOfEmployees' : 'numberofemployees',
        label: 'Number of employees',
        value: String(c.employees),
        previous: String(Math.round(c.employees * 0.8)),
      },
      { name: sf ? 'Industry' : 'industry', label: 'Industry', value: c.industry },
      { name: sf ? 'BillingCity' : 'city', label: 'City', value: c.city },
    );
  } else {
    const step =
      ctx.flag === 'pricing'
        ? 'Send revised quote with 10% multi-year discount'
        : ctx.flag === 'legal'
          ? 'Legal to review redlined MSA (liability cap)'
          : ctx.flag === 'competitor'
            ? `Prepare ${COMPETITORS[2]} comparison for the evaluation`
            : 'Book technical demo with the RevOps team';
    fields.push({ name: sf ? 'NextStep' : 'hs_next_step', label: 'Next step', value: step });
    fields.push({
      name: sf ? 'Description' : 'hs_lead_status',
      label: sf ? 'Description' : 'Lead status',
      value: sf ? `Active evaluation at ${c.name}; champion is ${fullName(p)}.` : 'IN_PROGRESS',
      previous: sf ? '' : 'OPEN',
    });
  }
  const draft: DraftIn = {
    externalId: ctx.externalId,
    workflow: ctx.workflow,
    kind: 'crm_update',
    target: {
      site,
      email: emailOf(c, p),
      name: fullName(p),
      company: c.name,
      recordType: 'contact',
      recordId: contactRecordId(site, c, p),
    },
    account: account(c, rng),
    content: { fields },
    confidence: ctx.confidence,
    rationale:
      ctx.zone === 'auto'
        ? `Every value matches the company's own site and a profile updated this month.`
        : ctx.zone === 'review'
          ? `Values come from one source; the previous value was entered by a person ${rng.int(2, 9)} months ago.`
          : `Sources disagree (${rng.int(2, 3)} different values found); the newest is not from the company itself.`,
    evidence: trimEvidence(ctx, [
      crmEvidence(ctx),
      {
        label: 'Profile',
        snippet: `${fullName(p)} — ${p.title}, ${c.name}`,
        url: `https://www.linkedin.com/in/${p.first.toLowerCase()}-${p.last.toLowerCase()}-demo`,
        source: 'LinkedIn',
      },
    ]),
    ...(ctx.flag ? { flags: [ctx.flag] } : {}),
    segment: SEGMENTS['crm-enrichment'][['title', 'firmographics', 'next_step'].indexOf(choice)]!,
    model: model(ctx),
  };
  return { draft, meta: { zone: ctx.zone, ...(ctx.flag ? { flag: ctx.flag } : {}) } };
}

function accountNote(ctx: Ctx): GeneratedDraft {
  const { rng, company: c, contact: p } = ctx;
  const site = crmSite(rng);
  const lines = [
    `Call prep: ${fullName(p)} (${p.title}), ${c.name}`,
    `- ${c.industry}, ${c.employees.toLocaleString('en-US')} employees, HQ ${c.city}.`,
    `- Likely priority: consistent outbound quality while the team grows.`,
  ];
  if (ctx.flag === 'pricing')
    lines.push('- Asked about volume pricing; do not quote below $45 per seat without approval.');
  if (ctx.flag === 'legal') lines.push('- Procurement requires their own MSA; loop in legal before sending terms.');
  if (ctx.flag === 'competitor') lines.push(`- Currently on ${COMPETITORS[0]}; renewal in about four months.`);
  lines.push('- Suggested opener: ask how they check AI-written emails today.');
  const draft: DraftIn = {
    externalId: ctx.externalId,
    workflow: ctx.workflow,
    kind: 'note',
    target: {
      site,
      email: emailOf(c, p),
      name: fullName(p),
      company: c.name,
      recordType: 'contact',
      recordId: contactRecordId(site, c, p),
    },
    account: account(c, rng),
    content: { text: lines.join('\n') },
    confidence: ctx.confidence,
    rationale:
      ctx.zone === 'manual'
        ? 'Few sources on this account; the note is a starting point only.'
        : 'Summary of public sources and the last two CRM activities.',
    evidence: trimEvidence(ctx, [crmEvidence(ctx)]),
    ...(ctx.flag ? { flags: [ctx.flag] } : {}),
    segment: 'call-prep',
    model: model(ctx),
  };
  return { draft, meta: { zone: ctx.zone, ...(ctx.flag ? { flag: ctx.flag } : {}) } };
}
