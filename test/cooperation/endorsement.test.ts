import { cast, orgId, personId, startTestHub, TestHub } from '../support/hub';

const DAY = 86_400_000;
let clock: Date;
let hub: TestHub;

beforeAll(async () => {
  clock = new Date();
  hub = await startTestHub({ now: () => clock });
});
afterAll(() => hub.close());
beforeEach(async () => {
  clock = new Date(hub.now);
  await hub.reset();
});

const list = `{ endorsements { totalCount nodes { applicant { name } status objections { reason withdrawnAt agency { name } } } } }`;

describe('who sees applications', () => {
  test('agencies see every application with its objections', async () => {
    const r = await hub.gql(list, { as: cast.minjun });
    expect(r.body).toEqual({
      data: {
        endorsements: {
          totalCount: 2,
          nodes: [
            { applicant: { name: 'CGI.br Anti-Spam Working Group' }, status: 'APPLIED', objections: [] },
            {
              applicant: { name: 'QuickSend Marketing Association' },
              status: 'APPLIED',
              objections: [{ reason: 'Several member companies are under investigation for spam.', withdrawnAt: null, agency: { name: 'UK Information Commissioner’s Office' } }],
            },
          ],
        },
      },
    });
  });

  test('an applicant reads its own application but not the objections', async () => {
    const r = await hub.gql(list, { as: cast.paulo });
    expect(r.body).toEqual({
      data: { endorsements: { totalCount: 1, nodes: [{ applicant: { name: 'CGI.br Anti-Spam Working Group' }, status: 'APPLIED', objections: null }] } },
      extensions: { redacted: [{ path: 'endorsements.nodes.objections', code: 'FORBIDDEN', count: 1 }] },
    });
  });

  test('the coordinator who recorded it is a person the applicant may not see: null, noted as redacted', async () => {
    const q = `{ endorsements { nodes { applicant { name } recordedBy { name } } } }`;
    expect((await hub.gql(q, { as: cast.paulo })).body).toEqual({
      data: { endorsements: { nodes: [{ applicant: { name: 'CGI.br Anti-Spam Working Group' }, recordedBy: null }] } },
      extensions: { redacted: [{ path: 'endorsements.nodes.recordedBy', code: 'FORBIDDEN', count: 1 }] },
    });
    const agency = await hub.gql(q, { as: cast.isla });
    expect(agency.body.extensions).toBeUndefined();
    expect(agency.body.data.endorsements.nodes.map((n: { recordedBy: unknown }) => n.recordedBy !== null)).toEqual([true, true]);
  });

  test.each([[null], [cast.grace], [cast.tom]])('%s sees no application at all', async (who) => {
    const r = await hub.gql(`{ endorsements { totalCount nodes { id } } endorsement(id: "${orgId('quicksend')}") { id } }`, { as: who });
    expect(r.body).toEqual({ data: { endorsements: { totalCount: 0, nodes: [] }, endorsement: null } });
  });
});

async function record(name: string, email: string) {
  const r = await hub.gql(
    `mutation($input: RecordApplicationInput!) { recordApplication(input: $input) { id status objectionDeadline applicant { pointOfContact { id email } } } }`,
    {
      as: cast.ann,
      variables: { input: { name, kind: 'PRIVATE_SECTOR', countryCode: 'FR', sector: 'MOBILE_OPERATOR', pointOfContact: { name: 'Léa Petit', email } } },
    },
  );
  expect(r.body.errors).toBeUndefined();
  const e = r.body.data.recordApplication;
  expect(e.status).toBe('APPLIED');
  expect(new Date(e.objectionDeadline).getTime()).toBe(clock.getTime() + 14 * DAY);
  return { id: e.id as string, personId: e.applicant.pointOfContact.id as string };
}

async function statusAndKind(id: string, person: { id: string; email: string }) {
  const token = await hub.tokenFor(person.id, person.email);
  const mine = await hub.gql(`{ me { kind } }`, { token });
  const theirs = await hub.gql(`{ endorsement(id: "${id}") { status } participant(id: "${id}") { status endorsedAt } }`, { as: cast.isla });
  return { kind: mine.body.data.me.kind, ...theirs.body.data };
}

