import { AgencyCompetence, Sector } from '../../entities/enums';
import { ConfigError } from '../config';
import { isBlank, textProblem } from '../graphql/input-text';

/**
 * What an operator writes as the database's owner to found a network (`npm run admin`): its countries, its founding
 * participants (endorsed from the moment they are added) and their people. Everything else is done in the hub by
 * those people under the policy: a coordinator records the applications of those who join later (the endorsement
 * paragraph after §D), agencies designate points of contact, and so on. A production database starts empty
 * (`SEED_DEMO=false`): without this, nobody could sign in to do the rest.
 *
 * Every function checks its input and says what is wrong in one line (a ConfigError: the command prints it and exits
 * 1), and writes in one statement: all of it or nothing.
 */

/** A statement as the database's owner: rows as plain objects. */
export type OwnerQuery = (text: string, values?: unknown[]) => Promise<any[]>;

const competences = Object.values(AgencyCompetence) as string[];
const sectors = Object.values(Sector) as string[];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A text an operator gives, held to the rules the API holds every argument to (src/graphql/input-text.ts): what no
 * reader should be shown (a control character, a bidirectional override, a lone surrogate) is refused, and so is a
 * text of only white space or invisible characters (blank, as three zero-width spaces are). Names are shown to every
 * viewer; line breaks have no place in them either.
 */
export function text(what: string, value: string | undefined, max: number, required = true): string | null {
  const v = value?.trim() ?? '';
  if (!v) {
    // Given, as nothing or white space (`--name ""`): said as what it is, not as missing.
    if (required) throw new ConfigError(`${what} ${value === undefined ? 'is required' : 'is empty'}`);
    return null;
  }
  if (isBlank(v)) throw new ConfigError(`${what} must not be blank (it holds only invisible characters: ${escaped(v)})`);
  // In characters (an emoji is one), as the API counts them.
  if ([...v].length > max) throw new ConfigError(`${what} must be at most ${max} characters`);
  if (/[\u0000-\u001f\u007f]/.test(v)) throw new ConfigError(`${what} must not contain control characters`);
  const problem = textProblem(v);
  if (problem) throw new ConfigError(`${what} ${problem}`);
  return v;
}

/**
 * An email as the hub's people have them: printable ASCII without spaces (as an identity provider's token must give
 * it, src/auth/viewer.ts), an @ and a dot after it. A zero-width space or a direction override in an address would
 * make two addresses that look alike.
 */
function email(value: string | undefined): string {
  // At most 320 characters, as the API takes an email (recordApplication's point of contact).
  const v = text('the email', value, 320)!;
  if (!/^[\x21-\x7e]+$/.test(v)) throw new ConfigError(`not an email address (printable ASCII only, no spaces): ${escaped(v)}`);
  if (!/^[^@]+@[^@]+\.[^@]+$/.test(v)) throw new ConfigError(`not an email address: ${v}`);
  return v;
}

/** A text as a message may repeat it: every character outside printable ASCII written as its escape (`\u200b`). */
export function escaped(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A statement's rows. TypeORM's `DataSource.query` (the embedded database a command opened itself) answers an UPDATE
 * or DELETE as [rows, affected]; a server's client gives the rows.
 */
async function run(query: OwnerQuery, sql: string, values: unknown[]): Promise<any[]> {
  const result = await query(sql, values);
  return result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
}

async function countryName(query: OwnerQuery, code: string): Promise<string> {
  const [row] = await run(query, `SELECT name FROM country WHERE code = $1`, [code]);
  if (!row) throw new ConfigError(`no country ${code}: add it first (npm run admin -- country ${code} "<name>")`);
  return row.name;
}

function countryCode(value: string | undefined): string {
  const code = (value ?? '').trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) throw new ConfigError(`a country code is two letters (ISO 3166-1 alpha-2, e.g. GB): ${value === undefined ? 'none given' : JSON.stringify(value)}`);
  return code;
}

export async function addCountry(query: OwnerQuery, input: { code: string; name: string; developing: boolean }): Promise<{ code: string; name: string; developing: boolean }> {
  const code = countryCode(input.code);
  const name = text('the country’s name', input.name, 100)!;
  const [row] = await run(query, `INSERT INTO country (code, name, developing) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING RETURNING code`, [code, name, input.developing]);
  if (!row) throw new ConfigError(`the country ${code} exists already (${await countryName(query, code)})`);
  return { code, name, developing: input.developing };
}

