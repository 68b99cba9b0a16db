import { ArrayMaxSize, ArrayMinSize, IsOptional, IsUrl, Length, MaxLength } from '../../src/validation';
import { NotBlank } from './not-blank';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { EducationProjectStatus, EducationTheme } from '../../entities/outreach.enums';
import { PageArgs } from './common.args';
import { httpsUrl, NoCredentialsInUrl } from './training.input';

@InputType({ description: 'Filters on the education projects the viewer may see.' })
export class EducationProjectFilter {
  @Field(() => EducationTheme, { nullable: true, description: 'Projects with this theme among theirs.' })
  theme?: EducationTheme | null;

  @Field(() => EducationProjectStatus, { nullable: true })
  status?: EducationProjectStatus | null;

  @Field(() => ID, { nullable: true, description: 'Projects led by this participant.' })
  leadOrganizationId?: string | null;
}

@ArgsType()
export class EducationProjectsArgs extends PageArgs {
  @Field(() => EducationProjectFilter, { nullable: true })
  filter?: EducationProjectFilter | null;
}

@InputType({ description: 'A consumer and business education project (§A.3.e), led by the viewer’s organization.' })
export class StartEducationProjectInput {
  @Field()
  @Length(3, 200)
  @NotBlank()
  title: string;

  @Field({ description: '1–10,000 characters.' })
  @Length(1, 10000)
  @NotBlank()
  description: string;

  @Field(() => [EducationTheme])
  @ArrayMinSize(1)
  @ArrayMaxSize(6)
  themes: EducationTheme[];

  @Field(() => [ID], { defaultValue: [], description: 'Endorsed participants working on the project with the leading organization.' })
  @ArrayMaxSize(50)
  partnerIds: string[];

  @Field(() => EducationProjectStatus, { defaultValue: EducationProjectStatus.PLANNED })
  status: EducationProjectStatus;

  @Field(() => String, { nullable: true, description: 'The project’s public material: an https:// URL.' })
  @IsOptional()
  @MaxLength(2000)
  @IsUrl(httpsUrl, { message: 'must be an https:// URL' })
  @NoCredentialsInUrl()
  websiteUrl?: string | null;
}

@InputType({ description: 'Changes to an education project; omitted fields stay as they are, and so do fields given as null, except websiteUrl: null removes it. The status only moves forward.' })
export class UpdateEducationProjectInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(3, 200)
  @NotBlank()
  title?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 10000)
  @NotBlank()
  description?: string | null;

  @Field(() => [EducationTheme], { nullable: true })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(6)
  themes?: EducationTheme[] | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the partners.' })
  @IsOptional()
  @ArrayMaxSize(50)
  partnerIds?: string[] | null;

  @Field(() => EducationProjectStatus, { nullable: true })
  status?: EducationProjectStatus | null;

  @Field(() => String, { nullable: true, description: 'An https:// URL; null removes it.' })
  @IsOptional()
  @MaxLength(2000)
  @IsUrl(httpsUrl, { message: 'must be an https:// URL' })
  @NoCredentialsInUrl()
  websiteUrl?: string | null;
}