describe('the silent procedure over the deadline (injectable clock)', () => {
  test('no objection: ENDORSED after the deadline, and its people become PRIVATE viewers with no other step', async () => {
    const app = await record('Mobilis SA', 'lea@mobilis.example');
    const person = { id: app.personId, email: 'lea@mobilis.example' };
    clock = new Date(clock.getTime() + 14 * DAY - 1000);
    expect(await statusAndKind(app.id, person)).toEqual({ kind: 'ANONYMOUS', endorsement: { status: 'APPLIED' }, participant: { status: 'APPLIED', endorsedAt: null } });
    const deadline = new Date(clock.getTime() + 1000);
    clock = new Date(clock.getTime() + 2000);
    expect(await statusAndKind(app.id, person)).toEqual({
      kind: 'PRIVATE',
      endorsement: { status: 'ENDORSED' },
      participant: { status: 'ENDORSED', endorsedAt: deadline.toISOString() },
    });
  });

  test('an objection withdrawn in time: ENDORSED', async () => {
    const app = await record('Mobilis SA', 'lea@mobilis.example');
    const objected = await hub.gql(`mutation { objectToEndorsement(endorsementId: "${app.id}", reason: "Unknown operator") { id } }`, { as: cast.liam });
    const objectionId = objected.body.data.objectToEndorsement.id;
    clock = new Date(clock.getTime() + 3 * DAY);
    const withdrawn = await hub.gql(`mutation { withdrawEndorsementObjection(id: "${objectionId}") { withdrawnAt } }`, { as: cast.liam });
    expect(withdrawn.body.data.withdrawEndorsementObjection.withdrawnAt).toBe(clock.toISOString());
    clock = new Date(clock.getTime() + 12 * DAY);
    expect(await statusAndKind(app.id, { id: app.personId, email: 'lea@mobilis.example' })).toMatchObject({ kind: 'PRIVATE', endorsement: { status: 'ENDORSED' } });
  });

  test('an objection standing at the deadline: REJECTED, its people stay anonymous', async () => {
    const app = await record('Mobilis SA', 'lea@mobilis.example');
    await hub.gql(`mutation { objectToEndorsement(endorsementId: "${app.id}", reason: "Unknown operator") { id } }`, { as: cast.liam });
    clock = new Date(clock.getTime() + 15 * DAY);
    expect(await statusAndKind(app.id, { id: app.personId, email: 'lea@mobilis.example' })).toEqual({
      kind: 'ANONYMOUS',
      endorsement: { status: 'REJECTED' },
      participant: { status: 'REJECTED', endorsedAt: null },
    });
    // Too late to withdraw or object now.
    const late = await hub.gql(`mutation { objectToEndorsement(endorsementId: "${app.id}", reason: "Late objection") { id } }`, { as: cast.isla });
    expect(late.body.errors?.[0]).toMatchObject({ message: 'endorsementId: the objection window has closed', extensions: { code: 'BAD_USER_INPUT' } });
  });

  test('every read of an application is at the request’s clock, and none writes', async () => {
    const q = `{ endorsements { nodes { applicant { name } status viewerCan { object } } }
      rejected: endorsements(status: REJECTED) { totalCount nodes { applicant { name } } } applied: endorsements(status: APPLIED) { totalCount }
      endorsement(id: "${orgId('quicksend')}") { status viewerCan { object } } }`;
    const before = await hub.gql(q, { as: cast.isla });
    // The ICO objects to QuickSend already (the demo): it may not object again.
    expect(before.body.data).toEqual({
      endorsements: {
        nodes: [
          { applicant: { name: 'CGI.br Anti-Spam Working Group' }, status: 'APPLIED', viewerCan: { object: true } },
          { applicant: { name: 'QuickSend Marketing Association' }, status: 'APPLIED', viewerCan: { object: false } },
        ],
      },
      rejected: { totalCount: 0, nodes: [] },
      applied: { totalCount: 2 },
      endorsement: { status: 'APPLIED', viewerCan: { object: false } },
    });
    // QuickSend's deadline (5 days ahead) has passed with the ICO's objection standing; CGI.br's (10 days) has not.
    clock = new Date(clock.getTime() + 6 * DAY);
    const after = await hub.gql(q, { as: cast.isla });
    expect(after.body.data).toEqual({
      endorsements: {
        nodes: [
          { applicant: { name: 'CGI.br Anti-Spam Working Group' }, status: 'APPLIED', viewerCan: { object: true } },
          { applicant: { name: 'QuickSend Marketing Association' }, status: 'REJECTED', viewerCan: { object: false } },
        ],
      },
      rejected: { totalCount: 1, nodes: [{ applicant: { name: 'QuickSend Marketing Association' } }] },
      applied: { totalCount: 1 },
      endorsement: { status: 'REJECTED', viewerCan: { object: false } },
    });
    expect(await hub.ds.query(`SELECT status, endorsed_at FROM participant WHERE id = $1`, [orgId('quicksend')])).toEqual([{ status: 'APPLIED', endorsed_at: null }]);
  });

  test('viewerCan.object tells the truth: false while the viewer’s agency has a standing objection, true again once it is withdrawn', async () => {
    const cgi = orgId('cgi');
    const flag = async () => (await hub.gql(`{ endorsement(id: "${cgi}") { viewerCan { object } } }`, { as: cast.isla })).body.data.endorsement.viewerCan.object;
    expect(await flag()).toBe(true);
    const objected = await hub.gql(`mutation { objectToEndorsement(endorsementId: "${cgi}", reason: "Flag check") { id } }`, { as: cast.isla });
    expect(objected.body.errors).toBeUndefined();
    expect(await flag()).toBe(false);
    // What the flag said: objecting again is refused.
    const again = await hub.gql(`mutation { objectToEndorsement(endorsementId: "${cgi}", reason: "Flag check") { id } }`, { as: cast.isla });
    expect(again.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['endorsementId: your agency already objects to this application', 'BAD_USER_INPUT']]);
    // A person of another agency may still object.
    expect((await hub.gql(`{ endorsement(id: "${cgi}") { viewerCan { object } } }`, { as: cast.ann })).body.data.endorsement.viewerCan.object).toBe(true);
    const withdrawn = await hub.gql(`mutation { withdrawEndorsementObjection(id: "${objected.body.data.objectToEndorsement.id}") { withdrawnAt } }`, { as: cast.isla });
    expect(withdrawn.body.errors).toBeUndefined();
    expect(await flag()).toBe(true);
  });

  test('after the deadline an objection can no longer be withdrawn (bad input, nothing written)', async () => {
    const [objection] = await hub.ds.query(`SELECT id FROM endorsement_objection WHERE participant_id = $1`, [orgId('quicksend')]);
    clock = new Date(clock.getTime() + 6 * DAY);
    const r = await hub.gql(`mutation { withdrawEndorsementObjection(id: "${objection.id}") { withdrawnAt } }`, { as: cast.isla });
    expect(r.body).toEqual({ data: null, errors: [expect.objectContaining({ message: 'id: the objection window has closed' })] });
    expect(await hub.ds.query(`SELECT withdrawn_at FROM endorsement_objection WHERE id = $1`, [objection.id])).toEqual([{ withdrawn_at: null }]);
  });

  test('the demo applicant with a standing objection is REJECTED once its deadline passes', async () => {
    clock = new Date(clock.getTime() + 6 * DAY);
    const r = await hub.gql(`{ endorsement(id: "${orgId('quicksend')}") { status } cgi: endorsement(id: "${orgId('cgi')}") { status } }`, { as: cast.isla });
    expect(r.body.data).toEqual({ endorsement: { status: 'REJECTED' }, cgi: { status: 'APPLIED' } });
  });
});

