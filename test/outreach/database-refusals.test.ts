import { ViewerKind } from '../../entities/enums';
import { OECD_QUESTIONNAIRE_ID, oecdQuestionId, PRIVATE_SECTOR_QUESTIONNAIRE_ID, privateSectorQuestionId } from '../../src/db/builtin-questionnaires';
import { Data } from '../../src/data';
import { lookupViewer, ViewerDb, withViewer } from '../../src/db/viewer-db';
import { permissions } from '../../src/policy/permissions';
import { open, PermissionTree } from '../../src/policy/rules';
import { anonymousViewer, Viewer } from '../../src/policy/viewer';
import { applyPermissions, buildServedSchema } from '../../src/schema';
import { cast, orgId, personId, startSiblingHub, startTestHub, TestHub } from '../support/hub';
import { tableRows } from '../support/rows';
import { educationProjectId, errorsOf, outreachTables, resourceEntryId, responseId, trainingId } from './outreach-ids';

/**
 * The database refuses what the rules refuse, on its own: the mutations run on a hub whose rule tree lets every
 * outreach mutation through (the friendly FORBIDDEN of graphql-shield is gone), and the data layer and plain
 * statements run as the viewer. Every refusal leaves the outreach tables exactly as they were.
 */

const outreachMutations = [
  'submitQuestionnaireResponse',
  'updateQuestionnaireResponse',
  'addResourceListEntry',
  'removeResourceListEntry',
  'scheduleTraining',
  'startEducationProject',
  'updateEducationProject',
] as const;

let hub: TestHub;
let unguarded: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
  const tree: PermissionTree = {
    ...permissions,
    Mutation: { ...permissions.Mutation, ...Object.fromEntries(outreachMutations.map((m) => [m, open('the database alone decides (test)')])) },
  };
  unguarded = await startSiblingHub(hub, { schema: applyPermissions(await buildServedSchema(), tree) });
});
afterAll(async () => {
  await unguarded.close();
  await hub.close();
});
afterEach(() => hub.reset());

type Who = keyof typeof cast | 'anonymous';
const as = (v: Who) => (v === 'anonymous' ? null : cast[v]);

/** The viewer the hub would make of a demo person's token (lap.viewer_of). */
async function viewerOf(who: Who): Promise<Viewer> {
  if (who === 'anonymous') return anonymousViewer;
  const row = await lookupViewer(hub.ds, personId(cast[who]), null, new Date());
  if (!row) throw new Error(`no demo person ${who}`);
  const kind = row.kind as ViewerKind;
  return { kind, personId: row.person_id, ownOrgId: row.own_org, memberOrgId: kind === ViewerKind.ANONYMOUS ? null : row.own_org };
}

/** Runs `fn` as the viewer, in a read-write transaction of its own that commits what `fn` wrote. */
async function asViewer<T>(who: Who, fn: (data: Data, db: ViewerDb) => Promise<T>): Promise<T> {
  const viewer = await viewerOf(who);
  return withViewer(hub.ds, viewer, new Date(), (db) => fn(new Data(db, viewer), db), false);
}

/** Runs one statement as the viewer in a savepoint: its error, or the rows it returned. */
async function statementAs(who: Who, text: string, values: unknown[]): Promise<{ code?: string; rows?: unknown[] }> {
  return asViewer(who, (_data, db) =>
    db.atomically(() => db.query(text, values)).then(
      (rows) => ({ rows }),
      (err: { code?: string }) => ({ code: err.code }),
    ),
  );
}

async function unchanged(run: () => Promise<unknown>): Promise<void> {
  const before = await tableRows(hub.ds, outreachTables);
  await run();
  expect(await tableRows(hub.ds, outreachTables)).toEqual(before);
}

test('without the rule an anonymous caller is answered by the resolver and the database, not by graphql-shield', async () => {
  const submit = `mutation ($input: SubmitQuestionnaireResponseInput!) { submitQuestionnaireResponse(input: $input) { id } }`;
  const variables = { input: { questionnaireId: OECD_QUESTIONNAIRE_ID, answers: [{ questionId: oecdQuestionId(1), text: 'x' }] } };
  expect(errorsOf((await hub.gql(submit, { variables })).body)).toEqual([{ code: 'FORBIDDEN' }]);
  // The questionnaire is not there for an anonymous caller: row-level security returned no row.
  expect(errorsOf((await unguarded.gql(submit, { variables })).body)).toEqual([{ code: 'BAD_USER_INPUT', argument: 'input.questionnaireId' }]);
});

