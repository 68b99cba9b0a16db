import { OECD_QUESTIONNAIRE_ID, oecdQuestionId, PRIVATE_SECTOR_QUESTIONNAIRE_ID, privateSectorQuestionId } from '../../src/db/builtin-questionnaires';
import { cast, orgId, startTestHub, TestHub } from '../support/hub';
import { tableRows } from '../support/rows';
import { errorsOf, outreachTables, responseId } from './outreach-ids';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const OECD = OECD_QUESTIONNAIRE_ID;
const B4 = PRIVATE_SECTOR_QUESTIONNAIRE_ID;
type Viewer = keyof typeof cast | 'anonymous';
const as = (v: Viewer) => (v === 'anonymous' ? null : cast[v]);

const org = {
  ftc: 'US Federal Trade Commission',
  oft: 'UK Office of Fair Trading',
  ico: 'UK Information Commissioner’s Office',
  acma: 'Australian Communications and Media Authority',
  northstar: 'NorthStar Broadband',
  sentinel: 'Sentinel Security',
};

describe('reading questionnaires', () => {
  test.each<[Viewer, string[]]>([
    ['anonymous', []],
    ['paulo', []],
    ['ann', ['OECD_CROSS_BORDER_ENFORCEMENT', 'PRIVATE_SECTOR_REQUESTS_FOR_INFORMATION']],
    ['isla', ['OECD_CROSS_BORDER_ENFORCEMENT', 'PRIVATE_SECTOR_REQUESTS_FOR_INFORMATION']],
    ['grace', ['OECD_CROSS_BORDER_ENFORCEMENT', 'PRIVATE_SECTOR_REQUESTS_FOR_INFORMATION']],
  ])('%s lists the questionnaires %j (members only)', async (viewer, keys) => {
    const r = await hub.gql('{ questionnaires { totalCount nodes { key } } }', { as: as(viewer) });
    expect(r.body).toEqual({ data: { questionnaires: { totalCount: keys.length, nodes: keys.map((key) => ({ key })) } } });
  });

  test.each<[Viewer, boolean]>([
    ['anonymous', false],
    ['paulo', false],
    ['ann', true],
    ['liam', true],
    ['tom', true],
  ])('%s looks a questionnaire up by id: visible %s', async (viewer, visible) => {
    const r = await hub.gql(`{ questionnaire(id: "${B4}") { id audience planReference } }`, { as: as(viewer) });
    expect(r.body).toEqual({ data: { questionnaire: visible ? { id: B4, audience: 'PRIVATE_SECTOR', planReference: '§B.4' } : null } });
  });

  test('the OECD questionnaire is for the agencies and has six questions about cross-border enforcement (§A.6)', async () => {
    const r = await hub.gql(`{ questionnaire(id: "${OECD}") { title audience planReference questions { id order label } } }`, { as: cast.liam });
    expect(r.body.data.questionnaire).toEqual({
      title: 'OECD Questionnaire on Cross-border Enforcement of Anti-Spam Laws',
      audience: 'AGENCIES',
      planReference: '§A.6',
      questions: ([1, 2, 3, 4, 5, 6] as const).map((n) => ({ id: oecdQuestionId(n), order: n, label: `Q${n}` })),
    });
  });

  test('the private-sector questionnaire carries exactly the three questions of §B.4', async () => {
    const r = await hub.gql(`{ questionnaire(id: "${B4}") { questions { id label text } } }`, { as: cast.grace });
    expect(r.body.data.questionnaire.questions).toEqual([
      {
        id: privateSectorQuestionId('a'),
        label: 'B.4.a',
        text: 'What kind of information do you provide about potential spammers to domestic law enforcement agencies and under what circumstances?',
      },
      {
        id: privateSectorQuestionId('b'),
        label: 'B.4.b',
        text: 'What kind of information would you provide about potential spammers to foreign law enforcement agencies and under what circumstances?',
      },
      {
        id: privateSectorQuestionId('c'),
        label: 'B.4.c',
        text: 'How do you recommend that spam enforcement agencies submit requests for assistance to you?',
      },
    ]);
  });
});

