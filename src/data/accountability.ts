import DataLoader from 'dataloader';
import { ApiKey, CreatedApiKey } from '../../entities/api-key.entity';
import { CaseAccessLogEntry, CaseAccessRequest } from '../../entities/case-access.entity';
import { CaseAccessRequestStatus, CaseAccessScope, ConfidentialAccessReason, ParticipantStatus, Tlp } from '../../entities/enums';
import type { PageArgs } from '../../resolvers/types/common.args';
import { generateApiKey } from '../auth/api-keys';
import { and, Sql, sql } from '../db/sql';
import type { Page } from '../graphql/connection';
import { badInput, forbidden, mustBeInTheFuture, notFound, refusedByPolicy, refusedByRule } from '../graphql/errors';
import { isBlank } from '../graphql/input-text';
import { OrderKey, paginate } from '../graphql/paginate';
import { byKey, isUuid, uuidArray } from './batch';
import type { Data } from './index';

type Row = Record<string, unknown>;

const newestFirst = (alias: string, column: string): OrderKey[] => [
  { expr: `${alias}.${column}`, direction: 'DESC', type: 'timestamptz' },
  { expr: `${alias}.id`, direction: 'ASC', type: 'uuid' },
];

/** What the viewer's relation to a case is, from the same facts as the tier's policy (DOMAIN §9 "Explaining"). */
export interface CaseFacts {
  /** The viewer's agency leads the case (the lead clause of lap.case_tier_readable). */
  leads: boolean;
  reason: ConfidentialAccessReason;
}

function uniqueViolation(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '23505';
}

/** Trims a free text argument and checks its length; BAD_USER_INPUT naming the argument. */
function text(argument: string, value: string, max: number): string {
  const trimmed = value.trim();
  // Worded as the input types' checks are (`NotBlank`, class-validator's lengths).
  if (isBlank(trimmed)) throw badInput(argument, 'must not be blank');
  // In characters (an emoji is one, not two UTF-16 units), as the input types' checks count them.
  if ([...trimmed].length > max) throw badInput(argument, `must be shorter than or equal to ${max} characters`);
  return trimmed;
}

/**
 * API keys (DOMAIN §8) and accountability (§9): the audit trail as the lead agency reads it, requests for access to a
 * confidential tier, and why the viewer may or may not read a tier. Row-level security decides every row (api_key_*,
 * case_access_log_read, case_access_request_* policies).
 */
export class AccountabilityData {
  constructor(private readonly data: Data) {}

  private get db() {
    return this.data.db;
  }

  // ---- API keys ------------------------------------------------------------------------------------------------------

