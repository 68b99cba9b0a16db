import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CaseStatus, HarmCategory, Tlp } from './enums';

/** The loss fields' description, on the objects and the inputs alike (kept in a `bigint` column: whole dollars). */
export const ESTIMATED_LOSS_DESCRIPTION = 'Estimated loss to victims in whole US dollars (0 to 10000000000000).';

@ObjectType({
  description:
    'An enforcement case (§A.3.a, §A.5). Its row and listing fields follow its TLP; its confidential tier is in ' +
    '`confidential`, readable only by the lead agency’s people and the people a share reaches.',
})
@Entity('enforcement_case')
export class Case {
  // The row and listing columns: lists select exactly these (`Loaders.caseColumns`), plus the confidential tier of the
  // rows whose tier the viewer may read (`confidentialTier`).

  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Field({ description: 'The lead agency’s reference, e.g. FTC-2004-017: unique among the lead agency’s cases, not across agencies (read it with `leadAgency`).' })
  @Column('text')
  reference: string;

  @Field()
  @Column('text')
  title: string;

  @Field(() => CaseStatus)
  @Column('text')
  status: CaseStatus;

  @Field(() => [HarmCategory])
  @Column('text', { array: true })
  categories: HarmCategory[];

  @Field(() => Tlp)
  @Column('text')
  tlp: Tlp;

  @Column({ name: 'lead_agency_id', type: 'uuid' })
  leadAgencyId: string;

  @Field(() => Date)
  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt: Date;

  @Field(() => Int, {
    description:
      'Harm to victims, 0–100, for prioritising requests for assistance (§A.5). See the README for the formula: ' +
      'min(100, round(12·log10(1+victims) + 8·log10(1+lossUsd/1000)) + 15 if victims are vulnerable + 10 if harm is ongoing + 5 per extra category).',
  })
  @Column({ name: 'harm_score', type: 'integer' })
  harmScore: number;

  /** Whether the viewer may edit the case and grant its shares: `lap.case_editable`, in the statement that loaded the row. */
  editable?: boolean;

  /**
   * Set by the same statement: the confidential tier where row-level security on `case_confidential` returned it
   * (lap.case_tier_readable), else null.
   */
  confidentialTier?: CaseConfidential | null;

  /** The request's audit trail, on TLP:RED rows: the response that carries the row records it (DOMAIN §9). */
  auditTrail?: { row(c: { id: string; leadAgencyId: string }): void };
}

@ObjectType({
  description:
    'The confidential tier of a case: only the lead agency’s people and the people a share reaches read it ' +
    '(the plan’s confidentiality paragraph after §A.7; §D: nothing requires sharing confidential information).',
})
export class CaseConfidential {
  /** The case this tier belongs to, for the `shares` resolver. */
  caseId: string;

  @Field(() => ID, {
    description:
      'The id of the case this tier belongs to (a tier is 1:1 with its case), so that client caches (Apollo Client, ' +
      'Relay, urql) can identify and merge it like any other object.',
  })
  id: string;

  @Field()
  summary: string;

  @Field(() => [String])
  suspects: string[];

  @Field(() => String, { nullable: true })
  evidence: string | null;

  @Field(() => String, { nullable: true })
  investigatorNotes: string | null;

  @Field(() => Int)
  victimCount: number;

  @Field(() => Number, { description: ESTIMATED_LOSS_DESCRIPTION })
  estimatedLossUsd: number;

  @Field({ description: 'Whether the victims include vulnerable people (counts towards the harm score).' })
  vulnerableVictims: boolean;

  @Field({ description: 'Whether the harm is still going on (counts towards the harm score).' })
  ongoingHarm: boolean;
}

@ObjectType({ description: 'What the viewer may do with a case (DOMAIN §3), so a frontend can decide before it asks.' })
export class CaseViewerCan {
  @Field({ description: 'Read `confidential`.' })
  readConfidential: boolean;

  @Field({ description: 'Change the case (`updateCase`): the lead agency only.' })
  edit: boolean;

  @Field({ description: 'Grant and revoke shares (`shareCase`, `revokeShare`): the lead agency only.' })
  share: boolean;
}
