import type { DataSource, EntityManager } from 'typeorm';
import {
  AgencyCompetence as C,
  AgendaTopic,
  CaseStatus,
  HarmCategory as H,
  ParticipantStatus,
  SegmentAudience,
  Sector,
  Tlp,
} from '../../../entities/enums';
import { harmScore } from '../../harm';
import { loadCooperationDemo } from './cooperation';
import { loadOutreachDemo } from './outreach';
import { loadAccountabilityDemo } from './accountability';
import { demoId } from './demo-ids';

export { demoId } from './demo-ids';

interface DemoPerson {
  name: string;
  email: string;
  title: string;
  phone: string;
}

interface DemoOrg {
  key: string;
  name: string;
  country: string;
  status: ParticipantStatus;
  agency?: { competences: C[]; coordinator?: boolean };
  sector?: Sector;
  requestGuidance?: string;
  people: DemoPerson[];
}

export const demoCountries: Array<[code: string, name: string, developing: boolean]> = [
  ['AU', 'Australia', false],
  ['BR', 'Brazil', true],
  ['CA', 'Canada', false],
  ['DE', 'Germany', false],
  ['FR', 'France', false],
  ['GB', 'United Kingdom', false],
  ['KR', 'Korea, Republic of', false],
  ['NG', 'Nigeria', true],
  ['NL', 'Netherlands', false],
  ['US', 'United States', false],
];

const E = ParticipantStatus.ENDORSED;
const person = (name: string, email: string, title: string, phone: string): DemoPerson => ({ name, email, title, phone });

export const demoOrgs: DemoOrg[] = [
  { key: 'ftc', name: 'US Federal Trade Commission', country: 'US', status: E, agency: { competences: [C.CONSUMER_PROTECTION], coordinator: true },
    people: [person('Ann Carter', 'ann.carter@ftc.example', 'International Enforcement Counsel', '+1 202 555 0101'),
             person('Ben Ortiz', 'ben.ortiz@ftc.example', 'Investigator', '+1 202 555 0102')] },
  { key: 'oft', name: 'UK Office of Fair Trading', country: 'GB', status: E, agency: { competences: [C.CONSUMER_PROTECTION], coordinator: true },
    people: [person('Oliver Hughes', 'oliver.hughes@oft.example', 'Head of International Affairs', '+44 20 7946 0101')] },
  { key: 'ico', name: 'UK Information Commissioner’s Office', country: 'GB', status: E, agency: { competences: [C.DATA_PROTECTION] },
    people: [person('Isla Morgan', 'isla.morgan@ico.example', 'Enforcement Manager', '+44 20 7946 0202')] },
  { key: 'acma', name: 'Australian Communications and Media Authority', country: 'AU', status: E, agency: { competences: [C.TELECOMMUNICATIONS] },
    people: [person('Liam Walsh', 'liam.walsh@acma.example', 'Anti-Spam Team Lead', '+61 2 5550 0101')] },
  { key: 'opta', name: 'OPTA — Independent Post and Telecommunications Authority', country: 'NL', status: E, agency: { competences: [C.TELECOMMUNICATIONS] },
    people: [person('Sanne de Vries', 'sanne.devries@opta.example', 'Senior Investigator', '+31 70 555 0101')] },
  { key: 'kisa', name: 'Korea Information Security Agency', country: 'KR', status: E, agency: { competences: [C.TELECOMMUNICATIONS, C.OTHER] },
    people: [person('Min-jun Park', 'minjun.park@kisa.example', 'Spam Response Centre Director', '+82 2 555 0101')] },
  { key: 'crtc', name: 'Canadian Radio-television and Telecommunications Commission', country: 'CA', status: E, agency: { competences: [C.TELECOMMUNICATIONS] },
    people: [person('Claire Roy', 'claire.roy@crtc.example', 'Compliance Officer', '+1 613 555 0101')] },
  { key: 'efcc', name: 'Economic and Financial Crimes Commission', country: 'NG', status: E, agency: { competences: [C.CRIMINAL_LAW] },
    people: [person('Emeka Obi', 'emeka.obi@efcc.example', 'Cybercrime Unit Head', '+234 9 555 0101')] },
  { key: 'cnil', name: 'Commission nationale de l’informatique et des libertés', country: 'FR', status: E, agency: { competences: [C.DATA_PROTECTION] },
    people: [person('Julien Moreau', 'julien.moreau@cnil.example', 'Legal Officer', '+33 1 55 55 01 01')] },
  { key: 'bnetza', name: 'Bundesnetzagentur', country: 'DE', status: E, agency: { competences: [C.TELECOMMUNICATIONS] },
    people: [person('Jonas Weber', 'jonas.weber@bnetza.example', 'Referent, Number Misuse', '+49 228 555 0101')] },
  { key: 'cgi', name: 'CGI.br Anti-Spam Working Group', country: 'BR', status: ParticipantStatus.APPLIED, agency: { competences: [C.TELECOMMUNICATIONS] },
    people: [person('Paulo Souza', 'paulo.souza@cgi.example', 'Coordinator', '+55 11 5555 0101')] },
  { key: 'northstar', name: 'NorthStar Broadband', country: 'US', status: E, sector: Sector.INTERNET_SERVICE_PROVIDER,
    requestGuidance: 'Send requests to the abuse desk contact with the IP addresses, UTC timestamps and the legal basis; subscriber data needs a court order.',
    people: [person('Grace Lin', 'grace.lin@northstar.example', 'Abuse Desk Manager', '+1 415 555 0101')] },
  { key: 'meridian', name: 'Meridian Bank', country: 'GB', status: E, sector: Sector.FINANCIAL_INSTITUTION,
    requestGuidance: 'Requests about accounts go through the fraud liaison office; please reference the case and the transactions concerned.',
    people: [person('Tom Baker', 'tom.baker@meridianbank.example', 'Head of Fraud Intelligence', '+44 20 7946 0303'),
             person('Priya Shah', 'priya.shah@meridianbank.example', 'Fraud Analyst', '+44 20 7946 0304')] },
  { key: 'sentinel', name: 'Sentinel Security', country: 'NL', status: E, sector: Sector.SECURITY_SOFTWARE_PROVIDER,
    requestGuidance: 'Malware samples and botnet telemetry on request by e-mail; we answer within two working days.',
    people: [person('Eva Jansen', 'eva.jansen@sentinel.example', 'Threat Research Lead', '+31 20 555 0101')] },
  { key: 'registro', name: 'Registro Global', country: 'DE', status: E, sector: Sector.DOMAIN_REGISTRAR_OR_REGISTRY,
    requestGuidance: 'Registrant data requests via the law-enforcement portal, one domain per request.',
    people: [person('Max Müller', 'max.mueller@registro.example', 'Legal Counsel', '+49 30 555 0101')] },
];

