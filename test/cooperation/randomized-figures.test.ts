import pg from 'pg';
import type { EntityManager } from 'typeorm';
import { GqlResult, startTestHub, TestHub } from '../support/hub';
import { Rnd } from '../support/random';
import { networkReportQuery, type NetworkReportData } from '../../src/http/network-report-csv';

/**
 * A randomized metamorphic test of the figure rule (DOMAIN §3: "every figure is a count the same viewer could make by
 * listing"; §4 "Cases", "Assistance requests", "Questionnaires", "Reports, …, the network report"; §8 API keys).
 *
 * For each seed, random rows are written as the database owner on top of the demo network: a few extra people; cases at
 * every TLP with random leads, statuses, categories, countries, opening dates inside, outside and on the edges of a
 * random report period, and shares to whole organizations or naming persons (RED always names persons); requests for
 * assistance between random participants, with random statuses, answers and cases; questionnaire responses,
 * confidential or not; conference calls in and out of the period with segments, invitations and exclusions; sector
 * reports at every TLP with named recipients, some of them EARLY_WARNING.
 *
 * Then, over HTTP, as many viewers (a coordinator, agencies, private-sector members, an applicant, anonymous, API keys
 * of an agency and of a private-sector member):
 *   1. every figure of `networkReport` for the period equals what the same viewer counts by listing (cases by status
 *      and category, requests by status and the median time to answer, calls held per quarter, questionnaire
 *      responses, participants); `outstanding` is a number for coordinators only, null and redacted for others; other
 *      viewers get no report at all;
 *   2. `GET /reports/network.csv` holds the same figures as `networkReport` for the same reader, row for row;
 *   3. `totalCount` of every connection equals the nodes paged through with `first`/`after` (cases with and without
 *      filters, requests, calls, reports, early warnings, responses, outstanding participants);
 *   4. the rows each viewer lists and looks up by id (cases, requests, calls, reports, responses) are exactly those an
 *      oracle written here from DOMAIN.md and the raw rows allows; a hidden row looked up by id is null with no error,
 *      as a random id;
 *   5. a request's `details` are readable by its requester and recipient only, and equal the written description and
 *      response.
 *
 * Seeds: DEFAULT_SEEDS, or FIGURES_SEED=7 (or FIGURES_SEED=7,8,9). Every disagreement names its seed and viewer.
 * The database's time zone is America/New_York unless FIGURES_TZ names another (FIGURES_TZ= keeps the server's own):
 * quarters are UTC quarters whatever the session's zone, as `callCadence` counts them.
 */

const DEFAULT_SEEDS = [11, 22, 33];
const SEEDS = process.env.FIGURES_SEED ? process.env.FIGURES_SEED.split(',').map((s) => Number(s.trim())) : DEFAULT_SEEDS;

const DAY = 86_400_000;
const HOUR = 3_600_000;

// ---------------------------------------------------------------------------------------------------------------------
// The rows, as the database owner reads them (demo and generated alike)

type Kind = 'ANONYMOUS' | 'AGENCY' | 'COORDINATOR' | 'PRIVATE';
const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'] as const;
const CASE_STATUSES = ['OPEN', 'INVESTIGATING', 'ENFORCEMENT_ACTION', 'CLOSED'] as const;
const CATEGORIES = ['SPAM', 'PHISHING', 'ONLINE_FRAUD', 'MALWARE', 'IDENTITY_THEFT', 'OTHER'] as const;
const REQUEST_STATUSES = ['OPEN', 'ACKNOWLEDGED', 'FULFILLED', 'DECLINED', 'WITHDRAWN'] as const;
const REPORT_KINDS = ['CASE', 'TECHNOLOGY_TREND', 'COOPERATION', 'OBSTACLE', 'EARLY_WARNING'] as const;
const TOPICS = ['CASES', 'LEGISLATIVE_DEVELOPMENTS', 'INVESTIGATIVE_TECHNIQUES', 'TRAINING', 'PRIVATE_SECTOR_REPORTS'] as const;

interface Org {
  id: string;
  name: string;
  kind: 'AGENCY' | 'PRIVATE_SECTOR';
  coordinator: boolean;
  /** ENDORSED: its people are AGENCY/COORDINATOR or PRIVATE viewers; anyone else's are ANONYMOUS (DOMAIN §2). */
  member: boolean;
  people: string[];
}
interface PersonRow {
  id: string;
  email: string;
  org: string;
}
interface Share {
  participant: string;
  recipients: string[];
}
interface CaseRow {
  id: string;
  label: string;
  lead: string;
  tlp: string;
  status: string;
  categories: string[];
  countries: string[];
  openedAt: number;
  shares: Share[];
}
interface RequestRow {
  id: string;
  label: string;
  caseId: string | null;
  requester: string;
  recipient: string;
  status: string;
  createdAt: number;
  answeredAt: number | null;
  description: string;
  response: string | null;
}
interface QuestionnaireRow {
  id: string;
  title: string;
  audience: 'AGENCIES' | 'PRIVATE_SECTOR';
}
interface ResponseRow {
  id: string;
  questionnaire: string;
  participant: string;
  confidential: boolean;
}
interface CallRow {
  id: string;
  label: string;
  scheduledAt: number;
  segments: Array<{ id: string; audience: string; invited: string[] }>;
  exclusions: Array<{ segment: string | null; member: string; standing: boolean }>;
}
interface ReportRow {
  id: string;
  label: string;
  author: string;
  tlp: string;
  kind: string;
  recipients: string[];
}
interface World {
  orgs: Map<string, Org>;
  persons: Map<string, PersonRow>;
  countries: string[];
  cases: CaseRow[];
  requests: RequestRow[];
  questionnaires: QuestionnaireRow[];
  responses: ResponseRow[];
  calls: CallRow[];
  reports: ReportRow[];
}

const ms = (d: unknown): number => new Date(d as string).getTime();

