import type { EntityManager } from 'typeorm';
import { EducationProjectStatus, EducationTheme as T, TrainingAudience } from '../../../entities/outreach.enums';
import {
  insertBuiltInQuestionnaires,
  OECD_QUESTIONNAIRE_ID,
  oecdQuestionId,
  PRIVATE_SECTOR_QUESTIONNAIRE_ID,
  privateSectorQuestionId,
} from '../builtin-questionnaires';
import { demoId } from './demo-ids';

/*
 * The demo network's questionnaires, resource list, trainings and education projects (issue: cooperation workflows,
 * item 8). What the demo people see of them:
 *
 * - Questionnaires: every AGENCY and PRIVATE viewer sees both; anonymous callers (and Paulo, an applicant) see none.
 *   OECD questionnaire (§A.6): FTC, OFT and ACMA answered openly, the ICO answered confidentially; OPTA, KISA, CRTC,
 *   EFCC, CNIL and Bundesnetzagentur are outstanding. Private-sector questions (§B.4): NorthStar and Sentinel answered;
 *   Meridian and Registro are outstanding.
 *   - Ann, Ben, Oliver (coordinators): every response, the ICO's confidential one included, and `outstanding`.
 *   - Isla (ICO): the open responses and her agency's confidential one. Liam, Min-jun, Emeka, Claire: the open responses
 *     (FTC, OFT, ACMA, NorthStar, Sentinel) but not the ICO's; `outstanding` is null for them.
 *   - Grace (NorthStar), Eva (Sentinel): their own organization's response only. Tom, Priya, Max: none yet.
 * - Resource list (§B.2): Grace, Tom, Eva and Max are listed; every AGENCY and PRIVATE viewer sees all four; anonymous
 *   callers none. Only a listed person's own organization removes the entry.
 * - Trainings: a past JOINT session on phishing kits, a JOINT session on zombie drones in 30 days and an AGENCIES_ONLY
 *   session on cross-border evidence in 60 days. Agencies see all three; private-sector members the two JOINT ones.
 * - Education projects: "Close your open relay" (led by ACMA, ACTIVE) and "Spot the phish" (led by Meridian Bank,
 *   PLANNED): every member sees both; only ACMA's people, and Meridian's, update their own.
 */

const orgId = (key: string) => demoId(`org:${key}`);
const personId = (email: string) => demoId(`person:${email}`);
const days = (now: Date, n: number) => new Date(now.getTime() + n * 86_400_000);

const oecdQuestion = oecdQuestionId;
const privateQuestion = privateSectorQuestionId;

interface DemoResponse {
  key: string;
  questionnaire: string;
  org: string;
  by: string;
  confidential: boolean;
  daysAgo: number;
  answers: Array<[questionId: string, text: string]>;
}