describe('who sees which responses', () => {
  // OECD: FTC, OFT, ACMA open; ICO confidential. §B.4: NorthStar, Sentinel open.
  test.each<[Viewer, string[], string[]]>([
    ['ann', [org.ftc, org.oft, org.acma, org.ico], [org.northstar, org.sentinel]],
    ['oliver', [org.ftc, org.oft, org.acma, org.ico], [org.northstar, org.sentinel]],
    ['isla', [org.ftc, org.oft, org.acma, org.ico], [org.northstar, org.sentinel]],
    ['liam', [org.ftc, org.oft, org.acma], [org.northstar, org.sentinel]],
    ['emeka', [org.ftc, org.oft, org.acma], [org.northstar, org.sentinel]],
    ['grace', [], [org.northstar]],
    ['eva', [], [org.sentinel]],
    ['tom', [], []],
  ])('%s sees the OECD responses of %j and the §B.4 responses of %j', async (viewer, oecd, b4) => {
    const q = (alias: string, id: string) => `${alias}: questionnaire(id: "${id}") { responses { totalCount nodes { participant { name } } } }`;
    const r = await hub.gql(`{ ${q('oecd', OECD)} ${q('b4', B4)} }`, { as: as(viewer) });
    const names = (c: { totalCount: number; nodes: Array<{ participant: { name: string } }> }) => ({
      totalCount: c.totalCount,
      names: c.nodes.map((n) => n.participant.name),
    });
    expect(r.body.errors).toBeUndefined();
    expect(names(r.body.data.oecd.responses)).toEqual({ totalCount: oecd.length, names: oecd });
    expect(names(r.body.data.b4.responses)).toEqual({ totalCount: b4.length, names: b4 });
  });

  test.each<[Viewer, boolean]>([
    ['anonymous', false],
    ['ann', true],
    ['oliver', true],
    ['isla', true],
    ['liam', false],
    ['minjun', false],
    ['grace', false],
    ['paulo', false],
  ])('%s looks up the ICO’s confidential response by id: visible %s', async (viewer, visible) => {
    const r = await hub.gql(`{ questionnaireResponse(id: "${responseId('oecd:ico')}") { confidential participant { name } } }`, { as: as(viewer) });
    expect(r.body).toEqual({ data: { questionnaireResponse: visible ? { confidential: true, participant: { name: org.ico } } : null } });
  });

  test('a visible response is read whole: answers in question order, who submitted it, when', async () => {
    const r = await hub.gql(
      `{ questionnaireResponse(id: "${responseId('oecd:acma')}") {
          confidential submittedAt updatedAt questionnaire { id } submittedBy { email } viewerCan { update }
          answers { question { label } text } } }`,
      { as: cast.claire },
    );
    const days200 = new Date(hub.now.getTime() - 200 * 86_400_000).toISOString();
    expect(r.body).toEqual({
      data: {
        questionnaireResponse: {
          confidential: false,
          submittedAt: days200,
          updatedAt: days200,
          questionnaire: { id: OECD },
          submittedBy: { email: cast.liam },
          viewerCan: { update: false },
          answers: [
            { question: { label: 'Q1' }, text: 'The Spam Act 2003, which applies to commercial messages with an Australian link.' },
            { question: { label: 'Q3' }, text: 'Formal warnings, infringement notices, enforceable undertakings and civil penalties in the Federal Court.' },
            { question: { label: 'Q6' }, text: 'Most spam received in Australia is sent from overseas, out of our reach without foreign help.' },
          ],
        },
      },
    });
  });

  test('the responding organization’s people may update it; nobody else, coordinators included', async () => {
    const q = `{ questionnaireResponse(id: "${responseId('oecd:ftc')}") { viewerCan { update } } }`;
    const can = async (v: Viewer) => (await hub.gql(q, { as: as(v) })).body.data.questionnaireResponse.viewerCan.update;
    expect(await can('ann')).toBe(true);
    expect(await can('ben')).toBe(true);
    expect(await can('oliver')).toBe(false);
    expect(await can('liam')).toBe(false);
  });
});

