/**
 * Demo drafts for the people and records on the sandbox pages (server/demo/pages/<site>/app.js: Ana Lopez
 * at Acme, Ben Okafor at Globex, Carol Diaz at Initech), so the panel on each sandbox page has drafts
 * "for the record in front of you" as well as the rest of the queue. Plain standard accounts without
 * flags mostly, so they land in the SDRs' review queue (one pricing reply goes to the pricing specialist).
 */
import type { DraftIn, Evidence } from '../../lib/shared/schema';

const HOUR = 3_600_000;

const ANA = { email: 'ana@acme.example', name: 'Ana Lopez', company: 'Acme' };
const BEN = { email: 'ben@globex.example', name: 'Ben Okafor', company: 'Globex' };
const CAROL = { email: 'carol@initech.example', name: 'Carol Diaz', company: 'Initech' };

const ACME = { name: 'Acme', domain: 'acme.example', tier: 'standard' as const, dealValue: 36_000 };
const GLOBEX = { name: 'Globex', domain: 'globex.example', tier: 'standard' as const, dealValue: 48_000 };
const INITECH = { name: 'Initech', domain: 'initech.example', tier: 'standard' as const };

const WRITER = { name: 'relay-writer', version: '2026.11.1' };
const ENRICHER = { name: 'relay-enricher', version: '2026.11.0', prompt: 'crm-enrichment/v6' };

