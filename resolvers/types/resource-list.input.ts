import { ArrayMaxSize, ArrayMinSize, IsOptional, Matches, MaxLength, MinLength, ValidateNested } from '../../src/validation';
import { NotBlank } from './not-blank';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { Sector } from '../../entities/enums';
import { PageArgs } from './common.args';
import { COUNTRY_CODE, COUNTRY_CODE_MESSAGE } from './country-code';

const language = /^[a-z]{2}$/;

@InputType({ description: 'Filters on the resource list; a filter never reveals a hidden entry.' })
export class ResourceListFilter {
  @Field(() => Sector, { nullable: true, description: 'People of members of this sector.' })
  sector?: Sector | null;

  @Field(() => String, { nullable: true, description: 'People of members of this country (ISO 3166-1 alpha-2).' })
  @IsOptional()
  @Matches(COUNTRY_CODE, { message: COUNTRY_CODE_MESSAGE })
  countryCode?: string | null;

  @Field(() => String, { nullable: true, description: 'People who work in this language (ISO 639-1, e.g. fr).' })
  @IsOptional()
  @Matches(language, { message: 'must be an ISO 639-1 code such as fr' })
  language?: string | null;
}

@ArgsType()
export class ResourceListArgs extends PageArgs {
  @Field(() => ResourceListFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  filter?: ResourceListFilter | null;
}

@InputType({ description: 'A person of your organization to put on the resource list (§B.2).' })
export class AddResourceListEntryInput {
  @Field(() => ID)
  personId: string;

  @Field(() => [String], { description: 'What the person can help with: 1–20 items of 2–100 characters.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  // Each item's length, said of the item: class-validator's Length with `each` measures the list for its message.
  @MinLength(2, { each: true })
  @MaxLength(100, { each: true })
  @NotBlank({ each: true })
  expertise: string[];

  @Field(() => [String], { description: 'Languages the person works in: 1–20 ISO 639-1 codes, e.g. en.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @Matches(language, { each: true, message: 'must be ISO 639-1 codes such as en' })
  languages: string[];
}