describe('every path to a response applies the same scope', () => {
  test('through its own response’s questionnaire a private-sector member still sees only its own response', async () => {
    const r = await hub.gql(
      `{ questionnaireResponse(id: "${responseId('b4:northstar')}") { questionnaire { responses { totalCount nodes { id } } outstanding { totalCount } } } }`,
      { as: cast.grace },
    );
    expect(r.body).toEqual({
      data: { questionnaireResponse: { questionnaire: { responses: { totalCount: 1, nodes: [{ id: responseId('b4:northstar') }] }, outstanding: null } } },
      extensions: { redacted: [{ path: 'questionnaireResponse.questionnaire.outstanding', code: 'FORBIDDEN', count: 1 }] },
    });
  });

  test('fragments and aliases change nothing: an agency never reaches the confidential response', async () => {
    const r = await hub.gql(
      `fragment R on QuestionnaireResponse { id participant { name } }
       { a: questionnaires(first: 10) { nodes { responses(first: 100) { nodes { ...R } } } }
         b: questionnaireResponse(id: "${responseId('oecd:ico')}") { ...R }
         c: questionnaire(id: "${OECD}") { viewerResponse { ...R } } }`,
      { as: cast.minjun },
    );
    expect(r.body.errors).toBeUndefined();
    expect(JSON.stringify(r.body.data)).not.toContain(responseId('oecd:ico'));
    expect(r.body.data.b).toBeNull();
    expect(r.body.data.c.viewerResponse).toBeNull();
    expect(r.body.data.a.nodes.flatMap((q: { responses: { nodes: unknown[] } }) => q.responses.nodes)).toHaveLength(5);
  });
});

describe('outstanding answers (coordinators only, §C.1)', () => {
  const query = `{ oecd: questionnaire(id: "${OECD}") { outstanding { totalCount nodes { name } } }
                   b4: questionnaire(id: "${B4}") { outstanding { totalCount nodes { name } } } }`;

  test.each<Viewer>(['ann', 'oliver', 'ben'])('%s sees the endorsed participants of each audience that have not answered', async (viewer) => {
    const r = await hub.gql(query, { as: as(viewer) });
    const oecd = [
      'Bundesnetzagentur',
      'Canadian Radio-television and Telecommunications Commission',
      'Commission nationale de l’informatique et des libertés',
      'Economic and Financial Crimes Commission',
      'Korea Information Security Agency',
      'OPTA — Independent Post and Telecommunications Authority',
    ];
    expect(r.body).toEqual({
      data: {
        oecd: { outstanding: { totalCount: 6, nodes: oecd.map((name) => ({ name })) } },
        b4: { outstanding: { totalCount: 2, nodes: [{ name: 'Meridian Bank' }, { name: 'Registro Global' }] } },
      },
    });
  });

  test.each<Viewer>(['isla', 'liam', 'emeka', 'grace', 'tom'])('%s gets null, noted in extensions.redacted, never an error', async (viewer) => {
    const r = await hub.gql(query, { as: as(viewer) });
    expect(r.body).toEqual({
      data: { oecd: { outstanding: null }, b4: { outstanding: null } },
      extensions: {
        redacted: [
          { path: 'b4.outstanding', code: 'FORBIDDEN', count: 1 },
          { path: 'oecd.outstanding', code: 'FORBIDDEN', count: 1 },
        ],
      },
    });
  });

  test.each<[Viewer, { oecd: boolean; b4: boolean }, boolean]>([
    ['ann', { oecd: false, b4: false }, true],
    ['emeka', { oecd: true, b4: false }, false],
    ['isla', { oecd: false, b4: false }, false],
    ['tom', { oecd: false, b4: true }, false],
    ['grace', { oecd: false, b4: false }, false],
  ])('%s may respond %j, read outstanding: %s', async (viewer, respond, readOutstanding) => {
    const r = await hub.gql(
      `{ oecd: questionnaire(id: "${OECD}") { viewerCan { respond readOutstanding } }
         b4: questionnaire(id: "${B4}") { viewerCan { respond readOutstanding } } }`,
      { as: as(viewer) },
    );
    expect(r.body).toEqual({
      data: {
        oecd: { viewerCan: { respond: respond.oecd, readOutstanding } },
        b4: { viewerCan: { respond: respond.b4, readOutstanding } },
      },
    });
  });

  test('viewerResponse is the viewer’s own organization’s response, or null', async () => {
    const q = `{ questionnaire(id: "${OECD}") { viewerResponse { id } } }`;
    expect((await hub.gql(q, { as: cast.isla })).body.data.questionnaire.viewerResponse).toEqual({ id: responseId('oecd:ico') });
    expect((await hub.gql(q, { as: cast.emeka })).body.data.questionnaire.viewerResponse).toBeNull();
  });
});

