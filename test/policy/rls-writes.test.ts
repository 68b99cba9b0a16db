import { PRIVATE_SECTOR_QUESTIONNAIRE_ID, privateSectorQuestionId } from '../../src/db/builtin-questionnaires';
import { demoId } from '../../src/db/seed/demo';
import { attempt, openPolicyDb, PolicyDb } from '../support/as-viewer';
import { emailOf, ViewerName } from '../support/demo-access';
import { callId, caseId, exclusionId, orgId, personId, segmentId } from '../support/hub';
import { tableRows } from '../support/rows';

/**
 * Writes checked by the database itself (issue item 2; DOMAIN §4): each statement runs as the viewer, as `lap_viewer`
 * through the product's `withViewer`, and comes to exactly what is written here — the rows it wrote (RETURNING), none
 * (a USING clause hid the row from the UPDATE or DELETE), or SQLSTATE 42501 (a WITH CHECK clause refused the new row,
 * or the role has no grant for the command or column), or 23503 (a denormalised party that does not match its row). Each write is rolled back; the table is shown unchanged after.
 * Allowed writes are listed too, so that a refusal is known to come from the rule and not from a broken statement.
 */

let db: PolicyDb;
beforeAll(async () => {
  db = await openPolicyDb();
});
afterAll(() => db.close());

const person = (v: Exclude<ViewerName, 'anonymous'>) => personId(emailOf(v)!);
const share = (ref: string, to: string) => demoId(`share:${ref}:${to}`);

type Outcome = { rows: number } | { error: '42501' | '23503' | '23514' };
const wrote = (n: number): Outcome => ({ rows: n });
const untouched: Outcome = { rows: 0 };
const refused: Outcome = { error: '42501' };
/** Refused by the foreign key that ties a denormalised party to its row (SQLSTATE 23503): it cannot be forged. */
const mismatched: Outcome = { error: '23503' };
/**
 * Refused by a rule decided under a row's lock (a trigger's check_violation, SQLSTATE 23514): TLP:RED names persons
 * (lap.case_share_red_named runs before the policy's WITH CHECK, which says the same).
 */
const breaksRule: Outcome = { error: '23514' };

const NEW_SHARE = `INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, $3::uuid[], $4) RETURNING id`;
const NEW_CASE = `INSERT INTO enforcement_case (reference, title, status, categories, tlp, lead_agency_id, harm_score)
  VALUES ('NEW-1', 'A new case', 'OPEN', ARRAY['SPAM'], 'AMBER', $1, 10) RETURNING id`;
const NEW_EXCLUSION = `INSERT INTO call_exclusion (call_id, segment_id, member_id, objecting_agency_id, objected_by_id, reason)
  VALUES ($1, NULL, $2, $3, $4, 'a conflict of interest') RETURNING id`;
const NEW_CALL = `INSERT INTO conference_call (title, scheduled_at, duration_minutes, organizer_id) VALUES ('Extra call', now() + interval '9 days', 60, $1) RETURNING id`;
const NEW_OBJECTION = `INSERT INTO endorsement_objection (participant_id, agency_id, objected_by_id, reason, created_at) VALUES ($1, $2, $3, 'not yet', now()) RETURNING id`;
const NEW_REQUEST = `INSERT INTO assistance_request (requester_id, requested_by_id, recipient_id, title, categories, harm_score, status, created_at)
  VALUES ($1, $2, $3, 'help', ARRAY['SPAM'], 5, 'OPEN', now()) RETURNING id`;
/** A request and its details in one statement, the details as the viewer writes them. */
const NEW_REQUEST_WITH_DETAIL = `WITH r AS (INSERT INTO assistance_request (requester_id, requested_by_id, recipient_id, title, categories, harm_score, status, created_at)
    VALUES ($1, $2, $3, 'help', ARRAY['SPAM'], 5, 'OPEN', now()) RETURNING id, requester_id, recipient_id)
  INSERT INTO assistance_request_detail (request_id, requester_id, recipient_id, description, victim_count, estimated_loss_usd, vulnerable_victims, ongoing_harm)
    SELECT id, requester_id, recipient_id, 'please', 1, 1, false, false FROM r RETURNING request_id`;
