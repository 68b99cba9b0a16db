import { cast, startTestHub, TestHub } from '../support/hub';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

test('an anonymous caller sees only the CLEAR case, its confidential tier redacted', async () => {
  const r = await hub.gql('{ me { kind } cases { totalCount nodes { reference confidential { summary } } } }');
  expect(r.status).toBe(200);
  expect(r.body).toEqual({
    data: { me: { kind: 'ANONYMOUS' }, cases: { totalCount: 1, nodes: [{ reference: 'FTC-2004-017', confidential: null }] } },
    extensions: { redacted: [{ path: 'cases.nodes.confidential', code: 'FORBIDDEN', count: 1 }] },
  });
});

test('a coordinator is a COORDINATOR viewer', async () => {
  const r = await hub.gql('{ me { kind person { email } } }', { as: cast.ann });
  expect(r.body).toEqual({ data: { me: { kind: 'COORDINATOR', person: { email: cast.ann } } } });
});
