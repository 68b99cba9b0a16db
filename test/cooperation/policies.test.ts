import { ViewerKind } from '../../entities/enums';
import { lookupViewer, ViewerDb, withViewer } from '../../src/db/viewer-db';
import { demoId } from '../../src/db/seed/demo';
import { anonymousViewer, Viewer } from '../../src/policy/viewer';
import { cast, orgId, personId, startTestHub, TestHub } from '../support/hub';

/**
 * The cooperation policies at the database level, without GraphQL (graphile/starter's `becomeUser` style): for each
 * demo viewer, the rows the viewer role reads of the cooperation tables and views equal a hand-derived table, and
 * the writes the rules refuse are refused by the database itself.
 */

const DAY = 86_400_000;
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

async function viewerOf(email: string | null, at: Date): Promise<Viewer> {
  if (!email) return anonymousViewer;
  const row = (await lookupViewer(hub.ds, personId(email), null, at))!;
  const kind = row.kind as ViewerKind;
  return { kind, personId: row.person_id, ownOrgId: row.own_org, memberOrgId: kind === ViewerKind.ANONYMOUS ? null : row.own_org };
}

async function as<T>(email: string | null, fn: (db: ViewerDb) => Promise<T>, at = new Date(hub.now), readOnly = true): Promise<T> {
  return withViewer(hub.ds, await viewerOf(email, at), at, fn, readOnly);
}

const ids = (rows: Array<Record<string, unknown>>, column: string) => rows.map((r) => r[column] as string).sort();
const request = (key: string) => demoId(`request:${key}`);
const report = (key: string) => demoId(`report:${key}`);

describe('what the viewer role reads', () => {
  const people: Array<[string, string | null]> = [
    ['ann', cast.ann], ['oliver', cast.oliver], ['isla', cast.isla], ['liam', cast.liam], ['grace', cast.grace],
    ['tom', cast.tom], ['priya', cast.priya], ['eva', cast.eva], ['paulo', cast.paulo], ['anonymous', null],
  ];

  test.each(people)('%s: endorsement_application', async (_name, who) => {
    const expected: Record<string, string[]> = {
      ann: ['cgi', 'quicksend'], oliver: ['cgi', 'quicksend'], isla: ['cgi', 'quicksend'], liam: ['cgi', 'quicksend'],
      paulo: ['cgi'],
    };
    const rows = await as(who, (db) => db.query(`SELECT id, status, objection_open FROM endorsement_application`));
    expect(ids(rows, 'id')).toEqual((expected[_name] ?? []).map(orgId).sort());
    for (const r of rows) expect(r).toMatchObject({ status: 'APPLIED', objection_open: true });
  });

  test.each(people)('%s: assistance_request_detail (requester and recipient only)', async (_name, who) => {
    const expected: Record<string, string[]> = {
      ann: ['ftc-oft-mules', 'efcc-ftc-payments'], oliver: ['ftc-oft-mules'], isla: ['ico-meridian-accounts'],
      liam: ['acma-northstar-logs', 'kisa-acma-proxies'], grace: ['acma-northstar-logs'], tom: ['ico-meridian-accounts'], priya: ['ico-meridian-accounts'],
    };
    const rows = await as(who, (db) => db.query(`SELECT request_id FROM assistance_request_detail`));
    expect(ids(rows, 'request_id')).toEqual((expected[_name] ?? []).map(request).sort());
  });

  test.each(people)('%s: sector_report_recipient (the author organization only)', async (_name, who) => {
    const meridian = [`${report('meridian-mules')} ${personId(cast.ann)}`, `${report('meridian-phishing-wave')} ${personId(cast.grace)}`].sort();
    const rows = await as(who, (db) => db.query(`SELECT report_id || ' ' || person_id AS pair FROM sector_report_recipient`));
    expect(ids(rows, 'pair')).toEqual(_name === 'tom' || _name === 'priya' ? meridian : []);
  });

  test('a report names its recipient without the recipient reading the list (no policy recursion)', async () => {
    const rows = await as(cast.ann, (db) => db.query(`SELECT id FROM sector_report WHERE id = $1`, [report('meridian-mules')]));
    expect(rows).toEqual([{ id: report('meridian-mules') }]);
    expect(await as(cast.ben, (db) => db.query(`SELECT id FROM sector_report WHERE id = $1`, [report('meridian-mules')]))).toEqual([]);
  });
});

