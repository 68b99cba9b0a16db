import {
  ArrayMaxSize,
  ArrayMinSize,
  IsOptional,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from '../../src/validation';
import { NotBlank } from './not-blank';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { CaseOrder, CaseStatus, HarmCategory, Tlp } from '../../entities/enums';
import { PageArgs } from './common.args';
import { COUNTRY_CODE, COUNTRY_CODE_MESSAGE, COUNTRY_CODES_MESSAGE } from './country-code';
import { ESTIMATED_LOSS_DESCRIPTION } from '../../entities/case.entity';
import { WholeDollars } from './whole-dollars';

@InputType({ description: 'Filters on the cases the viewer may see; a filter never reveals a hidden case.' })
export class CaseFilter {
  @Field(() => CaseStatus, { nullable: true })
  status?: CaseStatus;

  @Field(() => Tlp, { nullable: true })
  tlp?: Tlp;

  @Field(() => HarmCategory, { nullable: true, description: 'Cases with this category among theirs.' })
  category?: HarmCategory;

  @Field(() => String, { nullable: true, description: 'Cases concerning this country (ISO 3166-1 alpha-2).' })
  @IsOptional()
  @Matches(COUNTRY_CODE, { message: COUNTRY_CODE_MESSAGE })
  countryCode?: string;

  @Field(() => ID, { nullable: true })
  leadAgencyId?: string;
}

@ArgsType()
export class CasesArgs extends PageArgs {
  @Field(() => CaseFilter, { nullable: true })
  filter?: CaseFilter | null;

  @Field(() => CaseOrder, { defaultValue: CaseOrder.HARM })
  orderBy: CaseOrder;
}

@InputType({ description: 'A new case; the viewer’s agency becomes its lead agency.' })
export class OpenCaseInput {
  @Field({
    description:
      'The lead agency’s reference: 3–40 capitals, digits and dashes, unique among the lead agency’s own cases, e.g. FTC-2004-017. ' +
      'Another agency’s case may carry the same text (a reference is read with its `leadAgency`): uniqueness across agencies would tell ' +
      'whether a case the viewer cannot see exists.',
  })
  @Matches(/^[A-Z0-9][A-Z0-9-]{2,39}$/, { message: 'must be 3–40 capital letters, digits and dashes' })
  reference: string;

  @Field()
  @Length(3, 200)
  @NotBlank()
  title: string;

  @Field(() => CaseStatus, { defaultValue: CaseStatus.OPEN })
  status: CaseStatus;

  @Field(() => [HarmCategory])
  @ArrayMinSize(1)
  @ArrayMaxSize(6)
  categories: HarmCategory[];

  @Field(() => [String], { description: 'Countries the case concerns (ISO 3166-1 alpha-2).' })
  @ArrayMinSize(1)
  @ArrayMaxSize(60)
  @Matches(COUNTRY_CODE, { each: true, message: COUNTRY_CODES_MESSAGE })
  countryCodes: string[];

  @Field(() => Tlp)
  tlp: Tlp;

  @Field({ defaultValue: '' })
  @MaxLength(10000)
  summary: string;

  @Field(() => [String], { defaultValue: [] })
  @ArrayMaxSize(100)
  @MaxLength(200, { each: true })
  @NotBlank({ each: true })
  suspects: string[];

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(20000)
  evidence?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(20000)
  investigatorNotes?: string | null;

  @Field(() => Int, { defaultValue: 0 })
  @Min(0)
  @Max(2_000_000_000)
  victimCount: number;

  @Field({ defaultValue: 0, description: ESTIMATED_LOSS_DESCRIPTION })
  @Min(0)
  @Max(1e13)
  @WholeDollars()
  estimatedLossUsd: number;

  @Field({ defaultValue: false })
  vulnerableVictims: boolean;

  @Field({ defaultValue: false })
  ongoingHarm: boolean;
}

@InputType({ description: 'Changes to a case; omitted fields stay as they are, and so do fields given as null, except evidence and investigatorNotes: null removes them.' })
export class UpdateCaseInput {
  @Field({ nullable: true })
  @IsOptional()
  @Length(3, 200)
  @NotBlank()
  title?: string;

  @Field(() => CaseStatus, { nullable: true })
  status?: CaseStatus;

  @Field(() => [HarmCategory], { nullable: true })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(6)
  categories?: HarmCategory[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(60)
  @Matches(COUNTRY_CODE, { each: true, message: COUNTRY_CODES_MESSAGE })
  countryCodes?: string[];

  @Field(() => Tlp, { nullable: true })
  tlp?: Tlp;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(10000)
  summary?: string;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(100)
  @MaxLength(200, { each: true })
  @NotBlank({ each: true })
  suspects?: string[];

  @Field(() => String, { nullable: true, description: 'Null removes it.' })
  @IsOptional()
  @MaxLength(20000)
  evidence?: string | null;

  @Field(() => String, { nullable: true, description: 'Null removes them.' })
  @IsOptional()
  @MaxLength(20000)
  investigatorNotes?: string | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Min(0)
  @Max(2_000_000_000)
  victimCount?: number;

  @Field({ nullable: true, description: ESTIMATED_LOSS_DESCRIPTION })
  @IsOptional()
  @Min(0)
  @Max(1e13)
  @WholeDollars()
  estimatedLossUsd?: number;

  @Field({ nullable: true })
  vulnerableVictims?: boolean;

  @Field({ nullable: true })
  ongoingHarm?: boolean;
}

@InputType({ description: 'A grant of a case to one participant. TLP:RED shares must name persons.' })
export class ShareCaseInput {
  @Field(() => ID)
  caseId: string;

  @Field(() => ID, { description: 'An endorsed agency or private-sector member.' })
  participantId: string;

  @Field(() => [ID], {
    defaultValue: [],
    description: 'People of that participant the share reaches; empty reaches the whole organization (not allowed for RED).',
  })
  @ArrayMaxSize(100)
  recipientIds: string[];
}
