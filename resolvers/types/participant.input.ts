import { IsOptional, Matches } from '../../src/validation';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { ParticipantKind, ParticipantStatus, Sector } from '../../entities/enums';
import { PageArgs } from './common.args';
import { COUNTRY_CODE, COUNTRY_CODE_MESSAGE } from './country-code';

@InputType({ description: 'Filters on the participants the viewer may see.' })
export class ParticipantFilter {
  @Field(() => ParticipantKind, { nullable: true })
  kind?: ParticipantKind;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(COUNTRY_CODE, { message: COUNTRY_CODE_MESSAGE })
  countryCode?: string;

  @Field(() => Sector, { nullable: true, description: 'Private-sector members of this sector.' })
  sector?: Sector;

  @Field(() => ParticipantStatus, { nullable: true })
  status?: ParticipantStatus;
}

@ArgsType()
export class ParticipantsArgs extends PageArgs {
  @Field(() => ParticipantFilter, { nullable: true })
  filter?: ParticipantFilter | null;
}

@ArgsType()
export class DesignateCountryPrimaryContactArgs {
  @Field()
  @Matches(COUNTRY_CODE, { message: COUNTRY_CODE_MESSAGE })
  countryCode!: string;

  @Field(() => ID)
  personId!: string;
}
