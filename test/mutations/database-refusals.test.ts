import { execute, GraphQLBoolean, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { ViewerKind } from '../../entities/enums';
import { Data } from '../../src/data';
import { demoId } from '../../src/db/seed/demo';
import { withViewer, ViewerDb } from '../../src/db/viewer-db';
import type { Viewer } from '../../src/policy/viewer';
import { rule } from 'graphql-shield';
import { applyMutationSavepoints, applyPermissions } from '../../src/schema';
import { callId, caseId, cast, exclusionId, orgId, personId, segmentId, startTestHub, TestHub } from '../support/hub';
import { coreTables, tableRows } from '../support/rows';

/**
 * Writes are decided by the database (row-level security), not by the rule tree alone: with the graphql-shield rules
 * out of the way, the data layer's writes as a viewer the policies refuse are FORBIDDEN and change no row. Every
 * mutation runs in a savepoint, so that a refused or failed one writes nothing while the request goes on.
 */

const tables = [...coreTables, 'case_confidential'];

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

/** Demo viewers as the token lookup makes them (literal: the test does not ask the product who they are). */
const as = {
  ann: { kind: ViewerKind.COORDINATOR, personId: personId(cast.ann), ownOrgId: orgId('ftc'), memberOrgId: orgId('ftc') },
  oliver: { kind: ViewerKind.COORDINATOR, personId: personId(cast.oliver), ownOrgId: orgId('oft'), memberOrgId: orgId('oft') },
  isla: { kind: ViewerKind.AGENCY, personId: personId(cast.isla), ownOrgId: orgId('ico'), memberOrgId: orgId('ico') },
  grace: { kind: ViewerKind.PRIVATE, personId: personId(cast.grace), ownOrgId: orgId('northstar'), memberOrgId: orgId('northstar') },
  // A viewer TypeScript got wrong: an applicant's person with a member organization. The kind decides in SQL.
  paulo: { kind: ViewerKind.ANONYMOUS, personId: personId(cast.paulo), ownOrgId: orgId('cgi'), memberOrgId: orgId('cgi') },
} satisfies Record<string, Viewer>;

/** Runs `write` through the data layer as `viewer` (no rule tree), commits, and returns its error code. */
async function attempt(viewer: Viewer, write: (data: Data) => Promise<unknown>): Promise<string> {
  return withViewer(
    hub.ds,
    viewer,
    new Date(),
    async (db) => {
      try {
        await write(new Data(db, viewer));
        return 'written';
      } catch (err) {
        return String((err as { extensions?: { code?: string } }).extensions?.code ?? err);
      }
    },
    false,
  );
}

describe('the data layer’s writes, with the rule tree bypassed', () => {
  const refused: Array<[string, Viewer, (data: Data) => Promise<unknown>]> = [
    // cases: only the lead agency edits, shares and revokes; only agencies open
    ['Oliver (named on the RED share) updates FTC-2004-021', as.oliver, (d) => d.cases.update(caseId('FTC-2004-021'), { title: 'Renamed' } as never)],
    ['Isla (reached by the share) shares OFT-2004-003 further', as.isla, (d) =>
      d.cases.share({ caseId: caseId('OFT-2004-003'), participantId: orgId('acma'), recipientIds: [] })],
    ['Isla (reached by the share) revokes ICO’s share of OFT-2004-003', as.isla, (d) => d.cases.revokeShare(demoShare('OFT-2004-003', 'ico'))],
    ['Grace (private sector) opens a case', as.grace, (d) =>
      d.cases.open({ reference: 'NS-2005-001', title: 'Botnet', status: 'OPEN', categories: ['SPAM'], countryCodes: ['US'], tlp: 'GREEN',
        summary: '', suspects: [], victimCount: 0, estimatedLossUsd: 0, vulnerableVictims: false, ongoingHarm: false } as never)],
    // calls: coordinators manage; only the objecting agency withdraws; agencies object
    ['Isla (not a coordinator) schedules a call', as.isla, (d) =>
      d.calls.schedule({ title: 'A call', scheduledAt: new Date('2031-01-01T10:00:00Z'), durationMinutes: 60 }, new Date('2026-01-01T00:00:00Z'))],
    ['Isla adds a segment to next-2', as.isla, (d) =>
      d.calls.addSegment({ callId: callId('next-2'), title: 'More', topic: 'CASES', audience: 'LAW_ENFORCEMENT_ONLY' } as never)],
    ['Isla invites Registro to next-1/2', as.isla, (d) => d.calls.invite(segmentId('next-1/2'), orgId('registro'))],
    ['Isla records the minutes of next-1/2', as.isla, (d) => d.calls.recordMinutes(segmentId('next-1/2'), 'Agreed.')],
    ['Isla links KISA-2004-002 to next-1/1', as.isla, (d) => d.calls.linkCase(segmentId('next-1/1'), caseId('KISA-2004-002'))],
    ['Ann withdraws ICO’s exclusion of Registro', as.ann, (d) => d.calls.withdrawExclusion(exclusionId('registro-past-1'))],
    ['Grace (private sector) excludes Meridian from next-1', as.grace, (d) =>
      d.calls.exclude({ callId: callId('next-1'), memberId: orgId('meridian'), reason: 'Competitor.' })],
    // participants: a participant designates its own point of contact; a country's own agencies its primary contact
    ['Ann designates Isla as the United Kingdom’s primary contact', as.ann, (d) => d.participants.designateCountryPrimaryContact('GB', personId(cast.isla))],
    ['Paulo (an applicant, whatever TypeScript says of him) designates himself', as.paulo, (d) => d.participants.designatePointOfContact(personId(cast.paulo))],
  ];

  test.each(refused)('%s: FORBIDDEN, no row changed', async (_what, viewer, write) => {
    const before = await tableRows(hub.ds, tables);
    expect(await attempt(viewer, write)).toBe('FORBIDDEN');
    expect(await tableRows(hub.ds, tables)).toEqual(before);
  });

  test('the same writes by the viewers the policies admit are written (the refusals above are the database’s)', async () => {
    expect(await attempt(as.ann, (d) => d.cases.update(caseId('FTC-2004-021'), { title: 'Renamed' } as never))).toBe('written');
    expect(await attempt(as.oliver, (d) => d.cases.revokeShare(demoShare('OFT-2004-003', 'ico')))).toBe('written');
    expect(await attempt(as.ann, (d) => d.calls.recordMinutes(segmentId('next-1/2'), 'Agreed.'))).toBe('written');
    expect(await attempt(as.isla, (d) => d.calls.withdrawExclusion(exclusionId('registro-past-1')))).toBe('written');
    expect(await attempt(as.oliver, (d) => d.participants.designateCountryPrimaryContact('GB', personId(cast.isla)))).toBe('written');
    expect(await hub.ds.query(`SELECT title FROM enforcement_case WHERE id = $1`, [caseId('FTC-2004-021')])).toEqual([{ title: 'Renamed' }]);
    expect(await hub.ds.query(`SELECT count(*)::int AS n FROM case_share WHERE case_id = $1`, [caseId('OFT-2004-003')])).toEqual([{ n: 0 }]);
    expect(await hub.ds.query(`SELECT minutes FROM call_segment WHERE id = $1`, [segmentId('next-1/2')])).toEqual([{ minutes: 'Agreed.' }]);
    expect(await hub.ds.query(`SELECT withdrawn_at IS NOT NULL AS w FROM call_exclusion WHERE id = $1`, [exclusionId('registro-past-1')])).toEqual([{ w: true }]);
    expect(await hub.ds.query(`SELECT primary_contact_id FROM country WHERE code = 'GB'`)).toEqual([{ primary_contact_id: personId(cast.isla) }]);
  });
});

/** A demo share's id (src/db/seed/demo.ts names them by case and participant). */
const demoShare = (reference: string, org: string) => demoId(`share:${reference}:${org}`);

describe('every mutation runs in a savepoint', () => {
  /** A schema with one mutation that writes a call and then fails when asked to: nullable, so the document goes on. */
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLBoolean, resolve: () => true } } }),
    mutation: new GraphQLObjectType({
      name: 'Mutation',
      fields: {
        schedule: {
          type: GraphQLString,
          args: { title: { type: GraphQLString }, fail: { type: GraphQLBoolean } },
          resolve: async (_root, args: { title: string; fail: boolean }, ctx: { db: ViewerDb }) => {
            await ctx.db.query(`INSERT INTO conference_call (title, scheduled_at, duration_minutes, organizer_id) VALUES ($1, now(), 60, lap.viewer_org())`, [args.title]);
            if (args.fail) throw new Error('failed after writing');
            return args.title;
          },
        },
      },
    }),
  });
  const document = parse(`mutation { first: schedule(title: "First", fail: true) second: schedule(title: "Second", fail: false) }`);
  const titles = async () =>
    ((await hub.ds.query(`SELECT title FROM conference_call WHERE title IN ('First', 'Second') ORDER BY title`)) as Array<{ title: string }>).map((r) => r.title);

  test('a mutation that fails after writing leaves nothing; the next one in the document is written, in the same transaction', async () => {
    const result = await withViewer(hub.ds, as.ann, new Date(), (db) => Promise.resolve(execute({ schema: applyMutationSavepoints(schema), document, contextValue: { db } })), false);
    expect(result.data).toEqual({ first: null, second: 'Second' });
    expect(result.errors?.map((e) => [e.path, e.message])).toEqual([[['first'], 'failed after writing']]);
    expect(await titles()).toEqual(['Second']);
  });

  test('the same behind graphql-shield, which hands a resolver’s error back as a value instead of throwing it', async () => {
    const allowed = { rule: rule('schedule', { cache: 'no_cache' })(() => true), reason: 'test' };
    const shielded = applyPermissions(schema, { Query: { ok: allowed }, Mutation: { schedule: allowed } });
    const result = await withViewer(hub.ds, as.ann, new Date(), (db) => Promise.resolve(execute({ schema: applyMutationSavepoints(shielded), document, contextValue: { db } })), false);
    expect(result.data).toEqual({ first: null, second: 'Second' });
    expect(await titles()).toEqual(['Second']);
  });

  test('without the savepoints the failed mutation’s write would stay (what the test above rules out)', async () => {
    const result = await withViewer(hub.ds, as.ann, new Date(), (db) => Promise.resolve(execute({ schema, document, contextValue: { db } })), false);
    expect(result.data).toEqual({ first: null, second: 'Second' });
    expect(await titles()).toEqual(['First', 'Second']);
  });
});

