import type { DataSource } from 'typeorm';

/**
 * Generates a network at scale into an empty, migrated database with a handful of set-based statements
 * (generate_series, unnest), never one statement per row. Every id is derived from its index (`md5('c:' || g)::uuid`),
 * so the statements can refer to each other's rows without reading them back, and a run is reproducible.
 */

export interface Scale {
  name: string;
  agencies: number;
  privateMembers: number;
  peoplePerParticipant: number;
  cases: number;
  /** Shares per case (before the rare clash with the lead agency is dropped). */
  sharesPerCase: number;
  calls: number;
  segmentsPerCall: number;
  /** Share of the calls already held; the rest are upcoming. */
  pastCalls: number;
}

export const FULL_SCALE: Scale = {
  name: 'full',
  agencies: 700,
  privateMembers: 1300,
  peoplePerParticipant: 5,
  cases: 50_000,
  sharesPerCase: 2,
  calls: 400,
  segmentsPerCall: 5,
  pastCalls: 0.75,
};

/** About a tenth of the full network: the embedded smoke run. */
export const SMOKE_SCALE: Scale = {
  name: 'smoke',
  agencies: 70,
  privateMembers: 130,
  peoplePerParticipant: 5,
  cases: 5_000,
  sharesPerCase: 2,
  calls: 40,
  segmentsPerCall: 5,
  pastCalls: 0.5,
};

/** The three people the benchmark acts as, and what they look at. */
export interface BenchViewer {
  kind: 'AGENCY' | 'PRIVATE' | 'COORDINATOR';
  personId: string;
  email: string;
  orgId: string;
  /** A case whose confidential tier this viewer reads, with the most shares among such cases. */
  detailCaseId: string;
}

export interface GeneratedNetwork {
  counts: Record<string, number>;
  viewers: BenchViewer[];
  steps: Array<{ step: string; ms: number }>;
}

const COUNTRIES: Array<[string, string, boolean]> = [
  ['US', 'United States', false], ['GB', 'United Kingdom', false], ['AU', 'Australia', false], ['NZ', 'New Zealand', false],
  ['CA', 'Canada', false], ['IE', 'Ireland', false], ['FR', 'France', false], ['DE', 'Germany', false],
  ['NL', 'Netherlands', false], ['BE', 'Belgium', false], ['ES', 'Spain', false], ['PT', 'Portugal', false],
  ['IT', 'Italy', false], ['CH', 'Switzerland', false], ['AT', 'Austria', false], ['SE', 'Sweden', false],
  ['NO', 'Norway', false], ['DK', 'Denmark', false], ['FI', 'Finland', false], ['PL', 'Poland', false],
  ['CZ', 'Czechia', false], ['HU', 'Hungary', false], ['RO', 'Romania', false], ['BG', 'Bulgaria', false],
  ['GR', 'Greece', false], ['LT', 'Lithuania', false], ['LV', 'Latvia', false], ['EE', 'Estonia', false],
  ['JP', 'Japan', false], ['KR', 'Korea, Republic of', false], ['SG', 'Singapore', false], ['MY', 'Malaysia', true],
  ['TH', 'Thailand', true], ['PH', 'Philippines', true], ['ID', 'Indonesia', true], ['VN', 'Viet Nam', true],
  ['IN', 'India', true], ['PK', 'Pakistan', true], ['BD', 'Bangladesh', true], ['LK', 'Sri Lanka', true],
  ['CN', 'China', true], ['TW', 'Taiwan', false], ['HK', 'Hong Kong', false], ['IL', 'Israel', false],
  ['TR', 'Türkiye', true], ['EG', 'Egypt', true], ['MA', 'Morocco', true], ['NG', 'Nigeria', true],
  ['KE', 'Kenya', true], ['ZA', 'South Africa', true], ['GH', 'Ghana', true], ['BR', 'Brazil', true],
  ['AR', 'Argentina', true], ['CL', 'Chile', true], ['CO', 'Colombia', true], ['PE', 'Peru', true],
  ['MX', 'Mexico', true], ['UY', 'Uruguay', true], ['CY', 'Cyprus', false], ['MT', 'Malta', false],
];