export interface FoundingParticipant {
  kind: 'AGENCY' | 'PRIVATE_SECTOR';
  name: string;
  country: string;
  /** Agencies. */
  competences?: string[];
  coordinator?: boolean;
  /** Private-sector members. */
  sector?: string;
  requestGuidance?: string;
}

export async function addParticipant(query: OwnerQuery, input: FoundingParticipant, now = new Date()): Promise<{ id: string; name: string; country: string }> {
  const name = text('the organization’s name', input.name, 200)!;
  const country = countryCode(input.country);
  await countryName(query, country);
  let competenceList: string[] = [];
  let sector: string | null = null;
  let guidance: string | null = null;
  if (input.kind === 'AGENCY') {
    if (input.sector !== undefined || input.requestGuidance !== undefined) throw new ConfigError('an agency has competences, not a sector or request guidance');
    competenceList = [...new Set((input.competences ?? []).map((c) => c.trim().toUpperCase()))];
    const unknown = competenceList.filter((c) => !competences.includes(c));
    if (unknown.length) throw new ConfigError(`unknown competence ${unknown.join(', ')}: one of ${competences.join(', ')}`);
  } else {
    if (input.coordinator || input.competences?.length) throw new ConfigError('a private-sector member has a sector, not competences or a coordinator’s role');
    sector = (input.sector ?? '').trim().toUpperCase();
    if (!sector) throw new ConfigError(`a private-sector member needs its sector: one of ${sectors.join(', ')}`);
    if (!sectors.includes(sector)) throw new ConfigError(`unknown sector ${sector}: one of ${sectors.join(', ')}`);
    guidance = text('the request guidance', input.requestGuidance, 2000, false);
  }
  // Two organizations of one name would be told apart by id only: refused (names are how people are added to them).
  const [row] = await run(
    query,
    `INSERT INTO participant (kind, name, country_code, status, applied_at, endorsed_at, competences, is_coordinator, sector, request_guidance)
     SELECT $1, $2, $3, 'ENDORSED', $4, $4, $5::text[], $6, $7, $8
     WHERE NOT EXISTS (SELECT 1 FROM participant WHERE lower(name) = lower($2))
     RETURNING id`,
    [input.kind, name, country, now, competenceList, input.kind === 'AGENCY' && !!input.coordinator, sector, guidance],
  );
  if (!row) throw new ConfigError(`an organization named "${name}" exists already`);
  return { id: row.id, name, country };
}

export interface NewPerson {
  email: string;
  name: string;
  /** The organization's exact name (any case) or id. */
  organization: string;
  phone?: string;
  title?: string;
  pointOfContact?: boolean;
}

export async function addPerson(query: OwnerQuery, input: NewPerson): Promise<{ id: string; email: string; organization: string }> {
  const address = email(input.email);
  const name = text('the person’s name', input.name, 200)!;
  const phone = text('the phone', input.phone, 50, false);
  const title = text('the title', input.title, 200, false);
  const which = text('the organization', input.organization, 200)!;
  const org = await organization(query, which);
  // An organization out of the network (withdrawn, rejected) takes nobody new: its people are anonymous, and one added
  // now would be a member the day it joins again, unrecorded by the procedure. An applicant's people may be added.
  if (org.status === 'WITHDRAWN' || org.status === 'REJECTED') {
    throw new ConfigError(`${org.name} is ${org.status.toLowerCase()} (${org.status}): a person is added only to a participant or an applicant`);
  }
  const taken = async () => {
    const [existing] = await run(query, `SELECT left_at FROM person WHERE lower(email) = lower($1)`, [address]);
    const left = existing?.left_at ? ` (they left the network: npm run admin -- reinstate ${address})` : '';
    return new ConfigError(`a person with the email ${address} exists already${left}`);
  };
  const [row] = await run(
    query,
    `WITH added AS (
       INSERT INTO person (organization_id, name, email, phone, title)
       SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM person WHERE lower(email) = lower($3))
       RETURNING id
     ), contact AS (
       UPDATE participant SET point_of_contact_id = added.id FROM added WHERE participant.id = $1 AND $6::boolean RETURNING 1
     )
     SELECT id FROM added`,
    [org.id, name, address, phone, title, !!input.pointOfContact],
  ).catch(async (err) => {
    // Added by another command at the same moment: the unique index on emails decides.
    throw (err as { code?: string }).code === '23505' ? await taken() : err;
  });
  if (!row) throw await taken();
  return { id: row.id, email: address, organization: org.name };
}

