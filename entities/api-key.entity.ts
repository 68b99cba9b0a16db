import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({
  description:
    'An API key of an organization (DOMAIN §8): a partner dashboard reads with it as the organization as a whole ' +
    '(`Authorization: Bearer <key>`), read-only. Listed to that organization’s people; the secret itself is shown once, ' +
    'when the key is created, and only its hash is kept.',
})
@Entity('api_key')
export class ApiKey {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Field({ description: 'What the key is for, e.g. "NOC dashboard".' })
  @Column('text')
  name: string;

  @Field({ description: 'The visible start of the key (`lapk_…`), to tell keys apart; not a secret.' })
  @Column('text')
  prefix: string;

  @Column({ name: 'created_by_id', type: 'uuid' })
  createdById: string;

  @Field(() => Date)
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the key stops working; null: until revoked.' })
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by_id', type: 'uuid', nullable: true })
  revokedById: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the key was last used, to the minute: recorded after the response, at most once a minute per key.',
  })
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}

@ObjectType({ description: 'A new API key and its secret: the secret is shown this once and cannot be read again.' })
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey: ApiKey;

  @Field({ description: 'The whole key, to send as `Authorization: Bearer <secret>`. Store it now: the hub keeps only its hash.' })
  secret: string;
}

@ObjectType({ description: 'The API key the caller is using (`me.apiKey`).' })
export class ViewerApiKey {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field()
  prefix: string;

  @Field(() => Date, { nullable: true })
  expiresAt: Date | null;
}