  readonly apiKeyById = new DataLoader<string, ApiKey | null>(async (ids) => {
    const rows = await this.db.rows<Row>(sql`SELECT ${this.apiKeyColumns()} FROM api_key k WHERE k.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.db.hydrate(ApiKey, rows), (k) => k.id);
  });

  /** Every column but the hash (which the viewer role may not read). */
  private apiKeyColumns(): Sql {
    return sql`k.id, k.organization_id, k.name, k.prefix, k.created_by_id, k.created_at, k.expires_at, k.revoked_at, k.revoked_by_id, k.last_used_at`;
  }

  /** The keys of the viewer's organization (its people only: api_key_read), newest first. */
  apiKeys(includeRevoked: boolean, args: PageArgs): Promise<Page<ApiKey>> {
    return paginate(this.db, {
      from: sql`api_key k`,
      select: this.apiKeyColumns(),
      where: includeRevoked ? sql`true` : sql`k.revoked_at IS NULL`,
      order: newestFirst('k', 'created_at'),
      first: args.first,
      after: args.after,
      hydrate: (rows) => this.db.hydrate(ApiKey, rows),
    });
  }

  /** Creates a key for the viewer's organization; the secret is returned this once (api_key_create: its people only). */
  async createApiKey(name: string, expiresAt: Date | null | undefined, now: Date): Promise<CreatedApiKey> {
    const keyName = text('name', name, 100);
    if (expiresAt) mustBeInTheFuture('expiresAt', expiresAt, now);
    const key = generateApiKey();
    const [row] = await this.db
      .query<{ id: string }>(
        `INSERT INTO api_key (organization_id, name, prefix, secret_hash, created_by_id, expires_at)
         VALUES (lap.viewer_org(), $1, $2, $3, lap.viewer_person(), $4) RETURNING id`,
        [keyName, key.prefix, key.hash, expiresAt ?? null],
      )
      .catch((err) => {
        throw refusedByPolicy(err);
      });
    const apiKey = await this.apiKeyById.load(row.id);
    if (!apiKey) throw forbidden();
    return Object.assign(new CreatedApiKey(), { apiKey, secret: key.secret });
  }

  /** Revokes a key of the viewer's organization: refused from the next request on (api_key_revoke). */
  async revokeApiKey(id: string): Promise<ApiKey> {
    const key = isUuid(id) ? await this.apiKeyById.load(id) : null;
    if (!key) throw notFound('id', 'API key');
    if (key.revokedAt) throw badInput('id', 'the API key is already revoked');
    const rows = await this.db
      .query(`UPDATE api_key SET revoked_at = lap.now(), revoked_by_id = lap.viewer_person() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id])
      .catch((err) => {
        throw refusedByPolicy(err);
      });
    if (rows.length !== 1) {
      // Revoked meanwhile by a concurrent request (the UPDATE waited for it and found it revoked): the same answer as
      // when it came second one after the other. Otherwise the policy refused the write.
      this.apiKeyById.clear(id);
      if ((await this.apiKeyById.load(id))?.revokedAt) throw badInput('id', 'the API key is already revoked');
      throw forbidden();
    }
    this.apiKeyById.clear(id);
    return (await this.apiKeyById.load(id))!;
  }

  // ---- explaining ----------------------------------------------------------------------------------------------------

  /**
   * Per case: whether the viewer's agency leads it and why the viewer can or cannot read its tier — the tier row and the
   * shares read under their own policies (a viewer who cannot read the tier reads none of its shares, so nothing is
   * said about shares to others), and `lap.share_reaches` for whom a share reaches.
   */
  readonly caseFacts = new DataLoader<string, CaseFacts | null>(async (ids) => {
    const rows = await this.db.rows<{ id: string; leads: boolean; reason: ConfidentialAccessReason | null }>(sql`
      SELECT c.id, f.leads,
        lap.case_confidential_reason(
          EXISTS (SELECT 1 FROM case_confidential t WHERE t.case_id = c.id),
          f.leads,
          EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = c.id AND cardinality(s.recipient_ids) > 0
                    AND lap.share_reaches(s.participant_id, s.recipient_ids, (SELECT lap.viewer_org()), (SELECT lap.viewer_person()))),
          EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = c.id AND cardinality(s.recipient_ids) = 0
                    AND lap.share_reaches(s.participant_id, s.recipient_ids, (SELECT lap.viewer_org()), (SELECT lap.viewer_person())))
        ) AS reason
      FROM enforcement_case c
        CROSS JOIN LATERAL (SELECT c.lead_agency_id = (SELECT lap.viewer_org()) AND (SELECT lap.is_agency()) AS leads) f
      WHERE c.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, rows, (r) => r.id).map((r) => {
      if (!r) return null;
      if (r.reason === null) throw new Error(`integrity: the confidential tier of case ${r.id} is readable for no known reason`);
      return { leads: r.leads === true, reason: r.reason };
    });
  });

  // ---- the audit trail -----------------------------------------------------------------------------------------------

  /**
   * Who read a case, newest first: the lead agency only (case_access_log_read). A row of the trail is one request's
   * reading of some cases of one lead agency (`case_ids`); each is one entry of each of those cases' logs.
   */
  accessLog(caseId: string, args: PageArgs): Promise<Page<CaseAccessLogEntry>> {
    return paginate(this.db, {
      from: sql`case_access_log l`,
      select: sql`l.id, l.lead_agency_id, l.person_id, l.api_key_id, l.api_key_name, l.api_key_prefix, l.organization_id, l.path, l.confidential, l.accessed_at`,
      where: sql`l.case_ids @> ARRAY[${caseId}::uuid]`,
      order: newestFirst('l', 'accessed_at'),
      first: args.first,
      after: args.after,
      hydrate: (rows) => this.db.hydrate(CaseAccessLogEntry, rows),
    });
  }

  // ---- requests for access -------------------------------------------------------------------------------------------

  private requestColumns(): Sql {
    return sql`r.*, (r.lead_agency_id = (SELECT lap.viewer_org()) AND (SELECT lap.is_agency()) AND (SELECT lap.is_person())) AS __decides,
      (r.requester_id = (SELECT lap.viewer_person()) AND (SELECT lap.is_member()) AND (SELECT lap.is_person())) AS __withdraws`;
  }

  private hydrateRequests(rows: Row[]): CaseAccessRequest[] {
    const requests = this.db.hydrate(CaseAccessRequest, rows);
    requests.forEach((r, i) => {
      r.decides = rows[i].__decides === true;
      r.withdraws = rows[i].__withdraws === true;
      this.requestById.prime(r.id, r);
    });
    return requests;
  }

  readonly requestById = new DataLoader<string, CaseAccessRequest | null>(async (ids) => {
    const rows = await this.db.rows<Row>(sql`SELECT ${this.requestColumns()} FROM case_access_request r WHERE r.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.hydrateRequests(rows), (r) => r.id);
  });