describe('who may act', () => {
  const count = async (table: string) => Number((await hub.ds.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

  test.each([[null], [cast.grace], [cast.paulo]])('%s may not object (FORBIDDEN, nothing written)', async (who) => {
    const before = await count('endorsement_objection');
    const r = await hub.gql(`mutation { objectToEndorsement(endorsementId: "${orgId('cgi')}", reason: "No reason") { id } }`, { as: who });
    expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(r.body.data).toBeNull();
    expect(await count('endorsement_objection')).toBe(before);
  });

  test.each([[cast.isla], [cast.grace], [null]])('%s may not record an application (coordinators only)', async (who) => {
    const before = await count('participant');
    const r = await hub.gql(
      `mutation { recordApplication(input: {name: "X Corp", kind: AGENCY, countryCode: "FR", pointOfContact: {name: "X", email: "x@x.example"}}) { id } }`,
      { as: who },
    );
    expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await count('participant')).toBe(before);
  });

  test('only the objecting agency withdraws its objection', async () => {
    const id = (await hub.ds.query(`SELECT id FROM endorsement_objection`))[0].id;
    const r = await hub.gql(`mutation { withdrawEndorsementObjection(id: "${id}") { id } }`, { as: cast.liam });
    expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await hub.ds.query(`SELECT withdrawn_at FROM endorsement_objection`))[0].withdrawn_at).toBeNull();
  });

  test.each([
    ['zero-width spaces only', '\u200b\u200b\u200b\u200b', 'reason: must not be blank'],
    ['white space only', ' \t\n ', 'reason: must not be blank'],
    ['two characters (two emoji are two, not four UTF-16 units)', '😀😀', 'reason: must be 3 to 2000 characters'],
    ['2,001 characters', 'x'.repeat(2001), 'reason: must be 3 to 2000 characters'],
  ])('an objection’s reason of %s is refused, nothing written (a standing objection decides the application)', async (_what, reason, message) => {
    const before = await hub.ds.query(`SELECT id FROM endorsement_objection ORDER BY id`);
    const r = await hub.gql(`mutation($e: ID!, $reason: String!) { objectToEndorsement(endorsementId: $e, reason: $reason) { id } }`, {
      as: cast.isla, variables: { e: orgId('cgi'), reason },
    });
    expect(r.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', message]]);
    expect(await hub.ds.query(`SELECT id FROM endorsement_objection ORDER BY id`)).toEqual(before);
  });

  test('an objection’s reason is counted in characters: 1,500 emoji are accepted', async () => {
    const r = await hub.gql(`mutation($e: ID!, $reason: String!) { objectToEndorsement(endorsementId: $e, reason: $reason) { reason } }`, {
      as: cast.isla, variables: { e: orgId('cgi'), reason: '😀'.repeat(1500) },
    });
    expect(r.body).toEqual({ data: { objectToEndorsement: { reason: '😀'.repeat(1500) } } });
  });

  test('an agency objects once; a second objection is bad input', async () => {
    const r = await hub.gql(`mutation { objectToEndorsement(endorsementId: "${orgId('quicksend')}", reason: "Again") { id } }`, { as: cast.isla });
    expect(r.body.errors?.[0]).toMatchObject({ message: 'endorsementId: your agency already objects to this application', extensions: { code: 'BAD_USER_INPUT' } });
  });

  test('bad input names the argument and writes nothing', async () => {
    const before = await count('participant');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'X', kind: 'AGENCY', countryCode: 'FR', pointOfContact: { name: 'Xavier', email: 'x@x.example' } }, 'input.name:'],
      [{ name: 'X Corp', kind: 'AGENCY', countryCode: 'ZZ', pointOfContact: { name: 'Xavier', email: 'x@x.example' } }, 'input.countryCode: no country with this code'],
      [{ name: 'X Corp', kind: 'PRIVATE_SECTOR', countryCode: 'FR', pointOfContact: { name: 'Xavier', email: 'x@x.example' } }, 'input.sector: a private-sector applicant needs a sector'],
      [{ name: 'X Corp', kind: 'AGENCY', countryCode: 'FR', pointOfContact: { name: 'Xavier', email: 'not-an-email' } }, 'input.pointOfContact.email: must be an e-mail address'],
      [{ name: 'X Corp', kind: 'AGENCY', countryCode: 'FR', pointOfContact: { name: 'Xavier', email: cast.tom } }, 'input.pointOfContact.email: a person with this e-mail already exists'],
      // A participant's name, or an applicant's (any case): a look-alike applicant would pass for the member.
      [{ name: 'northstar broadband ', kind: 'PRIVATE_SECTOR', sector: 'INTERNET_SERVICE_PROVIDER', countryCode: 'US', pointOfContact: { name: 'Xavier', email: 'x@x.example' } }, 'input.name: NorthStar Broadband is a participant or an applicant already'],
      [{ name: 'QuickSend Marketing Association', kind: 'PRIVATE_SECTOR', sector: 'INDUSTRY_MEMBERSHIP_ORGANIZATION', countryCode: 'US', pointOfContact: { name: 'Xavier', email: 'x@x.example' } }, 'input.name: QuickSend Marketing Association is a participant or an applicant already'],
      // Names that read the same: two spaces, a no-break space, a zero-width space, a full-width letter, a full stop.
      ...['NorthStar  Broadband', 'NorthStar\u00a0Broadband', 'NorthStar Broadband\u200b', '\uff2eorthStar Broadband', 'NorthStar Broadband.'].map(
        (name): [Record<string, unknown>, string] => [
          { name, kind: 'PRIVATE_SECTOR', sector: 'INTERNET_SERVICE_PROVIDER', countryCode: 'US', pointOfContact: { name: 'Xavier', email: 'x@x.example' } },
          'input.name: NorthStar Broadband is a participant or an applicant already',
        ],
      ),
    ];
    for (const [input, message] of cases) {
      const r = await hub.gql(`mutation($input: RecordApplicationInput!) { recordApplication(input: $input) { id } }`, { as: cast.oliver, variables: { input } });
      expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0].message.slice(0, message.length)).toBe(message);
    }
    expect(await count('participant')).toBe(before);
    expect(personId(cast.tom)).toBeTruthy();
  });

  test('a withdrawn participant applies again under its name: recorded, beside its withdrawn row', async () => {
    await hub.ds.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('sentinel')]);
    const [{ name }] = await hub.ds.query(`SELECT name FROM participant WHERE id = $1`, [orgId('sentinel')]);
    const input = { name, kind: 'PRIVATE_SECTOR', sector: 'SECURITY_SOFTWARE_PROVIDER', countryCode: 'US', pointOfContact: { name: 'Xavier', email: 'x@sentinel2.example' } };
    const r = await hub.gql(`mutation($input: RecordApplicationInput!) { recordApplication(input: $input) { id } }`, { as: cast.oliver, variables: { input } });
    expect(r.body.errors).toBeUndefined();
    expect(await hub.ds.query(`SELECT status FROM participant WHERE name = $1 ORDER BY applied_at`, [name])).toEqual([{ status: 'WITHDRAWN' }, { status: 'APPLIED' }]);
  });
});