const COMPETENCES = ['DATA_PROTECTION', 'TELECOMMUNICATIONS', 'CONSUMER_PROTECTION', 'CRIMINAL_LAW', 'OTHER'];
const SECTORS = [
  'FINANCIAL_INSTITUTION', 'INTERNET_SERVICE_PROVIDER', 'TELECOMMUNICATIONS_COMPANY', 'SECURITY_SOFTWARE_PROVIDER',
  'MOBILE_OPERATOR', 'COURIER_SERVICE', 'COMMERCIAL_MAIL_RECEIVING_AGENCY', 'INDUSTRY_MEMBERSHIP_ORGANIZATION',
  'CONSUMER_ORGANIZATION', 'PAYMENT_SYSTEM_PROVIDER', 'CREDIT_REPORTING_AGENCY', 'DOMAIN_REGISTRAR_OR_REGISTRY',
  'DISPUTE_RESOLUTION_PROVIDER',
];
const CATEGORIES = ['SPAM', 'PHISHING', 'ONLINE_FRAUD', 'MALWARE', 'IDENTITY_THEFT', 'OTHER'];
const CASE_STATUSES = ['OPEN', 'INVESTIGATING', 'ENFORCEMENT_ACTION', 'CLOSED'];
const TOPICS = [
  'CASES', 'LEGISLATIVE_DEVELOPMENTS', 'INVESTIGATIVE_TECHNIQUES', 'ENFORCEMENT_OBSTACLES', 'EDUCATION_PROJECTS', 'TRAINING',
  'PRIVATE_SECTOR_REPORTS',
];

/** Participant index of the viewers' organizations: a coordinator, a plain agency and the first private-sector member. */
const COORDINATOR_ORG = 0;
const AGENCY_ORG = 10;

function participantStatus(i: number, forced: Set<number>): string {
  if (forced.has(i)) return 'ENDORSED';
  if (i % 37 === 36) return 'APPLIED';
  if (i % 53 === 52) return 'REJECTED';
  if (i % 71 === 70) return 'WITHDRAWN';
  return 'ENDORSED';
}

/** A pseudo-random, reproducible non-negative integer from a text key (PostgreSQL's hashtext). */
const h = (key: string) => `(hashtext(${key})::bigint & 2147483647)`;