const NEW_DETAIL = `INSERT INTO assistance_request_detail (request_id, requester_id, recipient_id, description, victim_count, estimated_loss_usd,
    vulnerable_victims, ongoing_harm) VALUES ($1, $2, $3, 'again', 1, 1, false, false) RETURNING request_id`;
const ANSWER = `UPDATE assistance_request_detail SET response = 'done' WHERE request_id = $1 RETURNING request_id`;
const MOVE = (status: string) => `UPDATE assistance_request SET status = '${status}' WHERE id = $1 RETURNING id`;
const NAME_RECIPIENT = `INSERT INTO sector_report_recipient (report_id, person_id, author_org_id) VALUES ($1, $2, $3) RETURNING report_id`;
/** A request for access withdrawn by `$2`, at the request's clock (as the data layer writes it). */
const WITHDRAW_ACCESS = `UPDATE case_access_request SET status = 'WITHDRAWN', decided_at = lap.now(), decided_by_id = $2 WHERE id = $1 RETURNING id`;
const DECLINE_ACCESS = `UPDATE case_access_request SET status = 'DECLINED', decided_at = lap.now(), decided_by_id = $2, decline_reason = 'no' WHERE id = $1 RETURNING id`;
const NEW_TRAINING = `INSERT INTO training_session (title, audience, topics, scheduled_at, duration_minutes, organizer_id, scheduled_by_id, created_at)
  VALUES ('A session', 'JOINT', ARRAY['botnets'], now() + interval '9 days', 60, $1, $2, now()) RETURNING id`;

