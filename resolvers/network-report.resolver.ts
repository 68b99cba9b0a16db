import { Arg, Ctx, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { Country } from '../entities/country.entity';
import type { Context } from '../src/context';
import { hydrate } from '../src/db/hydrate';
import { sql } from '../src/db/sql';
import { badInput } from '../src/graphql/errors';
import { networkReportPolicy } from '../src/policy/cooperation.policy';

@ObjectType({ description: 'A count under a key (a kind, sector, category or status).' })
export class KeyCount {
  @Field()
  key: string;

  @Field(() => Int)
  count: number;
}

@ObjectType({ description: 'Participation of one country (§A.7: developing countries marked).' })
export class CountryParticipation {
  @Field(() => Country)
  country: Country;

  @Field(() => Int)
  agencies: number;

  @Field(() => Int)
  privateSectorMembers: number;
}

@ObjectType({ description: 'Calls held in one quarter of the period, against the quarterly cadence (§A.3).' })
export class QuarterCalls {
  @Field(() => Int)
  year: number;

  @Field(() => Int)
  quarter: number;

  @Field(() => Int)
  calls: number;
}

@ObjectType({ description: 'How many of a questionnaire’s audience have answered (§A.6, §B.4, §C.1).' })
export class QuestionnaireCompletion {
  @Field()
  title: string;

  @Field()
  audience: string;

  @Field(() => Int)
  responded: number;

  @Field(() => Int)
  outstanding: number;
}

@ObjectType({
  description:
    'The network’s findings for the OECD Spam Task Force (§C.1, §D): counts only of what a GREEN-or-lower reader may ' +
    'see — never the existence of an AMBER, AMBER_STRICT or RED item — plus participation by country (§A.7).',
})
export class NetworkReport {
  @Field(() => Date)
  from: Date;

  @Field(() => Date)
  to: Date;

  @Field(() => [KeyCount], { description: 'Endorsed participants by kind (AGENCY, PRIVATE_SECTOR).' })
  participantsByKind: KeyCount[];

  @Field(() => [KeyCount], { description: 'Endorsed private-sector members by sector.' })
  participantsBySector: KeyCount[];

  @Field(() => [CountryParticipation])
  participantsByCountry: CountryParticipation[];

  @Field(() => Int, { description: 'Developing countries with at least one endorsed participant (§A.7).' })
  developingCountriesParticipating: number;

  @Field(() => Int, { description: 'Calls held in the period (scheduled before now).' })
  callsHeld: number;

  @Field(() => [QuarterCalls], { description: 'Every quarter the period touches, with its calls.' })
  callsPerQuarter: QuarterCalls[];

  @Field(() => Int, { description: 'Quarters of the period with no call: the plan asks for at least one a quarter (§A.3).' })
  quartersWithoutCall: number;

  @Field(() => [KeyCount], { description: 'TLP:CLEAR and GREEN cases opened in the period, by category.' })
  casesByCategory: KeyCount[];

  @Field(() => [KeyCount], { description: 'TLP:CLEAR and GREEN cases opened in the period, by status.' })
  casesByStatus: KeyCount[];

  @Field(() => [KeyCount], { description: 'Requests for assistance made in the period (none about a case above GREEN), by status.' })
  assistanceRequestsByStatus: KeyCount[];

  @Field(() => Float, { nullable: true, description: 'Median hours from request to answer (fulfilled or declined) of those requests.' })
  medianHoursToAnswer: number | null;

  @Field(() => [QuestionnaireCompletion])
  questionnaires: QuestionnaireCompletion[];
}

const counted = networkReportPolicy.countedTlp;

@Resolver(() => NetworkReport)
export class NetworkReportResolver {
  @Query(() => NetworkReport, {
    nullable: true,
    description: 'The network report for [from, to) (agencies only). Also as CSV: GET /reports/network.csv?from=…&to=… with the same bearer token.',
  })
  async networkReport(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() ctx: Context): Promise<NetworkReport> {
    if (Number.isNaN(from.getTime())) throw badInput('from', 'is not a date');
    if (Number.isNaN(to.getTime())) throw badInput('to', 'is not a date');
    if (to.getTime() <= from.getTime()) throw badInput('to', 'must be after from');
    if (to.getTime() - from.getTime() > 10 * 366 * 86_400_000) throw badInput('to', 'the period may span at most ten years');
    const q = (s: ReturnType<typeof sql>) => ctx.db.rows(s);
    const now = ctx.now();
    const [byKind, bySector, byCountry, quarters, cases, requests, median, questionnaires] = await Promise.all([
      q(sql`SELECT kind AS key, count(*)::int AS count FROM participant WHERE status = 'ENDORSED' AND endorsed_at < ${to} GROUP BY kind ORDER BY kind`),
      q(sql`SELECT sector AS key, count(*)::int AS count FROM participant WHERE status = 'ENDORSED' AND endorsed_at < ${to} AND sector IS NOT NULL
            GROUP BY sector ORDER BY sector`),
      q(sql`SELECT co.*, count(*) FILTER (WHERE p.kind = 'AGENCY')::int AS __agencies, count(*) FILTER (WHERE p.kind = 'PRIVATE_SECTOR')::int AS __private
            FROM country co JOIN participant p ON p.country_code = co.code AND p.status = 'ENDORSED' AND p.endorsed_at < ${to}
            GROUP BY co.code ORDER BY co.code`),
      q(sql`SELECT extract(year FROM qs)::int AS year, extract(quarter FROM qs)::int AS quarter,
              (SELECT count(*)::int FROM conference_call c WHERE c.scheduled_at >= greatest(qs, ${from}::timestamptz)
                 AND c.scheduled_at < least(qs + interval '3 months', ${to}::timestamptz) AND c.scheduled_at < ${now}) AS calls
            FROM generate_series(date_trunc('quarter', ${from}::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                                 ${to}::timestamptz - interval '1 microsecond', interval '3 months') AS qs ORDER BY qs`),
      q(sql`SELECT c.status, c.categories FROM enforcement_case c WHERE c.tlp = ANY (${counted}::text[]) AND c.opened_at >= ${from} AND c.opened_at < ${to}`),
      q(sql`SELECT r.status AS key, count(*)::int AS count FROM assistance_request r LEFT JOIN enforcement_case c ON c.id = r.case_id
            WHERE r.created_at >= ${from} AND r.created_at < ${to} AND (r.case_id IS NULL OR c.tlp = ANY (${counted}::text[]))
            GROUP BY r.status ORDER BY r.status`),
      q(sql`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.answered_at - r.created_at) / 3600) AS median
            FROM assistance_request r LEFT JOIN enforcement_case c ON c.id = r.case_id
            WHERE r.created_at >= ${from} AND r.created_at < ${to} AND r.answered_at IS NOT NULL
              AND (r.case_id IS NULL OR c.tlp = ANY (${counted}::text[]))`),
      q(sql`SELECT qn.title, qn.audience,
              (SELECT count(*)::int FROM questionnaire_response qr JOIN participant p ON p.id = qr.participant_id
                 WHERE qr.questionnaire_id = qn.id AND p.status = 'ENDORSED') AS responded,
              (SELECT count(*)::int FROM participant p WHERE p.status = 'ENDORSED'
                 AND p.kind = CASE qn.audience WHEN 'AGENCIES' THEN 'AGENCY' ELSE 'PRIVATE_SECTOR' END
                 AND NOT EXISTS (SELECT 1 FROM questionnaire_response qr WHERE qr.questionnaire_id = qn.id AND qr.participant_id = p.id)) AS outstanding
            FROM questionnaire qn ORDER BY qn.title`),
    ]);
    const tally = (keys: string[]) => {
      const m = new Map<string, number>();
      keys.forEach((k) => m.set(k, (m.get(k) ?? 0) + 1));
      return [...m].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => ({ key, count }));
    };
    const countries = ctx.db.hydrate(Country, byCountry);
    const perQuarter = quarters as unknown as QuarterCalls[];
    return {
      from,
      to,
      participantsByKind: byKind as unknown as KeyCount[],
      participantsBySector: bySector as unknown as KeyCount[],
      participantsByCountry: countries.map((country, i) => ({
        country,
        agencies: Number(byCountry[i].__agencies),
        privateSectorMembers: Number(byCountry[i].__private),
      })),
      developingCountriesParticipating: countries.filter((c) => c.developing).length,
      callsHeld: perQuarter.reduce((n, x) => n + x.calls, 0),
      callsPerQuarter: perQuarter,
      quartersWithoutCall: perQuarter.filter((x) => x.calls === 0).length,
      casesByCategory: tally(cases.flatMap((c) => c.categories as string[])),
      casesByStatus: tally(cases.map((c) => c.status as string)),
      assistanceRequestsByStatus: requests as unknown as KeyCount[],
      medianHoursToAnswer: median[0]?.median === null || median[0]?.median === undefined ? null : Math.round(Number(median[0].median) * 10) / 10,
      questionnaires: questionnaires as unknown as QuestionnaireCompletion[],
    };
  }
}