/** Every row the oracle needs, read as the database owner (no policy applies). */
async function readWorld(m: EntityManager, now: number, labels: Map<string, string>): Promise<World> {
  const q = (text: string) => m.query(text) as Promise<Array<Record<string, any>>>;
  const orgs = new Map<string, Org>();
  const objections = await q(`SELECT participant_id, created_at, withdrawn_at FROM endorsement_objection`);
  for (const p of await q(`SELECT id, name, kind, is_coordinator, status, objection_deadline FROM participant`)) {
    // The endorsement ¶: an application whose deadline has passed is ENDORSED unless an objection stood at the deadline.
    const deadline = p.objection_deadline === null ? null : ms(p.objection_deadline);
    const lapsed = p.status === 'APPLIED' && deadline !== null && deadline <= now;
    const standing = objections.some(
      (o) => o.participant_id === p.id && ms(o.created_at) < deadline! && (o.withdrawn_at === null || ms(o.withdrawn_at) >= deadline!),
    );
    const member = p.status === 'ENDORSED' || (lapsed && !standing);
    orgs.set(p.id, { id: p.id, name: p.name, kind: p.kind, coordinator: p.is_coordinator, member, people: [] });
  }
  const persons = new Map<string, PersonRow>();
  for (const p of await q(`SELECT id, email, organization_id FROM person ORDER BY email`)) {
    persons.set(p.id, { id: p.id, email: p.email, org: p.organization_id });
    orgs.get(p.organization_id)!.people.push(p.id);
  }
  const countries = (await q(`SELECT code FROM country ORDER BY code`)).map((c) => String(c.code));
  const cases = new Map<string, CaseRow>();
  for (const c of await q(`SELECT id, reference, lead_agency_id, tlp, status, categories, opened_at FROM enforcement_case`)) {
    cases.set(c.id, {
      id: c.id, label: labels.get(c.id) ?? c.reference, lead: c.lead_agency_id, tlp: c.tlp, status: c.status, categories: c.categories,
      countries: [], openedAt: ms(c.opened_at), shares: [],
    });
  }
  for (const x of await q(`SELECT case_id, country_code FROM case_country`)) cases.get(x.case_id)!.countries.push(String(x.country_code));
  for (const s of await q(`SELECT case_id, participant_id, recipient_ids FROM case_share`)) {
    cases.get(s.case_id)!.shares.push({ participant: s.participant_id, recipients: s.recipient_ids });
  }
  const requests = (
    await q(`SELECT r.id, r.title, r.case_id, r.requester_id, r.recipient_id, r.status, r.created_at, r.answered_at, d.description, d.response
             FROM assistance_request r LEFT JOIN assistance_request_detail d ON d.request_id = r.id`)
  ).map((r) => ({
    id: r.id, label: labels.get(r.id) ?? r.title, caseId: r.case_id, requester: r.requester_id, recipient: r.recipient_id, status: r.status, createdAt: ms(r.created_at),
    answeredAt: r.answered_at === null ? null : ms(r.answered_at), description: r.description, response: r.response,
  }));
  const questionnaires = (await q(`SELECT id, title, audience FROM questionnaire`)).map((x) => ({ id: x.id, title: x.title, audience: x.audience }));
  const responses = (await q(`SELECT id, questionnaire_id, participant_id, confidential FROM questionnaire_response`)).map((x) => ({
    id: x.id, questionnaire: x.questionnaire_id, participant: x.participant_id, confidential: x.confidential,
  }));
  const calls = new Map<string, CallRow>();
  for (const c of await q(`SELECT id, title, scheduled_at FROM conference_call`)) {
    calls.set(c.id, { id: c.id, label: labels.get(c.id) ?? c.title, scheduledAt: ms(c.scheduled_at), segments: [], exclusions: [] });
  }
  const segments = new Map<string, { id: string; audience: string; invited: string[] }>();
  for (const s of await q(`SELECT id, call_id, audience FROM call_segment ORDER BY position`)) {
    const seg = { id: s.id, audience: s.audience, invited: [] as string[] };
    segments.set(s.id, seg);
    calls.get(s.call_id)!.segments.push(seg);
  }
  for (const i of await q(`SELECT segment_id, member_id FROM call_segment_invitation`)) segments.get(i.segment_id)!.invited.push(i.member_id);
  for (const e of await q(`SELECT call_id, segment_id, member_id, withdrawn_at FROM call_exclusion`)) {
    calls.get(e.call_id)!.exclusions.push({ segment: e.segment_id, member: e.member_id, standing: e.withdrawn_at === null || ms(e.withdrawn_at) > now });
  }
  const reports = new Map<string, ReportRow>();
  for (const r of await q(`SELECT id, title, author_org_id, tlp, kind FROM sector_report`)) {
    reports.set(r.id, { id: r.id, label: labels.get(r.id) ?? r.title, author: r.author_org_id, tlp: r.tlp, kind: r.kind, recipients: [] });
  }
  for (const x of await q(`SELECT report_id, person_id FROM sector_report_recipient`)) reports.get(x.report_id)!.recipients.push(x.person_id);
  return {
    orgs, persons, countries, cases: [...cases.values()], requests, questionnaires, responses, calls: [...calls.values()], reports: [...reports.values()],
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// The oracle: DOMAIN.md §2, §4 and §8, from the raw rows alone

/** Who asks: a person (their token), an organization's API key, or nobody. */
interface Asker {
  label: string;
  token: string | null;
  kind: Kind;
  person: string | null;
  /** The ENDORSED organization through which the viewer has access; null when ANONYMOUS. */
  org: string | null;
  /** The organization `me` names (an applicant's own too). */
  ownOrg: string | null;
}

const isMember = (v: Asker) => v.kind !== 'ANONYMOUS';
const isAgency = (v: Asker) => v.kind === 'AGENCY' || v.kind === 'COORDINATOR';

function kindOf(org: Org | undefined): Kind {
  if (!org || !org.member) return 'ANONYMOUS';
  if (org.kind === 'PRIVATE_SECTOR') return 'PRIVATE';
  return org.coordinator ? 'COORDINATOR' : 'AGENCY';
}

/** A share reaches a viewer of its organization when it names nobody or names them; an API key has no person. */
const reaches = (v: Asker, s: Share) =>
  v.org !== null && s.participant === v.org && (s.recipients.length === 0 || (v.person !== null && s.recipients.includes(v.person)));

/** §4 Cases, row and listing fields. */
function seesCase(v: Asker, c: CaseRow): boolean {
  if (c.tlp === 'CLEAR') return true;
  if (!isMember(v)) return false;
  if (c.tlp === 'GREEN') return true;
  if (c.lead === v.org) return true;
  const reached = c.shares.some((s) => reaches(v, s));
  return c.tlp === 'RED' ? reached : isAgency(v) || reached;
}

/** §4 Reports: a case's row rule, the author's organization in the lead agency's place, the named recipients as the share. */
function seesReport(v: Asker, r: ReportRow): boolean {
  if (r.tlp === 'CLEAR') return true;
  if (!isMember(v)) return false;
  if (r.tlp === 'GREEN') return true;
  if (r.author === v.org) return true;
  const named = v.person !== null && r.recipients.includes(v.person);
  return r.tlp === 'RED' ? named : isAgency(v) || named;
}

/** §4 Assistance requests: requester, recipient and coordinators see the row; the parties alone the details. */
const partyTo = (v: Asker, r: RequestRow) => isMember(v) && (r.requester === v.org || r.recipient === v.org);
const seesRequest = (v: Asker, r: RequestRow) => partyTo(v, r) || v.kind === 'COORDINATOR';

/** §4 Questionnaires: coordinators all; agencies the non-confidential ones and their own; private members their own. */
const seesResponse = (v: Asker, x: ResponseRow) =>
  isMember(v) && (v.kind === 'COORDINATOR' || (isAgency(v) && !x.confidential) || x.participant === v.org);

/** §4 Conference calls: agencies every call; a private member a call with a segment it takes part in. */
function seesCall(v: Asker, c: CallRow): boolean {
  if (!isMember(v)) return false;
  if (isAgency(v)) return true;
  return c.segments.some(
    (s) =>
      s.audience === 'PRIVATE_SECTOR_INVITED' &&
      s.invited.includes(v.org!) &&
      !c.exclusions.some((e) => e.standing && e.member === v.org && (e.segment === null || e.segment === s.id)),
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Generation

interface Generated {
  from: Date;
  to: Date;
  labels: Map<string, string>;
  caseIds: string[];
  requestIds: string[];
  reportIds: string[];
  callIds: string[];
  extraPeople: Array<{ id: string; email: string }>;
}

/** A time inside, outside or on an edge of [from, to); never later than `latest`. */
function someTime(r: Rnd, from: number, to: number, latest: number): number {
  const t = r.pick([
    () => from,
    () => to,
    () => from - 1,
    () => to - 1,
    () => r.int(from, to - 1),
    () => r.int(from, to - 1),
    () => from - r.int(1, 300) * DAY + r.int(0, DAY),
    () => to + r.int(1, 200) * DAY + r.int(0, DAY),
  ])();
  return Math.min(t, latest);
}

async function generate(m: EntityManager, seed: number, base: World, now: number): Promise<Generated> {
  const r = new Rnd(seed);
  const labels = new Map<string, string>();
  const gen: Generated = {
    from: new Date(now - r.int(120, 420) * DAY - r.int(0, DAY)),
    to: new Date(now + r.int(-60, 60) * DAY + r.int(0, DAY)),
    labels, caseIds: [], requestIds: [], reportIds: [], callIds: [], extraPeople: [],
  };
  const from = gen.from.getTime();
  const to = gen.to.getTime();
  const latest = now - HOUR;
  const q = (text: string, values: unknown[]) => m.query(text, values);

  // Participants whose standing depends on the period or on the clock: endorsed inside, on the edges of or after the
  // period (the participation figures count those endorsed before its end), endorsed by the silent procedure at a past
  // deadline, withdrawn, rejected. One person each.
  const newOrgs: Array<{ kind: 'AGENCY' | 'PRIVATE_SECTOR'; status: string; endorsedAt: number | null; deadline: number | null }> = [
    { kind: 'AGENCY', status: 'ENDORSED', endorsedAt: someTime(r, from, to, latest), deadline: null },
    { kind: 'PRIVATE_SECTOR', status: 'ENDORSED', endorsedAt: someTime(r, from, to, latest), deadline: null },
    { kind: r.pick(['AGENCY', 'PRIVATE_SECTOR'] as const), status: 'APPLIED', endorsedAt: null, deadline: someTime(r, from, to, latest) },
    { kind: 'AGENCY', status: 'WITHDRAWN', endorsedAt: now - 700 * DAY, deadline: null },
    { kind: 'PRIVATE_SECTOR', status: 'REJECTED', endorsedAt: null, deadline: now - 30 * DAY },
  ];
  const withdrawn: Org[] = [];
  for (const [i, o] of newOrgs.entries()) {
    const id = r.uuid();
    const pid = r.uuid();
    const name = `Generated ${seed}/${i} (${o.kind} ${o.status})`;
    const email = `member-${seed}-${i}@random.example`;
    const applied = Math.min(o.endorsedAt ?? o.deadline!, now) - 20 * DAY;
    await q(
      `INSERT INTO participant (id, kind, name, country_code, status, applied_at, endorsed_at, objection_deadline, point_of_contact_id, competences, sector)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        id, o.kind, name, r.pick(base.countries), o.status, new Date(applied), o.endorsedAt === null ? null : new Date(o.endorsedAt),
        o.deadline === null ? null : new Date(o.deadline), pid, o.kind === 'AGENCY' ? ['OTHER'] : [],
        o.kind === 'AGENCY' ? null : r.pick(['INTERNET_SERVICE_PROVIDER', 'FINANCIAL_INSTITUTION', 'MOBILE_OPERATOR']),
      ],
    );
    await q(`INSERT INTO person (id, organization_id, name, email) VALUES ($1, $2, $3, $4)`, [pid, id, `Person ${seed}/${i}`, email]);
    // For the generation's choices only: the oracle derives membership from the rows (readWorld).
    const member = o.status === 'ENDORSED' || o.status === 'APPLIED';
    base.orgs.set(id, { id, name, kind: o.kind, coordinator: false, member, people: [pid] });
    if (o.status === 'WITHDRAWN') withdrawn.push(base.orgs.get(id)!);
    base.persons.set(pid, { id: pid, email, org: id });
  }
  const orgs = [...base.orgs.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const people = (o: Org) => o.people;
  const endorsed = orgs.filter((o) => o.member);
  const agencies = endorsed.filter((o) => o.kind === 'AGENCY');
  const coordinators = agencies.filter((o) => o.coordinator);
  // Cases and requests of an agency that has since withdrawn stay; its people no longer see them as members.
  const formerly = [...agencies, ...withdrawn.filter((o) => o.kind === 'AGENCY')];
  const privates = endorsed.filter((o) => o.kind === 'PRIVATE_SECTOR');

  // A second person in a few organizations, so that "named" and "not named" of one organization both occur.
  for (const [i, o] of [r.pick(agencies.filter((a) => !a.coordinator)), r.pick(privates), r.pick(agencies)].entries()) {
    const id = r.uuid();
    const email = `extra-${seed}-${i}@random.example`;
    await q(`INSERT INTO person (id, organization_id, name, email) VALUES ($1, $2, $3, $4)`, [id, o.id, `Extra ${seed}/${i}`, email]);
    o.people.push(id);
    base.persons.set(id, { id, email, org: o.id });
    gen.extraPeople.push({ id, email });
  }
  const everyone = [...base.persons.values()].map((p) => p.id).sort();

  // Cases: every TLP at least once.
  const caseCount = r.int(10, 14);
  const cases: Array<{ id: string; lead: string; tlp: string }> = [];
  for (let i = 0; i < caseCount; i++) {
    const id = r.uuid();
    const lead = r.pick(formerly);
    const tlp = i < TLPS.length ? TLPS[i] : r.pick(TLPS);
    const status = r.pick(CASE_STATUSES);
    const categories = r.some(CATEGORIES, 0.3);
    const opened = someTime(r, from, to, latest);
    labels.set(id, `R${seed}-${i} (${tlp}, lead ${lead.name})`);
    await q(
      `INSERT INTO enforcement_case (id, reference, title, status, categories, tlp, lead_agency_id, opened_at, harm_score, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8)`,
      [id, `R${seed}-${i}`, `Random case ${seed}/${i}`, status, categories, tlp, lead.id, new Date(opened), r.int(0, 100)],
    );
    await q(`INSERT INTO case_confidential (case_id, lead_agency_id, summary) VALUES ($1, $2, $3)`, [id, lead.id, `Summary ${seed}/${i}`]);
    await q(`INSERT INTO case_country (case_id, country_code) SELECT $1, unnest($2::text[])`, [id, r.some(base.countries, 0.2)]);
    // Shares: to any participant but the lead (an applicant too, now and then), whole organization or naming persons.
    const targets = r.subset(orgs.filter((o) => o.id !== lead.id && (o.member || r.chance(0.3))), 0.2).slice(0, 4);
    for (const t of targets) {
      const named = tlp === 'RED' || r.chance(0.4) ? r.some(people(t), 0.5) : [];
      await q(
        `INSERT INTO case_share (id, case_id, participant_id, recipient_ids, granted_by_id, granted_at) VALUES ($1, $2, $3, $4::uuid[], $5, $6)`,
        [r.uuid(), id, t.id, named, r.pick(people(lead)), new Date(Math.min(opened + DAY, latest))],
      );
    }
    cases.push({ id, lead: lead.id, tlp });
    gen.caseIds.push(id);
  }

  // Requests for assistance: from an agency to another participant, sometimes about a case the requester sees.
  const requestCount = r.int(7, 11);
  for (let i = 0; i < requestCount; i++) {
    const id = r.uuid();
    const requester = r.pick(formerly);
    const recipient = r.pick(endorsed.filter((o) => o.id !== requester.id));
    const status = r.pick(REQUEST_STATUSES);
    const created = someTime(r, from, to, latest);
    const answered = status === 'FULFILLED' || status === 'DECLINED' ? created + r.int(1, 400) * HOUR : null;
    const acknowledged = status === 'OPEN' || (status === 'WITHDRAWN' && r.chance(0.5)) ? null : created + HOUR;
    const about = r.chance(0.5) ? cases.filter((c) => c.tlp !== 'RED' || c.lead === requester.id) : [];
    const caseId = about.length ? r.pick(about).id : null;
    labels.set(id, `A${seed}-${i} (${status}, ${requester.name} → ${recipient.name})`);
    await q(
      `INSERT INTO assistance_request (id, requester_id, requested_by_id, recipient_id, case_id, title, categories, harm_score, status, created_at,
         acknowledged_at, answered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        id, requester.id, r.pick(people(requester)), recipient.id, caseId, `Random request ${seed}/${i}`, r.some(CATEGORIES, 0.3), r.int(0, 100), status,
        new Date(created), acknowledged === null ? null : new Date(acknowledged), answered === null ? null : new Date(answered),
      ],
    );
    await q(
      `INSERT INTO assistance_request_detail (request_id, requester_id, recipient_id, description, victim_count, estimated_loss_usd, vulnerable_victims,
         ongoing_harm, response)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [id, requester.id, recipient.id, `Description ${seed}/${i}`, r.int(0, 5000), r.int(0, 100000), r.chance(0.3), r.chance(0.3),
        answered === null ? null : `Response ${seed}/${i}`],
    );
    gen.requestIds.push(id);
  }

  // Questionnaire responses: some of the participants that have not answered yet (a withdrawn one may have answered while
  // a member); a demo response's confidentiality flipped.
  for (const qn of base.questionnaires) {
    const audience = qn.audience === 'AGENCIES' ? 'AGENCY' : 'PRIVATE_SECTOR';
    const answered = new Set(base.responses.filter((x) => x.questionnaire === qn.id).map((x) => x.participant));
    const [question] = (await m.query(`SELECT id FROM questionnaire_question WHERE questionnaire_id = $1 ORDER BY position LIMIT 1`, [qn.id])) as Array<{ id: string }>;
    for (const o of [...endorsed, ...withdrawn].filter((x) => x.kind === audience && !answered.has(x.id) && r.chance(0.5))) {
      const id = r.uuid();
      const at = new Date(someTime(r, from, to, latest));
      await q(
        `INSERT INTO questionnaire_response (id, questionnaire_id, participant_id, submitted_by_id, confidential, submitted_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)`,
        [id, qn.id, o.id, r.pick(people(o)), r.chance(0.4), at],
      );
      await q(`INSERT INTO questionnaire_answer (response_id, questionnaire_id, question_id, text) VALUES ($1, $2, $3, $4)`, [id, qn.id, question.id, `Answer ${seed}`]);
    }
  }
  for (const x of base.responses) {
    if (r.chance(0.25)) await q(`UPDATE questionnaire_response SET confidential = NOT confidential WHERE id = $1`, [x.id]);
  }

  // Calls, never within a day of now (so that "held" does not depend on when the request runs).
  const callCount = r.int(4, 7);
  for (let i = 0; i < callCount; i++) {
    const id = r.uuid();
    let at = someTime(r, from, to, Infinity);
    if (r.chance(0.4)) {
      // Within an hour of the start of a UTC quarter inside the period (or of the period's first quarter).
      const f = new Date(from);
      const starts = [Date.UTC(f.getUTCFullYear(), Math.floor(f.getUTCMonth() / 3) * 3, 1)];
      while (starts[starts.length - 1] < to) {
        const d = new Date(starts[starts.length - 1]);
        starts.push(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 3, 1));
      }
      at = r.pick(starts) + r.int(-60, 60) * 60_000;
    }
    if (Math.abs(at - now) < DAY) at = now + (r.chance(0.5) ? -2 : 2) * DAY;
    const organizer = r.pick(coordinators);
    labels.set(id, `C${seed}-${i}`);
    await q(`INSERT INTO conference_call (id, title, scheduled_at, duration_minutes, organizer_id) VALUES ($1, $2, $3, 60, $4)`, [
      id, `Random call ${seed}/${i}`, new Date(at), organizer.id,
    ]);
    const segmentIds: string[] = [];
    for (let s = 1; s <= r.int(1, 3); s++) {
      const sid = r.uuid();
      const invited = r.chance(0.6);
      await q(`INSERT INTO call_segment (id, call_id, position, title, topic, audience) VALUES ($1, $2, $3, $4, $5, $6)`, [
        sid, id, s, `Segment ${s}`, r.pick(TOPICS), invited ? 'PRIVATE_SECTOR_INVITED' : 'LAW_ENFORCEMENT_ONLY',
      ]);
      for (const member of invited ? r.some(privates, 0.5) : []) {
        await q(`INSERT INTO call_segment_invitation (segment_id, member_id) VALUES ($1, $2)`, [sid, member.id]);
      }
      segmentIds.push(sid);
    }
    if (r.chance(0.4)) {
      const objecting = r.pick(agencies);
      await q(
        `INSERT INTO call_exclusion (id, call_id, segment_id, member_id, objecting_agency_id, objected_by_id, reason, created_at, withdrawn_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'Random objection', $7, $8)`,
        [r.uuid(), id, r.chance(0.5) ? r.pick(segmentIds) : null, r.pick(privates).id, objecting.id, r.pick(people(objecting)), new Date(now - 3 * DAY),
          r.chance(0.3) ? new Date(now - DAY) : null],
      );
    }
    gen.callIds.push(id);
  }

  // Sector reports: every TLP at least once, some EARLY_WARNING; recipients anyone (an applicant's person now and then).
  const reportCount = r.int(9, 13);
  for (let i = 0; i < reportCount; i++) {
    const id = r.uuid();
    const author = r.chance(0.7) ? r.pick(privates) : r.pick(agencies);
    const tlp = i < TLPS.length ? TLPS[i] : r.pick(TLPS);
    const kind = i % 3 === 0 ? 'EARLY_WARNING' : r.pick(REPORT_KINDS);
    const recipients = tlp === 'RED' || r.chance(0.5) ? r.some(everyone, 0.12) : [];
    labels.set(id, `S${seed}-${i} (${tlp} ${kind}, by ${author.name})`);
    await q(`INSERT INTO sector_report (id, author_org_id, author_id, kind, title, body, tlp, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
      id, author.id, r.pick(people(author)), kind, `Random report ${seed}/${i}`, 'Body', tlp, new Date(someTime(r, from, to, latest)),
    ]);
    for (const p of recipients) {
      await q(`INSERT INTO sector_report_recipient (report_id, person_id, author_org_id) VALUES ($1, $2, $3)`, [id, p, author.id]);
    }
    gen.reportIds.push(id);
  }
  return gen;
}

// ---------------------------------------------------------------------------------------------------------------------
// Checking one viewer

interface Conn {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: Array<Record<string, any>>;
}
/** The report as GraphQL answers it: the shape the CSV is written from. */
type Report = NetworkReportData;
type KeyCount = Report['casesByStatus'][number];

/** Every figure of the report: the query the CSV endpoint asks. */
const REPORT_QUERY = networkReportQuery;

const PAGE = `totalCount pageInfo { hasNextPage endCursor }`;
const CASE_NODE = `id status openedAt categories tlp leadAgency { id } countries { code }`;
const REQUEST_NODE = `id status createdAt answeredAt requester { id } recipient { id } case { id } details { description response }`;

const json = (x: unknown) => JSON.stringify(x);
const sorted = (xs: string[]) => [...xs].sort();
function tally(keys: string[]): KeyCount[] {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, count]) => ({ key, count }));
}

/** The median of the hours from request to answer, as percentile_cont(0.5), to one decimal. */
function medianHours(hours: number[]): number | null {
  if (!hours.length) return null;
  const h = [...hours].sort((a, b) => a - b);
  const mid = Math.floor(h.length / 2);
  const median = h.length % 2 ? h[mid] : h[mid - 1] + (h[mid] - h[mid - 1]) / 2;
  return Math.round(median * 10) / 10;
}

/** The UTC quarters [from, to) touches, each with the calls held (before `now`) within both. */
function callsPerQuarter(from: number, to: number, now: number, scheduled: number[]): Array<{ year: number; quarter: number; calls: number }> {
  const out = [];
  const f = new Date(from);
  for (let qs = Date.UTC(f.getUTCFullYear(), Math.floor(f.getUTCMonth() / 3) * 3, 1); qs < to; ) {
    const d = new Date(qs);
    const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 3, 1);
    const lo = Math.max(qs, from);
    const hi = Math.min(next, to);
    out.push({ year: d.getUTCFullYear(), quarter: Math.floor(d.getUTCMonth() / 3) + 1, calls: scheduled.filter((t) => t >= lo && t < hi && t < now).length });
    qs = next;
  }
  return out;
}

