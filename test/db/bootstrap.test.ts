import { ConfigError } from '../../src/config';
import { addCountry, addParticipant, addPerson, leavePerson, listOrganizations, OwnerQuery, reinstatePerson, withdrawParticipant } from '../../src/db/bootstrap';
import { caseId, cast, orgId, personId, startTestHub, TestHub } from '../support/hub';

/**
 * Founding a network on a database (`npm run admin`, src/db/bootstrap.ts): countries, founding participants endorsed
 * at once, their people — who then sign in as the viewers their organizations make them. Run here on the test
 * database beside the demo network (reset after each test).
 */
let hub: TestHub;
let query: OwnerQuery;

beforeAll(async () => {
  hub = await startTestHub();
  query = (text, values) => hub.ds.query(text, values as unknown[]);
});
afterAll(() => hub.close());
afterEach(() => hub.reset());

/** What the refusals must leave unchanged. */
async function counts() {
  return (await hub.ds.query(`SELECT (SELECT count(*)::int FROM country) AS countries, (SELECT count(*)::int FROM participant) AS participants, (SELECT count(*)::int FROM person) AS people`))[0];
}

test('a country, a coordinating agency and a private-sector member with their people: each signs in as the viewer the organization makes them', async () => {
  expect(await addCountry(query, { code: 'fi', name: ' Finland ', developing: false })).toEqual({ code: 'FI', name: 'Finland', developing: false });
  const agency = await addParticipant(query, { kind: 'AGENCY', name: 'Finnish Transport and Communications Agency', country: 'FI', coordinator: true, competences: ['telecommunications', 'TELECOMMUNICATIONS'] });
  const member = await addParticipant(query, { kind: 'PRIVATE_SECTOR', name: 'Nordic Mail', country: 'fi', sector: 'internet_service_provider', requestGuidance: 'Write to abuse@nordic.example' });
  const aino = await addPerson(query, { email: 'aino@traficom.example', name: 'Aino Virtanen', organization: 'finnish transport and communications agency', title: 'Head of unit', pointOfContact: true });
  const mika = await addPerson(query, { email: 'mika@nordic.example', name: 'Mika Laine', organization: member.id, phone: '+358 1 234' });
  expect(aino).toEqual({ id: expect.any(String), email: 'aino@traficom.example', organization: 'Finnish Transport and Communications Agency' });
  expect(await hub.ds.query(`SELECT kind, status, country_code, competences, is_coordinator, sector, request_guidance, point_of_contact_id, endorsed_at IS NOT NULL AS endorsed FROM participant WHERE id = ANY($1) ORDER BY kind`, [[agency.id, member.id]])).toEqual([
    { kind: 'AGENCY', status: 'ENDORSED', country_code: 'FI', competences: ['TELECOMMUNICATIONS'], is_coordinator: true, sector: null, request_guidance: null, point_of_contact_id: aino.id, endorsed: true },
    { kind: 'PRIVATE_SECTOR', status: 'ENDORSED', country_code: 'FI', competences: [], is_coordinator: false, sector: 'INTERNET_SERVICE_PROVIDER', request_guidance: 'Write to abuse@nordic.example', point_of_contact_id: null, endorsed: true },
  ]);

  const me = `{ me { kind person { name } organization { name } } cases(first: 50) { totalCount } }`;
  const asAino = await hub.gql(me, { token: await hub.tokenFor(aino.id, aino.email) });
  const asMika = await hub.gql(me, { token: await hub.tokenFor(mika.id, mika.email) });
  // The demo network's cases as a new agency and a new member see them: as another agency does; the CLEAR and GREEN ones.
  const asIsla = await hub.gql(`{ cases(first: 50) { totalCount } }`, { as: cast.isla });
  const [clearOrGreen] = await hub.ds.query(`SELECT count(*)::int AS n FROM enforcement_case WHERE tlp IN ('CLEAR', 'GREEN')`);
  expect(asAino.body).toEqual({ data: { me: { kind: 'COORDINATOR', person: { name: 'Aino Virtanen' }, organization: { name: 'Finnish Transport and Communications Agency' } }, cases: { totalCount: asIsla.body.data.cases.totalCount } } });
  expect(asMika.body).toEqual({ data: { me: { kind: 'PRIVATE', person: { name: 'Mika Laine' }, organization: { name: 'Nordic Mail' } }, cases: { totalCount: clearOrGreen.n } } });
  // The agency can act at once: it opens a case of its own.
  const opened = await hub.gql(`mutation { openCase(input: { reference: "FI-2027-001", title: "Open relays", categories: [SPAM], countryCodes: ["FI"], tlp: GREEN }) { leadAgency { name } } }`, {
    token: await hub.tokenFor(aino.id, aino.email),
  });
  expect(opened.body).toEqual({ data: { openCase: { leadAgency: { name: 'Finnish Transport and Communications Agency' } } } });

  const listed = await listOrganizations(query);
  expect(listed.filter((o) => ['Finnish Transport and Communications Agency', 'Nordic Mail'].includes(o.name))).toEqual([
    { name: 'Finnish Transport and Communications Agency', kind: 'AGENCY', status: 'ENDORSED', country: 'FI', coordinator: true, people: 1, left: 0, pointOfContact: 'aino@traficom.example' },
    { name: 'Nordic Mail', kind: 'PRIVATE_SECTOR', status: 'ENDORSED', country: 'FI', coordinator: false, people: 1, left: 0, pointOfContact: null },
  ]);
});

