import { ArrayMaxSize, ArrayMinSize, buildMessage, IsOptional, IsUrl, Length, Max, MaxLength, Min, ValidateBy, ValidationOptions, MinLength } from '../../src/validation';
import { NotBlank } from './not-blank';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { TrainingAudience } from '../../entities/outreach.enums';
import { PageArgs } from './common.args';

/** An https:// URL with a host name: where training materials or a project's public material live. */
export const httpsUrl = { protocols: ['https'], require_protocol: true, require_valid_protocol: true, require_tld: true };

/**
 * A URL without a user name or password in it (`https://user:pass@host/`): the URL is shown to everyone its record
 * reaches. Said as such (`input.websiteUrl: must not carry a user name or password`); a value that is no URL is
 * `@IsUrl`'s to refuse.
 */
export function NoCredentialsInUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'noCredentialsInUrl',
      validator: {
        // By the text itself, not by a URL parser: an authority with an `@` in it (before its path, query or
        // fragment) carries user information. A host the WHATWG parser refuses but `@IsUrl` takes got past that.
        validate: (value: unknown) => typeof value !== 'string' || !/^[^:/?#]*:\/\/[^/?#]*@/.test(value.trim()),
        defaultMessage: buildMessage((eachPrefix) => `${eachPrefix}$property must not carry a user name or password`, options),
      },
    },
    options,
  );
}

/**
 * An https:// URL (`httpsUrl`, checked) as it is stored: its scheme in lower case (`HTTPS://x.example` is the same
 * URL, RFC 3986 §3.1, and the database keeps only `https://…`). Null and undefined as they are.
 */
export function storedHttpsUrl<T extends string | null | undefined>(url: T): T {
  return (typeof url === 'string' ? url.replace(/^https:/i, 'https:') : url) as T;
}

@InputType({ description: 'Filters on the training sessions the viewer may see.' })
export class TrainingFilter {
  @Field(() => TrainingAudience, { nullable: true })
  audience?: TrainingAudience | null;

  @Field(() => Date, { nullable: true, description: 'Sessions at or after this time.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Sessions before this time.' })
  to?: Date | null;
}

@ArgsType()
export class TrainingsArgs extends PageArgs {
  @Field(() => TrainingFilter, { nullable: true })
  filter?: TrainingFilter | null;
}

@InputType({ description: 'A training session to schedule (§A.3.f, §B.3.b); the viewer’s agency organizes it.' })
export class ScheduleTrainingInput {
  @Field()
  @Length(3, 200)
  @NotBlank()
  title: string;

  @Field(() => TrainingAudience)
  audience: TrainingAudience;

  @Field(() => [ID], { description: 'The endorsed participants hosting the session (1–20); agencies only for AGENCIES_ONLY sessions.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  hostIds: string[];

  @Field(() => [String], { description: 'What the session covers: 1–20 topics of 2–200 characters.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  // Each item's length, said of the item: class-validator's Length with `each` measures the list for its message.
  @MinLength(2, { each: true })
  @MaxLength(200, { each: true })
  @NotBlank({ each: true })
  topics: string[];

  @Field(() => Date)
  scheduledAt: Date;

  @Field(() => Int, { defaultValue: 120, description: 'From 15 to 1,440 minutes.' })
  @Min(15)
  @Max(1440)
  durationMinutes: number;

  @Field(() => String, { nullable: true, description: 'Where the materials are: an https:// URL.' })
  @IsOptional()
  @MaxLength(2000)
  @IsUrl(httpsUrl, { message: 'must be an https:// URL' })
  @NoCredentialsInUrl()
  materialsUrl?: string | null;
}