const orgId = (key: string) => demoId(`org:${key}`);
const personId = (email: string) => demoId(`person:${email}`);
const caseId = (ref: string) => demoId(`case:${ref}`);

interface DemoShare {
  to: string;
  names?: string[];
}

interface DemoCase {
  reference: string;
  title: string;
  lead: string;
  tlp: Tlp;
  status: CaseStatus;
  categories: H[];
  countries: string[];
  daysAgo: number;
  summary: string;
  suspects: string[];
  evidence: string;
  notes: string;
  victims: number;
  loss: number;
  vulnerable?: boolean;
  ongoing?: boolean;
  shares?: DemoShare[];
}

export const demoCases: DemoCase[] = [
  { reference: 'FTC-2004-017', title: 'Open-relay pharmacy spam ring', lead: 'ftc', tlp: Tlp.CLEAR, status: CaseStatus.ENFORCEMENT_ACTION,
    categories: [H.SPAM, H.ONLINE_FRAUD], countries: ['US', 'CA'], daysAgo: 400,
    summary: 'Counterfeit-pharmacy spam relayed through 3,000 open relays; complaint filed in federal court.',
    suspects: ['Rx Global Ltd', 'J. Doe (operator)'], evidence: 'Relay logs from three ISPs; test purchases.', notes: 'Asset freeze requested.',
    victims: 12000, loss: 850000 },
  { reference: 'OFT-2004-003', title: 'Lottery-scam mailings', lead: 'oft', tlp: Tlp.GREEN, status: CaseStatus.INVESTIGATING,
    categories: [H.ONLINE_FRAUD], countries: ['GB', 'NL'], daysAgo: 300,
    summary: 'E-mails announcing lottery wins ask for a release fee; payments traced to Dutch accounts.',
    suspects: ['Euro Millions Claims BV'], evidence: 'Payment records; 400 consumer complaints.', notes: 'Coordinate with OPTA before contacting the bank.',
    victims: 4000, loss: 1200000, vulnerable: true, shares: [{ to: 'ico' }] },
  { reference: 'ACMA-2004-011', title: 'Zombie botnet sending SMS and e-mail spam', lead: 'acma', tlp: Tlp.AMBER, status: CaseStatus.INVESTIGATING,
    categories: [H.SPAM, H.MALWARE], countries: ['AU', 'KR', 'US'], daysAgo: 200,
    summary: 'A botnet of about 40,000 infected home computers; command servers hosted in the US.',
    suspects: ['Operator known as "bluefin"'], evidence: 'Sinkhole data; command-server images.', notes: 'NorthStar hosts two command servers.',
    victims: 40000, loss: 300000, ongoing: true, shares: [{ to: 'northstar' }, { to: 'kisa' }] },
  { reference: 'ICO-2004-008', title: 'Harvested-address list broker', lead: 'ico', tlp: Tlp.AMBER_STRICT, status: CaseStatus.OPEN,
    categories: [H.SPAM, H.IDENTITY_THEFT], countries: ['GB'], daysAgo: 150,
    summary: 'Sale of 12 million harvested addresses, some with bank customer details.',
    suspects: ['ListKing Ltd'], evidence: 'Undercover purchase of a sample list.', notes: 'Meridian customers appear in the sample.',
    victims: 25000, loss: 50000, shares: [{ to: 'meridian' }] },
  { reference: 'FTC-2004-021', title: 'Phishing kit targeting bank customers', lead: 'ftc', tlp: Tlp.RED, status: CaseStatus.INVESTIGATING,
    categories: [H.PHISHING, H.IDENTITY_THEFT], countries: ['US', 'GB'], daysAgo: 60,
    summary: 'A phishing kit imitating Meridian Bank; the seller is identified.',
    suspects: ['Seller "kitmaster" (identified)'], evidence: 'Chat logs from an undercover purchase.', notes: 'Arrest planned: do not alert the seller.',
    victims: 3000, loss: 2500000, vulnerable: false, ongoing: true,
    shares: [{ to: 'meridian', names: ['tom.baker@meridianbank.example'] }, { to: 'oft', names: ['oliver.hughes@oft.example'] }] },
  { reference: 'KISA-2004-002', title: 'Spam through open proxies', lead: 'kisa', tlp: Tlp.AMBER, status: CaseStatus.OPEN,
    categories: [H.SPAM], countries: ['KR'], daysAgo: 120,
    summary: 'Open proxies on university networks relay spam advertising gambling sites.',
    suspects: ['Unknown'], evidence: 'Proxy scan results.', notes: 'Universities notified.', victims: 500, loss: 0 },
  { reference: 'OPTA-2004-005', title: 'Dialer malware distributed by spam', lead: 'opta', tlp: Tlp.GREEN, status: CaseStatus.ENFORCEMENT_ACTION,
    categories: [H.MALWARE, H.ONLINE_FRAUD], countries: ['NL', 'DE'], daysAgo: 250,
    summary: 'Spam lures users into installing a dialer that calls premium numbers.',
    suspects: ['Premium Lines BV'], evidence: 'Malware samples; number-range records.', notes: 'Fine of EUR 200,000 imposed.',
    victims: 9000, loss: 700000, shares: [{ to: 'sentinel' }] },
  { reference: 'EFCC-2004-001', title: 'Advance-fee fraud spam', lead: 'efcc', tlp: Tlp.RED, status: CaseStatus.INVESTIGATING,
    categories: [H.ONLINE_FRAUD], countries: ['NG', 'GB', 'US'], daysAgo: 90,
    summary: 'A ring sending advance-fee e-mails from cybercafés in Lagos.',
    suspects: ['Three named suspects'], evidence: 'Seized computers.', notes: 'Informant inside the ring.',
    victims: 700, loss: 4000000, vulnerable: true },
  { reference: 'CRTC-2004-004', title: 'Fake antivirus spam campaign', lead: 'crtc', tlp: Tlp.AMBER, status: CaseStatus.CLOSED,
    categories: [H.MALWARE], countries: ['CA'], daysAgo: 500,
    summary: 'Spam advertising fake antivirus software; the operator has stopped.',
    suspects: ['SafePC Inc.'], evidence: 'Complaints; payment processor records.', notes: 'Closed after undertaking.',
    victims: 2000, loss: 90000 },
];