/** An organization by id, else by its exact name, else by its name in any case (when only one organization has it so). */
async function organization(query: OwnerQuery, which: string): Promise<{ id: string; name: string; status: string }> {
  // The status as it is now (the procedure's, at an application's deadline), as the hub tells it.
  const columns = `id, name, lap.participant_status(status, objection_deadline, id) AS status`;
  let orgs = await run(query, `SELECT ${columns} FROM participant WHERE ${UUID.test(which) ? 'id = $1::uuid' : 'name = $1'}`, [which]);
  if (!orgs.length && !UUID.test(which)) orgs = await run(query, `SELECT ${columns} FROM participant WHERE lower(name) = lower($1)`, [which]);
  if (orgs.length > 1) throw new ConfigError(`${orgs.length} organizations are named "${which}" but for case: give the exact name or the id (npm run admin -- list)`);
  if (orgs.length !== 1) throw new ConfigError(`no organization ${UUID.test(which) ? 'with the id' : 'named'} "${which}" (npm run admin -- list)`);
  return orgs[0];
}

/**
 * Withdraws an endorsed participant from the network (it leaves, or is asked to): from that moment its people are
 * anonymous viewers on their next request or subscription delivery (DOMAIN §2: a person of an organization that is
 * not endorsed), its API keys are refused, and shares to it reach nobody; its records stay, and it stays listed as
 * WITHDRAWN. Not undone here: it joins again by the endorsement procedure. The network's last coordinator is not withdrawn.
 */
export async function withdrawParticipant(query: OwnerQuery, which: string): Promise<{ id: string; name: string; primaryContactOf: string[] }> {
  const org = await organization(query, text('the organization', which, 200)!);
  // The countries one of its people is the primary contact of: the withdrawal clears them (lap.withdrawn_contacts_cleared,
  // §A.2: the contact is among the country's agencies) until one of their agencies designates someone.
  const primaryContactOf = (
    await run(query, `SELECT c.name FROM country c JOIN person pe ON pe.id = c.primary_contact_id WHERE pe.organization_id = $1 ORDER BY c.name`, [org.id])
  ).map((r: { name: string }) => r.name);
  // Endorsed as it is now (lap.participant_status): one endorsed by the procedure at its deadline is still stored as
  // APPLIED (the status is computed when read), and is withdrawn as well; when it was endorsed is kept.
  // The network's last endorsed coordinator stays: without one nobody schedules calls or records applications (§C.2),
  // and no command makes an agency a coordinator later — another is founded first (as a point of contact who leaves).
  // Decided by the database under a lock (lap.last_coordinator_stays): two withdrawals at once cannot each leave the
  // other's coordinator as the last.
  const lastCoordinator = new ConfigError(`${org.name} is the network's last coordinator: found another first (npm run admin -- agency <name> --country <CODE> --coordinator)`);
  const [row] = await run(
    query,
    `UPDATE participant SET status = 'WITHDRAWN', endorsed_at = lap.participant_endorsed_at(status, objection_deadline, id, endorsed_at)
      WHERE id = $1 AND lap.participant_status(status, objection_deadline, id) = 'ENDORSED' RETURNING id`,
    [org.id],
  ).catch((err: { code?: string; constraint?: string }) => {
    throw err?.code === '23514' && err.constraint === 'last_coordinator_stays' ? lastCoordinator : err;
  });
  if (!row) throw new ConfigError(`${org.name} is not an endorsed participant (${org.status}): nothing to withdraw`);
  return { id: org.id, name: org.name, primaryContactOf };
}

/**
 * A person leaves the network while their organization stays (they change jobs, or their access is to end now): from
 * that moment their tokens are refused (lap.viewer_of finds nobody), their open subscriptions are closed at the next
 * delivery, they are no longer among their organization's people and their resource-list entry is withheld; the person
 * row stays, so the shares, reports, minutes and requests that name them keep doing so. A point of contact or a
 * country's primary contact cannot leave until someone else is designated: the network would be left with a contact
 * nobody answers for (the contact of an organization withdrawn or rejected may: it answers for nothing). API keys they created belong to their organization and stay valid (`createdBy` names them).
 */
