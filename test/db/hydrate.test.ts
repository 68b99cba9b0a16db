import { Case } from '../../entities/case.entity';
import { Agency, Participant, PrivateSectorMember } from '../../entities/participant.entity';
import { participantClass } from '../../src/data/participants';
import { hydrate } from '../../src/db/hydrate';
import { startTestHub, TestHub } from '../support/hub';

/**
 * `hydrate` (src/db/hydrate.ts) makes entity instances of raw rows: instances of the class (or of the class `pick`
 * names per row), with exactly the class's mapped properties, in the metadata's order, each the row's value of its
 * column (the same value, not a copy). Rows are read here as the owner, straight from the tables.
 */
let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub.close();
});

function mapping(target: object): Array<[column: string, property: string]> {
  return hub.ds.getMetadata(target as typeof Case).columns.map((c) => [c.databaseName, c.propertyName]);
}

test('a case from its row: an instance of Case, every mapped property in order, each the column’s value', async () => {
  const rows: Record<string, unknown>[] = await hub.ds.query(`SELECT * FROM enforcement_case WHERE reference = 'ACMA-2004-011'`);
  expect(rows).toHaveLength(1);
  const [c] = hydrate(hub.ds, Case, rows);
  expect(Object.getPrototypeOf(c)).toBe(Case.prototype);
  expect(c).toBeInstanceOf(Case);
  const columns = mapping(Case);
  expect(Object.keys(c)).toEqual(columns.map(([, property]) => property));
  for (const [column, property] of columns) expect((c as unknown as Record<string, unknown>)[property]).toBe(rows[0][column]);
  expect(c.reference).toBe('ACMA-2004-011');
  expect(c.openedAt).toBeInstanceOf(Date);
  expect(c.openedAt).toBe(rows[0].opened_at);
});

test('participants picked per row: agencies as Agency, private-sector members as PrivateSectorMember', async () => {
  const rows: Record<string, unknown>[] = await hub.ds.query(`SELECT * FROM participant ORDER BY name`);
  const kinds = new Set(rows.map((r) => r.kind));
  expect(kinds).toEqual(new Set(['AGENCY', 'PRIVATE_SECTOR']));
  const participants = hydrate(hub.ds, Participant, rows, participantClass);
  expect(participants).toHaveLength(rows.length);
  participants.forEach((p, i) => {
    const cls = rows[i].kind === 'AGENCY' ? Agency : PrivateSectorMember;
    expect(Object.getPrototypeOf(p)).toBe(cls.prototype);
    expect(Object.keys(p)).toEqual(mapping(cls).map(([, property]) => property));
    expect(p.id).toBe(rows[i].id);
    expect(p.name).toBe(rows[i].name);
  });
});

test('a column the row lacks is an own property holding undefined; columns no entity maps are left out', () => {
  const [c] = hydrate(hub.ds, Case, [{ id: 'x', reference: 'R-1', __confidential: { summary: 's' }, __editable: true }]);
  expect(Object.keys(c)).toEqual(mapping(Case).map(([, property]) => property));
  expect(c.id).toBe('x');
  expect(c.reference).toBe('R-1');
  expect(c.title).toBeUndefined();
  expect('title' in c).toBe(true);
  expect('__confidential' in c).toBe(false);
  expect('__editable' in c).toBe(false);
});

test('no rows, no instances', () => {
  expect(hydrate(hub.ds, Case, [])).toEqual([]);
});