test('a participant withdrawn: its people are anonymous on their next request, its API key refused, its shares reach nobody; it stays listed', async () => {
  const key = await hub.gql(`mutation { createApiKey(name: "bank dashboard") { secret } }`, { as: cast.tom });
  const secret = key.body.data.createApiKey.secret as string;
  const red = `query($id: ID!) { me { kind } case(id: $id) { reference confidential { summary } } }`;
  const before = await hub.gql(red, { as: cast.tom, variables: { id: caseId('FTC-2004-021') } });
  expect(before.body.data.me.kind).toBe('PRIVATE');
  expect(before.body.data.case.reference).toBe('FTC-2004-021');
  expect(await hub.gql(`{ me { kind } }`, { token: secret })).toMatchObject({ status: 200, body: { data: { me: { kind: 'PRIVATE' } } } });

  expect(await withdrawParticipant(query, 'meridian bank')).toEqual({ id: expect.any(String), name: 'Meridian Bank', primaryContactOf: [] });
  const after = await hub.gql(red, { as: cast.tom, variables: { id: caseId('FTC-2004-021') } });
  expect(after.body).toEqual({ data: { me: { kind: 'ANONYMOUS' }, case: null } });
  expect(await hub.gql(`{ me { kind } }`, { token: secret })).toMatchObject({ status: 401, body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
  const listed = await hub.gql(`{ participants(first: 100, filter: { status: WITHDRAWN }) { nodes { name status } } }`, { as: cast.isla });
  expect(listed.body.data.participants.nodes).toContainEqual({ name: 'Meridian Bank', status: 'WITHDRAWN' });
  // Only an endorsed participant is withdrawn; the database is left as it was otherwise.
  const statuses = await hub.ds.query(`SELECT id, status FROM participant ORDER BY id`);
  await expect(withdrawParticipant(query, 'Meridian Bank')).rejects.toEqual(new ConfigError('Meridian Bank is not an endorsed participant (WITHDRAWN): nothing to withdraw'));
  await expect(withdrawParticipant(query, 'Nobody Ltd')).rejects.toEqual(new ConfigError('no organization named "Nobody Ltd" (npm run admin -- list)'));
  expect(await hub.ds.query(`SELECT id, status FROM participant ORDER BY id`)).toEqual(statuses);
  // Nobody is added to it.
  await expect(addPerson(query, { email: 'new@meridianbank.example', name: 'New Person', organization: 'Meridian Bank' })).rejects.toEqual(
    new ConfigError('Meridian Bank is withdrawn (WITHDRAWN): a person is added only to a participant or an applicant'),
  );
});

test('an applicant endorsed by the procedure (stored APPLIED, its deadline passed with no objection standing) is listed ENDORSED and withdrawn like any participant', async () => {
  // CGI.br's deadline moved into the past: no objection stands against it, so it is ENDORSED as of that deadline.
  await hub.ds.query(`UPDATE participant SET objection_deadline = now() - interval '1 day' WHERE id = $1`, [orgId('cgi')]);
  const [{ deadline }] = await hub.ds.query(`SELECT objection_deadline AS deadline FROM participant WHERE id = $1`, [orgId('cgi')]);
  expect(await hub.ds.query(`SELECT count(*)::int AS n FROM endorsement_objection WHERE participant_id = $1 AND withdrawn_at IS NULL`, [orgId('cgi')])).toEqual([{ n: 0 }]);
  expect((await listOrganizations(query)).find((o) => o.name === 'CGI.br Anti-Spam Working Group')).toMatchObject({ status: 'ENDORSED' });
  expect(await withdrawParticipant(query, 'CGI.br Anti-Spam Working Group')).toEqual({ id: orgId('cgi'), name: 'CGI.br Anti-Spam Working Group', primaryContactOf: [] });
  expect(await hub.ds.query(`SELECT status, endorsed_at FROM participant WHERE id = $1`, [orgId('cgi')])).toEqual([{ status: 'WITHDRAWN', endorsed_at: deadline }]);
  expect((await listOrganizations(query)).find((o) => o.name === 'CGI.br Anti-Spam Working Group')).toMatchObject({ status: 'WITHDRAWN' });
  // An applicant whose deadline is ahead is not a participant yet: nothing to withdraw, as its status says.
  await expect(withdrawParticipant(query, 'QuickSend Marketing Association')).rejects.toThrow(/is not an endorsed participant \(APPLIED\): nothing to withdraw$/);
});

test('the network’s last coordinator is not withdrawn (nobody would schedule calls or record applications): refused, nothing written; once another is founded, it is', async () => {
  const coordinators = async () =>
    (await hub.ds.query(`SELECT name FROM participant WHERE is_coordinator AND lap.participant_status(status, objection_deadline, id) = 'ENDORSED' ORDER BY name`)).map((r: { name: string }) => r.name);
  const all = await coordinators();
  expect(all.length).toBeGreaterThan(1);
  for (const name of all.slice(1)) await withdrawParticipant(query, name);
  const [last] = all;
  const before = await hub.ds.query(`SELECT id, status, endorsed_at FROM participant ORDER BY id`);
  await expect(withdrawParticipant(query, last)).rejects.toEqual(
    new ConfigError(`${last} is the network's last coordinator: found another first (npm run admin -- agency <name> --country <CODE> --coordinator)`),
  );
  expect(await hub.ds.query(`SELECT id, status, endorsed_at FROM participant ORDER BY id`)).toEqual(before);
  await addParticipant(query, { kind: 'AGENCY', name: 'Finnish Transport and Communications Agency', country: 'US', coordinator: true });
  expect(await withdrawParticipant(query, last)).toMatchObject({ name: last });
  expect(await coordinators()).toEqual(['Finnish Transport and Communications Agency']);
});

test('a person leaves, their organization stays: their token refused, no longer among its people, records keep naming them; reinstated, all of it back', async () => {
  const priya = personId(cast.priya);
  const tomToken = { as: cast.tom };
  // Before: Priya signs in; Tom puts her on the resource list; she asks the FTC for a case's tier.
  expect((await hub.gql(`{ me { kind person { name } } }`, { as: cast.priya })).body).toEqual({ data: { me: { kind: 'PRIVATE', person: { name: 'Priya Shah' } } } });
  const listed = await hub.gql(`mutation($p: ID!) { addResourceListEntry(input: { personId: $p, expertise: ["card fraud"], languages: ["en"] }) { id } }`, { ...tomToken, variables: { p: priya } });
  const entryId = listed.body.data.addResourceListEntry.id as string;
  const asked = await hub.gql(`mutation($c: ID!) { requestCaseAccess(caseId: $c, justification: "Mule accounts at the bank") { id } }`, { as: cast.priya, variables: { c: caseId('FTC-2004-017') } });
  const requestId = asked.body.data.requestCaseAccess.id as string;
  const people = `query($o: ID!) { participant(id: $o) { people { totalCount nodes { name } } } }`;
  const seen = `query($p: ID!, $e: ID!) { person(id: $p) { name leftAt } resourceListEntry(id: $e) { person { name } } }`;
  expect((await hub.gql(people, { ...tomToken, variables: { o: orgId('meridian') } })).body.data.participant.people).toEqual({
    totalCount: 2, nodes: [{ name: 'Priya Shah' }, { name: 'Tom Baker' }],
  });

  expect(await leavePerson(query, 'PRIYA.SHAH@meridianbank.example')).toEqual({ id: priya, name: 'Priya Shah', organization: 'Meridian Bank', apiKeys: 0 });
  expect(await hub.gql(`{ me { kind } }`, { as: cast.priya })).toMatchObject({
    status: 401, body: { errors: [{ message: 'The token is for a person who has left the network', extensions: { code: 'UNAUTHENTICATED' } }] },
  });
  // Her organization's people, as a colleague and as an agency: without her. The record of her stays readable.
  for (const as of [cast.tom, cast.ann]) {
    const r = await hub.gql(people, { as, variables: { o: orgId('meridian') } });
    expect(r.body).toEqual({ data: { participant: { people: { totalCount: 1, nodes: [{ name: 'Tom Baker' }] } } } });
    const s = await hub.gql(seen, { as, variables: { p: priya, e: entryId } });
    expect(s.body).toEqual({ data: { person: { name: 'Priya Shah', leftAt: expect.stringMatching(/^\d{4}-/) }, resourceListEntry: null } });
  }
  const directory = await hub.gql(`{ resourceList(first: 100) { nodes { person { name } } } }`, { as: cast.ann });
  expect(directory.body.data.resourceList.nodes.map((n: { person: { name: string } }) => n.person.name)).not.toContain('Priya Shah');
  expect((await listOrganizations(query)).find((o) => o.name === 'Meridian Bank')).toMatchObject({ people: 1, left: 1 });

  // Nothing may name her anew: refused as bad input, nothing written.
  const before = await hub.ds.query(`SELECT (SELECT point_of_contact_id FROM participant WHERE id = $1) AS poc, (SELECT count(*)::int FROM case_share) AS shares, (SELECT status FROM case_access_request WHERE id = $2) AS request`, [orgId('meridian'), requestId]);
  const refusals: Array<[string, Record<string, unknown>, string]> = [
    [`mutation($p: ID!) { designatePointOfContact(personId: $p) { id } }`, { ...tomToken, variables: { p: priya } }, 'Priya Shah has left the network'],
    [`mutation($c: ID!, $o: ID!, $p: ID!) { shareCase(input: { caseId: $c, participantId: $o, recipientIds: [$p] }) { id } }`,
      { as: cast.ann, variables: { c: caseId('FTC-2004-017'), o: orgId('meridian'), p: priya } }, `have left the network: ${priya}`],
    [`mutation($r: ID!) { grantCaseAccess(id: $r, scope: PERSON) { id } }`, { as: cast.ann, variables: { r: requestId } }, 'the requester has left the network: grant with scope ORGANIZATION, or decline'],
    [`mutation($p: ID!) { publishReport(input: { kind: EARLY_WARNING, title: "Mule accounts", body: "Seen this quarter", tlp: RED, recipientIds: [$p] }) { id } }`,
      { ...tomToken, variables: { p: priya } }, `have left the network: ${priya}`],
  ];
  for (const [mutation, options, message] of refusals) {
    const r = await hub.gql(mutation, options);
    expect(r.body.errors).toEqual([expect.objectContaining({ message: expect.stringContaining(message), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
  }
  expect(await hub.ds.query(`SELECT (SELECT point_of_contact_id FROM participant WHERE id = $1) AS poc, (SELECT count(*)::int FROM case_share) AS shares, (SELECT status FROM case_access_request WHERE id = $2) AS request`, [orgId('meridian'), requestId])).toEqual(before);

  // Refused: leaving twice, a point of contact, a country's primary contact, nobody; nothing changed.
  const leftAt = await hub.ds.query(`SELECT id, left_at FROM person ORDER BY id`);
  await expect(leavePerson(query, cast.priya)).rejects.toThrow(/^priya\.shah@meridianbank\.example left the network already \(\d{4}-/);
  await expect(leavePerson(query, cast.tom)).rejects.toEqual(new ConfigError(
    'tom.baker@meridianbank.example is the point of contact of Meridian Bank: designate someone else first (designatePointOfContact, designateCountryPrimaryContact, or npm run admin -- person … --point-of-contact)',
  ));
  await expect(leavePerson(query, cast.ann)).rejects.toThrow(/^ann\.carter@ftc\.example is the point of contact of US Federal Trade Commission and the primary contact of United States: designate/);
  await expect(leavePerson(query, 'nobody@x.example')).rejects.toEqual(new ConfigError('no person with the email nobody@x.example (npm run token -- --list)'));
  await expect(addPerson(query, { email: cast.priya, name: 'Priya Shah', organization: 'Meridian Bank' })).rejects.toEqual(
    new ConfigError(`a person with the email ${cast.priya} exists already (they left the network: npm run admin -- reinstate ${cast.priya})`),
  );
  await expect(reinstatePerson(query, cast.tom)).rejects.toEqual(new ConfigError('tom.baker@meridianbank.example has not left the network: nothing to reinstate'));
  expect(await hub.ds.query(`SELECT id, left_at FROM person ORDER BY id`)).toEqual(leftAt);

  expect(await reinstatePerson(query, cast.priya)).toEqual({ id: priya, name: 'Priya Shah', organization: 'Meridian Bank', organizationStatus: 'ENDORSED' });
  expect((await hub.gql(`{ me { kind } }`, { as: cast.priya })).body).toEqual({ data: { me: { kind: 'PRIVATE' } } });
  expect((await hub.gql(seen, { ...tomToken, variables: { p: priya, e: entryId } })).body).toEqual({
    data: { person: { name: 'Priya Shah', leftAt: null }, resourceListEntry: { person: { name: 'Priya Shah' } } },
  });
  expect((await hub.gql(people, { ...tomToken, variables: { o: orgId('meridian') } })).body.data.participant.people.totalCount).toBe(2);
});

test('lengths as the API counts them: an email of up to 320 characters, a name of 200 emoji', async () => {
  const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.example`;
  expect(email.length).toBe(251);
  expect((await addPerson(query, { email, name: '😀'.repeat(200), organization: 'Meridian Bank' })).email).toBe(email);
  expect((await leavePerson(query, email)).name).toBe('😀'.repeat(200));
  await expect(addPerson(query, { email: 'x@y.example', name: '😀'.repeat(201), organization: 'Meridian Bank' })).rejects.toEqual(
    new ConfigError('the person’s name must be at most 200 characters'),
  );
});

test('the point of contact of an organization withdrawn or rejected may leave (nobody could designate another); they stay named, their token refused', async () => {
  // Meridian withdrawn: Tom, its point of contact, was an anonymous viewer whose access nothing could end.
  await withdrawParticipant(query, 'Meridian Bank');
  const tom = personId(cast.tom);
  expect(await leavePerson(query, cast.tom)).toEqual({ id: tom, name: 'Tom Baker', organization: 'Meridian Bank', apiKeys: 0 });
  expect(await hub.ds.query(`SELECT point_of_contact_id FROM participant WHERE id = $1`, [orgId('meridian')])).toEqual([{ point_of_contact_id: tom }]);
  const r = await hub.gql(`{ me { kind } }`, { as: cast.tom });
  expect(r.status).toBe(401);
  // A rejected applicant's contact may leave too.
  await hub.ds.query(`UPDATE participant SET status = 'REJECTED' WHERE id = $1`, [orgId('quicksend')]);
  expect((await leavePerson(query, 'rick.vance@quicksend.example')).organization).toBe('QuickSend Marketing Association');
  // An endorsed participant's contact still may not, as before; nor, at the database, whatever the command asked.
  await expect(leavePerson(query, cast.grace)).rejects.toThrow(/^grace\.lin@northstar\.example is the point of contact of NorthStar Broadband: designate/);
  await expect(hub.ds.query(`UPDATE person SET left_at = now() WHERE id = $1`, [personId(cast.grace)])).rejects.toMatchObject({ code: '23514', constraint: 'contact_stays' });
  // Reinstated, Tom is told to sign in as what his organization makes him: anonymous.
  expect(await reinstatePerson(query, cast.tom)).toEqual({ id: tom, name: 'Tom Baker', organization: 'Meridian Bank', organizationStatus: 'WITHDRAWN' });
});

test.each<[string, () => Promise<unknown>, string | RegExp]>([
  ['a country code of three letters', () => addCountry(query, { code: 'FIN', name: 'Finland', developing: false }), 'a country code is two letters (ISO 3166-1 alpha-2, e.g. GB): "FIN"'],
  ['a country that exists', () => addCountry(query, { code: 'gb', name: 'Britain', developing: false }), 'the country GB exists already (United Kingdom)'],
  ['a country of a blank name', () => addCountry(query, { code: 'FI', name: '  ', developing: false }), 'the country’s name is empty'],
  ['an agency in a country not added', () => addParticipant(query, { kind: 'AGENCY', name: 'X', country: 'FI' }), 'no country FI: add it first (npm run admin -- country FI "<name>")'],
  ['an unknown competence', () => addParticipant(query, { kind: 'AGENCY', name: 'X', country: 'GB', competences: ['SPAM'] }), 'unknown competence SPAM: one of DATA_PROTECTION, TELECOMMUNICATIONS, CONSUMER_PROTECTION, CRIMINAL_LAW, OTHER'],
  ['an agency with a sector', () => addParticipant(query, { kind: 'AGENCY', name: 'X', country: 'GB', sector: 'MOBILE_OPERATOR' }), 'an agency has competences, not a sector or request guidance'],
  ['a member without a sector', () => addParticipant(query, { kind: 'PRIVATE_SECTOR', name: 'X', country: 'GB' }), /^a private-sector member needs its sector: one of FINANCIAL_INSTITUTION, INTERNET_SERVICE_PROVIDER, .*, DISPUTE_RESOLUTION_PROVIDER$/],
  ['a coordinating member', () => addParticipant(query, { kind: 'PRIVATE_SECTOR', name: 'X', country: 'GB', sector: 'MOBILE_OPERATOR', coordinator: true }), 'a private-sector member has a sector, not competences or a coordinator’s role'],
  ['a second organization of one name', () => addParticipant(query, { kind: 'PRIVATE_SECTOR', name: 'northstar broadband', country: 'US', sector: 'MOBILE_OPERATOR' }), 'an organization named "northstar broadband" exists already'],
  ['a person whose email is taken (any case)', () => addPerson(query, { email: cast.ann.toUpperCase(), name: 'Ann', organization: 'Meridian Bank' }), `a person with the email ${cast.ann.toUpperCase()} exists already`],
  ['a person of no organization', () => addPerson(query, { email: 'new@x.example', name: 'New', organization: 'Nobody Ltd' }), 'no organization named "Nobody Ltd" (npm run admin -- list)'],
  ['a person with no email address', () => addPerson(query, { email: 'new-at-x', name: 'New', organization: 'Meridian Bank' }), 'not an email address: new-at-x'],
  ['a name with a control character', () => addPerson(query, { email: 'new@x.example', name: 'New\u0007', organization: 'Meridian Bank' }), 'the person’s name must not contain control characters'],
  // The API's rules for any text (src/graphql/input-text.ts): names are shown to every viewer.
  ['an organization’s name with a right-to-left override', () => addParticipant(query, { kind: 'AGENCY', name: 'Evil\u202eAgency', country: 'GB' }),
    'the organization’s name must not contain a bidirectional formatting character (U+202E), which can show the text in another order than it is written'],
  ['a country’s name with an isolate', () => addCountry(query, { code: 'FI', name: 'Fin\u2067land', developing: false }),
    'the country’s name must not contain a bidirectional formatting character (U+2067), which can show the text in another order than it is written'],
  ['an organization’s name of zero-width spaces only', () => addParticipant(query, { kind: 'AGENCY', name: '\u200b\u200b', country: 'GB' }),
    'the organization’s name must not be blank (it holds only invisible characters: \\u200b\\u200b)'],
  ['a person’s name of a zero-width space', () => addPerson(query, { email: 'new@x.example', name: '\u200b', organization: 'Meridian Bank' }),
    'the person’s name must not be blank (it holds only invisible characters: \\u200b)'],
  ['an email with a zero-width space', () => addPerson(query, { email: 'x\u200b@y.example', name: 'New', organization: 'Meridian Bank' }),
    'not an email address (printable ASCII only, no spaces): x\\u200b@y.example'],
  ['an email with a right-to-left override', () => addPerson(query, { email: '\u202eq@y.example', name: 'New', organization: 'Meridian Bank' }),
    'the email must not contain a bidirectional formatting character (U+202E), which can show the text in another order than it is written'],
  ['a person’s title with a lone surrogate', () => addPerson(query, { email: 'new@x.example', name: 'New', title: 'Head \ud800', organization: 'Meridian Bank' }),
    'the title must be well-formed Unicode (it contains a lone surrogate)'],
])('refused, nothing written: %s', async (_what, write, message) => {
  const before = await counts();
  const poc = await hub.ds.query(`SELECT id, point_of_contact_id FROM participant ORDER BY id`);
  const refusal = write();
  await expect(refusal).rejects.toBeInstanceOf(ConfigError);
  if (typeof message === 'string') await expect(refusal).rejects.toEqual(new ConfigError(message));
  else await expect(refusal).rejects.toThrow(message);
  expect(await counts()).toEqual(before);
  expect(await hub.ds.query(`SELECT id, point_of_contact_id FROM participant ORDER BY id`)).toEqual(poc);
});
