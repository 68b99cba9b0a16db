import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ReportKind, Tlp } from './enums';

@ObjectType({
  description:
    'A report to the network (§B.3.a): cases, technology trends, cooperation, obstacles, early warnings. Its visibility ' +
    'follows its TLP as a case’s row does, with the author’s organization in the lead agency’s place and the named ' +
    'recipients (required for RED) as its share.',
})
@Entity('sector_report')
export class SectorReport {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'author_org_id', type: 'uuid' })
  authorOrgId: string;

  @Column({ name: 'author_id', type: 'uuid' })
  authorId: string;

  @Field(() => ReportKind)
  @Column('text')
  kind: ReportKind;

  @Field()
  @Column('text')
  title: string;

  @Field()
  @Column('text')
  body: string;

  @Field(() => Tlp)
  @Column('text')
  tlp: Tlp;

  @Field(() => Date)
  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt: Date;

  /**
   * Set by the statement that loaded the row: whether the viewer may read the named recipients
   * (lap.report_recipients_readable: the author organization), the same condition as the recipients' own policy.
   */
  recipientsReadable?: boolean;
}
