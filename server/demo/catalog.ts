/**
 * The fictional world the demo drafts are written about: companies, their people, the
 * competitors a pipeline might mention, and the places evidence comes from.
 * Every company, person and domain here is invented.
 */

export interface DemoContact {
  first: string;
  last: string;
  title: string;
  /** Local part of the address; the domain is the company's. */
  local: string;
  phone?: string;
}

export interface DemoCompany {
  name: string;
  domain: string;
  industry: string;
  city: string;
  country: string;
  employees: number;
  /** Named accounts have an owner and usually a deal in flight. */
  tier: 'named' | 'standard';
  dealValue?: number;
  /** Short ids the CRM pages use (HubSpot company id, Salesforce account id). */
  hubspotId: string;
  salesforceId: string;
  contacts: DemoContact[];
}

export const COMPANIES: readonly DemoCompany[] = [
  {
    name: 'Northwind Logistics',
    domain: 'northwind-logistics.com',
    industry: 'Freight & logistics',
    city: 'Rotterdam',
    country: 'NL',
    employees: 2400,
    tier: 'named',
    dealValue: 240_000,
    hubspotId: '8812001',
    salesforceId: '001AX00000NwLg1',
    contacts: [
      { first: 'Ingrid', last: 'Vos', title: 'VP Operations', local: 'ingrid.vos', phone: '+31 10 555 0142' },
      { first: 'Tom', last: 'Bakker', title: 'Head of Sales Operations', local: 'tom.bakker' },
    ],
  },
  {
    name: 'Acme Analytics',
    domain: 'acme-analytics.io',
    industry: 'Data & analytics software',
    city: 'Austin',
    country: 'US',
    employees: 310,
    tier: 'named',
    dealValue: 85_000,
    hubspotId: '8812002',
    salesforceId: '001AX00000AcmA2',
    contacts: [
      {
        first: 'Ana',
        last: 'Lima',
        title: 'Director of Revenue Operations',
        local: 'ana.lima',
        phone: '+1 512 555 0187',
      },
      { first: 'Marcus', last: 'Reed', title: 'CRO', local: 'marcus' },
    ],
  },
  {
    name: 'Helios Health Systems',
    domain: 'helioshealthsys.com',
    industry: 'Healthcare IT',
    city: 'Boston',
    country: 'US',
    employees: 5200,
    tier: 'named',
    dealValue: 410_000,
    hubspotId: '8812003',
    salesforceId: '001AX00000HeHs3',
    contacts: [
      { first: 'Rachel', last: 'Okonkwo', title: 'CIO', local: 'r.okonkwo' },
      { first: 'David', last: 'Stern', title: 'Director of Procurement', local: 'd.stern', phone: '+1 617 555 0199' },
    ],
  },
  {
    name: 'Brightpath Learning',
    domain: 'brightpathlearning.co',
    industry: 'EdTech',
    city: 'London',
    country: 'GB',
    employees: 180,
    tier: 'standard',
    hubspotId: '8812004',
    salesforceId: '001AX00000BpLn4',
    contacts: [
      { first: 'Olivia', last: 'Hart', title: 'Head of Growth', local: 'olivia' },
      { first: 'Sanjay', last: 'Mehta', title: 'Sales Manager', local: 'sanjay.mehta' },
    ],
  },
  {
    name: 'Ferrocast Manufacturing',
    domain: 'ferrocast-mfg.com',
    industry: 'Industrial manufacturing',
    city: 'Stuttgart',
    country: 'DE',
    employees: 3100,
    tier: 'named',
    dealValue: 160_000,
    hubspotId: '8812005',
    salesforceId: '001AX00000FcMf5',
    contacts: [
      { first: 'Katrin', last: 'Albers', title: 'Head of Commercial Excellence', local: 'k.albers' },
      { first: 'Lukas', last: 'Neumann', title: 'Inside Sales Lead', local: 'l.neumann' },
    ],
  },
  {
    name: 'Cobalt Payments',
    domain: 'cobaltpay.io',
    industry: 'Fintech',
    city: 'Dublin',
    country: 'IE',
    employees: 420,
    tier: 'standard',
    hubspotId: '8812006',
    salesforceId: '001AX00000CbPy6',
    contacts: [
      { first: 'Niamh', last: 'Byrne', title: 'VP Sales', local: 'niamh.byrne' },
      { first: 'Eoin', last: 'Walsh', title: 'Sales Development Manager', local: 'eoin' },
    ],
  },
  {
    name: 'Tidewater Energy',
    domain: 'tidewater-energy.com',
    industry: 'Renewable energy',
    city: 'Houston',
    country: 'US',
    employees: 1350,
    tier: 'named',
    dealValue: 120_000,
    hubspotId: '8812007',
    salesforceId: '001AX00000TwEn7',
    contacts: [
      { first: 'Grace', last: 'Whitfield', title: 'Director of Business Development', local: 'gwhitfield' },
      { first: 'Hector', last: 'Ramos', title: 'Commercial Operations Manager', local: 'hramos' },
    ],
  },
  {
    name: 'Lumen Retail Group',
    domain: 'lumenretail.com',
    industry: 'Retail',
    city: 'Toronto',
    country: 'CA',
    employees: 8700,
    tier: 'standard',
    hubspotId: '8812008',
    salesforceId: '001AX00000LmRt8',
    contacts: [
      { first: 'Chloé', last: 'Tremblay', title: 'Director of Customer Experience', local: 'chloe.tremblay' },
      { first: 'Ben', last: 'Carter', title: 'B2B Sales Lead', local: 'ben.carter' },
    ],
  },
  {
    name: 'Sentinel Cyber',
    domain: 'sentinelcyber.net',
    industry: 'Cybersecurity',
    city: 'Tel Aviv',
    country: 'IL',
    employees: 260,
    tier: 'standard',
    hubspotId: '8812009',
    salesforceId: '001AX00000StCy9',
    contacts: [
      { first: 'Noa', last: 'Levi', title: 'Head of Sales', local: 'noa' },
      { first: 'Amir', last: 'Katz', title: 'RevOps Analyst', local: 'amir.katz' },
    ],
  },
  {
    name: 'Orchard Biotech',
    domain: 'orchardbio.com',
    industry: 'Biotech',
    city: 'San Diego',
    country: 'US',
    employees: 640,
    tier: 'standard',
    hubspotId: '8812010',
    salesforceId: '001AX00000OrBt0',
    contacts: [
      { first: 'Emily', last: 'Zhang', title: 'VP Commercial', local: 'ezhang' },
      { first: 'Jordan', last: 'Price', title: 'Business Development Associate', local: 'jprice' },
    ],
  },
  {
    name: 'Granite Capital Partners',
    domain: 'granitecp.com',
    industry: 'Financial services',
    city: 'New York',
    country: 'US',
    employees: 950,
    tier: 'named',
    dealValue: 310_000,
    hubspotId: '8812011',
    salesforceId: '001AX00000GrCp1',
    contacts: [
      { first: 'William', last: 'Osei', title: 'Managing Director, Client Development', local: 'w.osei' },
      { first: 'Laura', last: 'Finch', title: 'Head of Sales Enablement', local: 'l.finch' },
    ],
  },
  {
    name: 'Pinecrest Software',
    domain: 'pinecrest.dev',
    industry: 'B2B SaaS',
    city: 'Denver',
    country: 'US',
    employees: 140,
    tier: 'standard',
    hubspotId: '8812012',
    salesforceId: '001AX00000PcSw2',
    contacts: [
      { first: 'Tyler', last: 'Brooks', title: 'Founder & CEO', local: 'tyler' },
      { first: 'Megan', last: 'Sato', title: 'Head of Sales', local: 'megan.sato' },
    ],
  },
  {
    name: 'Meridian Hotels',
    domain: 'meridian-hotels.pt',
    industry: 'Hospitality',
    city: 'Lisbon',
    country: 'PT',
    employees: 4300,
    tier: 'standard',
    hubspotId: '8812013',
    salesforceId: '001AX00000MdHt3',
    contacts: [
      { first: 'João', last: 'Ferreira', title: 'Director of Group Sales', local: 'joao.ferreira' },
      { first: 'Sofia', last: 'Costa', title: 'Sales Operations Manager', local: 'sofia.costa' },
    ],
  },
  {
    name: 'Vantage Robotics',
    domain: 'vantagerobotics.ai',
    industry: 'Robotics',
    city: 'Pittsburgh',
    country: 'US',
    employees: 220,
    tier: 'standard',
    hubspotId: '8812014',
    salesforceId: '001AX00000VnRb4',
    contacts: [
      { first: 'Priyanka', last: 'Rao', title: 'VP Go-to-Market', local: 'priyanka' },
      { first: 'Chris', last: 'Novak', title: 'Account Executive', local: 'chris.novak' },
    ],
  },
  {
    name: 'Summit Insurance',
    domain: 'summit-insurance.com',
    industry: 'Insurance',
    city: 'Chicago',
    country: 'US',
    employees: 6100,
    tier: 'named',
    dealValue: 95_000,
    hubspotId: '8812015',
    salesforceId: '001AX00000SmIn5',
    contacts: [
      { first: 'Patricia', last: 'Gomez', title: 'SVP Distribution', local: 'pgomez' },
      { first: 'Kevin', last: 'Doyle', title: 'Broker Sales Manager', local: 'kdoyle' },
    ],
  },
  {
    name: 'Quayside Foods',
    domain: 'quaysidefoods.co.uk',
    industry: 'Food & beverage',
    city: 'Bristol',
    country: 'GB',
    employees: 1900,
    tier: 'standard',
    hubspotId: '8812016',
    salesforceId: '001AX00000QsFd6',
    contacts: [
      { first: 'Harriet', last: 'Cole', title: 'Commercial Director', local: 'harriet.cole' },
      { first: 'Declan', last: 'Moore', title: 'Key Account Manager', local: 'declan.moore' },
    ],
  },
  {
    name: 'Atlas Freight Tech',
    domain: 'atlasfreight.tech',
    industry: 'Logistics software',
    city: 'Atlanta',
    country: 'US',
    employees: 95,
    tier: 'standard',
    hubspotId: '8812017',
    salesforceId: '001AX00000AtFt7',
    contacts: [
      { first: 'Dana', last: 'Whitaker', title: 'COO', local: 'dana' },
      { first: 'Luis', last: 'Herrera', title: 'Sales Development Lead', local: 'luis.h' },
    ],
  },
  {
    name: 'Evergreen Clinics',
    domain: 'evergreenclinics.org',
    industry: 'Healthcare delivery',
    city: 'Seattle',
    country: 'US',
    employees: 2750,
    tier: 'standard',
    hubspotId: '8812018',
    salesforceId: '001AX00000EgCl8',
    contacts: [
      { first: 'Samuel', last: 'Park', title: 'Director of Patient Access', local: 'spark' },
      { first: 'Monica', last: 'Alvarez', title: 'IT Procurement Lead', local: 'malvarez' },
    ],
  },
  {
    name: 'Kestrel Aerospace',
    domain: 'kestrel-aero.com',
    industry: 'Aerospace',
    city: 'Toulouse',
    country: 'FR',
    employees: 3800,
    tier: 'named',
    dealValue: 275_000,
    hubspotId: '8812019',
    salesforceId: '001AX00000KsAe9',
    contacts: [
      { first: 'Camille', last: 'Durand', title: 'Head of Strategic Sales', local: 'c.durand' },
      { first: 'Julien', last: 'Moreau', title: 'Sales Operations Director', local: 'j.moreau' },
    ],
  },
  {
    name: 'Blue Harbor Bank',
    domain: 'blueharborbank.com',
    industry: 'Banking',
    city: 'Charlotte',
    country: 'US',
    employees: 7200,
    tier: 'standard',
    hubspotId: '8812020',
    salesforceId: '001AX00000BhBk0',
    contacts: [
      { first: 'Nathan', last: 'Greer', title: 'VP Commercial Banking Sales', local: 'ngreer' },
      { first: 'Alicia', last: 'Monroe', title: 'Sales Enablement Manager', local: 'amonroe' },
    ],
  },
  {
    name: 'Mosaic Media',
    domain: 'mosaicmedia.co',
    industry: 'Digital media',
    city: 'Berlin',
    country: 'DE',
    employees: 330,
    tier: 'standard',
    hubspotId: '8812021',
    salesforceId: '001AX00000MsMd1',
    contacts: [
      { first: 'Lena', last: 'Fischer', title: 'Head of Partnerships', local: 'lena' },
      { first: 'Felix', last: 'Braun', title: 'Ad Sales Manager', local: 'felix.braun' },
    ],
  },
  {
    name: 'Crescent Telecom',
    domain: 'crescenttel.com',
    industry: 'Telecommunications',
    city: 'Dubai',
    country: 'AE',
    employees: 5600,
    tier: 'standard',
    hubspotId: '8812022',
    salesforceId: '001AX00000CrTc2',
    contacts: [
      { first: 'Omar', last: 'Haddad', title: 'Director of Enterprise Sales', local: 'omar.haddad' },
      { first: 'Leila', last: 'Nasser', title: 'Sales Excellence Manager', local: 'leila.nasser' },
    ],
  },
];

/** Competitors the pipeline's drafts sometimes mention; the demo workflows list them so detection works too. */
export const COMPETITORS = ['Pipewell', 'Closewise', 'Replyforge'] as const;

export const PRODUCT = {
  name: 'Relay',
  vendor: 'Countersign Demo Co.',
  pitch: 'keeps every rep working from the same live account context',
};

/** Sender signatures for the two demo SDRs. */
export const SENDERS = [
  { name: 'Maya Chen', title: 'Account Development, Countersign Demo Co.' },
  { name: 'Jonas Berg', title: 'Account Development, Countersign Demo Co.' },
] as const;

export const SEGMENTS = {
  'outbound-email': [
    'logistics-ops-leaders-emea',
    'revops-directors-na',
    'healthcare-it-buyers',
    'fintech-sales-leaders',
    'manufacturing-commercial-excellence',
  ],
  'crm-enrichment': ['title-refresh-q4', 'firmographics-backfill', 'next-step-hygiene'],
  'inbound-reply': ['pricing-questions', 'meeting-requests', 'objections-timing'],
} as const;