  /** The viewer's own latest request per case (the requester's view). */
  readonly ownLatestRequestByCase = new DataLoader<string, CaseAccessRequest | null>(async (caseIds) => {
    const rows = await this.db.rows<Row>(sql`
      SELECT DISTINCT ON (r.case_id) ${this.requestColumns()} FROM case_access_request r
      WHERE r.case_id = ANY (${uuidArray(caseIds)}) AND r.requester_id = (SELECT lap.viewer_person())
      ORDER BY r.case_id, r.created_at DESC, r.id`);
    return byKey(caseIds, this.hydrateRequests(rows), (r) => r.caseId);
  });

  /** The requests the viewer sees (its agency's cases, its own), newest first, optionally of one status or case. */
  requests(filter: { status?: CaseAccessRequestStatus | null; caseId?: string | null }, args: PageArgs): Promise<Page<CaseAccessRequest>> {
    const conditions: Sql[] = [];
    if (filter.status) conditions.push(sql`r.status = ${filter.status}`);
    // A case the viewer no longer sees (its TLP raised, its share revoked) is answered as an id that never existed
    // (DOMAIN §3: no filter behaves differently because of a hidden row), though the request itself stays listed, its
    // `case` null: the case's own policy decides, in the same statement.
    // Omitted or null: every case. Any string given names a case ("" names none, as any id that is not one).
    if (filter.caseId != null) {
      conditions.push(isUuid(filter.caseId) ? sql`r.case_id = ${filter.caseId} AND EXISTS (SELECT 1 FROM enforcement_case c WHERE c.id = r.case_id)` : sql`false`);
    }
    return paginate(this.db, {
      from: sql`case_access_request r`,
      select: this.requestColumns(),
      where: and(conditions),
      order: newestFirst('r', 'created_at'),
      first: args.first,
      after: args.after,
      hydrate: (rows) => this.hydrateRequests(rows),
    });
  }