export const demoResponses: DemoResponse[] = [
  { key: 'oecd:ftc', questionnaire: OECD_QUESTIONNAIRE_ID, org: 'ftc', by: 'ann.carter@ftc.example', confidential: false, daysAgo: 300,
    answers: [
      [oecdQuestion(1), 'The CAN-SPAM Act and Section 5 of the FTC Act; both reach spam sent from abroad to US consumers.'],
      [oecdQuestion(2), 'Civil investigative demands to ISPs and payment processors; we cannot yet use them for a foreign agency alone.'],
      [oecdQuestion(4), 'Non-public information may be shared under confidentiality assurances; legislation to widen this is pending.'],
      [oecdQuestion(6), 'Obtaining evidence held abroad quickly; differing thresholds for what counts as unlawful spam.'],
    ] },
  { key: 'oecd:oft', questionnaire: OECD_QUESTIONNAIRE_ID, org: 'oft', by: 'oliver.hughes@oft.example', confidential: false, daysAgo: 280,
    answers: [
      [oecdQuestion(1), 'The Privacy and Electronic Communications Regulations with the ICO; consumer protection law for misleading spam.'],
      [oecdQuestion(4), 'Information may be disclosed to overseas public authorities under Part 9 of the Enterprise Act 2002.'],
      [oecdQuestion(5), 'Lottery-scam cases with the Netherlands through informal contacts; replies took about a month.'],
    ] },
  { key: 'oecd:acma', questionnaire: OECD_QUESTIONNAIRE_ID, org: 'acma', by: 'liam.walsh@acma.example', confidential: false, daysAgo: 200,
    answers: [
      [oecdQuestion(1), 'The Spam Act 2003, which applies to commercial messages with an Australian link.'],
      [oecdQuestion(3), 'Formal warnings, infringement notices, enforceable undertakings and civil penalties in the Federal Court.'],
      [oecdQuestion(6), 'Most spam received in Australia is sent from overseas, out of our reach without foreign help.'],
    ] },
  { key: 'oecd:ico', questionnaire: OECD_QUESTIONNAIRE_ID, org: 'ico', by: 'isla.morgan@ico.example', confidential: true, daysAgo: 150,
    answers: [
      [oecdQuestion(2), 'Information notices only; no power to compel ISPs to identify subscribers without a court order.'],
      [oecdQuestion(6), 'Our penalties are too low to deter; we would rather this were not published before the review ends.'],
    ] },
  { key: 'b4:northstar', questionnaire: PRIVATE_SECTOR_QUESTIONNAIRE_ID, org: 'northstar', by: 'grace.lin@northstar.example', confidential: false, daysAgo: 120,
    answers: [
      [privateQuestion('a'), 'Subscriber data on a subpoena or court order; traffic logs for 90 days on request.'],
      [privateQuestion('b'), 'Non-subscriber data (abuse reports, IP allocations) directly; subscriber data only through a US legal process.'],
      [privateQuestion('c'), 'E-mail the abuse desk with IP addresses, UTC timestamps and the legal basis.'],
    ] },
  { key: 'b4:sentinel', questionnaire: PRIVATE_SECTOR_QUESTIONNAIRE_ID, org: 'sentinel', by: 'eva.jansen@sentinel.example', confidential: false, daysAgo: 90,
    answers: [
      [privateQuestion('a'), 'Malware samples, botnet telemetry and analysis reports, on request.'],
      [privateQuestion('b'), 'The same as to domestic agencies, since none of it is personal data.'],
      [privateQuestion('c'), 'By e-mail to the threat research team; we answer within two working days.'],
    ] },
];

export const demoResourceList = [
  { key: 'grace', email: 'grace.lin@northstar.example', org: 'northstar', expertise: ['abuse desk operations', 'botnet takedowns'], languages: ['en'], daysAgo: 100 },
  { key: 'tom', email: 'tom.baker@meridianbank.example', org: 'meridian', expertise: ['phishing', 'payment fraud'], languages: ['en'], daysAgo: 95 },
  { key: 'eva', email: 'eva.jansen@sentinel.example', org: 'sentinel', expertise: ['malware analysis', 'zombie drones'], languages: ['nl', 'en', 'de'], daysAgo: 80 },
  { key: 'max', email: 'max.mueller@registro.example', org: 'registro', expertise: ['domain suspensions', 'registrant data'], languages: ['de', 'en'], daysAgo: 60 },
];

export const demoTrainings = [
  { key: 'phishing-kits', title: 'Phishing-kit forensics with the banks', audience: TrainingAudience.JOINT, daysFromNow: -40,
    organizer: 'ftc', by: 'ben.ortiz@ftc.example', hosts: ['ftc', 'meridian'], topics: ['phishing kits', 'tracing kit sellers'],
    materials: 'https://training.lap-hub.example/phishing-kits' },
  { key: 'zombie-drones', title: 'Tracing zombie drones', audience: TrainingAudience.JOINT, daysFromNow: 30,
    organizer: 'acma', by: 'liam.walsh@acma.example', hosts: ['acma', 'sentinel', 'northstar'], topics: ['botnet command servers', 'sinkholing'],
    materials: 'https://training.lap-hub.example/zombie-drones' },
  { key: 'evidence', title: 'Cross-border evidence: formal and informal routes', audience: TrainingAudience.AGENCIES_ONLY, daysFromNow: 60,
    organizer: 'oft', by: 'oliver.hughes@oft.example', hosts: ['oft', 'ftc'], topics: ['mutual legal assistance', 'confidentiality assurances'],
    materials: null },
];