/** RFC 4180 rows; a cell neutralised against spreadsheet formulas (a leading apostrophe) read back as its text. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.map((r) => r.map((c) => (/^'[=+\-@\t\r]/.test(c) ? c.slice(1) : c)));
}

/** The CSV rows that hold the figures of `r`: section, key, detail, value (empty for a null figure). */
function csvRowsOf(r: Report): string[][] {
  const v = (x: number | string | null) => (x === null ? '' : String(x));
  const rows: string[][] = [['section', 'key', 'detail', 'value'], ['period', 'from', '', r.from], ['period', 'to', '', r.to]];
  for (const k of r.participantsByKind) rows.push(['participants_by_kind', k.key, '', v(k.count)]);
  for (const k of r.participantsBySector) rows.push(['participants_by_sector', k.key, '', v(k.count)]);
  for (const c of r.participantsByCountry) {
    const dev = c.country.developing ? ' (developing)' : '';
    rows.push(['participants_by_country', c.country.code, `agencies${dev}`, v(c.agencies)]);
    rows.push(['participants_by_country', c.country.code, `private_sector${dev}`, v(c.privateSectorMembers)]);
  }
  rows.push(['participants', 'developing_countries', '', v(r.developingCountriesParticipating)]);
  rows.push(['calls', 'held', '', v(r.callsHeld)], ['calls', 'quarters_without_call', '', v(r.quartersWithoutCall)]);
  for (const x of r.callsPerQuarter) rows.push(['calls_per_quarter', `${x.year}-Q${x.quarter}`, '', v(x.calls)]);
  for (const k of r.casesByCategory) rows.push(['cases_by_category', k.key, '', v(k.count)]);
  for (const k of r.casesByStatus) rows.push(['cases_by_status', k.key, '', v(k.count)]);
  for (const k of r.assistanceRequestsByStatus) rows.push(['assistance_requests_by_status', k.key, '', v(k.count)]);
  rows.push(['assistance_requests', 'median_hours_to_answer', '', v(r.medianHoursToAnswer)]);
  for (const x of r.questionnaires) {
    rows.push(['questionnaires', x.title, `${x.audience} responded`, v(x.responded)], ['questionnaires', x.title, `${x.audience} outstanding`, v(x.outstanding)]);
  }
  return rows;
}