describe('two mutations in one document over HTTP', () => {
  const MINUTES = `recordMinutes(segmentId: "${segmentId('next-1/2')}", minutes: "Agreed on a shared sinkhole.") { id }`;
  const WITHDRAW = `withdrawExclusion(id: "${exclusionId('registro-past-1')}") { id }`;
  const minutes = async () => (await hub.ds.query(`SELECT minutes FROM call_segment WHERE id = $1`, [segmentId('next-1/2')]))[0].minutes;
  const answer = (body: { data?: unknown; errors?: Array<{ path?: string[]; extensions?: Record<string, unknown> }> }) => ({
    data: body.data,
    errors: body.errors?.map((e) => ({ path: e.path, code: e.extensions?.code })),
  });
  const standing = async () => (await hub.ds.query(`SELECT withdrawn_at IS NULL AS s FROM call_exclusion WHERE id = $1`, [exclusionId('registro-past-1')]))[0].s;

  test('when the second is refused by the database (Ann did not object), the answer is data: null and the first’s write is rolled back too', async () => {
    const before = await tableRows(hub.ds, tables);
    const r = await hub.gql(`mutation { first: ${MINUTES} second: ${WITHDRAW} }`, { as: cast.ann });
    // The mutation fields are non-null: the refused second one nulls the whole answer, after the first has run. The
    // answer shows no write, so none is kept.
    expect(answer(r.body)).toEqual({ data: null, errors: [{ path: ['second'], code: 'FORBIDDEN' }] });
    expect(await minutes()).not.toBe('Agreed on a shared sinkhole.');
    expect(await standing()).toBe(true);
    expect(await tableRows(hub.ds, tables)).toEqual(before);
  });

  test('the same with the second refused by its input (blank minutes): nothing of the document is written', async () => {
    const before = await tableRows(hub.ds, tables);
    const blank = `recordMinutes(segmentId: "${segmentId('next-1/2')}", minutes: "   ") { id }`;
    const r = await hub.gql(`mutation { first: ${MINUTES} second: ${blank} }`, { as: cast.ann });
    expect(answer(r.body)).toEqual({ data: null, errors: [{ path: ['second'], code: 'BAD_USER_INPUT' }] });
    expect(await tableRows(hub.ds, tables)).toEqual(before);
  });

  test('both allowed: both are written and answered', async () => {
    const r = await hub.gql(`mutation { first: ${MINUTES} second: ${MINUTES.replace('Agreed on a shared sinkhole.', 'Second thoughts.')} }`, { as: cast.ann });
    expect(answer(r.body)).toEqual({ data: { first: { id: segmentId('next-1/2') }, second: { id: segmentId('next-1/2') } }, errors: undefined });
    expect(await minutes()).toBe('Second thoughts.');
  });

  test('when the first is refused, nothing is written and the document stops there', async () => {
    const before = await tableRows(hub.ds, tables);
    const r = await hub.gql(`mutation { first: ${WITHDRAW} second: ${MINUTES} }`, { as: cast.ann });
    expect(answer(r.body)).toEqual({ data: null, errors: [{ path: ['first'], code: 'FORBIDDEN' }] });
    expect(await tableRows(hub.ds, tables)).toEqual(before);
  });
});
