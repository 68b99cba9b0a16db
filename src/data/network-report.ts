import { Country } from '../../entities/country.entity';
import { raw, sql, Sql } from '../db/sql';
import type { ViewerDb } from '../db/viewer-db';

export interface KeyCountFigure {
  key: string;
  count: number;
}

export interface NetworkReportFigures {
  from: Date;
  to: Date;
  participantsByKind: KeyCountFigure[];
  participantsBySector: KeyCountFigure[];
  participantsByCountry: Array<{ country: Country; agencies: number; privateSectorMembers: number }>;
  developingCountriesParticipating: number;
  callsHeld: number;
  callsPerQuarter: Array<{ year: number; quarter: number; calls: number }>;
  quartersWithoutCall: number;
  casesByCategory: KeyCountFigure[];
  casesByStatus: KeyCountFigure[];
  assistanceRequestsByStatus: KeyCountFigure[];
  medianHoursToAnswer: number | null;
  questionnaires: Array<{ title: string; audience: string; responded: number; outstanding: number | null }>;
}

type Row = Record<string, unknown>;

/**
 * Participants endorsed now (lap.participant_status at the request's clock) and already before the end of the period.
 * Endorsed participants are public (DOMAIN §4): every reader counts the same.
 */
const endorsedBefore = (to: Date): Sql =>
  sql`lap.participant_status(p.status, p.objection_deadline, p.id) = 'ENDORSED'
      AND lap.participant_endorsed_at(p.status, p.objection_deadline, p.id, p.endorsed_at) < ${to}`;

/**
 * The network report (§C.1, §D) for [from, to), as the reader may count it (DOMAIN §3: every figure is a count the
 * same viewer could make by listing). Every statement runs as the reader, so row-level security decides what each
 * figure counts — the cases, requests for assistance, calls and questionnaire responses that reader can list — and
 * nothing here restates a rule. Keys are ordered bytewise (COLLATE "C"), the same on every database.
 *
 * `outstanding` (who has not answered a questionnaire) is the coordinators' (§C.1, lap.questionnaire_outstanding_readable,
 * the condition of `Questionnaire.outstanding` too): the statement returns NULL for anyone else. Only coordinators see
 * every response, so only their "no response" counts participants that have not answered rather than responses
 * hidden from the reader.
 */