class ViewerCheck {
  constructor(
    private readonly hub: TestHub,
    private readonly seed: number,
    private readonly world: World,
    private readonly gen: Generated,
    private readonly v: Asker,
    private readonly r: Rnd,
    private readonly problems: string[],
    private readonly seen: Map<string, number>,
  ) {}

  /** Counts what was exercised, so that a seed whose data exercises nothing of a kind is noticed. */
  tick(what: string): void {
    this.seen.set(what, (this.seen.get(what) ?? 0) + 1);
  }

  bad(what: string, detail: string): void {
    this.problems.push(`seed ${this.seed} · ${this.v.label} (${this.v.kind}) · ${what}: ${detail}`);
  }

  /** Compares a figure or set the hub gave with what it should be (`basis` says what that is). */
  same(what: string, hub: unknown, expected: unknown, basis = 'listed'): void {
    if (json(hub) !== json(expected)) this.bad(what, `hub ${json(hub)} ≠ ${basis} ${json(expected)}`);
  }

  /** Compares the ids the hub gave with the oracle's, naming the rows that differ. */
  sameIds(what: string, got: string[], expected: string[], name: (id: string) => string): void {
    const g = new Set(got);
    const e = new Set(expected);
    const extra = [...g].filter((id) => !e.has(id)).map(name);
    const missing = [...e].filter((id) => !g.has(id)).map(name);
    if (extra.length) this.bad(what, `shown, but the oracle hides: ${extra.join('; ')}`);
    if (missing.length) this.bad(what, `missing, but the oracle shows: ${missing.join('; ')}`);
  }

