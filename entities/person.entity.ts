import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({
  description:
    'A user of the hub and a contact of the network (§A.1, §B.1). Visible to AGENCY and PRIVATE viewers (people of ' +
    'endorsed participants; agencies see every person, applicants’ and those of organizations rejected or withdrawn too), ' +
    'and to the person themself; never to anonymous callers.',
})
@Entity('person')
export class Person {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Field()
  @Column('text')
  name: string;

  @Field()
  @Column('text')
  email: string;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  phone: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  title: string | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'When the person left the network (their organization stays): they no longer sign in and are no longer among its people; ' +
      'records they made (shares granted, reports, minutes) keep naming them. Null while they are a member.',
  })
  @Column({ name: 'left_at', type: 'timestamptz', nullable: true })
  leftAt: Date | null;
}
