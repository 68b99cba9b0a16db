import { loadConfig } from '../config';
import { addCountry, addParticipant, addPerson, leavePerson, listOrganizations, OwnerQuery, reinstatePerson, withdrawParticipant } from '../db/bootstrap';
import { commandLine, runCommand, withDatabase } from './command';

const usage = `usage: npm run admin -- country <CODE> <name> [--developing]
       npm run admin -- agency <name> --country <CODE> [--coordinator] [--competence <C>]...
       npm run admin -- member <name> --country <CODE> --sector <SECTOR> [--guidance <text>]
       npm run admin -- person <email> --name <name> --organization <name or id> [--phone <p>] [--title <t>] [--point-of-contact]
       npm run admin -- leave <email>
       npm run admin -- reinstate <email>
       npm run admin -- withdraw <organization name or id>
       npm run admin -- list

Founds a network on an empty database (SEED_DEMO=false, as in production): its countries, its founding agencies and
private-sector members (endorsed at once) and their people, who then sign in (npm run token, or your identity
provider's tokens naming their email) and do the rest in the hub. Later participants join by the endorsement procedure
(recordApplication). leave ends one person's access while their organization stays (their tokens refused from their
next request, no longer among its people; the records naming them stay); reinstate undoes it. withdraw takes an
endorsed participant out: its people are anonymous from their next request, its API keys refused; its records stay.
A withdrawal is not undone: the organization joins again only by the endorsement procedure (recordApplication), and
the network's last coordinator is not withdrawn. Writes as the database's owner, to the database DATABASE_URL or
DATA_DIR names.`;

const options = {
  developing: { type: 'boolean' },
  country: { type: 'string' },
  coordinator: { type: 'boolean' },
  competence: { type: 'string', multiple: true },
  sector: { type: 'string' },
  guidance: { type: 'string' },
  name: { type: 'string' },
  organization: { type: 'string' },
  phone: { type: 'string' },
  title: { type: 'string' },
  'point-of-contact': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which options each command takes (any other is refused, so that a typo is not silently ignored). */
const allowed: Record<string, string[]> = {
  country: ['developing'],
  agency: ['country', 'coordinator', 'competence'],
  member: ['country', 'sector', 'guidance'],
  person: ['name', 'organization', 'phone', 'title', 'point-of-contact'],
  leave: [],
  reinstate: [],
  withdraw: [],
  list: [],
};
const positionalCount: Record<string, number> = { country: 2, agency: 1, member: 1, person: 1, leave: 1, reinstate: 1, withdraw: 1, list: 0 };

async function main(): Promise<number> {
  const parsed = commandLine(options, usage);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (!command || !(command in allowed)) {
    process.stderr.write(`${command ? `unknown command ${command}\n` : ''}${usage}\n`);
    return 2;
  }
  const extra = Object.keys(values).filter((o) => o !== 'help' && !allowed[command].includes(o));
  if (extra.length || args.length !== positionalCount[command]) {
    process.stderr.write(`${extra.length ? `${command} takes no --${extra.join(', --')}\n` : `${command} takes ${positionalCount[command]} argument(s)\n`}${usage}\n`);
    return 2;
  }
  const config = loadConfig();
  return withDatabase(config, async (query: OwnerQuery, where) => {
    const say = (line: string) => process.stdout.write(`${line}\n`);
    switch (command) {
      case 'country': {
        const c = await addCountry(query, { code: args[0], name: args[1], developing: !!values.developing });
        say(`country ${c.code} ${c.name}${c.developing ? ' (developing)' : ''} added to ${where}`);
        break;
      }
      case 'agency':
      case 'member': {
        const p = await addParticipant(query, {
          kind: command === 'agency' ? 'AGENCY' : 'PRIVATE_SECTOR',
          name: args[0],
          country: values.country ?? '',
          competences: values.competence,
          coordinator: values.coordinator,
          sector: values.sector,
          requestGuidance: values.guidance,
        });
        say(`${command === 'agency' ? (values.coordinator ? 'coordinating agency' : 'agency') : 'private-sector member'} ${p.name} (${p.country}) endorsed as a founding participant in ${where}: id ${p.id}`);
        break;
      }
      case 'person': {
        const p = await addPerson(query, {
          email: args[0],
          name: values.name ?? '',
          organization: values.organization ?? '',
          phone: values.phone,
          title: values.title,
          pointOfContact: values['point-of-contact'],
        });
        say(`${p.email} added to ${p.organization}${values['point-of-contact'] ? ' as its point of contact' : ''} in ${where}: id ${p.id}`);
        break;
      }
      case 'leave': {
        const p = await leavePerson(query, args[0]);
        say(`${args[0]} (${p.name}) has left ${p.organization} in ${where}: their tokens are refused from their next request`);
        if (p.apiKeys) say(`${p.apiKeys} API ${p.apiKeys === 1 ? 'key' : 'keys'} they created for ${p.organization} ${p.apiKeys === 1 ? 'stays' : 'stay'} valid: its people can revoke ${p.apiKeys === 1 ? 'it' : 'them'} (revokeApiKey)`);
        break;
      }
      case 'reinstate': {
        const p = await reinstatePerson(query, args[0]);
        // Their organization out of the network (withdrawn, rejected, or an applicant still): they sign in as anonymous.
        say(
          p.organizationStatus === 'ENDORSED'
            ? `${args[0]} (${p.name}) of ${p.organization} reinstated in ${where}: they sign in again`
            : `${args[0]} (${p.name}) of ${p.organization} reinstated in ${where}: they sign in again, as ANONYMOUS while ${p.organization} is ${p.organizationStatus}`,
        );
        break;
      }
      case 'withdraw': {
        const p = await withdrawParticipant(query, args[0]);
        say(`${p.name} withdrawn in ${where}: its people are anonymous viewers from their next request, its API keys refused (not undone: it joins again only by the endorsement procedure)`);
        if (p.primaryContactOf.length) {
          say(`${p.primaryContactOf.join(', ')} ${p.primaryContactOf.length === 1 ? 'has' : 'have'} no primary contact now: one of ${p.primaryContactOf.length === 1 ? 'its' : 'their'} agencies designates one (designateCountryPrimaryContact)`);
        }
        break;
      }
      case 'list': {
        const rows = await listOrganizations(query);
        if (!rows.length) say(`no organizations in ${where} yet`);
        const width = Math.max(0, ...rows.map((r) => r.name.length));
        for (const r of rows) {
          const kind = r.kind === 'AGENCY' ? (r.coordinator ? 'COORDINATOR' : 'AGENCY') : 'PRIVATE_SECTOR';
          const left = r.left ? ` (${r.left} left)` : '';
          say(`${r.name.padEnd(width)}  ${r.country}  ${kind.padEnd(14)}  ${r.status.padEnd(9)}  ${r.people} ${r.people === 1 ? 'person' : 'people'}${left}${r.pointOfContact ? `, contact ${r.pointOfContact}` : ''}`);
        }
        break;
      }
    }
    return 0;
  });
}

runCommand('admin', main);