/** [what, viewer, the table written, statement, values, outcome] */
const writes: Array<[string, ViewerName, string, string, unknown[], Outcome]> = [
  // ---- cases: originator control (¶ after §A.7) ----
  ['a private member shares a case it reads (ICO-2004-008)', 'tom', 'case_share',
    NEW_SHARE, [caseId('ICO-2004-008'), orgId('northstar'), [], person('tom')], refused],
  ['a recipient agency re-shares a case shared with it (OFT-2004-003)', 'isla', 'case_share',
    NEW_SHARE, [caseId('OFT-2004-003'), orgId('kisa'), [], person('isla')], refused],
  ['the lead agency shares its AMBER case with an organization', 'liam', 'case_share',
    NEW_SHARE, [caseId('ACMA-2004-011'), orgId('ico'), [], person('liam')], wrote(1)],
  ['the lead agency shares its RED case naming nobody', 'ann', 'case_share',
    NEW_SHARE, [caseId('FTC-2004-021'), orgId('ico'), [], person('ann')], breaksRule],
  ['the lead agency shares its RED case naming a person', 'ann', 'case_share',
    NEW_SHARE, [caseId('FTC-2004-021'), orgId('ico'), [person('isla')], person('ann')], wrote(1)],
  ['the lead agency records a share as granted by someone else', 'ann', 'case_share',
    `UPDATE case_share SET granted_by_id = $2 WHERE id = $1 RETURNING id`, [share('FTC-2004-021', 'oft'), person('ben')], refused],
  ['a recipient revokes the share it received', 'isla', 'case_share',
    `DELETE FROM case_share WHERE id = $1 RETURNING id`, [share('OFT-2004-003', 'ico')], untouched],
  ['the lead agency revokes its share', 'oliver', 'case_share',
    `DELETE FROM case_share WHERE id = $1 RETURNING id`, [share('OFT-2004-003', 'ico')], wrote(1)],
  ['a non-lead agency edits a CLEAR case it sees', 'isla', 'enforcement_case',
    `UPDATE enforcement_case SET title = 'changed' WHERE id = $1 RETURNING id`, [caseId('FTC-2004-017')], untouched],
  ['a coordinator edits another agency’s case', 'oliver', 'enforcement_case',
    `UPDATE enforcement_case SET title = 'changed' WHERE id = $1 RETURNING id`, [caseId('ACMA-2004-011')], untouched],
  ['the lead agency edits its case', 'ben', 'enforcement_case',
    `UPDATE enforcement_case SET title = 'changed' WHERE id = $1 RETURNING id`, [caseId('FTC-2004-017')], wrote(1)],
  ['the lead agency hands its case to another agency (no grant on the column)', 'ann', 'enforcement_case',
    `UPDATE enforcement_case SET lead_agency_id = $2 WHERE id = $1 RETURNING id`, [caseId('FTC-2004-017'), orgId('ico')], refused],
  ['the lead agency deletes its case (no DELETE grant)', 'ann', 'enforcement_case',
    `DELETE FROM enforcement_case WHERE id = $1 RETURNING id`, [caseId('FTC-2004-017')], refused],
  ['an agency opens a case for another agency', 'isla', 'enforcement_case', NEW_CASE, [orgId('acma')], refused],
  ['an agency opens a case of its own', 'isla', 'enforcement_case', NEW_CASE, [orgId('ico')], wrote(1)],
  ['a private member opens a case', 'tom', 'enforcement_case', NEW_CASE, [orgId('meridian')], refused],
  ['an anonymous caller opens a case', 'anonymous', 'enforcement_case', NEW_CASE, [orgId('ftc')], refused],
  ['a recipient edits a confidential tier it reads', 'isla', 'case_confidential',
    `UPDATE case_confidential SET summary = 'changed' WHERE case_id = $1 RETURNING case_id`, [caseId('OFT-2004-003')], untouched],
  ['the lead agency edits its confidential tier', 'oliver', 'case_confidential',
    `UPDATE case_confidential SET summary = 'changed' WHERE case_id = $1 RETURNING case_id`, [caseId('OFT-2004-003')], wrote(1)],
  ['a non-lead agency adds a country to a case', 'isla', 'case_country',
    `INSERT INTO case_country (case_id, country_code) VALUES ($1, 'FR') RETURNING case_id`, [caseId('FTC-2004-017')], refused],
  // ---- calls (§B.3, §C.2) ----
  ['a private member objects to a member’s participation', 'grace', 'call_exclusion',
    NEW_EXCLUSION, [callId('next-1'), orgId('meridian'), orgId('northstar'), person('grace')], refused],
  ['an agency objects in another agency’s name', 'isla', 'call_exclusion',
    NEW_EXCLUSION, [callId('next-1'), orgId('northstar'), orgId('kisa'), person('isla')], refused],
  ['an agency objects in its own name', 'isla', 'call_exclusion',
    NEW_EXCLUSION, [callId('next-1'), orgId('northstar'), orgId('ico'), person('isla')], wrote(1)],
  ['another agency withdraws ICO’s objection', 'liam', 'call_exclusion',
    `UPDATE call_exclusion SET withdrawn_at = now() WHERE id = $1 RETURNING id`, [exclusionId('registro-past-1')], untouched],
  ['the objecting agency withdraws its objection', 'isla', 'call_exclusion',
    `UPDATE call_exclusion SET withdrawn_at = now() WHERE id = $1 RETURNING id`, [exclusionId('registro-past-1')], wrote(1)],
  ['an agency that is no coordinator schedules a call', 'isla', 'conference_call', NEW_CALL, [orgId('ico')], refused],
  ['a coordinator schedules a call', 'ann', 'conference_call', NEW_CALL, [orgId('ftc')], wrote(1)],
  ['an agency that is no coordinator records minutes', 'isla', 'call_segment',
    `UPDATE call_segment SET minutes = 'changed' WHERE id = $1 RETURNING id`, [segmentId('next-1/1')], untouched],
  ['a coordinator records minutes', 'oliver', 'call_segment',
    `UPDATE call_segment SET minutes = 'changed' WHERE id = $1 RETURNING id`, [segmentId('next-1/1')], wrote(1)],
  ['a private member invites itself to a segment', 'max', 'call_segment_invitation',
    `INSERT INTO call_segment_invitation (segment_id, member_id) VALUES ($1, $2) RETURNING segment_id`, [segmentId('next-1/2'), orgId('registro')], refused],
  // ---- participants, countries, endorsement ----
  ['an applicant designates its point of contact', 'paulo', 'participant',
    `UPDATE participant SET point_of_contact_id = $2 WHERE id = $1 RETURNING id`, [orgId('cgi'), person('paulo')], untouched],
  ['a member designates another member’s point of contact', 'grace', 'participant',
    `UPDATE participant SET point_of_contact_id = $2 WHERE id = $1 RETURNING id`, [orgId('meridian'), person('grace')], untouched],
  ['a member designates its own point of contact', 'grace', 'participant',
    `UPDATE participant SET point_of_contact_id = $2 WHERE id = $1 RETURNING id`, [orgId('northstar'), person('grace')], wrote(1)],
  ['an agency of another country designates GB’s primary contact', 'liam', 'country',
    `UPDATE country SET primary_contact_id = $1 WHERE code = 'GB' RETURNING code`, [person('liam')], untouched],
  ['an agency of the country designates GB’s primary contact', 'isla', 'country',
    `UPDATE country SET primary_contact_id = $1 WHERE code = 'GB' RETURNING code`, [person('isla')], wrote(1)],
  ['a private member objects to an application', 'grace', 'endorsement_objection',
    NEW_OBJECTION, [orgId('cgi'), orgId('northstar'), person('grace')], refused],
  ['an agency objects to an application', 'minjun', 'endorsement_objection',
    NEW_OBJECTION, [orgId('cgi'), orgId('kisa'), person('minjun')], wrote(1)],
  // ---- cooperation and outreach ----
  ['a private member requests assistance', 'grace', 'assistance_request',
    NEW_REQUEST, [orgId('northstar'), person('grace'), orgId('ftc')], refused],
  ['an agency requests assistance', 'claire', 'assistance_request',
    NEW_REQUEST, [orgId('crtc'), person('claire'), orgId('ftc')], wrote(1)],
  ['a member moves a request it is no party to', 'max', 'assistance_request',
    `UPDATE assistance_request SET status = 'FULFILLED' WHERE id = $1 RETURNING id`, [demoId('request:ico-meridian-accounts')], untouched],
  ['the recipient moves its request', 'priya', 'assistance_request',
    `UPDATE assistance_request SET status = 'FULFILLED' WHERE id = $1 RETURNING id`, [demoId('request:ico-meridian-accounts')], wrote(1)],
  // the recipient acknowledges, fulfils or declines; the requester withdraws; nobody reopens (DOMAIN §4)
  ['the requester fulfils its own request', 'isla', 'assistance_request',
    MOVE('FULFILLED'), [demoId('request:ico-meridian-accounts')], refused],
  ['the requester withdraws its request', 'isla', 'assistance_request',
    MOVE('WITHDRAWN'), [demoId('request:ico-meridian-accounts')], wrote(1)],
  ['the recipient withdraws a request made to it', 'priya', 'assistance_request',
    MOVE('WITHDRAWN'), [demoId('request:ico-meridian-accounts')], refused],
  ['the recipient reopens an answered request', 'grace', 'assistance_request',
    MOVE('OPEN'), [demoId('request:acma-northstar-logs')], refused],
  ['a coordinator moves a request it is no party to', 'oliver', 'assistance_request',
    MOVE('WITHDRAWN'), [demoId('request:ico-meridian-accounts')], untouched],
  // the details: the requester writes them, the recipient the answer; nobody else (§A.5, §B.4, ¶ after §A.7)
  ['an agency requests assistance with its details', 'claire', 'assistance_request_detail',
    NEW_REQUEST_WITH_DETAIL, [orgId('crtc'), person('claire'), orgId('ftc')], wrote(1)],
  ['the recipient writes the details of a request made to it', 'grace', 'assistance_request_detail',
    NEW_DETAIL, [demoId('request:acma-northstar-logs'), orgId('acma'), orgId('northstar')], refused],
  ['an agency writes details in another agency’s name', 'claire', 'assistance_request_detail',
    NEW_DETAIL, [demoId('request:ftc-oft-mules'), orgId('ftc'), orgId('oft')], refused],
  ['the recipient answers', 'priya', 'assistance_request_detail', ANSWER, [demoId('request:ico-meridian-accounts')], wrote(1)],
  ['the requester writes the answer', 'isla', 'assistance_request_detail', ANSWER, [demoId('request:ico-meridian-accounts')], refused],
  ['a coordinator answers a request it is no party to', 'oliver', 'assistance_request_detail', ANSWER, [demoId('request:ico-meridian-accounts')], untouched],
  ['the requester changes the description (no grant on the column)', 'isla', 'assistance_request_detail',
    `UPDATE assistance_request_detail SET description = 'changed' WHERE request_id = $1 RETURNING request_id`, [demoId('request:ico-meridian-accounts')], refused],
  // a report's distribution list is the author organization's (§B.3.a, ¶ after §A.7)
  ['a named recipient adds a person to the report’s list', 'grace', 'sector_report_recipient',
    NAME_RECIPIENT, [demoId('report:meridian-phishing-wave'), person('max'), orgId('meridian')], refused],
  ['a member names recipients of another organization’s report in its own name', 'grace', 'sector_report_recipient',
    NAME_RECIPIENT, [demoId('report:meridian-phishing-wave'), person('max'), orgId('northstar')], mismatched],
  ['the author organization names another recipient', 'priya', 'sector_report_recipient',
    NAME_RECIPIENT, [demoId('report:meridian-phishing-wave'), person('max'), orgId('meridian')], wrote(1)],
  ['the author organization names a person of an applicant (who would read it once endorsed)', 'priya', 'sector_report_recipient',
    NAME_RECIPIENT, [demoId('report:meridian-phishing-wave'), person('paulo'), orgId('meridian')], breaksRule],
  ['the author organization drops a recipient (no DELETE grant)', 'tom', 'sector_report_recipient',
    `DELETE FROM sector_report_recipient WHERE report_id = $1 RETURNING report_id`, [demoId('report:meridian-phishing-wave')], refused],
  ['a member answers in another member’s response', 'max', 'questionnaire_answer',
    `INSERT INTO questionnaire_answer (response_id, questionnaire_id, question_id, text) VALUES ($1, $2, $3, 'mine') RETURNING response_id`,
    [demoId('response:b4:northstar'), PRIVATE_SECTOR_QUESTIONNAIRE_ID, privateSectorQuestionId('a')], refused],
  ['a member changes another member’s answer', 'max', 'questionnaire_answer',
    `UPDATE questionnaire_answer SET text = 'mine' WHERE response_id = $1 AND question_id = $2 RETURNING response_id`,
    [demoId('response:b4:northstar'), privateSectorQuestionId('a')], untouched],
  ['a member changes its own answer', 'grace', 'questionnaire_answer',
    `UPDATE questionnaire_answer SET text = 'ours' WHERE response_id = $1 AND question_id = $2 RETURNING response_id`,
    [demoId('response:b4:northstar'), privateSectorQuestionId('a')], wrote(1)],
  ['a member changes another organization’s education project', 'grace', 'education_project',
    `UPDATE education_project SET title = 'changed' WHERE id = $1 RETURNING id`, [demoId('education:spot-the-phish')], untouched],
  ['the leading organization changes its project', 'priya', 'education_project',
    `UPDATE education_project SET title = 'changed' WHERE id = $1 RETURNING id`, [demoId('education:spot-the-phish')], wrote(1)],
  ['a member unlists another organization’s person', 'eva', 'resource_list_entry',
    `DELETE FROM resource_list_entry WHERE id = $1 RETURNING id`, [demoId('resource:grace')], untouched],
  ['a member unlists its own person', 'grace', 'resource_list_entry',
    `DELETE FROM resource_list_entry WHERE id = $1 RETURNING id`, [demoId('resource:grace')], wrote(1)],
  ['a private member schedules a training', 'eva', 'training_session', NEW_TRAINING, [orgId('sentinel'), person('eva')], refused],
  ['an agency schedules a training', 'emeka', 'training_session', NEW_TRAINING, [orgId('efcc'), person('emeka')], wrote(1)],
  // ---- requests for access (DOMAIN §9): the lead agency decides, the requester withdraws, nobody does the other's part ----
  ['the requester withdraws their pending request', 'isla', 'case_access_request',
    WITHDRAW_ACCESS, [demoId('access-request:isla-acma'), person('isla')], wrote(1)],
  ['the requester withdraws it in someone else’s name', 'isla', 'case_access_request',
    WITHDRAW_ACCESS, [demoId('access-request:isla-acma'), person('liam')], refused],
  ['the requester withdraws at another time than now', 'isla', 'case_access_request',
    `UPDATE case_access_request SET status = 'WITHDRAWN', decided_at = '1970-01-01Z', decided_by_id = $2 WHERE id = $1 RETURNING id`,
    [demoId('access-request:isla-acma'), person('isla')], refused],
  ['the requester grants their own request', 'isla', 'case_access_request',
    `UPDATE case_access_request SET status = 'GRANTED', decided_at = lap.now(), decided_by_id = $2, granted_scope = 'PERSON' WHERE id = $1 RETURNING id`,
    [demoId('access-request:isla-acma'), person('isla')], refused],
  ['the requester withdraws a request already declined', 'priya', 'case_access_request',
    WITHDRAW_ACCESS, [demoId('access-request:priya-ftc'), person('priya')], untouched],
  ['the requester changes their justification', 'isla', 'case_access_request',
    `UPDATE case_access_request SET justification = 'changed' WHERE id = $1 RETURNING id`, [demoId('access-request:isla-acma')], refused],
  ['the lead agency withdraws a request in the requester’s name', 'liam', 'case_access_request',
    WITHDRAW_ACCESS, [demoId('access-request:isla-acma'), person('isla')], refused],
  ['the lead agency marks a request withdrawn by itself', 'liam', 'case_access_request',
    WITHDRAW_ACCESS, [demoId('access-request:isla-acma'), person('liam')], breaksRule],
  ['the lead agency declines a pending request', 'liam', 'case_access_request',
    DECLINE_ACCESS, [demoId('access-request:isla-acma'), person('liam')], wrote(1)],
  ['the lead agency declines a pending request, dated another time than now', 'liam', 'case_access_request',
    `UPDATE case_access_request SET status = 'DECLINED', decided_at = lap.now() - interval '1 day', decided_by_id = $2, decline_reason = 'no' WHERE id = $1 RETURNING id`,
    [demoId('access-request:isla-acma'), person('liam')], refused],
  ['the lead agency decides again a request it declined (a decision is final)', 'ann', 'case_access_request',
    `UPDATE case_access_request SET status = 'GRANTED', decline_reason = NULL, granted_scope = 'PERSON', decided_at = lap.now(), decided_by_id = $2 WHERE id = $1 RETURNING id`,
    [demoId('access-request:priya-ftc'), person('ann')], untouched],
  ['another agency withdraws a request it cannot see', 'ann', 'case_access_request',
    WITHDRAW_ACCESS, [demoId('access-request:isla-acma'), person('ann')], untouched],
];