  async ask(what: string, query: string, variables: Record<string, unknown> = {}): Promise<GqlResult['body'] | null> {
    const res = await this.hub.gql(query, { token: this.v.token ?? undefined, variables });
    if (res.status !== 200 || res.body.errors) {
      this.bad(what, `HTTP ${res.status}, errors ${json(res.body.errors)}`);
      return null;
    }
    return res.body;
  }

  /** Pages through a connection with `first`/`after`; checks totalCount against the nodes and the pages against each other. */
  async pageAll(
    what: string,
    query: string,
    pick: (data: any) => Conn,
    variables: Record<string, unknown> = {},
    onPage?: (body: GqlResult['body'], conn: Conn) => void,
  ): Promise<Array<Record<string, any>> | null> {
    const first = this.r.int(3, 12);
    const label = `${what} (first: ${first})`;
    const nodes: Array<Record<string, any>> = [];
    let after: string | null = null;
    let total: number | null = null;
    for (let page = 1; ; page++) {
      const body = await this.ask(label, query, { ...variables, first, after });
      if (!body) return null;
      const conn = pick(body.data);
      onPage?.(body, conn);
      if (total === null) total = conn.totalCount;
      else if (conn.totalCount !== total) this.bad(`${label}.totalCount`, `${total} on page 1, ${conn.totalCount} on page ${page}`);
      if (conn.nodes.length > first) this.bad(label, `${conn.nodes.length} nodes on page ${page}`);
      nodes.push(...conn.nodes);
      if (!conn.pageInfo.hasNextPage) break;
      if (!conn.nodes.length || page > 200) {
        this.bad(label, `hasNextPage with ${conn.nodes.length} nodes on page ${page}`);
        break;
      }
      after = conn.pageInfo.endCursor;
    }
    const ids = nodes.map((n) => String(n.id));
    if (new Set(ids).size !== ids.length) this.bad(label, `a row on two pages: ${json(ids)}`);
    if (nodes.length !== total) this.bad(`${label}.totalCount`, `hub ${total} ≠ ${nodes.length} nodes paged`);
    return nodes;
  }

  private readonly inPeriod = (t: string | number) => {
    const x = typeof t === 'number' ? t : ms(t);
    return x >= this.gen.from.getTime() && x < this.gen.to.getTime();
  };