/** The sandbox drafts, timed relative to `now` (triggers that expire later today, evidence from this week). */
export function sandboxDrafts(now: Date): DraftIn[] {
  const t = now.getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  const profile = (who: typeof ANA, title: string): Evidence => ({
    label: 'Profile',
    snippet: `${who.name} — ${title} at ${who.company}`,
    url: `https://www.linkedin.com/in/${who.name.toLowerCase().replace(' ', '-')}-demo`,
    source: 'LinkedIn',
    retrievedAt: iso(t - 20 * HOUR),
  });
  return [
    {
      externalId: 'demo-sandbox-gmail-ana-rollout',
      workflow: 'inbound-reply',
      kind: 'email',
      target: { site: 'gmail', ...ANA, threadId: 'thread-f:1780000000000000001' },
      account: ACME,
      content: {
        subject: 'Re: Quick question about the Q3 rollout',
        body:
          'Hi Ana,\n\nHere is the rollout plan for Acme: pilot with the EMEA team in the first two weeks, ' +
          'then the remaining 40 reps in week four.\n\nI have attached the one-page plan. Does Thursday at 3 pm work to walk through it?\n\nBest,\nMaya',
        to: `${ANA.name} <${ANA.email}>`,
      },
      confidence: 0.86,
      rationale:
        'Answers the question Ana asked, with the plan agreed on the last call. Unsure whether "before Thursday" means she wants the call or just the document.',
      evidence: [
        {
          label: 'Message from Ana',
          snippet: 'Hi Sam, could you send over the rollout plan before Thursday? Thanks, Ana',
          url: 'https://mail.google.com/mail/u/0/#inbox/18a0000000000001',
          source: 'Gmail thread',
          retrievedAt: iso(t - 3 * HOUR),
        },
        {
          label: 'Call notes (last Tuesday)',
          snippet: 'Agreed: EMEA pilot first, then full team. Ana owns the rollout; procurement already approved.',
          url: 'https://app.hubspot.com/contacts/12345678/record/0-1/501',
          source: 'HubSpot',
        },
      ],
      inbound: true,
      segment: 'meeting-requests',
      trigger: { kind: 'inbound_reply', occurredAt: iso(t - 3 * HOUR), expiresAt: iso(t + 5 * HOUR) },
      model: { ...WRITER, prompt: 'inbound-reply/v9' },
    },
    {
      externalId: 'demo-sandbox-gmail-ben-pricing',
      workflow: 'inbound-reply',
      kind: 'email',
      target: { site: 'gmail', ...BEN, threadId: 'thread-f:1780000000000000002' },
      account: GLOBEX,
      content: {
        subject: 'Re: Pricing for 200 seats',
        body:
          'Hi Ben,\n\nFor 200 seats at Globex on the annual plan, list price is $54 per seat per month. ' +
          'At that volume we can offer a 15% discount, which comes to $110,160 a year.\n\nHappy to walk you through it on a call.\n\nBest,\nMaya',
        to: `${BEN.name} <${BEN.email}>`,
      },
      confidence: 0.81,
      rationale: 'Pricing from the current price book; the 15% volume discount is above what an SDR may offer alone.',
      evidence: [
        {
          label: 'Message from Ben',
          snippet: 'Hello, what would 200 seats cost on the annual plan? Ben',
          url: 'https://mail.google.com/mail/u/0/#inbox/18a0000000000002',
          source: 'Gmail thread',
          retrievedAt: iso(t - 6 * HOUR),
        },
        {
          label: 'Price book 2026',
          snippet: 'Team plan $54/seat/month billed annually; volume discounts from 150 seats need pricing approval.',
          url: 'https://wiki.countersign-demo.com/sales/price-book-2026',
          source: 'Sales wiki',
        },
      ],
      flags: ['pricing'],
      inbound: true,
      segment: 'pricing-questions',
      trigger: { kind: 'inbound_reply', occurredAt: iso(t - 6 * HOUR), expiresAt: iso(t + 18 * HOUR) },
      model: { ...WRITER, prompt: 'inbound-reply/v9' },
    },
    {
      externalId: 'demo-sandbox-gmail-ben-followup',
      workflow: 'outbound-email',
      kind: 'email',
      target: { site: 'gmail', ...BEN },
      account: GLOBEX,
      content: {
        subject: 'Globex security review',
        body:
          'Hi Ben,\n\nAs Globex moves to the technical evaluation, here is what your security team usually asks for: ' +
          'our SOC 2 Type II summary and the data-flow diagram.\n\nShould I send them to you or straight to the reviewer?\n\nBest,\nMaya',
        to: `${BEN.name} <${BEN.email}>`,
      },
      confidence: 0.9,
      rationale: 'Standard next step after a pricing question from a CTO; documents are the approved public versions.',
      evidence: [profile(BEN, 'CTO')],
      segment: 'revops-directors-na',
      model: { ...WRITER, prompt: 'outbound-email/v14' },
    },
    {
      externalId: 'demo-sandbox-outlook-ana-renewal',
      workflow: 'inbound-reply',
      kind: 'email',
      target: { site: 'outlook', ...ANA, threadId: 'AAQkADAwATM0MDAAMS1hNTA1LTAwAC0wMAoAEADana' },
      account: ACME,
      content: {
        subject: 'Re: Renewal next month',
        body:
          'Hi Ana,\n\nOf course. Acme renews on the 1st; I can hold this year’s price if we confirm by the 20th.\n\n' +
          'Would Wednesday at 10 am suit you for 30 minutes?\n\nBest,\nMaya',
        to: `${ANA.name} <${ANA.email}>`,
      },
      confidence: 0.84,
      rationale: 'Renewal date from the contract record; holding the price is standard policy until the 20th.',
      evidence: [
        {
          label: 'Message from Ana',
          snippet: 'Hi Sam, can we talk about the renewal?',
          url: 'https://outlook.office.com/mail/inbox/id/AAQkADAwATM0MDAAMS1hNTA1LTAwAC0wMAoAEADana',
          source: 'Outlook thread',
          retrievedAt: iso(t - 26 * HOUR),
        },
      ],
      inbound: true,
      segment: 'meeting-requests',
      trigger: { kind: 'inbound_reply', occurredAt: iso(t - 26 * HOUR), expiresAt: iso(t + 2 * HOUR) },
      model: { ...WRITER, prompt: 'inbound-reply/v9' },
    },
    {
      externalId: 'demo-sandbox-outlook-ben-intro',
      workflow: 'inbound-reply',
      kind: 'email',
      target: { site: 'outlook', ...BEN, threadId: 'AAQkADAwATM0MDAAMS1hNTA1LTAwAC0wMAoAEADben' },
      account: GLOBEX,
      content: {
        subject: 'Re: Intro',
        body:
          'Hi Ben,\n\nGreat to meet you too. I put together three examples of how teams like Globex review AI-written emails before they go out.\n\n' +
          'Is a 20-minute call next week useful?\n\nBest,\nMaya',
        to: `${BEN.name} <${BEN.email}>`,
      },
      confidence: 0.77,
      rationale: 'Friendly reply; the examples are generic, a person may want to pick ones closer to Globex.',
      evidence: [
        {
          label: 'Message from Ben',
          snippet: 'Nice to meet you.',
          url: 'https://outlook.office.com/mail/inbox/id/AAQkADAwATM0MDAAMS1hNTA1LTAwAC0wMAoAEADben',
          source: 'Outlook thread',
          retrievedAt: iso(t - 30 * HOUR),
        },
      ],
      inbound: true,
      segment: 'meeting-requests',
      model: { ...WRITER, prompt: 'inbound-reply/v9' },
    },
    {
      externalId: 'demo-sandbox-hubspot-ana-title',
      workflow: 'crm-enrichment',
      kind: 'crm_update',
      target: { site: 'hubspot', ...ANA, recordType: 'contact', recordId: '501' },
      account: ACME,
      content: {
        fields: [
          { name: 'jobtitle', label: 'Job title', value: 'SVP Operations', previous: 'VP Operations' },
          { name: 'phone', label: 'Phone number', value: '+1 555 0199', previous: '+1 555 0101' },
        ],
      },
      confidence: 0.83,
      rationale: 'Promotion announced on her profile this week; the new phone number is from her email signature.',
      evidence: [
        profile(ANA, 'SVP Operations'),
        {
          label: 'Email signature',
          snippet: 'Ana Lopez | SVP Operations | Acme | +1 555 0199',
          url: 'https://mail.google.com/mail/u/0/#inbox/18a0000000000001',
          source: 'Gmail thread',
          retrievedAt: iso(t - 3 * HOUR),
        },
      ],
      segment: 'title-refresh-q4',
      model: ENRICHER,
    },
    {
      externalId: 'demo-sandbox-hubspot-ana-note',
      workflow: 'crm-enrichment',
      kind: 'note',
      target: { site: 'hubspot', ...ANA, recordType: 'contact', recordId: '501' },
      account: ACME,
      content: {
        text:
          'Call prep: Ana Lopez (VP Operations), Acme\n- Owns the Q3 rollout; asked for the plan before Thursday.\n' +
          '- Renewal on the 1st; price held until the 20th.\n- Suggested opener: confirm the EMEA pilot dates.',
      },
      confidence: 0.78,
      rationale: 'Summary of the last two emails and the renewal record.',
      evidence: [profile(ANA, 'VP Operations')],
      segment: 'call-prep',
      model: { ...ENRICHER, prompt: 'call-prep/v2' },
    },
    {
      externalId: 'demo-sandbox-hubspot-ben-title',
      workflow: 'crm-enrichment',
      kind: 'crm_update',
      target: { site: 'hubspot', ...BEN, recordType: 'contact', recordId: '502' },
      account: GLOBEX,
      content: { fields: [{ name: 'jobtitle', label: 'Job title', value: 'CTO & Co-founder', previous: 'CTO' }] },
      confidence: 0.74,
      rationale: 'One source only (company About page); the CRM value was entered by a person last year.',
      evidence: [
        {
          label: 'Company About page',
          snippet: 'Ben Okafor, CTO & Co-founder',
          url: 'https://www.globex.example/about',
          source: 'globex.example',
          retrievedAt: iso(t - 40 * HOUR),
        },
      ],
      segment: 'title-refresh-q4',
      model: ENRICHER,
    },
    {
      externalId: 'demo-sandbox-salesforce-ana-title',
      workflow: 'crm-enrichment',
      kind: 'crm_update',
      target: { site: 'salesforce', ...ANA, recordType: 'Contact', recordId: '003Hs00004AnaLoAAA' },
      account: ACME,
      content: {
        fields: [
          { name: 'Title', label: 'Title', value: 'SVP Operations', previous: 'VP Operations' },
          {
            name: 'Description',
            label: 'Description',
            value: 'Promoted to SVP Operations in November; owns the Q3 rollout and the renewal.',
            previous: '',
          },
        ],
      },
      confidence: 0.85,
      rationale: 'Promotion confirmed by her profile and her email signature.',
      evidence: [profile(ANA, 'SVP Operations')],
      segment: 'title-refresh-q4',
      model: ENRICHER,
    },
    {
      externalId: 'demo-sandbox-salesforce-ben-phone',
      workflow: 'crm-enrichment',
      kind: 'crm_update',
      target: { site: 'salesforce', ...BEN, recordType: 'Contact', recordId: '003Hs00004BenOkAAA' },
      account: GLOBEX,
      content: { fields: [{ name: 'Phone', label: 'Phone', value: '+1 555 0177', previous: '+1 555 0102' }] },
      confidence: 0.79,
      rationale: 'New direct line from his latest email signature; the old number may still be the switchboard.',
      evidence: [
        {
          label: 'Email signature',
          snippet: 'Ben Okafor | CTO | Globex | direct +1 555 0177',
          url: 'https://mail.google.com/mail/u/0/#inbox/18a0000000000002',
          source: 'Gmail thread',
          retrievedAt: iso(t - 6 * HOUR),
        },
      ],
      segment: 'firmographics-backfill',
      model: ENRICHER,
    },
    {
      externalId: 'demo-sandbox-salesforce-carol-lead',
      workflow: 'crm-enrichment',
      kind: 'crm_update',
      target: { site: 'salesforce', ...CAROL, recordType: 'Lead', recordId: '00QHs00001CarolAAA' },
      account: INITECH,
      content: {
        fields: [{ name: 'Title', label: 'Title', value: 'VP Sales', previous: 'Head of Sales' }],
      },
      confidence: 0.72,
      rationale: 'A conference agenda lists her as VP Sales; her profile still says Head of Sales.',
      evidence: [
        {
          label: 'Event agenda',
          snippet: 'Carol Diaz, VP Sales, Initech — "Outbound that scales"',
          url: 'https://revops-summit.example-events.com/agenda',
          source: 'RevOps Summit agenda',
          retrievedAt: iso(t - 50 * HOUR),
        },
      ],
      segment: 'title-refresh-q4',
      model: ENRICHER,
    },
    {
      externalId: 'demo-sandbox-gmail-carol-cold',
      workflow: 'outbound-email',
      kind: 'email',
      target: { site: 'gmail', ...CAROL },
      account: INITECH,
      content: {
        subject: 'Initech at RevOps Summit',
        body:
          'Hi Carol,\n\nI saw you are speaking at RevOps Summit about outbound that scales.\n\n' +
          'Initech could use the same review flow other sales teams use to keep AI-written emails accurate.\n\nWorth a chat after your talk?\n\nBest,\nMaya',
        to: `${CAROL.name} <${CAROL.email}>`,
      },
      confidence: 0.58,
      rationale:
        'Not sure of her current title (two sources disagree) or whether Initech is in the ideal customer profile.',
      evidence: [
        {
          label: 'Event agenda',
          snippet: 'Carol Diaz, VP Sales, Initech — "Outbound that scales"',
          url: 'https://revops-summit.example-events.com/agenda',
          source: 'RevOps Summit agenda',
          retrievedAt: iso(t - 50 * HOUR),
        },
      ],
      segment: 'revops-directors-na',
      trigger: { kind: 'conference', occurredAt: iso(t - 50 * HOUR), expiresAt: iso(t + 4 * 24 * HOUR) },
      model: { ...WRITER, prompt: 'outbound-email/v14' },
    },
  ];
}
