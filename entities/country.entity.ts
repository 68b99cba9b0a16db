import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({ description: 'A country of the network (§A.2, §A.7).' })
@Entity('country')
export class Country {
  @Field({ description: 'ISO 3166-1 alpha-2 code, e.g. GB.' })
  @PrimaryColumn({ type: 'char', length: 2 })
  code: string;

  @Field()
  @Column('text')
  name: string;

  @Field({ description: 'A less developed country, whose involvement the plan encourages (§A.7).' })
  @Column('boolean')
  developing: boolean;

  @Column({ name: 'primary_contact_id', type: 'uuid', nullable: true })
  primaryContactId: string | null;
}
