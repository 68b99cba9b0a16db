import { Field, ID, InterfaceType, ObjectType } from 'type-graphql';
import { ChildEntity, Column, Entity, PrimaryColumn, TableInheritance } from 'typeorm';
import { AgencyCompetence, ParticipantKind, ParticipantStatus, Sector } from './enums';

/** The concrete GraphQL type of a participant row. Synchronous: the executor calls it once per participant in a list. */
export function participantTypeName(p: { kind: ParticipantKind }): 'Agency' | 'PrivateSectorMember' {
  return p.kind === ParticipantKind.AGENCY ? 'Agency' : 'PrivateSectorMember';
}

@InterfaceType({
  description:
    'An endorsing government or public agency (§A) or private-sector representative (§B). ' +
    'Endorsed participants are public; applicants and rejected participants are visible to agencies only.',
  resolveType: participantTypeName,
})
@Entity('participant')
@TableInheritance({ column: { name: 'kind', type: 'text' } })
export abstract class Participant {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Field(() => ParticipantKind)
  @Column('text')
  kind: ParticipantKind;

  @Field()
  @Column('text')
  name: string;

  @Column({ name: 'country_code', type: 'char', length: 2 })
  countryCode: string;

  @Field(() => ParticipantStatus)
  @Column('text')
  status: ParticipantStatus;

  @Field(() => Date, {
    nullable: true,
    description: 'When the application was recorded. Members of the network only: not in the public listing (null, noted in `extensions.redacted`, for anyone else).',
  })
  @Column({ name: 'applied_at', type: 'timestamptz' })
  appliedAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'endorsed_at', type: 'timestamptz', nullable: true })
  endorsedAt: Date | null;

  @Column({ name: 'objection_deadline', type: 'timestamptz', nullable: true })
  objectionDeadline: Date | null;

  @Column({ name: 'point_of_contact_id', type: 'uuid', nullable: true })
  pointOfContactId: string | null;
}

@ObjectType({ implements: Participant, description: 'A government or public agency with spam-enforcement authority (§A).' })
@ChildEntity(ParticipantKind.AGENCY)
export class Agency extends Participant {
  @Field(() => [AgencyCompetence])
  @Column('text', { array: true })
  competences: AgencyCompetence[];

  @Field({ description: 'Collects and disseminates the network’s information and sets up its calls (§C: UK OFT and US FTC).' })
  @Column({ name: 'is_coordinator', type: 'boolean' })
  isCoordinator: boolean;
}

@ObjectType({ implements: Participant, description: 'A private-sector representative (§B).' })
@ChildEntity(ParticipantKind.PRIVATE_SECTOR)
export class PrivateSectorMember extends Participant {
  @Field(() => Sector)
  @Column('text')
  sector: Sector;

  @Field(() => String, {
    nullable: true,
    description: 'How agencies should submit requests for assistance to this member (§B.4.c). Members of the network only.',
  })
  @Column({ name: 'request_guidance', type: 'text', nullable: true })
  requestGuidance: string | null;
}
