import type { GraphQLResolveInfo } from 'graphql';
import { ViewerKind } from '../../entities/enums';
import { CaseShare } from '../../entities/case-share.entity';
import { CaseShareResolver } from '../../resolvers/case.resolver';
import { endorsedParticipants } from '../../resolvers/training.resolver';
import type { Context } from '../../src/context';
import { Data } from '../../src/data';
import { withViewer } from '../../src/db/viewer-db';
import type { Viewer } from '../../src/policy/viewer';
import { caseId, cast, orgId, personId, startTestHub, TestHub } from '../support/hub';
import { coreTables, tableRows } from '../support/rows';

/**
 * A read that fails while a mutation checks what it names (the database gone, a statement refused) is that failure —
 * an internal error, logged — never "no such country" or "not people of …": a client told its input is wrong does not
 * send it again. DataLoader's `loadMany` hands back an Error in place of such a value, which the checks took for a
 * row not found; a share's recipients were listed without those whose read failed.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const ann: Viewer = { kind: ViewerKind.COORDINATOR, personId: personId(cast.ann), ownOrgId: orgId('ftc'), memberOrgId: orgId('ftc') };
const lost = () => new Error('Connection terminated unexpectedly');

/** Runs `fn` as Ann on a read-write transaction, rolled back by the error it throws or committed. */
async function asAnn<T>(fn: (data: Data) => Promise<T>): Promise<T> {
  return withViewer(hub.ds, ann, new Date(), (db) => fn(new Data(db, ann)), false);
}

const openCase = {
  reference: 'FTC-2026-900', title: 'Lost read', status: 'OPEN', categories: ['SPAM'], tlp: 'GREEN', countryCodes: ['US'],
  summary: 's', suspects: null, evidence: null, investigatorNotes: null, victimCount: 1, estimatedLossUsd: 1, vulnerableVictims: false, ongoingHarm: false,
} as never;

test('openCase: a failed read of a country is the failure, not BAD_USER_INPUT; nothing written', async () => {
  const before = await tableRows(hub.ds, coreTables);
  await expect(asAnn((d) => {
    d.participants.countryByCode.prime('US', lost());
    return d.cases.open(openCase);
  })).rejects.toThrow('Connection terminated unexpectedly');
  expect(await tableRows(hub.ds, coreTables)).toEqual(before);
  // A code that names no country is still the client's mistake.
  await expect(asAnn((d) => d.cases.open({ ...(openCase as object), countryCodes: ['ZZ'] } as never))).rejects.toMatchObject({
    message: 'input.countryCodes: no country with code ZZ', extensions: { code: 'BAD_USER_INPUT' },
  });
});

test('shareCase: a failed read of a named recipient is the failure, not "not people of …"; nothing written', async () => {
  const before = await tableRows(hub.ds, coreTables);
  await expect(asAnn((d) => {
    d.participants.personById.prime(personId(cast.tom), lost());
    return d.cases.share({ caseId: caseId('FTC-2004-017'), participantId: orgId('meridian'), recipientIds: [personId(cast.tom)] });
  })).rejects.toThrow('Connection terminated unexpectedly');
  expect(await tableRows(hub.ds, coreTables)).toEqual(before);
});

test('a training’s participants, a share’s recipients: a failed read is the failure, not a participant or person fewer', async () => {
  await expect(asAnn((d) => {
    d.participants.participantById.prime(orgId('oft'), lost());
    return endorsedParticipants({ data: d } as unknown as Context, 'input.participantIds', [orgId('ftc'), orgId('oft')]);
  })).rejects.toThrow('Connection terminated unexpectedly');
  const share = Object.assign(new CaseShare(), { recipientIds: [personId(cast.tom), personId(cast.priya)] });
  await expect(asAnn((d) => {
    d.participants.personById.prime(personId(cast.priya), lost());
    return new CaseShareResolver().recipients(share, { data: d } as unknown as Context, {} as GraphQLResolveInfo);
  })).rejects.toThrow('Connection terminated unexpectedly');
  // Read as they are, the same calls answer.
  expect((await asAnn((d) => endorsedParticipants({ data: d } as unknown as Context, 'input.participantIds', [orgId('ftc'), orgId('oft')]))).map((p) => p.id)).toEqual([orgId('ftc'), orgId('oft')]);
  expect((await asAnn((d) => new CaseShareResolver().recipients(share, { data: d } as unknown as Context, {} as GraphQLResolveInfo))).map((p) => p.id)).toEqual([personId(cast.tom), personId(cast.priya)]);
});