export async function generateNetwork(ds: DataSource, scale: Scale): Promise<GeneratedNetwork> {
  const steps: GeneratedNetwork['steps'] = [];
  const step = async (name: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    steps.push({ step: name, ms: performance.now() - t0 });
  };

  const A = scale.agencies;
  const P = scale.agencies + scale.privateMembers;
  const PP = scale.peoplePerParticipant;
  const PRIVATE_ORG = A;
  const forced = new Set([COORDINATOR_ORG, AGENCY_ORG, PRIVATE_ORG]);
  const statuses = Array.from({ length: P }, (_, i) => participantStatus(i, forced));
  const coordinators = Array.from({ length: A }, (_, i) => i).filter((i) => (i === 1 || i % 200 === 0) && statuses[i] === 'ENDORSED');
  const endorsedAgencies = Array.from({ length: A }, (_, i) => i).filter((i) => statuses[i] === 'ENDORSED');
  const endorsedPrivate = Array.from({ length: scale.privateMembers }, (_, i) => A + i).filter((i) => statuses[i] === 'ENDORSED');
  const endorsed = [...endorsedAgencies, ...endorsedPrivate];
  const codes = COUNTRIES.map(([c]) => c);
  const nC = codes.length;

  await step('countries', () =>
    ds.query(`INSERT INTO country (code, name, developing) SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[])`, [
      codes,
      COUNTRIES.map(([, n]) => n),
      COUNTRIES.map(([, , d]) => d),
    ]),
  );

  // Participants and their people in one transaction: the point-of-contact foreign key is checked at commit.
  await step('participants and people', () =>
    ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO participant (id, kind, name, country_code, status, applied_at, endorsed_at, objection_deadline,
           point_of_contact_id, competences, is_coordinator, sector, request_guidance)
         SELECT md5('p:' || g)::uuid,
           CASE WHEN g < $1 THEN 'AGENCY' ELSE 'PRIVATE_SECTOR' END,
           CASE WHEN g < $1 THEN 'Agency ' ELSE 'Member ' END || g || ' (' || ($3::text[])[1 + g % $4] || ')',
           ($3::text[])[1 + g % $4],
           st,
           now() - interval '1 day' * (400 + g % 1000),
           CASE WHEN st IN ('ENDORSED', 'WITHDRAWN') THEN now() - interval '1 day' * (370 + g % 1000) END,
           CASE WHEN st = 'APPLIED' THEN now() + interval '7 days' END,
           md5('pe:' || (g * $5))::uuid,
           CASE WHEN g >= $1 THEN '{}'::text[]
                WHEN g % 3 = 0 THEN ARRAY[($6::text[])[1 + g % 5]]
                ELSE ARRAY[($6::text[])[1 + g % 5], ($6::text[])[1 + (g + 1) % 5]] END,
           g = ANY ($7::int[]),
           CASE WHEN g >= $1 THEN ($8::text[])[1 + g % 13] END,
           CASE WHEN g >= $1 THEN 'Send requests for assistance to abuse-desk@member' || g || '.example with the case reference.' END
         FROM (SELECT g, ($2::text[])[g + 1] AS st FROM generate_series(0, $9 - 1) g) s`,
        [A, statuses, codes, nC, PP, COMPETENCES, coordinators, SECTORS, P],
      );
      await m.query(
        `INSERT INTO person (id, organization_id, name, email, phone, title)
         SELECT md5('pe:' || g)::uuid, md5('p:' || (g / $1))::uuid, 'Person ' || g, 'person' || g || '@org' || (g / $1) || '.example',
           '+1 555 ' || lpad((g % 10000)::text, 4, '0'), (ARRAY['Investigator', 'Counsel', 'Analyst', 'Director', 'Liaison'])[1 + g % 5]
         FROM generate_series(0, $2 - 1) g`,
        [PP, P * PP],
      );
      await m.query(
        `UPDATE country co SET primary_contact_id = (SELECT p.point_of_contact_id FROM participant p
           WHERE p.country_code = co.code AND p.kind = 'AGENCY' AND p.status = 'ENDORSED' ORDER BY p.name LIMIT 1)`,
      );
    }),
  );

  // The case's lead agency, TLP and first country as expressions of its index g, shared by the statements below.
  const leadIdx = `($1::int[])[1 + ${h(`'lead' || g`)} % cardinality($1::int[])]`;
  const tlpOf = `(CASE WHEN g % 20 < 3 THEN 'CLEAR' WHEN g % 20 < 8 THEN 'GREEN' WHEN g % 20 < 14 THEN 'AMBER'
                       WHEN g % 20 < 17 THEN 'AMBER_STRICT' ELSE 'RED' END)`;
  await step('cases', () =>
    ds.query(
      `INSERT INTO enforcement_case (id, reference, title, status, categories, tlp, lead_agency_id, opened_at, harm_score, updated_at)
       SELECT md5('c:' || g)::uuid,
         'BN-' || lpad(g::text, 6, '0'),
         (ARRAY['Bulk spam run', 'Phishing kit', 'Advance-fee fraud', 'Botnet', 'Fake pharmacy', 'Lottery scam', 'Card-not-present fraud',
                'Malware dropper'])[1 + g % 8] || ' via ' || (ARRAY['open relays', 'hijacked accounts', 'bulletproof hosting', 'SMS gateways',
                'compromised CMS', 'free mail services'])[1 + (g / 8) % 6] || ' #' || g,
         ($2::text[])[1 + g % 4],
         CASE WHEN g % 3 = 0 THEN ARRAY[($3::text[])[1 + g % 6]]
              WHEN g % 3 = 1 THEN ARRAY[($3::text[])[1 + g % 6], ($3::text[])[1 + (g + 1) % 6]]
              ELSE ARRAY[($3::text[])[1 + g % 6], ($3::text[])[1 + (g + 2) % 6], ($3::text[])[1 + (g + 3) % 6]] END,
         ${tlpOf},
         md5('p:' || ${leadIdx})::uuid,
         now() - interval '1 hour' * (g % 20000),
         ${h(`'harm' || g`)} % 101,
         now() - interval '1 hour' * (g % 5000)
       FROM generate_series(0, $4 - 1) g`,
      [endorsedAgencies, CASE_STATUSES, CATEGORIES, scale.cases],
    ),
  );

  await step('confidential tiers', () =>
    ds.query(
      `INSERT INTO case_confidential (case_id, lead_agency_id, summary, suspects, evidence, investigator_notes, victim_count, estimated_loss_usd,
         vulnerable_victims, ongoing_harm)
       SELECT md5('c:' || g)::uuid, md5('p:' || ${leadIdx})::uuid,
         'Case ' || g || ': ' || repeat('Messages sent through compromised hosts to consumers in several countries; ', 2 + g % 4),
         ARRAY['Suspect ' || g || '-A', 'Suspect ' || g || '-B'],
         'Evidence log ' || g || ': ' || repeat('headers, payment trails and domain registrations; ', 2 + g % 3),
         'Notes ' || g || ': ' || repeat('interview scheduled, preservation request sent; ', 1 + g % 3),
         ${h(`'victims' || g`)} % 100000,
         ${h(`'loss' || g`)} % 50000000,
         g % 7 = 0,
         g % 3 = 0
       FROM generate_series(0, $2 - 1) g`,
      [endorsedAgencies, scale.cases],
    ),
  );

  await step('case countries', () =>
    ds.query(
      `INSERT INTO case_country (case_id, country_code)
       SELECT DISTINCT md5('c:' || g)::uuid, ($2::text[])[1 + (CASE WHEN k = 0 THEN ${leadIdx} ELSE ${h(`'cc' || g || ':' || k`)} END) % $3]
       FROM generate_series(0, $4 - 1) g CROSS JOIN generate_series(0, 2) k
       WHERE k <= g % 3`,
      [endorsedAgencies, codes, nC, scale.cases],
    ),
  );

  // Shares: to endorsed participants, a few steered to the viewers' organizations so that their boards mix shared
  // AMBER and RED cases in. RED shares always name people; a third of the others do.
  await step('case shares', () =>
    ds.query(
      `INSERT INTO case_share (id, case_id, participant_id, recipient_ids, granted_by_id, granted_at)
       SELECT md5('s:' || g || ':' || k)::uuid, md5('c:' || g)::uuid, md5('p:' || t)::uuid,
         CASE WHEN tlp = 'RED' OR ${h(`'named' || g || ':' || k`)} % 3 = 0
              THEN CASE WHEN ${h(`'two' || g || ':' || k`)} % 2 = 0
                        THEN ARRAY[md5('pe:' || (t * $2 + ${h(`'r' || g || ':' || k`)} % $2))::uuid]
                        ELSE ARRAY[md5('pe:' || (t * $2 + ${h(`'r' || g || ':' || k`)} % $2))::uuid,
                                   md5('pe:' || (t * $2 + (${h(`'r' || g || ':' || k`)} + 1) % $2))::uuid] END
              ELSE '{}'::uuid[] END,
         md5('pe:' || (lead * $2 + g % $2))::uuid,
         now() - interval '1 hour' * ((g * 7 + k) % 20000)
       FROM (
         SELECT g, k, ${tlpOf} AS tlp, ${leadIdx} AS lead,
           CASE WHEN k = 2 AND g % 20 = 0 THEN $4
                WHEN k = 2 AND g % 20 = 10 THEN $5
                WHEN k = 2 AND g % 20 = 5 THEN $6
                ELSE ($3::int[])[1 + ${h(`'share' || g || ':' || k`)} % cardinality($3::int[])] END AS t
         FROM generate_series(0, $7 - 1) g CROSS JOIN generate_series(1, $8) k
       ) x
       WHERE t <> lead
       ON CONFLICT (case_id, participant_id) DO NOTHING`,
      [endorsedAgencies, PP, endorsed, PRIVATE_ORG, AGENCY_ORG, COORDINATOR_ORG, scale.cases, scale.sharesPerCase],
    ),
  );

  const past = Math.round(scale.calls * scale.pastCalls);
  await step('calls and segments', async () => {
    await ds.query(
      `INSERT INTO conference_call (id, title, scheduled_at, duration_minutes, organizer_id, dial_in)
       SELECT md5('call:' || c)::uuid, 'Network call ' || c, date_trunc('hour', now()) + interval '3 days' * (c - $1),
         (ARRAY[60, 90, 120])[1 + c % 3], md5('p:' || ($2::int[])[1 + c % cardinality($2::int[])])::uuid,
         '+44 20 7946 ' || lpad((c % 10000)::text, 4, '0') || ' PIN ' || (100000 + c)
       FROM generate_series(0, $3 - 1) c`,
      [past, coordinators, scale.calls],
    );
    await ds.query(
      `INSERT INTO call_segment (id, call_id, position, title, topic, audience, minutes, minutes_recorded_at)
       SELECT md5('seg:' || s)::uuid, md5('call:' || (s / $1))::uuid, s % $1 + 1,
         'Segment ' || (s % $1 + 1) || ' of call ' || (s / $1), ($2::text[])[1 + s % 7],
         CASE WHEN s % $1 + 1 IN (2, 4, 5) THEN 'PRIVATE_SECTOR_INVITED' ELSE 'LAW_ENFORCEMENT_ONLY' END,
         CASE WHEN s / $1 < $3 OR s % $1 = 0
              THEN 'Minutes ' || s || ': ' || repeat('the participants reviewed open matters and agreed next steps; ', 3 + s % 4) END,
         CASE WHEN s / $1 < $3 OR s % $1 = 0 THEN now() - interval '1 day' END
       FROM generate_series(0, $4 - 1) s`,
      [scale.segmentsPerCall, TOPICS, past, scale.calls * scale.segmentsPerCall],
    );
    // Four invitees per PRIVATE_SECTOR_INVITED segment, plus the PRIVATE viewer's organization on every other call.
    await ds.query(
      `INSERT INTO call_segment_invitation (segment_id, member_id)
       SELECT DISTINCT md5('seg:' || s)::uuid,
         md5('p:' || CASE WHEN k = 0 THEN $3 ELSE ($2::int[])[1 + ${h(`'inv' || s || ':' || k`)} % cardinality($2::int[])] END)::uuid
       FROM generate_series(0, $4 - 1) s CROSS JOIN generate_series(0, 4) k
       WHERE s % $1 + 1 IN (2, 4, 5) AND (k > 0 OR (s / $1) % 2 = 0)`,
      [scale.segmentsPerCall, endorsedPrivate, PRIVATE_ORG, scale.calls * scale.segmentsPerCall],
    );
    // Three discussed cases per segment, of every TLP.
    await ds.query(
      `INSERT INTO call_segment_case (segment_id, case_id)
       SELECT DISTINCT md5('seg:' || s)::uuid, md5('c:' || (${h(`'disc' || s || ':' || k`)} % $1))::uuid
       FROM generate_series(0, $2 - 1) s CROSS JOIN generate_series(1, 3) k`,
      [scale.cases, scale.calls * scale.segmentsPerCall],
    );
  });

  // Exclusions: a whole-call objection against an invited member on every fourth call; the PRIVATE viewer's
  // organization kept out of segment 2 on some calls and out of whole calls on others; some objections withdrawn.
  await step('exclusions', () =>
    ds.query(
      `INSERT INTO call_exclusion (id, call_id, segment_id, member_id, objecting_agency_id, objected_by_id, reason, created_at, withdrawn_at)
       SELECT md5('ex:' || c || ':' || kind)::uuid, md5('call:' || c)::uuid,
         CASE WHEN kind = 'segment' THEN md5('seg:' || (c * $1 + 1))::uuid END,
         md5('p:' || CASE WHEN kind = 'member' THEN ($2::int[])[1 + ${h(`'exm' || c`)} % cardinality($2::int[])] ELSE $3 END)::uuid,
         md5('p:' || obj)::uuid, md5('pe:' || (obj * $4))::uuid,
         'Objection on call ' || c || ': an ongoing investigation involves this member.',
         now() - interval '1 day' * (c % 30),
         CASE WHEN (kind = 'member' AND c % 8 = 5) OR (kind = 'call' AND c % 40 = 26) THEN now() - interval '1 hour' END
       FROM (
         SELECT c, kind, ($5::int[])[1 + ${h(`'obj' || c || kind`)} % cardinality($5::int[])] AS obj
         FROM generate_series(0, $6 - 1) c CROSS JOIN unnest(ARRAY['member', 'segment', 'call']) kind
         WHERE (kind = 'member' AND c % 4 = 1) OR (kind = 'segment' AND c % 10 = 3) OR (kind = 'call' AND c % 20 = 6)
       ) x`,
      [scale.segmentsPerCall, endorsedPrivate, PRIVATE_ORG, PP, endorsedAgencies, scale.calls],
    ),
  );

  await step('vacuum analyze', () => ds.query('VACUUM ANALYZE'));

  const counts: Record<string, number> = {};
  for (const table of [
    'country', 'participant', 'person', 'enforcement_case', 'case_confidential', 'case_country', 'case_share', 'conference_call', 'call_segment',
    'call_segment_invitation', 'call_segment_case', 'call_exclusion',
  ]) {
    const [row] = (await ds.query(`SELECT count(*)::int AS n FROM ${table}`)) as Array<{ n: number }>;
    counts[table] = row.n;
  }
  const [tlpRow] = (await ds.query(
    `SELECT string_agg(tlp || ' ' || n, ', ' ORDER BY tlp) AS s FROM (SELECT tlp, count(*) n FROM enforcement_case GROUP BY tlp) t`,
  )) as Array<{ s: string }>;
  const [namedRow] = (await ds.query(
    `SELECT count(*) FILTER (WHERE cardinality(s.recipient_ids) > 0)::int AS named,
            count(*) FILTER (WHERE c.tlp = 'RED' AND cardinality(s.recipient_ids) = 0)::int AS red_unnamed
     FROM case_share s JOIN enforcement_case c ON c.id = s.case_id`,
  )) as Array<{ named: number; red_unnamed: number }>;
  if (namedRow.red_unnamed !== 0) throw new Error('generated a RED share that names nobody');
  counts['case_share naming recipients'] = namedRow.named;

  const viewers: BenchViewer[] = [];
  for (const [kind, org] of [
    ['AGENCY', AGENCY_ORG],
    ['PRIVATE', PRIVATE_ORG],
    ['COORDINATOR', COORDINATOR_ORG],
  ] as const) {
    const [person] = (await ds.query(`SELECT id, email, organization_id FROM person WHERE id = md5('pe:' || $1::int)::uuid`, [org * PP])) as Array<{
      id: string;
      email: string;
      organization_id: string;
    }>;
    // The case this viewer reads in full: led by its organization or shared so that it reaches the viewer; most shares first.
    const [detail] = (await ds.query(
      `SELECT c.id FROM enforcement_case c
       WHERE c.lead_agency_id = $1 OR EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = c.id AND s.participant_id = $1
         AND (cardinality(s.recipient_ids) = 0 OR $2::uuid = ANY (s.recipient_ids)))
       ORDER BY (SELECT count(*) FROM case_share s WHERE s.case_id = c.id) DESC,
         (SELECT count(*) FROM case_share s WHERE s.case_id = c.id AND cardinality(s.recipient_ids) > 0) DESC, c.id
       LIMIT 1`,
      [person.organization_id, person.id],
    )) as Array<{ id: string }>;
    if (!detail) throw new Error(`no readable case for the ${kind} viewer`);
    viewers.push({ kind, personId: person.id, email: person.email, orgId: person.organization_id, detailCaseId: detail.id });
  }
  return { counts: { ...counts }, viewers, steps: [...steps, { step: `TLP mix: ${tlpRow.s}`, ms: NaN }] };
}