  async run(): Promise<void> {
    const { v, world, r } = this;
    const me = await this.ask('me', `{ me { kind organization { id } } }`);
    if (me) this.same('me', me.data.me, { kind: v.kind, organization: v.ownOrg ? { id: v.ownOrg } : null }, 'the oracle says');

    // Cases: the whole list, then a few filters and the other order, each paged.
    const caseName = (id: string) => world.cases.find((c) => c.id === id)?.label ?? id;
    const cases = await this.pageAll('cases', `query($first: Int, $after: String) { cases(first: $first, after: $after) { ${PAGE} nodes { ${CASE_NODE} } } }`, (d) => d.cases);
    if (cases) {
      this.sameIds('cases', cases.map((c) => c.id), world.cases.filter((c) => seesCase(v, c)).map((c) => c.id), caseName);
      const filters: Array<[Record<string, unknown>, (c: Record<string, any>) => boolean]> = [
        ...CASE_STATUSES.map((s): [Record<string, unknown>, (c: Record<string, any>) => boolean] => [{ status: s }, (c) => c.status === s]),
        ...TLPS.map((t): [Record<string, unknown>, (c: Record<string, any>) => boolean] => [{ tlp: t }, (c) => c.tlp === t]),
        ...CATEGORIES.map((k): [Record<string, unknown>, (c: Record<string, any>) => boolean] => [{ category: k }, (c) => c.categories.includes(k)]),
        ...world.countries.map((k): [Record<string, unknown>, (c: Record<string, any>) => boolean] => [{ countryCode: k }, (c) => c.countries.some((x: { code: string }) => x.code === k)]),
        ...[...world.orgs.values()].filter((o) => o.member && o.kind === 'AGENCY').map((o): [Record<string, unknown>, (c: Record<string, any>) => boolean] => [
          { leadAgencyId: o.id }, (c) => c.leadAgency.id === o.id,
        ]),
      ];
      for (const [filter, keep] of r.shuffle(filters).slice(0, 3)) {
        const got = await this.pageAll(
          `cases(filter: ${json(filter)})`,
          `query($first: Int, $after: String, $filter: CaseFilter) { cases(first: $first, after: $after, filter: $filter) { ${PAGE} nodes { id } } }`,
          (d) => d.cases,
          { filter },
        );
        if (got) this.same(`cases(filter: ${json(filter)}) ids`, sorted(got.map((c) => c.id)), sorted(cases.filter(keep).map((c) => c.id)), 'the unfiltered list filtered');
      }
      const byOpened = await this.pageAll(
        'cases(orderBy: OPENED_AT)',
        `query($first: Int, $after: String) { cases(first: $first, after: $after, orderBy: OPENED_AT) { ${PAGE} nodes { id } } }`,
        (d) => d.cases,
      );
      if (byOpened) this.same('cases(orderBy: OPENED_AT) ids', sorted(byOpened.map((c) => c.id)), sorted(cases.map((c) => c.id)), 'the HARM order');
    }

    // Requests for assistance: rows, details, redaction entries.
    const requestName = (id: string) => world.requests.find((x) => x.id === id)?.label ?? id;
    const requests = await this.pageAll(
      'assistanceRequests',
      `query($first: Int, $after: String) { assistanceRequests(first: $first, after: $after) { ${PAGE} nodes { ${REQUEST_NODE} } } }`,
      (d) => d.assistanceRequests,
      {},
      (body, conn) => {
        const hidden = conn.nodes.filter((n) => n.details === null).length;
        const entry = (body.extensions?.redacted ?? []).find((e: { path: string }) => e.path === 'assistanceRequests.nodes.details');
        this.same('assistanceRequests.nodes.details redaction entry', entry ?? null, hidden ? { path: 'assistanceRequests.nodes.details', code: 'FORBIDDEN', count: hidden } : null, 'null details on the page');
      },
    );
    if (requests) {
      this.sameIds('assistanceRequests', requests.map((x) => x.id), world.requests.filter((x) => seesRequest(v, x)).map((x) => x.id), requestName);
      for (const n of requests) {
        const row = world.requests.find((x) => x.id === n.id);
        if (!row) continue;
        this.tick(partyTo(v, row) ? 'request details read by a party' : 'request details redacted');
        this.same(`assistanceRequests ${row.label} details`, n.details, partyTo(v, row) ? { description: row.description, response: row.response } : null, 'the oracle says');
        const about = row.caseId === null ? undefined : world.cases.find((c) => c.id === row.caseId);
        this.same(`assistanceRequests ${row.label} case`, n.case, about && seesCase(v, about) ? { id: about.id } : null, 'the case rules say');
      }
      const status = r.pick(REQUEST_STATUSES);
      const got = await this.pageAll(
        `assistanceRequests(filter: {status: ${status}})`,
        `query($first: Int, $after: String, $status: AssistanceStatus) { assistanceRequests(first: $first, after: $after, filter: {status: $status}) { ${PAGE} nodes { id } } }`,
        (d) => d.assistanceRequests,
        { status },
      );
      if (got) this.same(`assistanceRequests(filter: {status: ${status}}) ids`, sorted(got.map((x) => x.id)), sorted(requests.filter((x) => x.status === status).map((x) => x.id)), 'the unfiltered list filtered');
    }

    // Calls: all of them, and the past ones.
    const calls = await this.pageAll('calls(when: ALL)', `query($first: Int, $after: String) { calls(first: $first, after: $after, when: ALL) { ${PAGE} nodes { id scheduledAt } } }`, (d) => d.calls);
    if (calls) {
      this.sameIds('calls(when: ALL)', calls.map((c) => c.id), world.calls.filter((c) => seesCall(v, c)).map((c) => c.id), (id) => world.calls.find((c) => c.id === id)?.label ?? id);
      const past = await this.pageAll('calls(when: PAST)', `query($first: Int, $after: String) { calls(first: $first, after: $after, when: PAST) { ${PAGE} nodes { id } } }`, (d) => d.calls);
      const now = Date.now();
      if (past) this.same('calls(when: PAST) ids', sorted(past.map((c) => c.id)), sorted(calls.filter((c) => ms(c.scheduledAt) < now).map((c) => c.id)), 'ALL before now');
    }

    // Sector reports: the list, the EARLY_WARNING kind and the early-warning feed.
    const reportName = (id: string) => world.reports.find((x) => x.id === id)?.label ?? id;
    const visibleReports = world.reports.filter((x) => seesReport(v, x));
    const reports = await this.pageAll('reports', `query($first: Int, $after: String) { reports(first: $first, after: $after) { ${PAGE} nodes { id kind } } }`, (d) => d.reports);
    if (reports) this.sameIds('reports', reports.map((x) => x.id), visibleReports.map((x) => x.id), reportName);
    const warnings = visibleReports.filter((x) => x.kind === 'EARLY_WARNING').map((x) => x.id);
    const byKind = await this.pageAll(
      'reports(kind: EARLY_WARNING)',
      `query($first: Int, $after: String) { reports(first: $first, after: $after, kind: EARLY_WARNING) { ${PAGE} nodes { id } } }`,
      (d) => d.reports,
    );
    if (byKind) this.sameIds('reports(kind: EARLY_WARNING)', byKind.map((x) => x.id), warnings, reportName);
    const feed = await this.pageAll('earlyWarnings', `query($first: Int, $after: String) { earlyWarnings(first: $first, after: $after) { ${PAGE} nodes { id } } }`, (d) => d.earlyWarnings);
    if (feed) this.sameIds('earlyWarnings', feed.map((x) => x.id), warnings, reportName);

    // Questionnaires: responses and (coordinators) outstanding participants, paged.
    const responded = new Map<string, number>();
    const outstanding = new Map<string, number | null>();
    const qs = await this.ask('questionnaires', `{ questionnaires { totalCount nodes { id title audience outstanding { totalCount } } } }`);
    if (qs) {
      const nodes = qs.data.questionnaires.nodes as Array<{ id: string; title: string; audience: string; outstanding: { totalCount: number } | null }>;
      this.same('questionnaires ids', sorted(nodes.map((x) => x.id)), isMember(v) ? sorted(world.questionnaires.map((x) => x.id)) : [], 'the oracle says');
      const entry = (qs.extensions?.redacted ?? []).find((e: { path: string }) => e.path === 'questionnaires.nodes.outstanding');
      this.same('questionnaires.nodes.outstanding redaction entry', entry ?? null,
        nodes.length && v.kind !== 'COORDINATOR' ? { path: 'questionnaires.nodes.outstanding', code: 'FORBIDDEN', count: nodes.length } : null, 'the oracle says');
      for (const qn of nodes) {
        const resp = await this.pageAll(
          `questionnaire(${qn.title}).responses`,
          `query($id: ID!, $first: Int, $after: String) { questionnaire(id: $id) { responses(first: $first, after: $after) { ${PAGE} nodes { id } } } }`,
          (d) => d.questionnaire.responses,
          { id: qn.id },
        );
        if (resp) {
          responded.set(qn.title, resp.length);
          const orgName = (id: string) => {
            const x = world.responses.find((y) => y.id === id);
            return x ? `${world.orgs.get(x.participant)?.name}${x.confidential ? ' (confidential)' : ''}` : id;
          };
          this.sameIds(`questionnaire(${qn.title}).responses`, resp.map((x) => x.id), world.responses.filter((x) => x.questionnaire === qn.id && seesResponse(v, x)).map((x) => x.id), orgName);
        }
        if (v.kind === 'COORDINATOR') {
          const out = await this.pageAll(
            `questionnaire(${qn.title}).outstanding`,
            `query($id: ID!, $first: Int, $after: String) { questionnaire(id: $id) { outstanding(first: $first, after: $after) { ${PAGE} nodes { id } } } }`,
            (d) => d.questionnaire.outstanding,
            { id: qn.id },
          );
          if (out) {
            outstanding.set(qn.title, out.length);
            const kind = qn.audience === 'AGENCIES' ? 'AGENCY' : 'PRIVATE_SECTOR';
            const answered = new Set(world.responses.filter((x) => x.questionnaire === qn.id).map((x) => x.participant));
            const expected = [...world.orgs.values()].filter((o) => o.member && o.kind === kind && !answered.has(o.id)).map((o) => o.id);
            this.sameIds(`questionnaire(${qn.title}).outstanding`, out.map((x) => x.id), expected, (id) => world.orgs.get(id)?.name ?? id);
          }
        } else {
          this.same(`questionnaire(${qn.title}).outstanding`, qn.outstanding, null, 'the oracle says');
          outstanding.set(qn.title, null);
        }
      }
    }

    await this.lookups();
    await this.report({ cases, requests, calls, responded, outstanding });
  }

