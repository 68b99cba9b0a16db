import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EducationProjectStatus, EducationTheme } from './outreach.enums';

@ObjectType({
  description:
    'A joint consumer and business education project (§A.3.e), led by one participant with partners. Every AGENCY and ' +
    'PRIVATE viewer sees every project (the plan invites joint work with the private sector, §A.4); anonymous callers none.',
})
@Entity('education_project')
export class EducationProject {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Field()
  @Column('text')
  title: string;

  @Field()
  @Column('text')
  description: string;

  @Field(() => [EducationTheme])
  @Column('text', { array: true })
  themes: EducationTheme[];

  @Field(() => EducationProjectStatus)
  @Column('text')
  status: EducationProjectStatus;

  @Field(() => String, { nullable: true, description: 'The project’s public material (an https URL).' })
  @Column({ name: 'website_url', type: 'text', nullable: true })
  websiteUrl: string | null;

  @Column({ name: 'lead_organization_id', type: 'uuid' })
  leadOrganizationId: string;

  @Column({ name: 'started_by_id', type: 'uuid' })
  startedById: string;

  @Field(() => Date)
  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Field(() => Date)
  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Set by the statement that loaded the row: the viewer may change it (`lap.education_project_editable`). */
  editable?: boolean;
}

@ObjectType({ description: 'What the viewer may do with an education project.' })
export class EducationProjectViewerCan {
  @Field({ description: 'Change it (`updateEducationProject`): the leading organization only.' })
  update: boolean;
}