interface DemoSegment {
  key: string;
  title: string;
  topic: AgendaTopic;
  audience: SegmentAudience;
  invited?: string[];
  minutes?: string;
  cases?: string[];
}

interface DemoCall {
  key: string;
  title: string;
  daysFromNow: number;
  organizer: string;
  dialIn: string;
  segments: DemoSegment[];
}

const LEO = SegmentAudience.LAW_ENFORCEMENT_ONLY;
const PSI = SegmentAudience.PRIVATE_SECTOR_INVITED;

export const demoCalls: DemoCall[] = [
  { key: 'past-2', title: 'Quarterly enforcement call', daysFromNow: -140, organizer: 'oft', dialIn: '+44 20 7946 0999, PIN 2210',
    segments: [
      { key: 'past-2/1', title: 'Investigative techniques: tracing dialers', topic: AgendaTopic.INVESTIGATIVE_TECHNIQUES, audience: LEO,
        minutes: 'OPTA presented its number-range tracing method.', cases: ['OPTA-2004-005'] },
      { key: 'past-2/2', title: 'Security vendors on malware trends', topic: AgendaTopic.PRIVATE_SECTOR_REPORTS, audience: PSI,
        invited: ['sentinel'], minutes: 'Sentinel reported a rise in dialer malware spread by spam.', cases: ['OPTA-2004-005'] },
    ] },
  { key: 'past-1', title: 'Quarterly enforcement call', daysFromNow: -45, organizer: 'ftc', dialIn: '+1 202 555 0199, PIN 4417',
    segments: [
      { key: 'past-1/1', title: 'Case round-up', topic: AgendaTopic.CASES, audience: LEO,
        minutes: 'FTC briefed on the phishing-kit seller; EFCC on the advance-fee ring. Arrest timing agreed.', cases: ['FTC-2004-021', 'KISA-2004-002', 'EFCC-2004-001'] },
      { key: 'past-1/2', title: 'Industry reports on botnet traffic', topic: AgendaTopic.PRIVATE_SECTOR_REPORTS, audience: PSI,
        invited: ['northstar', 'meridian', 'registro'], minutes: 'NorthStar described takedown of two command servers; Meridian reported phishing volumes.',
        cases: ['ACMA-2004-011', 'FTC-2004-017'] },
    ] },
  { key: 'next-1', title: 'Quarterly enforcement call', daysFromNow: 30, organizer: 'oft', dialIn: '+44 20 7946 0998, PIN 7781',
    segments: [
      { key: 'next-1/1', title: 'Legislative developments', topic: AgendaTopic.LEGISLATIVE_DEVELOPMENTS, audience: LEO },
      { key: 'next-1/2', title: 'Joint training: tracing zombie drones', topic: AgendaTopic.TRAINING, audience: PSI,
        invited: ['sentinel', 'northstar', 'meridian'], cases: ['ACMA-2004-011'] },
    ] },
  { key: 'next-2', title: 'Enforcement obstacles (law enforcement only)', daysFromNow: 120, organizer: 'ftc', dialIn: '+1 202 555 0198, PIN 3301',
    segments: [
      { key: 'next-2/1', title: 'Obstacles to cross-border evidence sharing', topic: AgendaTopic.ENFORCEMENT_OBSTACLES, audience: LEO },
    ] },
];