export async function networkReportFigures(db: ViewerDb, from: Date, to: Date): Promise<NetworkReportFigures> {
  const q = (s: Sql) => db.rows<Row>(s);
  const period = (column: string) => sql`${raw(column)} >= ${from} AND ${raw(column)} < ${to}`;
  const [byKind, bySector, byCountry, quarters, casesByStatus, casesByCategory, requests, median, questionnaires] = await Promise.all([
    q(sql`SELECT p.kind AS key, count(*)::int AS count FROM participant p WHERE ${endorsedBefore(to)}
          GROUP BY p.kind ORDER BY p.kind COLLATE "C"`),
    q(sql`SELECT p.sector AS key, count(*)::int AS count FROM participant p WHERE ${endorsedBefore(to)} AND p.sector IS NOT NULL
          GROUP BY p.sector ORDER BY p.sector COLLATE "C"`),
    q(sql`SELECT co.*, count(*) FILTER (WHERE p.kind = 'AGENCY')::int AS __agencies, count(*) FILTER (WHERE p.kind = 'PRIVATE_SECTOR')::int AS __private
          FROM country co JOIN participant p ON p.country_code = co.code
          WHERE ${endorsedBefore(to)}
          GROUP BY co.code ORDER BY co.code COLLATE "C"`),
    // Quarters of UTC, whatever the session's time zone: the series runs over UTC wall-clock times (timestamp without
    // time zone), so that adding 3 months and reading the year and quarter never go through the server's zone.
    q(sql`SELECT extract(year FROM qs)::int AS year, extract(quarter FROM qs)::int AS quarter,
            (SELECT count(*)::int FROM conference_call c WHERE c.scheduled_at >= greatest(qs AT TIME ZONE 'UTC', ${from}::timestamptz)
               AND c.scheduled_at < least((qs + interval '3 months') AT TIME ZONE 'UTC', ${to}::timestamptz) AND c.scheduled_at < lap.now()) AS calls,
            least((qs + interval '3 months') AT TIME ZONE 'UTC', ${to}::timestamptz) <= lap.now() AS ended
          FROM generate_series(date_trunc('quarter', ${from}::timestamptz AT TIME ZONE 'UTC'),
                               (${to}::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC', interval '3 months') AS qs ORDER BY qs`),
    q(sql`SELECT c.status AS key, count(*)::int AS count FROM enforcement_case c WHERE ${period('c.opened_at')}
          GROUP BY c.status ORDER BY c.status COLLATE "C"`),
    q(sql`SELECT x.category AS key, count(*)::int AS count FROM enforcement_case c CROSS JOIN LATERAL unnest(c.categories) AS x(category)
          WHERE ${period('c.opened_at')} GROUP BY x.category ORDER BY x.category COLLATE "C"`),
    q(sql`SELECT r.status AS key, count(*)::int AS count FROM assistance_request r WHERE ${period('r.created_at')}
          GROUP BY r.status ORDER BY r.status COLLATE "C"`),
    q(sql`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.answered_at - r.created_at) / 3600) AS median
          FROM assistance_request r WHERE ${period('r.created_at')} AND r.answered_at IS NOT NULL`),
    q(sql`SELECT qn.title, qn.audience,
            (SELECT count(*)::int FROM questionnaire_response qr WHERE qr.questionnaire_id = qn.id) AS responded,
            CASE WHEN (SELECT lap.questionnaire_outstanding_readable()) THEN
              (SELECT count(*)::int FROM participant p
               WHERE lap.participant_status(p.status, p.objection_deadline, p.id) = 'ENDORSED'
                 AND p.kind = CASE qn.audience WHEN 'AGENCIES' THEN 'AGENCY' ELSE 'PRIVATE_SECTOR' END
                 AND NOT EXISTS (SELECT 1 FROM questionnaire_response qr WHERE qr.questionnaire_id = qn.id AND qr.participant_id = p.id))
            END AS outstanding
          FROM questionnaire qn ORDER BY qn.title COLLATE "C"`),
  ]);
  const countries = db.hydrate(Country, byCountry);
  const perQuarter = quarters.map((x) => ({ year: Number(x.year), quarter: Number(x.quarter), calls: Number(x.calls) }));
  // A quarter (its part in the period) is without a call once it has ended with none held: one under way or to come
  // may still have its call.
  const ended = quarters.map((x) => x.ended === true);
  const keyCounts = (rows: Row[]) => rows.map((x) => ({ key: String(x.key), count: Number(x.count) }));
  const m = median[0]?.median;
  return {
    from,
    to,
    participantsByKind: keyCounts(byKind),
    participantsBySector: keyCounts(bySector),
    participantsByCountry: countries.map((country, i) => ({
      country,
      agencies: Number(byCountry[i].__agencies),
      privateSectorMembers: Number(byCountry[i].__private),
    })),
    developingCountriesParticipating: countries.filter((c) => c.developing).length,
    callsHeld: perQuarter.reduce((n, x) => n + x.calls, 0),
    callsPerQuarter: perQuarter,
    quartersWithoutCall: perQuarter.filter((x, i) => x.calls === 0 && ended[i]).length,
    casesByCategory: keyCounts(casesByCategory),
    casesByStatus: keyCounts(casesByStatus),
    assistanceRequestsByStatus: keyCounts(requests),
    medianHoursToAnswer: m === null || m === undefined ? null : Math.round(Number(m) * 10) / 10,
    questionnaires: questionnaires.map((x) => ({
      title: String(x.title),
      audience: String(x.audience),
      responded: Number(x.responded),
      outstanding: x.outstanding === null || x.outstanding === undefined ? null : Number(x.outstanding),
    })),
  };
}
