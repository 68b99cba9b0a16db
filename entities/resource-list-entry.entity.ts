import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({
  description:
    'A person of a private-sector member on the network’s resource list of individuals working on spam enforcement, by ' +
    'sector (§B.2). Listed by their own organization; visible to AGENCY and PRIVATE viewers, never to anonymous callers.',
})
@Entity('resource_list_entry')
export class ResourceListEntry {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'person_id', type: 'uuid' })
  personId: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Field(() => [String], { description: 'What the person can help agencies with, e.g. "botnet takedowns".' })
  @Column('text', { array: true })
  expertise: string[];

  @Field(() => [String], { description: 'Languages the person works in (ISO 639-1 codes, e.g. en, fr).' })
  @Column('text', { array: true })
  languages: string[];

  @Column({ name: 'added_by_id', type: 'uuid' })
  addedById: string;

  @Field(() => Date)
  @Column({ name: 'added_at', type: 'timestamptz' })
  addedAt: Date;

  /** Set by the statement that loaded the row: the viewer may take it off the list (`lap.resource_entry_manageable`). */
  removable?: boolean;
}

@ObjectType({ description: 'What the viewer may do with a resource-list entry.' })
export class ResourceListEntryViewerCan {
  @Field({ description: 'Take the entry off the list (`removeResourceListEntry`): the listed person’s organization only.' })
  remove: boolean;
}