describe('the mutations, with no friendly rule in front of them', () => {
  const submit = `mutation ($input: SubmitQuestionnaireResponseInput!) { submitQuestionnaireResponse(input: $input) { id } }`;
  const updateResponse = `mutation ($id: ID!, $input: UpdateQuestionnaireResponseInput!) { updateQuestionnaireResponse(id: $id, input: $input) { id } }`;
  const add = `mutation ($input: AddResourceListEntryInput!) { addResourceListEntry(input: $input) { id } }`;
  const remove = `mutation ($id: ID!) { removeResourceListEntry(id: $id) }`;
  const schedule = `mutation ($input: ScheduleTrainingInput!) { scheduleTraining(input: $input) { id } }`;
  const start = `mutation ($input: StartEducationProjectInput!) { startEducationProject(input: $input) { id } }`;
  const updateProject = `mutation ($id: ID!, $input: UpdateEducationProjectInput!) { updateEducationProject(id: $id, input: $input) { id } }`;

  const training = {
    title: 'Investigating spam-advertised websites',
    audience: 'JOINT',
    hostIds: [orgId('ico'), orgId('registro')],
    topics: ['WHOIS data'],
    scheduledAt: '2030-01-15T10:00:00.000Z',
  };
  const project = { title: 'Clean your zombie PC', description: 'Consumer guidance.', themes: ['ZOMBIE_DRONES'], partnerIds: [orgId('acma')] };
  const entry = (email: string) => ({ personId: personId(email), expertise: ['fraud'], languages: ['en'] });
  const answer = (n: 1 | 2 | 3 | 4 | 5 | 6) => [{ questionId: oecdQuestionId(n), text: 'Changed.' }];

  test.each<[string, Who, string, Record<string, unknown>, { code: string; argument?: string }]>([
    // The write reaches the database, which refuses it.
    ['another agency changes a response it can read', 'liam', updateResponse, { id: responseId('oecd:ftc'), input: { confidential: true, answers: answer(2) } }, { code: 'FORBIDDEN' }],
    ['a coordinator changes another agency’s response', 'ann', updateResponse, { id: responseId('oecd:ico'), input: { confidential: false } }, { code: 'FORBIDDEN' }],
    ['an agency takes a member’s person off the resource list', 'liam', remove, { id: resourceEntryId('grace') }, { code: 'FORBIDDEN' }],
    ['another private-sector member takes an entry off the list', 'tom', remove, { id: resourceEntryId('grace') }, { code: 'FORBIDDEN' }],
    ['a private-sector member schedules a training', 'eva', schedule, { input: training }, { code: 'FORBIDDEN' }],
    ['an anonymous caller schedules a training', 'anonymous', schedule, { input: training }, { code: 'FORBIDDEN' }],
    ['an applicant schedules a training', 'paulo', schedule, { input: training }, { code: 'FORBIDDEN' }],
    ['an anonymous caller starts an education project', 'anonymous', start, { input: project }, { code: 'FORBIDDEN' }],
    ['an applicant starts an education project', 'paulo', start, { input: project }, { code: 'FORBIDDEN' }],
    ['a partner changes a project it does not lead', 'minjun', updateProject, { id: educationProjectId('open-relays'), input: { status: 'COMPLETED', partnerIds: [orgId('ico')] } }, { code: 'FORBIDDEN' }],
    ['a coordinator changes a project it does not lead', 'ann', updateProject, { id: educationProjectId('open-relays'), input: { title: 'Taken over' } }, { code: 'FORBIDDEN' }],
    ['a private-sector partner changes the project', 'grace', updateProject, { id: educationProjectId('open-relays'), input: { partnerIds: [] } }, { code: 'FORBIDDEN' }],
    // Answered before any write, from what row-level security and the policy's functions returned.
    ['an anonymous caller answers a questionnaire it cannot see', 'anonymous', submit, { input: { questionnaireId: OECD_QUESTIONNAIRE_ID, answers: answer(1) } }, { code: 'BAD_USER_INPUT', argument: 'input.questionnaireId' }],
    ['a private-sector member answers the agencies’ questionnaire', 'tom', submit, { input: { questionnaireId: OECD_QUESTIONNAIRE_ID, answers: answer(1) } }, { code: 'BAD_USER_INPUT', argument: 'input.questionnaireId' }],
    ['an anonymous caller changes a response it cannot see', 'anonymous', updateResponse, { id: responseId('oecd:ftc'), input: { confidential: true } }, { code: 'BAD_USER_INPUT', argument: 'id' }],
    ['an agency lists one of its own people', 'isla', add, { input: entry(cast.isla) }, { code: 'BAD_USER_INPUT', argument: 'input.personId' }],
    ['a private-sector member lists another organization’s person', 'grace', add, { input: entry(cast.priya) }, { code: 'BAD_USER_INPUT', argument: 'input.personId' }],
    ['an anonymous caller lists a person it cannot see', 'anonymous', add, { input: entry(cast.priya) }, { code: 'BAD_USER_INPUT', argument: 'input.personId' }],
    ['an anonymous caller removes an entry it cannot see', 'anonymous', remove, { id: resourceEntryId('grace') }, { code: 'BAD_USER_INPUT', argument: 'id' }],
    ['an anonymous caller changes a project it cannot see', 'anonymous', updateProject, { id: educationProjectId('open-relays'), input: { title: 'Taken over' } }, { code: 'BAD_USER_INPUT', argument: 'id' }],
  ])('%s: refused, nothing written', async (_what, who, mutation, variables, error) => {
    await unchanged(async () => {
      const r = await unguarded.gql(mutation, { as: as(who), variables });
      expect(r.body.data ?? null).toBeNull();
      expect(errorsOf(r.body)).toEqual([error]);
    });
  });

  test.each<[string, Who, string, Record<string, unknown>, string]>([
    ['the responding agency changes its response', 'isla', updateResponse, { id: responseId('oecd:ico'), input: { confidential: false, answers: answer(2) } }, 'questionnaire_response'],
    ['the listed person’s organization removes the entry', 'grace', remove, { id: resourceEntryId('grace') }, 'resource_list_entry'],
    ['an agency schedules a training', 'isla', schedule, { input: training }, 'training_session'],
    ['a private-sector member starts a project', 'eva', start, { input: project }, 'education_project'],
    ['the leading organization changes its project', 'liam', updateProject, { id: educationProjectId('open-relays'), input: { status: 'COMPLETED', partnerIds: [orgId('ico')] } }, 'education_project'],
    ['a private-sector member answers its questionnaire', 'tom', submit, { input: { questionnaireId: PRIVATE_SECTOR_QUESTIONNAIRE_ID, answers: [{ questionId: privateSectorQuestionId('a'), text: 'x' }] } }, 'questionnaire_response'],
    ['a private-sector member lists one of its people', 'tom', add, { input: entry(cast.priya) }, 'resource_list_entry'],
  ])('the same hub lets the right viewer through: %s', async (_what, who, mutation, variables, table) => {
    const before = await tableRows(hub.ds, [table]);
    const r = await unguarded.gql(mutation, { as: as(who), variables });
    expect(r.body.errors).toBeUndefined();
    expect(await tableRows(hub.ds, [table])).not.toEqual(before);
  });
});