  /**
   * Asks the lead agency for a case's confidential tier. The case must be one the viewer sees (else it is answered as an
   * id that does not exist) and whose tier it does not read; one pending request per person and case
   * (case_access_request_ask decides who may ask).
   */
  async requestAccess(caseId: string, justification: string, now: Date): Promise<CaseAccessRequest> {
    const why = text('justification', justification, 2000);
    const c = await this.data.cases.visible('caseId', caseId);
    if (c.confidentialTier) throw badInput('caseId', 'you already read this case’s confidential tier');
    const [row] = await this.db
      .query<{ id: string }>(
        `INSERT INTO case_access_request (case_id, lead_agency_id, requester_id, requester_org_id, justification, created_at)
         VALUES ($1, lap.case_lead($1), lap.viewer_person(), lap.viewer_org(), $2, $3) RETURNING id`,
        [c.id, why, now],
      )
      .catch((err) => {
        if (uniqueViolation(err)) throw badInput('caseId', 'you already have a pending request for this case');
        throw refusedByPolicy(err);
      });
    this.ownLatestRequestByCase.clear(c.id);
    return (await this.requestById.load(row.id))!;
  }

  /** The request a decision names, pending; a request the viewer cannot see does not exist for it. */
  async pendingRequest(id: string): Promise<CaseAccessRequest> {
    const request = isUuid(id) ? await this.requestById.load(id) : null;
    if (!request) throw notFound('id', 'access request');
    if (request.status !== CaseAccessRequestStatus.PENDING) throw badInput('id', `the request was already ${request.status.toLowerCase()}`);
    return request;
  }

  /**
   * Grants a pending request by sharing the case: with the requester's organization (naming nobody), or naming the
   * requester (added to the names of an existing share to that organization). TLP:RED names persons only, so PERSON
   * is its default and ORGANIZATION bad input. The share's own policies (case_share_grant/change) and the request's
   * (case_access_request_decide) admit the lead agency's people only.
   */
  async grant(id: string, scope: CaseAccessScope | null | undefined, now: Date): Promise<CaseAccessRequest> {
    const request = await this.pendingRequest(id);
    const c = await this.data.cases.visible('id', request.caseId);
    let granted = scope ?? (c.tlp === Tlp.RED ? CaseAccessScope.PERSON : CaseAccessScope.ORGANIZATION);
    if (c.tlp === Tlp.RED && granted === CaseAccessScope.ORGANIZATION) throw redGrantsPersons();
    const org = await this.data.participants.participantById.load(request.requesterOrgId);
    if (!org || org.status !== ParticipantStatus.ENDORSED) throw badInput('id', 'the requester’s organization is no longer an endorsed participant');
    const requesterLeft = async () => (await this.data.participants.personById.load(request.requesterId))?.leftAt;
    if (granted === CaseAccessScope.PERSON && (await requesterLeft())) {
      throw badInput('scope', 'the requester has left the network: grant with scope ORGANIZATION, or decline');
    }
    const share = (as: CaseAccessScope) => {
      const recipients = as === CaseAccessScope.PERSON ? [request.requesterId] : [];
      const recipientsOnConflict =
        as === CaseAccessScope.PERSON
          ? `CASE WHEN cardinality(case_share.recipient_ids) = 0 THEN case_share.recipient_ids
                  ELSE ARRAY(SELECT DISTINCT x FROM unnest(case_share.recipient_ids || EXCLUDED.recipient_ids) AS x ORDER BY x) END`
          : `'{}'::uuid[]`;
      // In a savepoint of its own: a share the database refuses leaves the request's transaction usable (below).
      return this.db.atomically(() =>
        this.db.query(
          `INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id, granted_at) VALUES ($1, $2, $3::uuid[], lap.viewer_person(), $4)
           ON CONFLICT (case_id, participant_id) DO UPDATE SET recipient_ids = ${recipientsOnConflict},
             granted_by_id = EXCLUDED.granted_by_id, granted_at = EXCLUDED.granted_at
           RETURNING id`,
          [c.id, org.id, recipients, now],
        ),
      );
    };
    // Changed at the same moment, decided under the rows' locks: the case made RED (lap.case_share_red_named), the
    // requester gone (lap.present_named), their organization withdrawn (lap.endorsed_named).
    const refused = (err: unknown) =>
      refusedByRule(err, {
        case_share_red_named: redGrantsPersons,
        named_present: () => badInput('scope', 'the requester has left the network: grant with scope ORGANIZATION, or decline'),
        endorsed_named: () => badInput('id', 'the requester’s organization is no longer an endorsed participant'),
      });
    let shared: unknown[];
    try {
      shared = await share(granted);
    } catch (err) {
      // A grant that names no scope takes the case's default as it stands when the share is written: made RED since it
      // was read above, that is PERSON, as the same grant sent after the change would have had it.
      if (scope != null || granted !== CaseAccessScope.ORGANIZATION || (err as { constraint?: unknown }).constraint !== 'case_share_red_named') throw refused(err);
      granted = CaseAccessScope.PERSON;
      if (await requesterLeft()) throw badInput('scope', 'the requester has left the network: grant with scope ORGANIZATION, or decline');
      shared = await share(granted).catch((again: unknown) => {
        throw refused(again);
      });
    }
    if (shared.length !== 1) throw forbidden();
    // As `shareCase`'s: the tier changed, and the requester's organization or person now reads it (a grant only
    // widens a share, so nobody loses what it reached).
    this.db.emit({ topic: 'case', id: c.id, tier: true });
    await this.decide(
      request.id,
      sql`UPDATE case_access_request SET status = 'GRANTED', decided_at = ${now}, decided_by_id = lap.viewer_person(), granted_scope = ${granted}
          WHERE id = ${request.id} AND status = 'PENDING' RETURNING id`,
    );
    this.data.cases.caseById.clear(c.id);
    this.data.cases.sharesByCase.clear(c.id);
    this.caseFacts.clear(c.id);
    this.requestById.clear(request.id);
    return (await this.requestById.load(request.id))!;
  }