  /** Root lookups by id of the generated rows and of an id that never existed: hidden and missing alike are null, no error. */
  async lookups(): Promise<void> {
    const { v, world, gen } = this;
    const never = this.r.uuid();
    const parts: string[] = [];
    const expect: Array<[alias: string, label: string, visible: boolean, check?: (x: any) => void]> = [];
    gen.caseIds.forEach((id, i) => {
      parts.push(`c${i}: case(id: "${id}") { id }`);
      expect.push([`c${i}`, world.cases.find((c) => c.id === id)!.label, seesCase(v, world.cases.find((c) => c.id === id)!)]);
    });
    gen.reportIds.forEach((id, i) => {
      parts.push(`s${i}: report(id: "${id}") { id }`);
      const row = world.reports.find((x) => x.id === id)!;
      expect.push([`s${i}`, row.label, seesReport(v, row)]);
    });
    gen.requestIds.forEach((id, i) => {
      parts.push(`a${i}: assistanceRequest(id: "${id}") { id details { description response } }`);
      const row = world.requests.find((x) => x.id === id)!;
      expect.push([`a${i}`, row.label, seesRequest(v, row), (x) =>
        this.same(`assistanceRequest(${row.label}).details`, x.details, partyTo(v, row) ? { description: row.description, response: row.response } : null, 'the oracle says')]);
    });
    gen.callIds.forEach((id, i) => {
      parts.push(`k${i}: call(id: "${id}") { id }`);
      const row = world.calls.find((x) => x.id === id)!;
      expect.push([`k${i}`, row.label, seesCall(v, row)]);
    });
    parts.push(`nc: case(id: "${never}") { id }`, `ns: report(id: "${never}") { id }`, `na: assistanceRequest(id: "${never}") { id }`, `nk: call(id: "${never}") { id }`);
    expect.push(['nc', 'a case id that never existed', false], ['ns', 'a report id that never existed', false], ['na', 'a request id that never existed', false],
      ['nk', 'a call id that never existed', false]);
    const body = await this.ask('lookups by id', `{ ${parts.join('\n')} }`);
    if (!body) return;
    for (const [alias, label, visible, check] of expect) {
      const got = body.data[alias];
      if (!alias.startsWith('n')) this.tick(`lookup of a ${visible ? 'visible' : 'hidden'} ${{ c: 'case', s: 'report', a: 'request', k: 'call' }[alias[0]]}`);
      if (visible && got === null) this.bad(`lookup ${alias} (${label})`, 'null, but the oracle shows it');
      if (!visible && got !== null) this.bad(`lookup ${alias} (${label})`, `${json(got)}, but the oracle hides it`);
      if (visible && got && check) check(got);
    }
    // Redaction entries only for the details of requests the viewer sees without being a party.
    const expected = expect.filter(([a, , vis]) => a.startsWith('a') && vis).filter(([a]) => {
      const row = world.requests.find((x) => x.id === gen.requestIds[Number(a.slice(1))])!;
      return !partyTo(v, row);
    });
    const entries = ((body.extensions?.redacted ?? []) as Array<{ path: string; code: string; count: number }>).map((e) => `${e.path} ${e.code} ${e.count}`);
    this.same('lookups by id: redaction entries', sorted(entries), sorted(expected.map(([a]) => `${a}.details FORBIDDEN 1`)), 'the oracle says');
  }