export async function leavePerson(query: OwnerQuery, email: string): Promise<{ id: string; name: string; organization: string; apiKeys: number }> {
  const person = await personByEmail(query, email);
  if (person.left_at) throw new ConfigError(`${person.email} left the network already (${new Date(person.left_at).toISOString()})`);
  const roles = await run(
    query,
    // An organization out of the network (withdrawn, rejected) answers for nothing, and nobody can designate another
    // contact for it: its contact may leave (lap.contact_stays decides the same).
    `SELECT 'the point of contact of ' || p.name AS role FROM participant p WHERE p.point_of_contact_id = $1
       AND lap.participant_status(p.status, p.objection_deadline, p.id) NOT IN ('WITHDRAWN', 'REJECTED')
     UNION ALL SELECT 'the primary contact of ' || c.name FROM country c WHERE c.primary_contact_id = $1 ORDER BY 1`,
    [person.id],
  );
  if (roles.length) {
    throw new ConfigError(
      `${person.email} is ${roles.map((r) => r.role).join(' and ')}: designate someone else first (designatePointOfContact, designateCountryPrimaryContact, or npm run admin -- person … --point-of-contact)`,
    );
  }
  // The database decides it again under the person's row lock (lap.contact_stays): a designation made while this ran
  // either waits for the leave and is refused, or is waited for and refuses the leave.
  const [row] = await run(
    query,
    `UPDATE person SET left_at = now() WHERE id = $1 AND left_at IS NULL
     RETURNING (SELECT count(*)::int FROM api_key k WHERE k.created_by_id = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())) AS keys`,
    [person.id],
  ).catch((err: { code?: string; constraint?: string }) => {
    if (err.code === '23514' && err.constraint === 'contact_stays') {
      throw new ConfigError(`${person.email} was designated a contact while this ran: designate someone else first, then run it again`);
    }
    throw err;
  });
  if (!row) throw new ConfigError(`${person.email} changed while this ran: try again`);
  return { id: person.id, name: person.name, organization: person.organization, apiKeys: row.keys };
}

/** Undoes `leavePerson` (a mistake, or they are back): they sign in again as their organization makes them. */
export async function reinstatePerson(query: OwnerQuery, email: string): Promise<{ id: string; name: string; organization: string; organizationStatus: string }> {
  const person = await personByEmail(query, email);
  const [row] = await run(
    query,
    `UPDATE person pe SET left_at = NULL FROM participant p WHERE pe.id = $1 AND pe.left_at IS NOT NULL AND p.id = pe.organization_id
     RETURNING lap.participant_status(p.status, p.objection_deadline, p.id) AS status`,
    [person.id],
  );
  if (!row) throw new ConfigError(`${person.email} has not left the network: nothing to reinstate`);
  return { id: person.id, name: person.name, organization: person.organization, organizationStatus: row.status };
}

async function personByEmail(query: OwnerQuery, email: string) {
  const address = text('the email', email, 320)!;
  const [person] = await run(
    query,
    `SELECT pe.id, pe.name, pe.email, pe.left_at, p.name AS organization FROM person pe JOIN participant p ON p.id = pe.organization_id WHERE lower(pe.email) = lower($1)`,
    [address],
  );
  if (!person) throw new ConfigError(`no person with the email ${address} (npm run token -- --list)`);
  return person as { id: string; name: string; email: string; left_at: Date | null; organization: string };
}

export interface OrganizationLine {
  name: string;
  kind: string;
  status: string;
  country: string;
  coordinator: boolean;
  people: number;
  /** People who have left the network (not counted in `people`). */
  left: number;
  pointOfContact: string | null;
}

export async function listOrganizations(query: OwnerQuery): Promise<OrganizationLine[]> {
  const rows = await run(
    query,
    `SELECT p.name, p.kind, lap.participant_status(p.status, p.objection_deadline, p.id) AS status, p.country_code AS country, p.is_coordinator AS coordinator,
            (SELECT count(*)::int FROM person pe WHERE pe.organization_id = p.id AND pe.left_at IS NULL) AS people,
            (SELECT count(*)::int FROM person pe WHERE pe.organization_id = p.id AND pe.left_at IS NOT NULL) AS "left",
            (SELECT email FROM person pe WHERE pe.id = p.point_of_contact_id) AS "pointOfContact"
       FROM participant p ORDER BY p.kind, p.name`,
    [],
  );
  return rows as OrganizationLine[];
}
