import { caseAccess, emailOf, harmOrder, readsConfidential, ViewerName, viewers } from '../support/demo-access';
import { caseId, startTestHub, TestHub } from '../support/hub';

/**
 * `case(id:)` reads the participants and people its case names by the case's id, in the case's own statement
 * (resolvers/case.resolver.ts `prefetchCase`, `CaseData.detail`: the case, its countries and shares, the participants
 * and people they name, each as a JSON part of one statement), where a board reads them by
 * id a round trip later. For every demo viewer and every demo case — each alone, all at once, and for cases the viewer
 * cannot see — the detail answers exactly what the board answers of the same case: the same lead agency, the same
 * shares with the same participants, grantors and recipients, and nothing for a case or tier the viewer may not read.
 * Read-only: the demo data stays as loaded.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const PARTICIPANT = '__typename id name kind status appliedAt endorsedAt country { code name } ... on Agency { isCoordinator competences }';
const PERSON = 'id name email phone title';
const DETAIL = `id reference leadAgency { ${PARTICIPANT} }
  confidential { summary shares { id grantedAt grantedBy { ${PERSON} } participant { ${PARTICIPANT} } recipients { ${PERSON} } } }`;

async function ask(viewer: ViewerName, query: string) {
  const r = await hub.gql(query, { as: emailOf(viewer) });
  expect([r.status, r.body.errors]).toEqual([200, undefined]);
  return r.body.data;
}

test.each(viewers)('%s: a case’s detail names the participants and people the board names, each case alone and all at once', async (viewer) => {
  const board = await ask(viewer, `{ cases(first: 100) { nodes { ${DETAIL} } } }`);
  const byRef = new Map<string, any>(board.cases.nodes.map((n: any) => [n.reference, n]));
  const sees = caseAccess[viewer].sees;
  expect([...byRef.keys()].sort()).toEqual([...sees].sort());
  // The board itself reads the tiers the viewer may read, and names someone in them.
  for (const ref of sees) expect([ref, byRef.get(ref).confidential !== null]).toEqual([ref, readsConfidential(viewer, ref)]);

  for (const ref of harmOrder) {
    const data = await ask(viewer, `{ case(id: "${caseId(ref)}") { ${DETAIL} } }`);
    expect([ref, data.case]).toEqual([ref, byRef.get(ref) ?? null]);
  }
  const all = await ask(viewer, `{ ${harmOrder.map((ref, i) => `c${i}: case(id: "${caseId(ref)}") { ${DETAIL} }`).join(' ')} }`);
  expect(harmOrder.map((ref, i) => [ref, all[`c${i}`]])).toEqual(harmOrder.map((ref) => [ref, byRef.get(ref) ?? null]));
});

test('the shares the detail reads name people and participants (the comparison above compares something)', async () => {
  const data = await ask('ann', `{ cases(first: 100) { nodes { ${DETAIL} } } }`);
  const shares = data.cases.nodes.flatMap((n: any) => n.confidential?.shares ?? []);
  expect(shares.length).toBeGreaterThan(0);
  expect(shares.some((s: any) => s.recipients.length > 0)).toBe(true);
  expect(shares.every((s: any) => s.participant !== null && s.grantedBy !== null)).toBe(true);
});