export const demoEducationProjects = [
  { key: 'open-relays', title: 'Close your open relay', lead: 'acma', by: 'liam.walsh@acma.example', status: EducationProjectStatus.ACTIVE,
    description: 'A guide for small businesses and universities on finding and closing open relays and open proxies.',
    themes: [T.OPEN_RELAYS, T.OPEN_PROXIES], partners: ['kisa', 'northstar'], website: 'https://education.lap-hub.example/open-relays', daysAgo: 180 },
  { key: 'spot-the-phish', title: 'Spot the phish', lead: 'meridian', by: 'tom.baker@meridianbank.example', status: EducationProjectStatus.PLANNED,
    description: 'A consumer campaign on recognising phishing e-mails and reporting them to banks and agencies.',
    themes: [T.PHISHING, T.ONLINE_FRAUD], partners: ['ftc', 'oft'], website: null, daysAgo: 20 },
];

/** Loads the outreach part of the demo network, in the demo loader's transaction. */
export async function loadOutreachDemo(m: EntityManager, now: Date): Promise<void> {
  // The migration created the built-in questionnaires; a test that emptied every table needs them back.
  await insertBuiltInQuestionnaires(m);
  for (const r of demoResponses) {
    const id = demoId(`response:${r.key}`);
    await m.query(
      `INSERT INTO questionnaire_response (id, questionnaire_id, participant_id, submitted_by_id, confidential, submitted_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$6)`,
      [id, r.questionnaire, orgId(r.org), personId(r.by), r.confidential, days(now, -r.daysAgo)],
    );
    await m.query(
      `INSERT INTO questionnaire_answer (response_id, questionnaire_id, question_id, text) SELECT $1, $2, unnest($3::uuid[]), unnest($4::text[])`,
      [id, r.questionnaire, r.answers.map((a) => a[0]), r.answers.map((a) => a[1])],
    );
  }
  for (const e of demoResourceList) {
    await m.query(
      `INSERT INTO resource_list_entry (id, person_id, organization_id, expertise, languages, added_by_id, added_at) VALUES ($1,$2,$3,$4,$5,$2,$6)`,
      [demoId(`resource:${e.key}`), personId(e.email), orgId(e.org), e.expertise, e.languages, days(now, -e.daysAgo)],
    );
  }
  for (const t of demoTrainings) {
    const id = demoId(`training:${t.key}`);
    await m.query(
      `INSERT INTO training_session (id, title, audience, topics, scheduled_at, duration_minutes, materials_url, organizer_id, scheduled_by_id, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [id, t.title, t.audience, t.topics, days(now, t.daysFromNow), 120, t.materials, orgId(t.organizer), personId(t.by), days(now, Math.min(t.daysFromNow, 0) - 30)],
    );
    await m.query(`INSERT INTO training_host (training_id, participant_id) SELECT $1, unnest($2::uuid[])`, [id, t.hosts.map(orgId)]);
  }
  for (const p of demoEducationProjects) {
    const id = demoId(`education:${p.key}`);
    await m.query(
      `INSERT INTO education_project (id, title, description, themes, status, website_url, lead_organization_id, started_by_id, started_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9)`,
      [id, p.title, p.description, p.themes, p.status, p.website, orgId(p.lead), personId(p.by), days(now, -p.daysAgo)],
    );
    await m.query(`INSERT INTO education_project_partner (project_id, participant_id) SELECT $1, unnest($2::uuid[])`, [id, p.partners.map(orgId)]);
  }
}
