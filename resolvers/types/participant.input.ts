import { IsOptional, Matches } from 'class-validator';
import { ArgsType, Field, InputType } from 'type-graphql';
import { ParticipantKind, ParticipantStatus, Sector } from '../../entities/enums';
import { PageArgs } from './common.args';

@InputType({ description: 'Filters on the participants the viewer may see.' })
export class ParticipantFilter {
  @Field(() => ParticipantKind, { nullable: true })
  kind?: ParticipantKind;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'must be an ISO 3166-1 alpha-2 code such as GB' })
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