describe('the data layer as the viewer: writes the resolvers never send are refused by the policies', () => {
  const forbidden = { extensions: { code: 'FORBIDDEN' } };

  test.each<[string, Who, string]>([
    ['a private-sector member answering the agencies’ questionnaire', 'tom', OECD_QUESTIONNAIRE_ID],
    ['an agency answering the private-sector questionnaire', 'emeka', PRIVATE_SECTOR_QUESTIONNAIRE_ID],
    ['an anonymous caller', 'anonymous', OECD_QUESTIONNAIRE_ID],
    ['an applicant', 'paulo', OECD_QUESTIONNAIRE_ID],
  ])('submitResponse: %s is FORBIDDEN', async (_what, who, questionnaireId) => {
    const question = questionnaireId === OECD_QUESTIONNAIRE_ID ? oecdQuestionId(1) : privateSectorQuestionId('a');
    await unchanged(() =>
      expect(asViewer(who, (d) => d.outreach.submitResponse(questionnaireId, false, [{ questionId: question, text: 'x' }], new Date()))).rejects.toMatchObject(forbidden),
    );
  });

  test('submitResponse: the audience answers, once', async () => {
    const id = await asViewer('emeka', (d) => d.outreach.submitResponse(OECD_QUESTIONNAIRE_ID, true, [{ questionId: oecdQuestionId(1), text: 'x' }], new Date()));
    expect(await hub.ds.query(`SELECT participant_id, submitted_by_id, confidential FROM questionnaire_response WHERE id = $1`, [id])).toEqual([
      { participant_id: orgId('efcc'), submitted_by_id: personId(cast.emeka), confidential: true },
    ]);
    await unchanged(async () =>
      expect(await asViewer('emeka', (d) => d.outreach.submitResponse(OECD_QUESTIONNAIRE_ID, false, [{ questionId: oecdQuestionId(2), text: 'y' }], new Date()))).toBeNull(),
    );
  });

  test.each<[string, Who, string]>([
    ['a person of another organization, filed under its own', 'grace', cast.priya],
    ['an agency listing its own person', 'isla', cast.isla],
    ['a coordinator', 'ann', cast.ben],
    ['an anonymous caller', 'anonymous', cast.priya],
  ])('addResourceListEntry: %s is FORBIDDEN', async (_what, who, email) => {
    await unchanged(() =>
      expect(asViewer(who, (d) => d.outreach.addResourceListEntry({ personId: personId(email), expertise: ['x'], languages: ['en'] }, new Date()))).rejects.toMatchObject(forbidden),
    );
  });

  test('updateResponse, removeResourceListEntry, updateEducationProject on visible rows of others are FORBIDDEN', async () => {
    await unchanged(async () => {
      const ftc = await asViewer('liam', (d) => d.outreach.responseById.load(responseId('oecd:ftc')));
      expect(ftc).not.toBeNull();
      await expect(asViewer('liam', (d) => d.outreach.updateResponse(ftc!, { confidential: true, answers: [] }, new Date()))).rejects.toMatchObject(forbidden);
      await expect(asViewer('tom', (d) => d.outreach.removeResourceListEntry(resourceEntryId('grace')))).rejects.toMatchObject(forbidden);
      await expect(
        asViewer('minjun', (d) => d.outreach.updateEducationProject(educationProjectId('open-relays'), { title: 'x', partnerIds: [] }, () => undefined, new Date())),
      ).rejects.toMatchObject(forbidden);
    });
  });
});

