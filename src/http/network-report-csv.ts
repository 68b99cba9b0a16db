import { textProblem } from '../graphql/input-text';

/**
 * The network report as CSV (`GET /reports/network.csv?from=…&to=…`): one row per figure, made from the GraphQL
 * `networkReport` of the same request — same reader, same token, same rules, same figures — so that the CSV is the
 * report row for row (DOMAIN §4). Columns: `section,key,detail,value`.
 *
 * A figure that is null in the report has its row with an empty `value`: `median_hours_to_answer` when no request the
 * reader can list was answered, and every questionnaire's `outstanding` row for a reader who is not a coordinator
 * (who has not answered is the coordinators' alone, §C.1: no number, not even a zero). The rows are the same for
 * every reader; what was redacted is named, as in GraphQL's `extensions.redacted`, in the response header
 * `X-Redacted` (paths, comma-separated).
 */
export const networkReportQuery = `query NetworkReportCsv($from: DateTimeISO!, $to: DateTimeISO!) {
  networkReport(from: $from, to: $to) {
    from to
    participantsByKind { key count }
    participantsBySector { key count }
    participantsByCountry { country { code name developing } agencies privateSectorMembers }
    developingCountriesParticipating
    callsHeld quartersWithoutCall callsPerQuarter { year quarter calls }
    casesByCategory { key count }
    casesByStatus { key count }
    assistanceRequestsByStatus { key count }
    medianHoursToAnswer
    questionnaires { title audience responded outstanding }
  }
}`;

interface KeyCount {
  key: string;
  count: number;
}

export interface NetworkReportData {
  from: string;
  to: string;
  participantsByKind: KeyCount[];
  participantsBySector: KeyCount[];
  participantsByCountry: Array<{ country: { code: string; name: string; developing: boolean }; agencies: number; privateSectorMembers: number }>;
  developingCountriesParticipating: number;
  callsHeld: number;
  quartersWithoutCall: number;
  callsPerQuarter: Array<{ year: number; quarter: number; calls: number }>;
  casesByCategory: KeyCount[];
  casesByStatus: KeyCount[];
  assistanceRequestsByStatus: KeyCount[];
  medianHoursToAnswer: number | null;
  questionnaires: Array<{ title: string; audience: string; responded: number; outstanding: number | null }>;
}

/**
 * A cell a spreadsheet would read as a formula — text starting with `=`, `+`, `-` or `@` (or a tab or carriage return,
 * which some spreadsheets skip before looking) — is written with a leading apostrophe, so that it shows as the text it
 * is and runs nothing (OWASP "CSV injection"). Numbers are written as numbers.
 */
export function neutralised(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function cell(value: string | number | boolean | null): string {
  const text = value === null ? '' : typeof value === 'string' ? neutralised(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The report's `from` / `to` query parameters: a date (`2025-01-01`, midnight UTC) or an ISO 8601 date-time with its
 * zone (`2025-01-01T00:00:00Z`, `2025-01-01T09:30:00+02:00`), as a DateTimeISO string; a problem otherwise.
 */
/** The span of dates a network report takes, in UTC: its quarters are labelled by year (2025-Q1). */
export const REPORT_YEARS = 'must be from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';

/**
 * A value received, quoted to be repeated in a message: what shows nothing or moves the text around it — format
 * characters (direction marks, zero-width spaces, the byte-order mark), controls, line and paragraph separators — is
 * written as its escape (`\u200f`), so that the reader sees what was sent.
 */
function shown(raw: string): string {
  return JSON.stringify(raw).replace(/[\p{Cf}\p{Cc}\p{Zl}\p{Zp}]/gu, (ch) => {
    const code = ch.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function reportDate(name: 'from' | 'to', raw: unknown): { value: string } | { problem: string; argument: string } {
  const wanted = 'must be a date (2025-01-01) or a date-time with its zone (2025-01-01T00:00:00Z)';
  if (raw === undefined || raw === '') return { argument: name, problem: `is required: ${wanted.replace(/^must be /, '')}` };
  if (typeof raw !== 'string') return { argument: name, problem: `${wanted}, given once` };
  // What GraphQL refuses in any argument (a control character, a bidirectional override …) is refused in the same
  // words here, before the value is repeated in a message that would show it to the reader.
  const bad = textProblem(raw);
  if (bad) return { argument: name, problem: bad };
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  // RFC 3339 (§5.6) lets the T and the Z be written in lower case, as the GraphQL DateTime argument does.
  const dateTime = /^(\d{4})-(\d{2})-(\d{2})[Tt]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$/.exec(raw);
  const parts = date ?? dateTime;
  if (!parts) {
    // A zone written +02:00 in a URL's query string arrives as " 02:00": a + there means a space.
    const plus = /^\d{4}-\d{2}-\d{2}[Tt][\d:.]+ \d{2}:\d{2}$/.test(raw) ? ' (a + in a query string is read as a space: write it %2B)' : '';
    return { argument: name, problem: `${wanted}, got ${shown(raw)}${plus}` };
  }
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  const parsed = new Date(date ? `${raw}T00:00:00Z` : raw.toUpperCase());
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day || Number.isNaN(parsed.getTime())) {
    return { argument: name, problem: `${wanted}; ${raw} is not a day of the calendar or a time of day` };
  }
  // The report's bounds, in UTC, said with the value received (a time in 9999 whose zone puts it in 10000 otherwise
  // reached the report as an ISO string of six digits, refused in words the reader never wrote).
  const utcYear = parsed.getUTCFullYear();
  if (utcYear < 1900 || utcYear > 9999) return { argument: name, problem: `${REPORT_YEARS} (got ${raw})` };
  return { value: parsed.toISOString() };
}

export function networkReportCsv(r: NetworkReportData): string {
  const rows: Array<Array<string | number | boolean | null>> = [['section', 'key', 'detail', 'value']];
  rows.push(['period', 'from', '', r.from], ['period', 'to', '', r.to]);
  for (const k of r.participantsByKind) rows.push(['participants_by_kind', k.key, '', k.count]);
  for (const k of r.participantsBySector) rows.push(['participants_by_sector', k.key, '', k.count]);
  for (const c of r.participantsByCountry) {
    const detail = c.country.developing ? 'developing' : '';
    rows.push(['participants_by_country', c.country.code, `agencies${detail ? ' (developing)' : ''}`, c.agencies]);
    rows.push(['participants_by_country', c.country.code, `private_sector${detail ? ' (developing)' : ''}`, c.privateSectorMembers]);
  }
  rows.push(['participants', 'developing_countries', '', r.developingCountriesParticipating]);
  rows.push(['calls', 'held', '', r.callsHeld], ['calls', 'quarters_without_call', '', r.quartersWithoutCall]);
  for (const q of r.callsPerQuarter) rows.push(['calls_per_quarter', `${q.year}-Q${q.quarter}`, '', q.calls]);
  for (const k of r.casesByCategory) rows.push(['cases_by_category', k.key, '', k.count]);
  for (const k of r.casesByStatus) rows.push(['cases_by_status', k.key, '', k.count]);
  for (const k of r.assistanceRequestsByStatus) rows.push(['assistance_requests_by_status', k.key, '', k.count]);
  rows.push(['assistance_requests', 'median_hours_to_answer', '', r.medianHoursToAnswer]);
  for (const q of r.questionnaires) {
    rows.push(['questionnaires', q.title, `${q.audience} responded`, q.responded], ['questionnaires', q.title, `${q.audience} outstanding`, q.outstanding]);
  }
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