export const demoExclusions = [
  { key: 'registro-past-1', call: 'past-1', segment: 'past-1/2', member: 'registro', by: 'ico', who: 'isla.morgan@ico.example',
    reason: 'The registrar is a party in a related ICO investigation.', withdrawn: false },
  { key: 'sentinel-next-1', call: 'next-1', segment: null, member: 'sentinel', by: 'kisa', who: 'minjun.park@kisa.example',
    reason: 'Pending a conflict-of-interest check.', withdrawn: true },
];

const days = (now: Date, n: number) => new Date(now.getTime() + n * 86_400_000);

/** Loads the demo network (DOMAIN §5) in one transaction. */
export async function loadDemo(ds: DataSource, now = new Date()): Promise<void> {
  await ds.transaction(async (m: EntityManager) => {
    for (const [code, name, developing] of demoCountries) {
      await m.query(`INSERT INTO country (code, name, developing) VALUES ($1, $2, $3)`, [code, name, developing]);
    }
    for (const o of demoOrgs) {
      const endorsed = o.status === ParticipantStatus.ENDORSED;
      await m.query(
        `INSERT INTO participant (id, kind, name, country_code, status, applied_at, endorsed_at, objection_deadline, point_of_contact_id,
           competences, is_coordinator, sector, request_guidance)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
        [
          orgId(o.key), o.agency ? 'AGENCY' : 'PRIVATE_SECTOR', o.name, o.country, o.status,
          endorsed ? days(now, -800) : days(now, -4), endorsed ? days(now, -780) : null, endorsed ? null : days(now, 10),
          personId(o.people[0].email), o.agency?.competences ?? [], o.agency?.coordinator ?? false, o.sector ?? null, o.requestGuidance ?? null,
        ],
      );
      for (const p of o.people) {
        await m.query(`INSERT INTO person (id, organization_id, name, email, phone, title) VALUES ($1,$2,$3,$4,$5,$6)`, [
          personId(p.email), orgId(o.key), p.name, p.email, p.phone, p.title,
        ]);
      }
    }
    await m.query(`UPDATE country SET primary_contact_id = $2 WHERE code = $1`, ['US', personId('ann.carter@ftc.example')]);
    await m.query(`UPDATE country SET primary_contact_id = $2 WHERE code = $1`, ['GB', personId('oliver.hughes@oft.example')]);

    for (const c of demoCases) {
      const assessment = { victimCount: c.victims, estimatedLossUsd: c.loss, vulnerableVictims: !!c.vulnerable, ongoingHarm: !!c.ongoing, categories: c.categories };
      await m.query(
        `INSERT INTO enforcement_case (id, reference, title, status, categories, tlp, lead_agency_id, opened_at, harm_score, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$8)`,
        [caseId(c.reference), c.reference, c.title, c.status, c.categories, c.tlp, orgId(c.lead), days(now, -c.daysAgo), harmScore(assessment)],
      );
      await m.query(
        `INSERT INTO case_confidential (case_id, lead_agency_id, summary, suspects, evidence, investigator_notes, victim_count, estimated_loss_usd,
           vulnerable_victims, ongoing_harm) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
        [caseId(c.reference), orgId(c.lead), c.summary, c.suspects, c.evidence, c.notes, c.victims, c.loss, !!c.vulnerable, !!c.ongoing],
      );
      await m.query(`INSERT INTO case_country (case_id, country_code) SELECT $1, unnest($2::text[])`, [caseId(c.reference), c.countries]);
      for (const s of c.shares ?? []) {
        const lead = demoOrgs.find((o) => o.key === c.lead)!;
        await m.query(
          `INSERT INTO case_share (id, case_id, participant_id, recipient_ids, granted_by_id, granted_at) VALUES ($1,$2,$3,$4::uuid[],$5,$6)`,
          [demoId(`share:${c.reference}:${s.to}`), caseId(c.reference), orgId(s.to), (s.names ?? []).map(personId), personId(lead.people[0].email), days(now, -c.daysAgo + 3)],
        );
      }
    }

    for (const call of demoCalls) {
      await m.query(
        `INSERT INTO conference_call (id, title, scheduled_at, duration_minutes, organizer_id, dial_in) VALUES ($1,$2,$3,$4,$5,$6)`,
        [demoId(`call:${call.key}`), call.title, days(now, call.daysFromNow), 90, orgId(call.organizer), call.dialIn],
      );
      for (const [i, s] of call.segments.entries()) {
        const sid = demoId(`segment:${s.key}`);
        await m.query(
          `INSERT INTO call_segment (id, call_id, position, title, topic, audience, minutes, minutes_recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
          [sid, demoId(`call:${call.key}`), i + 1, s.title, s.topic, s.audience, s.minutes ?? null, s.minutes ? days(now, call.daysFromNow + 1) : null],
        );
        for (const member of s.invited ?? []) {
          await m.query(`INSERT INTO call_segment_invitation (segment_id, member_id) VALUES ($1, $2)`, [sid, orgId(member)]);
        }
        for (const ref of s.cases ?? []) {
          await m.query(`INSERT INTO call_segment_case (segment_id, case_id) VALUES ($1, $2)`, [sid, caseId(ref)]);
        }
      }
    }
    for (const e of demoExclusions) {
      const call = demoCalls.find((c) => c.key === e.call)!;
      await m.query(
        `INSERT INTO call_exclusion (id, call_id, segment_id, member_id, objecting_agency_id, objected_by_id, reason, created_at, withdrawn_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
        [
          demoId(`exclusion:${e.key}`), demoId(`call:${e.call}`), e.segment ? demoId(`segment:${e.segment}`) : null, orgId(e.member), orgId(e.by),
          personId(e.who), e.reason, days(now, Math.min(call.daysFromNow, 0) - 10), e.withdrawn ? days(now, Math.min(call.daysFromNow, 0) - 5) : null,
        ],
      );
    }
    await loadCooperationDemo(m, now);
    await loadOutreachDemo(m, now);
    await loadAccountabilityDemo(m, now);
  });
}

/** Whether the database holds no network yet (a fresh install). */
export async function isEmpty(ds: DataSource): Promise<boolean> {
  const [row] = (await ds.query(`SELECT NOT EXISTS (SELECT 1 FROM participant) AND NOT EXISTS (SELECT 1 FROM country) AS empty`)) as Array<{ empty: boolean }>;
  return row.empty;
}
