import { generateApiKey } from '../auth/api-keys';
import { TokenService } from '../auth/tokens';
import { Config, ConfigError, loadConfig } from '../config';
import { escaped, text } from '../db/bootstrap';
import { commandLine, runCommand, withDatabase } from './command';

const usage = `usage: npm run token -- <email>                      print a bearer token for that person
       npm run token -- --api-key <email> [--name N]  create an API key for that person's organization (DOMAIN §8), print it
       npm run token -- --list                        list the people: email, organization, viewer kind`;

interface PersonRow {
  id: string;
  email: string;
  organization: string;
  /** The kind of viewer a token of theirs makes now (lap.viewer_of, as a request would ask); LEFT: none, they have left the network. */
  viewer: string;
}

const peopleQuery = `SELECT pe.id, pe.email, p.name AS organization, coalesce(v.kind, 'LEFT') AS viewer
  FROM person pe JOIN participant p ON p.id = pe.organization_id LEFT JOIN LATERAL lap.viewer_of(pe.id, NULL, now()) v ON true
  ORDER BY p.name, pe.email`;

/**
 * Reads the people as a request's lookup would judge them (`withDatabase`: through a running hub's own database socket,
 * or the data folder opened here with the demo network loaded when empty, as `npm start` would on a fresh install).
 */
function readPeople(config: Config): Promise<PersonRow[]> {
  return withDatabase(config, async (query) => (await query(peopleQuery)) as PersonRow[], { seedDemo: config.seedDemo });
}

/**
 * Creates an API key for the organization of an endorsed person, as that person had asked for it with `createApiKey`
 * (the same table, prefix and hash), and returns the secret (printed once, never stored) and the database it is in:
 * the one this environment names, which must be the hub's (`DATABASE_URL`, `DATA_DIR`) for the hub to know the key.
 */
async function mintApiKey(config: Config, person: PersonRow, name: string): Promise<{ secret: string; where: string }> {
  if (person.viewer === 'ANONYMOUS') throw new ConfigError(`${person.email}'s organization is not an endorsed participant: it cannot have API keys`);
  const key = generateApiKey();
  const where = await withDatabase(config, async (query, description) => {
    await query(
      `INSERT INTO api_key (organization_id, name, prefix, secret_hash, created_by_id)
       SELECT pe.organization_id, $2, $3, $4, pe.id FROM person pe WHERE pe.id = $1`,
      [person.id, name, key.prefix, key.hash],
    );
    return description;
  });
  return { secret: key.secret, where };
}

async function main(): Promise<number> {
  const parsed = commandLine(
    { list: { type: 'boolean' }, 'api-key': { type: 'boolean' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const,
    usage,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  // What is wrong is said on a line of its own before the usage, as for a line parseArgs cannot read.
  const problem =
    values.name !== undefined && !values['api-key']
      ? '--name names an API key: it goes with --api-key'
      : values.list && values['api-key']
        ? '--list lists people; it goes with no --api-key'
      : values.list && positionals.length > 0
        ? `--list takes no email (given: ${positionals.map((p) => JSON.stringify(p)).join(', ')})`
        : !values.list && positionals.length === 0
          ? values['api-key']
            ? "--api-key needs the email of the person whose organization the key is for"
            : 'the email of the person to print a token for is missing'
          : !values.list && positionals.length > 1
            ? `one email only (given: ${positionals.map((p) => JSON.stringify(p)).join(', ')})`
            : null;
  if (problem !== null) {
    process.stderr.write(`${problem}\n${usage}\n`);
    return 2;
  }
  if (!values.list && positionals[0].trim() === '') {
    process.stderr.write(`the person's email is empty; see npm run token -- --list\n${usage}\n`);
    return 2;
  }
  const config = loadConfig();
  const tokens = new TokenService(config);
  const people = await readPeople(config);
  if (values.list) {
    if (people.length === 0) {
      // Nothing to list is said, not an empty output (a database with no network yet: SEED_DEMO=false, as in production).
      process.stderr.write('nobody yet: found the network first (npm run admin -- country …, agency …, person …; see the README, Operations)\n');
      return 0;
    }
    const width = Math.max(...people.map((p) => p.email.length));
    const orgWidth = Math.max(...people.map((p) => p.organization.length));
    for (const p of people) {
      process.stdout.write(`${p.email.padEnd(width)}  ${p.organization.padEnd(orgWidth)}  ${p.viewer}\n`);
    }
    return 0;
  }
  const email = positionals[0].toLowerCase();
  const person = people.find((p) => p.email.toLowerCase() === email);
  if (!person) {
    process.stderr.write(`no person with the email ${escaped(positionals[0])}; see npm run token -- --list\n`);
    return 1;
  }
  if (person.viewer === 'LEFT') {
    process.stderr.write(`${person.email} has left the network: the hub refuses their tokens (npm run admin -- reinstate ${person.email})\n`);
    return 1;
  }
  if (values['api-key']) {
    // Held to the rules `createApiKey` holds a name to (its organization's people read it in `apiKeys`).
    const name = text('--name', values.name ?? 'dashboard (npm run token)', 100)!;
    const { secret, where } = await mintApiKey(config, person, name);
    process.stdout.write(secret + '\n');
    process.stderr.write(`API key "${name}" of ${person.organization}, kept in ${where}: shown this once; revoke it with revokeApiKey\n`);
    return 0;
  }
  if (!tokens.canSign) throw new ConfigError('with JWKS_URL set, tokens come from your identity provider');
  process.stdout.write((await tokens.sign(person.id, person.email)) + '\n');
  // Valid, and the person's: but their organization is not a member (an applicant, rejected, withdrawn), so the hub
  // answers it as it answers no token at all (DOMAIN §2). Said, so that nobody takes the empty answers for a fault.
  if (person.viewer === 'ANONYMOUS') {
    process.stderr.write(`note: ${person.organization} is not an endorsed participant (an applicant, rejected or withdrawn): the hub reads this token as ANONYMOUS\n`);
  }
  return 0;
}

runCommand('token', main);