describe('what the database refuses', () => {
  const objections = async () => (await hub.ds.query(`SELECT count(*)::int AS n FROM endorsement_objection`))[0].n as number;

  test('an objection after the deadline, judged against lap.now()', async () => {
    const before = await objections();
    const insert = (db: ViewerDb) =>
      db.query(
        `INSERT INTO endorsement_objection (participant_id, agency_id, objected_by_id, reason, created_at) VALUES ($1, lap.viewer_org(), lap.viewer_person(), 'Late', lap.now())`,
        [orgId('cgi')],
      );
    // CGI.br's deadline is ten days after the demo was loaded.
    await expect(as(cast.liam, insert, new Date(hub.now.getTime() + 11 * DAY), false)).rejects.toMatchObject({ code: '42501' });
    expect(await objections()).toBe(before);
    await as(cast.liam, insert, new Date(hub.now.getTime() + 9 * DAY), false);
    expect(await objections()).toBe(before + 1);
  });

  test('a private-sector member objects to nothing', async () => {
    const before = await objections();
    await expect(
      as(cast.grace, (db) =>
        db.query(
          `INSERT INTO endorsement_objection (participant_id, agency_id, objected_by_id, reason, created_at) VALUES ($1, lap.viewer_org(), lap.viewer_person(), 'No', lap.now())`,
          [orgId('cgi')],
        ), undefined, false),
    ).rejects.toMatchObject({ code: '42501' });
    expect(await objections()).toBe(before);
  });

  test.each([
    ['the requester may not answer', cast.ann, 'ftc-oft-mules', 'ACKNOWLEDGED'],
    ['the recipient may not withdraw', cast.oliver, 'ftc-oft-mules', 'WITHDRAWN'],
    ['nobody reopens a request', cast.oliver, 'ftc-oft-mules', 'OPEN'],
  ])('%s (WITH CHECK)', async (_name, who, key, status) => {
    await expect(
      as(who, (db) => db.query(`UPDATE assistance_request SET status = $2 WHERE id = $1`, [request(key), status]), undefined, false),
    ).rejects.toMatchObject({ code: '42501' });
    expect((await hub.ds.query(`SELECT status FROM assistance_request WHERE id = $1`, [request(key)]))[0].status).toBe('OPEN');
  });

  test('a coordinator who is neither party changes no row (USING)', async () => {
    const changed = await as(cast.oliver, (db) => db.query(`UPDATE assistance_request SET status = 'DECLINED' WHERE id = $1 RETURNING id`, [request('ico-meridian-accounts')]), undefined, false);
    expect(changed).toEqual([]);
    const answered = await as(cast.oliver, (db) => db.query(`UPDATE assistance_request_detail SET response = 'x' WHERE request_id = $1 RETURNING request_id`, [request('ico-meridian-accounts')]), undefined, false);
    expect(answered).toEqual([]);
    expect((await hub.ds.query(`SELECT status FROM assistance_request WHERE id = $1`, [request('ico-meridian-accounts')]))[0].status).toBe('ACKNOWLEDGED');
  });

  test('the requester may not write the answer', async () => {
    await expect(
      as(cast.ann, (db) => db.query(`UPDATE assistance_request_detail SET response = 'x' WHERE request_id = $1`, [request('ftc-oft-mules')]), undefined, false),
    ).rejects.toMatchObject({ code: '42501' });
  });

  test('a TLP:RED report without recipients is refused when the transaction commits', async () => {
    const count = async () => (await hub.ds.query(`SELECT count(*)::int AS n FROM sector_report`))[0].n as number;
    const before = await count();
    await expect(
      as(cast.tom, (db) =>
        db.query(`INSERT INTO sector_report (author_org_id, author_id, kind, title, body, tlp, published_at)
                  VALUES (lap.viewer_org(), lap.viewer_person(), 'CASE', 'Secret', 'x', 'RED', lap.now())`), undefined, false),
    ).rejects.toMatchObject({ code: '23514' });
    expect(await count()).toBe(before);
  });

  test('recipients only for the author organization’s own reports', async () => {
    await expect(
      as(cast.grace, (db) =>
        db.query(`INSERT INTO sector_report_recipient (report_id, person_id, author_org_id) VALUES ($1, $2, $3)`, [
          report('meridian-phishing-wave'), personId(cast.eva), orgId('meridian'),
        ]), undefined, false),
    ).rejects.toMatchObject({ code: '42501' });
  });
});