const submit = `mutation ($input: SubmitQuestionnaireResponseInput!) {
  submitQuestionnaireResponse(input: $input) { id confidential participant { name } submittedBy { email } answers { question { id } text } } }`;

describe('submitQuestionnaireResponse', () => {
  afterEach(() => hub.reset());

  test('an agency answers the OECD questionnaire once; it leaves the outstanding list', async () => {
    const r = await hub.gql(submit, {
      as: cast.emeka,
      variables: { input: { questionnaireId: OECD, answers: [{ questionId: oecdQuestionId(6), text: 'Slow replies to our requests.' }] } },
    });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.submitQuestionnaireResponse).toEqual({
      id: expect.any(String),
      confidential: false,
      participant: { name: 'Economic and Financial Crimes Commission' },
      submittedBy: { email: cast.emeka },
      answers: [{ question: { id: oecdQuestionId(6) }, text: 'Slow replies to our requests.' }],
    });
    const rows = await hub.ds.query(`SELECT participant_id, submitted_by_id, confidential FROM questionnaire_response WHERE participant_id = $1`, [orgId('efcc')]);
    expect(rows).toHaveLength(1);
    const outstanding = await hub.gql(`{ questionnaire(id: "${OECD}") { outstanding { totalCount nodes { name } } } }`, { as: cast.ann });
    expect(outstanding.body.data.questionnaire.outstanding.totalCount).toBe(5);
    expect(outstanding.body.data.questionnaire.outstanding.nodes).not.toContainEqual({ name: 'Economic and Financial Crimes Commission' });
    // Every agency now sees the open response.
    const seen = await hub.gql(`{ questionnaireResponse(id: "${r.body.data.submitQuestionnaireResponse.id}") { id } }`, { as: cast.claire });
    expect(seen.body.data.questionnaireResponse).not.toBeNull();
  });

  test('a confidential response of a private-sector member reaches the coordinators and its own people only', async () => {
    const r = await hub.gql(submit, {
      as: cast.tom,
      variables: {
        input: {
          questionnaireId: B4,
          confidential: true,
          answers: [
            { questionId: privateSectorQuestionId('c'), text: 'Through the fraud liaison office.' },
            { questionId: privateSectorQuestionId('a'), text: 'Account data on a production order.' },
          ],
        },
      },
    });
    expect(r.body.errors).toBeUndefined();
    const id = r.body.data.submitQuestionnaireResponse.id;
    expect(r.body.data.submitQuestionnaireResponse.answers.map((a: { question: { id: string } }) => a.question.id)).toEqual([
      privateSectorQuestionId('a'),
      privateSectorQuestionId('c'),
    ]);
    const visible = async (v: Viewer) => (await hub.gql(`{ questionnaireResponse(id: "${id}") { id } }`, { as: as(v) })).body.data.questionnaireResponse !== null;
    expect({ ann: await visible('ann'), priya: await visible('priya'), tom: await visible('tom'), liam: await visible('liam'), grace: await visible('grace') }).toEqual({
      ann: true,
      priya: true,
      tom: true,
      liam: false,
      grace: false,
    });
  });

  const answer = [{ questionId: oecdQuestionId(1), text: 'An answer.' }];
  test.each<[string, Viewer, Record<string, unknown>, { code: string; argument?: string }]>([
    ['an anonymous caller', 'anonymous', { questionnaireId: OECD, answers: answer }, { code: 'FORBIDDEN' }],
    ['an applicant (anonymous plus its own application)', 'paulo', { questionnaireId: OECD, answers: answer }, { code: 'FORBIDDEN' }],
    ['an agency answering twice', 'ben', { questionnaireId: OECD, answers: answer }, { code: 'BAD_USER_INPUT', argument: 'input.questionnaireId' }],
    ['a private-sector member answering the agencies’ questionnaire', 'tom', { questionnaireId: OECD, answers: answer }, { code: 'BAD_USER_INPUT', argument: 'input.questionnaireId' }],
    [
      'an agency answering the private-sector questionnaire',
      'emeka',
      { questionnaireId: B4, answers: [{ questionId: privateSectorQuestionId('a'), text: 'x' }] },
      { code: 'BAD_USER_INPUT', argument: 'input.questionnaireId' },
    ],
    ['an unknown questionnaire', 'emeka', { questionnaireId: '5b7c3d12-0000-4000-8000-000000000000', answers: answer }, { code: 'BAD_USER_INPUT', argument: 'input.questionnaireId' }],
    ['a malformed questionnaire id', 'emeka', { questionnaireId: 'oecd', answers: answer }, { code: 'BAD_USER_INPUT', argument: 'input.questionnaireId' }],
    [
      'a question of the other questionnaire',
      'emeka',
      { questionnaireId: OECD, answers: [{ questionId: privateSectorQuestionId('a'), text: 'x' }] },
      { code: 'BAD_USER_INPUT', argument: 'input.answers' },
    ],
    [
      'a question answered twice',
      'emeka',
      { questionnaireId: OECD, answers: [answer[0], { questionId: oecdQuestionId(1), text: 'Again.' }] },
      { code: 'BAD_USER_INPUT', argument: 'input.answers' },
    ],
    ['no answers', 'emeka', { questionnaireId: OECD, answers: [] }, { code: 'BAD_USER_INPUT', argument: 'input.answers' }],
    [
      'an answer over 20,000 characters',
      'emeka',
      { questionnaireId: OECD, answers: [{ questionId: oecdQuestionId(1), text: 'x'.repeat(20001) }] },
      { code: 'BAD_USER_INPUT', argument: 'input.answers.0.text' },
    ],
    ['an empty answer', 'emeka', { questionnaireId: OECD, answers: [{ questionId: oecdQuestionId(1), text: '' }] }, { code: 'BAD_USER_INPUT', argument: 'input.answers.0.text' }],
  ])('%s is refused and nothing is written', async (_what, viewer, input, error) => {
    const before = await tableRows(hub.ds, outreachTables);
    const r = await hub.gql(submit, { as: as(viewer), variables: { input } });
    expect(r.body.data).toBeNull();
    expect(errorsOf(r.body)).toEqual([error]);
    expect(await tableRows(hub.ds, outreachTables)).toEqual(before);
  });
});