describe('plain statements as the viewer (the policies of the OutreachPolicies migration)', () => {
  const q1 = oecdQuestionId(1);
  test.each<[string, Who, string, unknown[]]>([
    // An entry names a person of its own organization.
    ['a person of another organization filed under the viewer’s own', 'tom',
      `INSERT INTO resource_list_entry (person_id, organization_id, expertise, languages, added_by_id, added_at) VALUES ($1, $2, '{x}', '{en}', $3, now())`,
      [personId(cast.grace), orgId('meridian'), personId(cast.tom)]],
    // A response only to a questionnaire addressed to the viewer's kind of participant.
    ['a private-sector member’s response to the OECD questionnaire', 'grace',
      `INSERT INTO questionnaire_response (questionnaire_id, participant_id, submitted_by_id, submitted_at, updated_at) VALUES ($1, $2, $3, now(), now())`,
      [OECD_QUESTIONNAIRE_ID, orgId('northstar'), personId(cast.grace)]],
    ['a response for another participant', 'emeka',
      `INSERT INTO questionnaire_response (questionnaire_id, participant_id, submitted_by_id, submitted_at, updated_at) VALUES ($1, $2, $3, now(), now())`,
      [OECD_QUESTIONNAIRE_ID, orgId('kisa'), personId(cast.emeka)]],
    ['an answer added to another agency’s response', 'liam',
      `INSERT INTO questionnaire_answer (response_id, questionnaire_id, question_id, text) VALUES ($1, $2, $3, 'x')`,
      [responseId('oecd:ftc'), OECD_QUESTIONNAIRE_ID, oecdQuestionId(5)]],
    // Hosts are added by the organizing agency only.
    ['a host added to another agency’s training', 'liam',
      `INSERT INTO training_host (training_id, participant_id) VALUES ($1, $2)`, [trainingId('evidence'), orgId('acma')]],
    ['a training organized by another agency', 'liam',
      `INSERT INTO training_session (title, audience, topics, scheduled_at, duration_minutes, organizer_id, scheduled_by_id, created_at)
       VALUES ('x', 'JOINT', '{x}', now(), 60, $1, $2, now())`, [orgId('oft'), personId(cast.liam)]],
    ['a partner added to a project the viewer does not lead', 'minjun',
      `INSERT INTO education_project_partner (project_id, participant_id) VALUES ($1, $2)`, [educationProjectId('open-relays'), orgId('ico')]],
    ['a project led by another organization', 'eva',
      `INSERT INTO education_project (title, description, themes, status, lead_organization_id, started_by_id, started_at, updated_at)
       VALUES ('x', 'x', '{MALWARE}', 'PLANNED', $1, $2, now(), now())`, [orgId('northstar'), personId(cast.eva)]],
    ['an answer of another agency’s response changed', 'isla',
      `UPDATE questionnaire_answer SET text = 'x' WHERE response_id = $1 AND question_id = $2 RETURNING response_id`, [responseId('oecd:ftc'), q1]],
  ])('refused (42501 or no row): %s', async (_what, who, text, values) => {
    await unchanged(async () => {
      const result = await statementAs(who, text, values);
      if (result.code !== undefined) expect(result.code).toBe('42501');
      else expect(result.rows).toEqual([]);
    });
  });

  test.each<[string, Who, string, unknown[]]>([
    ['a coordinator changes another agency’s response', 'ann', `UPDATE questionnaire_response SET confidential = false WHERE id = $1 RETURNING id`, [responseId('oecd:ico')]],
    ['a partner takes the partners off a project', 'minjun', `DELETE FROM education_project_partner WHERE project_id = $1 RETURNING project_id`, [educationProjectId('open-relays')]],
    ['another member unlists a person', 'tom', `DELETE FROM resource_list_entry WHERE id = $1 RETURNING id`, [resourceEntryId('grace')]],
    ['a partner changes a project', 'grace', `UPDATE education_project SET title = 'x' WHERE id = $1 RETURNING id`, [educationProjectId('open-relays')]],
  ])('an update or delete of a visible row reaches no row: %s', async (_what, who, text, values) => {
    await unchanged(async () => expect(await statementAs(who, text, values)).toEqual({ rows: [] }));
  });

  test.each<[string, Who, string, unknown[]]>([
    ['the organizing agency adds a host', 'liam', `INSERT INTO training_host (training_id, participant_id) VALUES ($1, $2) RETURNING training_id`, [trainingId('zombie-drones'), orgId('ico')]],
    ['the leading organization adds a partner', 'liam', `INSERT INTO education_project_partner (project_id, participant_id) VALUES ($1, $2) RETURNING project_id`, [educationProjectId('open-relays'), orgId('ico')]],
    ['a member lists its own person', 'tom',
      `INSERT INTO resource_list_entry (person_id, organization_id, expertise, languages, added_by_id, added_at) VALUES ($1, $2, '{x}', '{en}', $3, now()) RETURNING id`,
      [personId(cast.priya), orgId('meridian'), personId(cast.tom)]],
    ['the responding agency adds an answer', 'ann', `INSERT INTO questionnaire_answer (response_id, questionnaire_id, question_id, text) VALUES ($1, $2, $3, 'x') RETURNING response_id`,
      [responseId('oecd:ftc'), OECD_QUESTIONNAIRE_ID, oecdQuestionId(5)]],
  ])('the same statement from the right viewer is written: %s', async (_what, who, text, values) => {
    const result = await statementAs(who, text, values);
    expect(result.code).toBeUndefined();
    expect(result.rows).toHaveLength(1);
  });
});