  /** Declines a pending request, with a reason the requester reads (case_access_request_decide: the lead agency's people). */
  async decline(id: string, reason: string, now: Date): Promise<CaseAccessRequest> {
    const why = text('reason', reason, 2000);
    const request = await this.pendingRequest(id);
    await this.decide(
      request.id,
      sql`UPDATE case_access_request SET status = 'DECLINED', decided_at = ${now}, decided_by_id = lap.viewer_person(), decline_reason = ${why}
          WHERE id = ${request.id} AND status = 'PENDING' RETURNING id`,
    );
    this.requestById.clear(request.id);
    return (await this.requestById.load(request.id))!;
  }

  /**
   * Withdraws the viewer's own pending request (case_access_request_withdraw: its requester, while it is pending): it
   * stays on record for both sides, is no longer decidable, and the requester may ask again.
   */
  async withdraw(id: string, now: Date): Promise<CaseAccessRequest> {
    const request = await this.pendingRequest(id);
    await this.decide(
      request.id,
      sql`UPDATE case_access_request SET status = 'WITHDRAWN', decided_at = ${now}, decided_by_id = lap.viewer_person()
          WHERE id = ${request.id} AND status = 'PENDING' RETURNING id`,
    );
    this.requestById.clear(request.id);
    this.ownLatestRequestByCase.clear(request.caseId);
    return (await this.requestById.load(request.id))!;
  }

  /** Makes a pending request GRANTED, DECLINED or WITHDRAWN (`statement`); one decided meanwhile is told so. */
  private async decide(id: string, statement: Sql): Promise<void> {
    const rows = await this.db.rows(statement).catch((err) => {
      throw refusedByPolicy(err);
    });
    if (rows.length === 1) return;
    // Decided meanwhile by a concurrent request (the UPDATE waited for it and found it no longer pending): the same
    // answer as when it came second one after the other (`pendingRequest`). Otherwise the policy refused the write.
    this.requestById.clear(id);
    const now = await this.requestById.load(id);
    if (now && now.status !== CaseAccessRequestStatus.PENDING) throw badInput('id', `the request was already ${now.status.toLowerCase()}`);
    throw forbidden();
  }
}

/** A grant to a whole organization on a TLP:RED case. */
const redGrantsPersons = () => badInput('scope', 'a TLP:RED case is shared with named persons only: grant with scope PERSON');