const update = `mutation ($id: ID!, $input: UpdateQuestionnaireResponseInput!) {
  updateQuestionnaireResponse(id: $id, input: $input) { id confidential updatedAt answers { question { label } text } } }`;

describe('updateQuestionnaireResponse', () => {
  afterEach(() => hub.reset());

  test('the responding agency changes answers and adds new ones; the others stay', async () => {
    const r = await hub.gql(update, {
      as: cast.ben,
      variables: {
        id: responseId('oecd:ftc'),
        input: {
          answers: [
            { questionId: oecdQuestionId(3), text: 'Civil penalties and injunctions.' },
            { questionId: oecdQuestionId(1), text: 'The CAN-SPAM Act.' },
          ],
        },
      },
    });
    expect(r.body.errors).toBeUndefined();
    const response = r.body.data.updateQuestionnaireResponse;
    expect(response.confidential).toBe(false);
    expect(new Date(response.updatedAt).getTime()).toBeGreaterThan(hub.now.getTime() - 60_000);
    expect(response.answers).toEqual([
      { question: { label: 'Q1' }, text: 'The CAN-SPAM Act.' },
      { question: { label: 'Q2' }, text: 'Civil investigative demands to ISPs and payment processors; we cannot yet use them for a foreign agency alone.' },
      { question: { label: 'Q3' }, text: 'Civil penalties and injunctions.' },
      { question: { label: 'Q4' }, text: 'Non-public information may be shared under confidentiality assurances; legislation to widen this is pending.' },
      { question: { label: 'Q6' }, text: 'Obtaining evidence held abroad quickly; differing thresholds for what counts as unlawful spam.' },
    ]);
  });

  test('lifting confidentiality makes the ICO’s response visible to every agency', async () => {
    const q = `{ questionnaireResponse(id: "${responseId('oecd:ico')}") { id } }`;
    expect((await hub.gql(q, { as: cast.liam })).body.data.questionnaireResponse).toBeNull();
    const r = await hub.gql(update, { as: cast.isla, variables: { id: responseId('oecd:ico'), input: { confidential: false } } });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.updateQuestionnaireResponse.confidential).toBe(false);
    expect((await hub.gql(q, { as: cast.liam })).body.data.questionnaireResponse).toEqual({ id: responseId('oecd:ico') });
  });

  test.each<[string, Viewer, string, Record<string, unknown>, { code: string; argument?: string }]>([
    ['an anonymous caller', 'anonymous', 'oecd:ftc', { confidential: true }, { code: 'FORBIDDEN' }],
    ['another agency that can read the response', 'liam', 'oecd:ftc', { confidential: true }, { code: 'FORBIDDEN' }],
    ['a coordinator, on another agency’s response', 'ann', 'oecd:ico', { confidential: false }, { code: 'FORBIDDEN' }],
    ['a private-sector member, on another member’s response', 'eva', 'b4:northstar', { confidential: true }, { code: 'BAD_USER_INPUT', argument: 'id' }],
    ['an agency, on a confidential response it cannot see', 'liam', 'oecd:ico', { confidential: false }, { code: 'BAD_USER_INPUT', argument: 'id' }],
    ['its own people with nothing to change', 'isla', 'oecd:ico', {}, { code: 'BAD_USER_INPUT', argument: 'input' }],
    [
      'its own people answering a question of the other questionnaire',
      'grace',
      'b4:northstar',
      { answers: [{ questionId: oecdQuestionId(1), text: 'x' }] },
      { code: 'BAD_USER_INPUT', argument: 'input.answers' },
    ],
    [
      'its own people with a too-long answer',
      'grace',
      'b4:northstar',
      { answers: [{ questionId: privateSectorQuestionId('a'), text: 'x'.repeat(20001) }] },
      { code: 'BAD_USER_INPUT', argument: 'input.answers.0.text' },
    ],
  ])('%s is refused and nothing is written', async (_what, viewer, key, input, error) => {
    const before = await tableRows(hub.ds, outreachTables);
    const r = await hub.gql(update, { as: as(viewer), variables: { id: responseId(key), input } });
    expect(r.body.data).toBeNull();
    expect(errorsOf(r.body)).toEqual([error]);
    expect(await tableRows(hub.ds, outreachTables)).toEqual(before);
  });

  test('an unknown response id is answered like a hidden one', async () => {
    const r = await hub.gql(update, { as: cast.isla, variables: { id: '5b7c3d12-0000-4000-8000-000000000000', input: { confidential: true } } });
    expect(errorsOf(r.body)).toEqual([{ code: 'BAD_USER_INPUT', argument: 'id' }]);
  });
});

test('reading responses with their answers, questions and people costs the same statements for 1 or 4 responses', async () => {
  const q = (first: number) =>
    `{ questionnaire(id: "${OECD}") { responses(first: ${first}) { nodes { participant { name } submittedBy { email } answers { question { label } text } } } } }`;
  const one = await hub.gql(q(1), { as: cast.ann });
  const all = await hub.gql(q(4), { as: cast.ann });
  expect(all.body.data.questionnaire.responses.nodes).toHaveLength(4);
  expect(all.statements).toBe(one.statements);
});