  /** The network report and its CSV, against what the same viewer listed. */
  async report(listed: {
    cases: Array<Record<string, any>> | null;
    requests: Array<Record<string, any>> | null;
    calls: Array<Record<string, any>> | null;
    responded: Map<string, number>;
    outstanding: Map<string, number | null>;
  }): Promise<void> {
    const { v, gen } = this;
    const variables = { from: gen.from.toISOString(), to: gen.to.toISOString() };
    const res = await this.hub.gql(REPORT_QUERY, { token: this.v.token ?? undefined, variables });
    const csvUrl = `${this.hub.url.replace('/graphql', '')}/reports/network.csv?from=${encodeURIComponent(variables.from)}&to=${encodeURIComponent(variables.to)}`;
    const csv = await fetch(csvUrl, { headers: v.token ? { authorization: `Bearer ${v.token}` } : {} });
    const csvText = await csv.text();
    if (!isAgency(v)) {
      this.same('networkReport', res.body, { data: { networkReport: null }, extensions: { redacted: [{ path: 'networkReport', code: 'FORBIDDEN', count: 1 }] } }, 'DOMAIN (agencies only)');
      this.same('GET /reports/network.csv status', csv.status, 403, 'DOMAIN (agencies only)');
      return;
    }
    if (res.status !== 200 || res.body.errors || !res.body.data?.networkReport) {
      this.bad('networkReport', `HTTP ${res.status}, ${json(res.body)}`);
      return;
    }
    const report = res.body.data.networkReport as Report;
    this.tick(v.kind === 'COORDINATOR' ? 'network report of a coordinator' : 'network report of an agency');
    this.same('networkReport.from/to', [report.from, report.to], [variables.from, variables.to], 'asked');

    if (listed.cases) {
      const inPeriod = listed.cases.filter((c) => this.inPeriod(c.openedAt));
      this.same('networkReport.casesByStatus', report.casesByStatus, tally(inPeriod.map((c) => c.status)));
      this.same('networkReport.casesByCategory', report.casesByCategory, tally(inPeriod.flatMap((c) => c.categories)));
    }
    if (listed.requests) {
      const inPeriod = listed.requests.filter((x) => this.inPeriod(x.createdAt));
      this.same('networkReport.assistanceRequestsByStatus', report.assistanceRequestsByStatus, tally(inPeriod.map((x) => x.status)));
      const hours = inPeriod.filter((x) => x.answeredAt !== null).map((x) => (ms(x.answeredAt) - ms(x.createdAt)) / HOUR);
      this.same('networkReport.medianHoursToAnswer', report.medianHoursToAnswer, medianHours(hours));
    }
    if (listed.calls) {
      const quarters = callsPerQuarter(gen.from.getTime(), gen.to.getTime(), Date.now(), listed.calls.map((c) => ms(c.scheduledAt)));
      this.same('networkReport.callsPerQuarter', report.callsPerQuarter, quarters);
      this.same('networkReport.callsHeld', report.callsHeld, quarters.reduce((n, x) => n + x.calls, 0));
      // Only quarters that have ended (their part in the period) count as without a call.
      const ended = (x: { year: number; quarter: number }) => Math.min(Date.UTC(x.year, x.quarter * 3, 1), gen.to.getTime()) <= Date.now();
      this.same('networkReport.quartersWithoutCall', report.quartersWithoutCall, quarters.filter((x) => x.calls === 0 && ended(x)).length);
    }
    const titles = [...listed.responded.keys()].sort();
    this.same(
      'networkReport.questionnaires',
      report.questionnaires.map((x) => ({ title: x.title, responded: x.responded, outstanding: x.outstanding })),
      titles.map((title) => ({ title, responded: listed.responded.get(title), outstanding: listed.outstanding.get(title) ?? null })),
    );
    const redacted = v.kind === 'COORDINATOR' ? undefined : { redacted: [{ path: 'networkReport.questionnaires.outstanding', code: 'FORBIDDEN', count: report.questionnaires.length }] };
    this.same('networkReport extensions', res.body.extensions, redacted, 'DOMAIN (outstanding: coordinators only)');

    // Participants are public: the same viewer lists the endorsed ones.
    const parts = await this.pageAll(
      'participants(filter: {status: ENDORSED})',
      `query($first: Int, $after: String) { participants(first: $first, after: $after, filter: {status: ENDORSED}) { ${PAGE}
         nodes { id kind endorsedAt country { code name developing } ... on PrivateSectorMember { sector } } } }`,
      (d) => d.participants,
    );
    if (parts) {
      const counted = parts.filter((p) => p.endorsedAt !== null && ms(p.endorsedAt) < gen.to.getTime());
      this.same('networkReport.participantsByKind', report.participantsByKind, tally(counted.map((p) => p.kind)));
      this.same('networkReport.participantsBySector', report.participantsBySector, tally(counted.filter((p) => p.sector).map((p) => p.sector)));
      const byCountry = new Map<string, { country: { code: string; name: string; developing: boolean }; agencies: number; privateSectorMembers: number }>();
      for (const p of counted) {
        const e = byCountry.get(p.country.code) ?? { country: p.country, agencies: 0, privateSectorMembers: 0 };
        if (p.kind === 'AGENCY') e.agencies++;
        else e.privateSectorMembers++;
        byCountry.set(p.country.code, e);
      }
      const countries = [...byCountry.values()].sort((a, b) => (a.country.code < b.country.code ? -1 : 1));
      this.same('networkReport.participantsByCountry', report.participantsByCountry, countries);
      this.same('networkReport.developingCountriesParticipating', report.developingCountriesParticipating, countries.filter((c) => c.country.developing).length);
    }

    // The CSV: the same figures, row for row, and the redacted cells named.
    this.same('GET /reports/network.csv status', csv.status, 200, 'DOMAIN (agencies)');
    if (csv.status === 200) {
      this.tick('CSV compared');
      this.same('GET /reports/network.csv rows', parseCsv(csvText), csvRowsOf(report), 'networkReport (GraphQL) as rows');
      this.same('GET /reports/network.csv X-Redacted', csv.headers.get('x-redacted'), v.kind === 'COORDINATOR' ? null : 'networkReport.questionnaires.outstanding', 'GraphQL extensions.redacted');
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The test

/**
 * The hub runs with a database time zone other than UTC (FIGURES_TZ, default America/New_York; empty: the server's
 * own): on a server as the database's default for the hub's new sessions, on the embedded database (one session) with
 * SET. The network report once counted calls per quarter of the session's zone.
 */
const ZONE = process.env.FIGURES_TZ ?? 'America/New_York';
const embedded = process.env.LAPHUB_TEST_DB_KIND === 'pglite';

async function databaseZone(zone: string | null): Promise<void> {
  const c = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT quote_ident(current_database()) AS db`);
    await c.query(zone === null ? `ALTER DATABASE ${rows[0].db} RESET timezone` : `ALTER DATABASE ${rows[0].db} SET timezone TO '${zone.replace(/'/g, "''")}'`);
  } finally {
    await c.end();
  }
}

let hub: TestHub;
beforeAll(async () => {
  if (ZONE && !embedded) await databaseZone(ZONE);
  hub = await startTestHub();
  if (ZONE && embedded) await hub.ds.query(`SET timezone TO '${ZONE.replace(/'/g, "''")}'`);
});
afterAll(async () => {
  // Reads of RED rows write the audit trail after the response: let it finish, then leave the demo network as found.
  try {
    await hub.auditSettled();
    await hub.reset();
    if (ZONE && embedded) await hub.ds.query(`RESET timezone`);
    await hub.close();
  } finally {
    if (ZONE && !embedded) await databaseZone(null);
  }
});
beforeEach(() => hub.reset());

test.each(SEEDS)('seed %i: every figure is a count the same viewer makes by listing; rows follow DOMAIN §4', async (seed) => {
  const now = hub.now.getTime();
  const base = await hub.ds.transaction((m) => readWorld(m, now, new Map()));
  const gen = await hub.ds.transaction((m) => generate(m, seed, base, now));
  const world = await hub.ds.transaction((m) => readWorld(m, now, gen.labels));
  const r = new Rnd(seed * 7919 + 1);

  // The viewers: a coordinator, agencies, private-sector members (the extra people included), an applicant, anonymous,
  // and API keys of an agency and of a private-sector member.
  const person = (id: string): Asker => {
    const p = world.persons.get(id)!;
    const org = world.orgs.get(p.org)!;
    const kind = kindOf(org);
    return { label: p.email, token: null, kind, person: p.id, org: kind === 'ANONYMOUS' ? null : org.id, ownOrg: org.id };
  };
  const orgs = [...world.orgs.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const peopleOf = (pred: (o: Org) => boolean) => orgs.filter(pred).flatMap((o) => o.people);
  const extra = gen.extraPeople.map((p) => p.id);
  const chosen = new Set<string>([
    r.pick(peopleOf((o) => o.member && o.coordinator)),
    ...r.shuffle(peopleOf((o) => o.member && o.kind === 'AGENCY' && !o.coordinator)).slice(0, 3),
    ...r.shuffle(peopleOf((o) => o.member && o.kind === 'PRIVATE_SECTOR')).slice(0, 3),
    r.pick(peopleOf((o) => !o.member)),
    r.pick(extra),
  ]);
  const askers: Asker[] = [{ label: 'anonymous', token: null, kind: 'ANONYMOUS', person: null, org: null, ownOrg: null }];
  for (const id of chosen) {
    const a = person(id);
    askers.push({ ...a, token: await hub.tokenFor(id, world.persons.get(id)!.email) });
  }
  for (const pred of [(o: Org) => o.member && o.kind === 'AGENCY', (o: Org) => o.member && o.kind === 'PRIVATE_SECTOR']) {
    const org = r.pick(orgs.filter(pred));
    const creator = world.persons.get(org.people[0])!;
    const created = await hub.gql(`mutation($name: String!) { createApiKey(name: $name) { secret } }`, {
      token: await hub.tokenFor(creator.id, creator.email), variables: { name: `Figures ${seed}` },
    });
    expect(created.body.errors).toBeUndefined();
    askers.push({ label: `API key of ${org.name}`, token: created.body.data.createApiKey.secret, kind: kindOf(org), person: null, org: org.id, ownOrg: org.id });
  }

  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const v of askers) await new ViewerCheck(hub, seed, world, gen, v, r, problems, seen).run();
  const exercised = [
    'lookup of a visible case', 'lookup of a hidden case', 'lookup of a visible report', 'lookup of a hidden report', 'lookup of a visible request',
    'lookup of a hidden request', 'lookup of a visible call', 'lookup of a hidden call', 'request details read by a party', 'request details redacted',
    'network report of a coordinator', 'network report of an agency', 'CSV compared',
  ];
  for (const what of exercised) if (!seen.get(what)) problems.push(`seed ${seed} · the generated data never exercised: ${what}`);
  await hub.auditSettled();
  const header = `FIGURES_SEED=${seed}${ZONE ? ` FIGURES_TZ=${ZONE}` : ''}: period [${gen.from.toISOString()}, ${gen.to.toISOString()}), viewers ${askers.map((a) => a.label).join(', ')}`;
  expect({ header, problems }).toEqual({ header, problems: [] });
});
