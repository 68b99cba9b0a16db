import { ArrayMaxSize, ArrayMinSize, IsEmail, IsOptional, Length, Matches, Max, MaxLength, Min, ValidateNested } from '../../src/validation';
import { NotBlank } from './not-blank';
import { ESTIMATED_LOSS_DESCRIPTION } from '../../entities/case.entity';
import { WholeDollars } from './whole-dollars';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import {
  AgencyCompetence,
  AssistanceStatus,
  HarmCategory,
  ParticipantKind,
  ParticipantStatus,
  ReportKind,
  RequestDirection,
  Sector,
  Tlp,
} from '../../entities/enums';
import { PageArgs } from './common.args';
import { COUNTRY_CODE, COUNTRY_CODE_MESSAGE } from './country-code';

@InputType({ description: 'The applicant’s single contact for enforcement communications (§A.1, §B.1).' })
export class ContactInput {
  @Field()
  @Length(2, 200)
  @NotBlank()
  name: string;

  @Field()
  @IsEmail({}, { message: 'must be an e-mail address' })
  @MaxLength(320)
  email: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(50)
  phone?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  title?: string | null;
}

@InputType({ description: 'An application to endorse the plan, recorded by a coordinator (§C.1).' })
export class RecordApplicationInput {
  @Field()
  @Length(2, 200)
  @NotBlank()
  name: string;

  @Field(() => ParticipantKind)
  kind: ParticipantKind;

  @Field()
  @Matches(COUNTRY_CODE, { message: COUNTRY_CODE_MESSAGE })
  countryCode: string;

  @Field(() => Sector, { nullable: true, description: 'Required for a private-sector applicant, not allowed for an agency.' })
  sector?: Sector | null;

  @Field(() => [AgencyCompetence], { nullable: true, description: 'For an agency applicant.' })
  @IsOptional()
  @ArrayMaxSize(5)
  competences?: AgencyCompetence[] | null;

  @Field(() => ContactInput)
  @ValidateNested()
  pointOfContact: ContactInput;
}

@ArgsType()
export class EndorsementsArgs extends PageArgs {
  @Field(() => ParticipantStatus, { nullable: true })
  status?: ParticipantStatus | null;
}

@InputType({ description: 'A request for assistance (§A.5).' })
export class RequestAssistanceInput {
  @Field(() => ID, { description: 'An endorsed participant other than your own organization.' })
  recipientId: string;

  @Field(() => ID, { nullable: true, description: 'A case you can see that the request is about.' })
  caseId?: string | null;

  @Field()
  @Length(3, 200)
  @NotBlank()
  title: string;

  @Field()
  @Length(1, 10000)
  @NotBlank()
  description: string;

  @Field(() => [HarmCategory])
  @ArrayMinSize(1)
  @ArrayMaxSize(6)
  categories: HarmCategory[];

  @Field(() => Int)
  @Min(0)
  @Max(2_000_000_000)
  victimCount: number;

  @Field({ description: ESTIMATED_LOSS_DESCRIPTION })
  @Min(0)
  @Max(1e13)
  @WholeDollars()
  estimatedLossUsd: number;

  @Field({ defaultValue: false })
  vulnerableVictims: boolean;

  @Field({ defaultValue: false })
  ongoingHarm: boolean;
}

@InputType({ description: 'Filters on the requests the viewer may see.' })
export class AssistanceRequestFilter {
  @Field(() => AssistanceStatus, { nullable: true })
  status?: AssistanceStatus;

  @Field(() => RequestDirection, { nullable: true })
  direction?: RequestDirection;

  @Field(() => ParticipantKind, { nullable: true, description: 'Requests to agencies or to private-sector members.' })
  recipientKind?: ParticipantKind;
}

@ArgsType()
export class AssistanceRequestsArgs extends PageArgs {
  @Field(() => AssistanceRequestFilter, { nullable: true })
  filter?: AssistanceRequestFilter | null;
}

@ArgsType()
export class AnswerRequestArgs {
  @Field(() => ID)
  id: string;

  @Field()
  @Length(1, 10000)
  @NotBlank()
  response: string;
}

@InputType({ description: 'A report to the network (§B.3.a). TLP:RED reports must name their recipients.' })
export class PublishReportInput {
  @Field(() => ReportKind)
  kind: ReportKind;

  @Field()
  @Length(3, 200)
  @NotBlank()
  title: string;

  @Field()
  @Length(1, 20000)
  @NotBlank()
  body: string;

  @Field(() => Tlp)
  tlp: Tlp;

  @Field(() => [ID], { defaultValue: [], description: 'Named persons the report reaches whatever its TLP (people of endorsed participants, who have not left the network); required for RED.' })
  @ArrayMaxSize(100)
  recipientIds: string[];
}

@ArgsType()
export class ReportsArgs extends PageArgs {
  @Field(() => ReportKind, { nullable: true })
  kind?: ReportKind | null;
}