test.each(writes)('%s (%s): %s', async (_what, viewer, table, text, values, outcome) => {
  const before = await tableRows(db.ds, [table]);
  const result = await db.asViewer(emailOf(viewer), async (tx) => {
    const r = await attempt(tx, text, values);
    return 'error' in r ? { error: r.error } : { rows: r.rows.length };
  });
  expect(result).toEqual(outcome);
  // Rolled back either way: the table is as it was.
  expect(await tableRows(db.ds, [table])).toEqual(before);
});

test('a request its requester withdrew is no longer the lead agency’s to decide, at the database', async () => {
  const id = demoId('access-request:isla-acma');
  await db.ds.query(`UPDATE case_access_request SET status = 'WITHDRAWN', decided_at = now(), decided_by_id = requester_id WHERE id = $1`, [id]);
  try {
    const before = await tableRows(db.ds, ['case_access_request']);
    const outcomes: Outcome[] = [];
    for (const text of [DECLINE_ACCESS, `UPDATE case_access_request SET status = 'GRANTED', granted_scope = 'PERSON', decided_at = lap.now(), decided_by_id = $2 WHERE id = $1 RETURNING id`]) {
      outcomes.push(
        await db.asViewer(emailOf('liam'), async (tx) => {
          const r = await attempt(tx, text, [id, person('liam')]);
          return 'error' in r ? { error: r.error as '42501' } : { rows: r.rows.length };
        }),
      );
    }
    expect(outcomes).toEqual([untouched, untouched]);
    expect(await tableRows(db.ds, ['case_access_request'])).toEqual(before);
  } finally {
    await db.ds.query(`UPDATE case_access_request SET status = 'PENDING', decided_at = NULL, decided_by_id = NULL WHERE id = $1`, [id]);
  }
});