describe('what each viewer reads of these tables, and may do, straight from the database', () => {
  const oecd = ['oecd:acma', 'oecd:ftc', 'oecd:ico', 'oecd:oft'];
  const b4 = ['b4:northstar', 'b4:sentinel'];
  const responseKeys = [...oecd, ...b4];
  const keyOf = (id: string) => responseKeys.find((k) => responseId(k) === id) ?? id;

  test.each<[Who, string[], string[]]>([
    ['anonymous', [], []],
    ['paulo', [], []],
    ['ann', responseKeys, ['oecd:ftc']],
    ['oliver', responseKeys, ['oecd:oft']],
    ['isla', responseKeys, ['oecd:ico']],
    ['liam', ['oecd:acma', 'oecd:ftc', 'oecd:oft', ...b4], ['oecd:acma']],
    ['emeka', ['oecd:acma', 'oecd:ftc', 'oecd:oft', ...b4], []],
    ['grace', ['b4:northstar'], ['b4:northstar']],
    ['tom', [], []],
  ])('%s reads the responses %j and may change %j', async (who, visible, editable) => {
    const rows = await asViewer(who, (_d, db) =>
      db.query<{ id: string; editable: boolean }>(`SELECT r.id, lap.response_editable(r.participant_id) AS editable FROM questionnaire_response r`),
    );
    expect(rows.map((r) => keyOf(r.id)).sort()).toEqual([...visible].sort());
    expect(rows.filter((r) => r.editable).map((r) => keyOf(r.id))).toEqual(editable);
  });

  test.each<[Who, { respond: string[]; outstanding: boolean }]>([
    ['anonymous', { respond: [], outstanding: false }],
    ['ann', { respond: [], outstanding: true }],
    ['emeka', { respond: ['AGENCIES'], outstanding: false }],
    ['tom', { respond: ['PRIVATE_SECTOR'], outstanding: false }],
    ['grace', { respond: [], outstanding: false }],
  ])('%s may answer %j', async (who, expected) => {
    const [row] = await asViewer(who, (_d, db) =>
      db.query<{ respond: string[] | null; outstanding: boolean }>(
        `SELECT array_agg(qn.audience ORDER BY qn.audience) FILTER (WHERE lap.questionnaire_respondable(qn.id, qn.audience)) AS respond,
                lap.questionnaire_outstanding_readable() AS outstanding
         FROM questionnaire qn`,
      ),
    );
    expect({ respond: row.respond ?? [], outstanding: row.outstanding }).toEqual(expected);
  });

  test.each<[Who, number, number, string[], string[]]>([
    // viewer, resource-list entries, training sessions, entries it may remove, projects it may change
    ['anonymous', 0, 0, [], []],
    ['paulo', 0, 0, [], []],
    ['ann', 4, 3, [], []],
    ['liam', 4, 3, [], ['open-relays']],
    ['grace', 4, 2, ['grace'], []],
    ['tom', 4, 2, ['tom'], ['spot-the-phish']],
    ['priya', 4, 2, ['tom'], ['spot-the-phish']],
  ])('%s reads %i entries and %i trainings; may remove %j and change %j', async (who, entries, trainings, removable, editable) => {
    const result = await asViewer(who, async (_d, db) => ({
      entries: await db.query<{ id: string; removable: boolean }>(`SELECT id, lap.resource_entry_manageable(organization_id) AS removable FROM resource_list_entry`),
      trainings: await db.query(`SELECT id FROM training_session`),
      projects: await db.query<{ id: string; editable: boolean }>(`SELECT id, lap.education_project_editable(lead_organization_id) AS editable FROM education_project`),
    }));
    expect(result.entries).toHaveLength(entries);
    expect(result.trainings).toHaveLength(trainings);
    expect(result.projects).toHaveLength(who === 'anonymous' || who === 'paulo' ? 0 : 2);
    expect(result.entries.filter((e) => e.removable).map((e) => e.id)).toEqual(removable.map((k) => resourceEntryId(k)));
    expect(result.projects.filter((p) => p.editable).map((p) => p.id)).toEqual(editable.map((k) => educationProjectId(k)));
  });
});
