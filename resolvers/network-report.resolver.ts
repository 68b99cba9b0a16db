import { Arg, Ctx, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { Country } from '../entities/country.entity';
import type { Context } from '../src/context';
import { badInput } from '../src/graphql/errors';
import { REPORT_YEARS } from '../src/http/network-report-csv';

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

@ObjectType({ description: 'How many of a questionnaire’s audience have answered (§A.6, §B.4, §C.1), as the reader may count them.' })
export class QuestionnaireCompletion {
  @Field()
  title: string;

  @Field()
  audience: string;

  @Field(() => Int, {
    description: 'Responses the reader can list: every one for coordinators; those not marked confidential and their own for other agencies.',
  })
  responded: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Endorsed participants of the audience that have not answered. Coordinators only (§C.1); null for anyone else, noted in `extensions.redacted`.',
  })
  outstanding: number | null;
}

@ObjectType({
  description:
    'The network’s findings for the OECD Spam Task Force (§C.1, §D). Every figure counts what its reader can list through ' +
    'the API (cases, requests for assistance, calls, questionnaire responses), so two readers may be told different ' +
    'figures; participation by country (§A.7) counts endorsed participants, which are public.',
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

  @Field(() => Int, { description: 'Calls the reader can list held in the period (scheduled before now).' })
  callsHeld: number;

  @Field(() => [QuarterCalls], { description: 'Every quarter the period touches, with the calls the reader can list held in it (scheduled before now, as `callsHeld`): a quarter still to come counts none yet.' })
  callsPerQuarter: QuarterCalls[];

  @Field(() => Int, { description: 'Quarters of the period that ended with no call held (the plan asks for at least one a quarter, §A.3): a quarter under way or still to come is not counted, whatever it holds yet.' })
  quartersWithoutCall: number;

  @Field(() => [KeyCount], { description: 'Cases the reader can list opened in the period, by category (a case counts once under each of its categories).' })
  casesByCategory: KeyCount[];

  @Field(() => [KeyCount], { description: 'Cases the reader can list opened in the period, by status.' })
  casesByStatus: KeyCount[];

  @Field(() => [KeyCount], { description: 'Requests for assistance the reader can list made in the period, by status.' })
  assistanceRequestsByStatus: KeyCount[];

  @Field(() => Float, { nullable: true, description: 'Median hours from request to answer (fulfilled or declined) of those requests.' })
  medianHoursToAnswer: number | null;

  @Field(() => [QuestionnaireCompletion])
  questionnaires: QuestionnaireCompletion[];
}

@Resolver(() => NetworkReport)
export class NetworkReportResolver {
  @Query(() => NetworkReport, {
    nullable: true,
    description: 'The network report for [from, to) (agencies only): to after from, both within the years 1900–9999, at most ten years apart. Also as CSV: GET /reports/network.csv?from=…&to=… with the same bearer token.',
  })
  async networkReport(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() ctx: Context): Promise<NetworkReport> {
    if (Number.isNaN(from.getTime())) throw badInput('from', 'is not a date');
    if (Number.isNaN(to.getTime())) throw badInput('to', 'is not a date');
    // Years of four digits, from the network's century on: a report's quarters are labelled by year (2025-Q1), and a
    // year 0000 came out as "-1-Q1".
    const inUtc = (d: Date) => (d.getUTCFullYear() >= 0 && d.getUTCFullYear() <= 9999 ? d.toISOString() : `the year ${d.getUTCFullYear()} in UTC`);
    if (from.getUTCFullYear() < 1900 || from.getUTCFullYear() > 9999) throw badInput('from', `${REPORT_YEARS} (got ${inUtc(from)})`);
    if (to.getUTCFullYear() < 1900 || to.getUTCFullYear() > 9999) throw badInput('to', `${REPORT_YEARS} (got ${inUtc(to)})`);
    if (to.getTime() <= from.getTime()) throw badInput('to', `must be after from (got from ${from.toISOString()}, to ${to.toISOString()})`);
    // Ten calendar years: the same day and time ten years after from, at most.
    const last = new Date(from.getTime());
    last.setUTCFullYear(last.getUTCFullYear() + 10);
    if (to.getTime() > last.getTime()) throw badInput('to', `the period may span at most ten years: ${from.toISOString()} to ${to.toISOString()} is longer`);
    return ctx.data.cooperation.networkReport(from, to);
  }
}