describe('reads of restricted parts at the database level', () => {
  test('a coordinator cannot read another agency’s confidential tier, nor the shares of that case', async () => {
    const seen = await db.asViewer(emailOf('ann'), async (tx) => ({
      tier: await tx.query(`SELECT case_id FROM case_confidential WHERE case_id = ANY ($1::uuid[])`, [[caseId('OFT-2004-003'), caseId('ICO-2004-008')]]),
      shares: await tx.query(`SELECT id FROM case_share WHERE case_id = ANY ($1::uuid[])`, [[caseId('OFT-2004-003'), caseId('ICO-2004-008')]]),
      // The rows themselves are visible to her (GREEN and AMBER_STRICT cases: every agency).
      rows: await tx.query(`SELECT reference FROM enforcement_case WHERE id = ANY ($1::uuid[]) ORDER BY reference`, [[caseId('OFT-2004-003'), caseId('ICO-2004-008')]]),
    }));
    expect(seen).toEqual({ tier: [], shares: [], rows: [{ reference: 'ICO-2004-008' }, { reference: 'OFT-2004-003' }] });
  });

  test('a share naming a person reaches that person only: Tom reads the RED case and its tier, Priya of the same bank neither', async () => {
    const query = (tx: { query: (t: string, v: unknown[]) => Promise<unknown[]> }) =>
      Promise.all([
        tx.query(`SELECT reference FROM enforcement_case WHERE id = $1`, [caseId('FTC-2004-021')]),
        tx.query(`SELECT summary FROM case_confidential WHERE case_id = $1`, [caseId('FTC-2004-021')]),
      ]);
    expect(await db.asViewer(emailOf('tom'), query)).toEqual([
      [{ reference: 'FTC-2004-021' }],
      [{ summary: 'A phishing kit imitating Meridian Bank; the seller is identified.' }],
    ]);
    expect(await db.asViewer(emailOf('priya'), query)).toEqual([[], []]);
  });

  test('the viewer’s identity does not outlive its transaction (the next statement on the pool is the owner’s, unset)', async () => {
    for (const v of ['ann', 'tom', 'paulo'] as const) {
      await db.asViewer(emailOf(v), async (tx) => {
        expect(await tx.query(`SELECT current_user AS role, lap.viewer_person() AS person`)).toEqual([{ role: 'lap_viewer', person: person(v) }]);
      });
      const [after] = (await db.ds.query(
        `SELECT current_user = session_user AS owner, current_setting('lap.person_id', true) AS person, lap.viewer_kind() AS kind`,
      )) as Array<{ owner: boolean; person: string | null; kind: string }>;
      expect({ owner: after.owner, person: after.person ?? '', kind: after.kind }).toEqual({ owner: true, person: '', kind: 'ANONYMOUS' });
    }
  });
});
