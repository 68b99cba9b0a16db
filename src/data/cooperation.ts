import DataLoader from 'dataloader';
import { AssistanceRequest, AssistanceRequestDetails } from '../../entities/assistance-request.entity';
import { Endorsement, EndorsementObjection } from '../../entities/endorsement.entity';
import { AssistanceStatus, HarmCategory, ParticipantKind, ParticipantStatus, ReportKind, RequestDirection, Tlp, Sector } from '../../entities/enums';
import { Person } from '../../entities/person.entity';
import { SectorReport } from '../../entities/sector-report.entity';
import type { ViewerDb } from '../db/viewer-db';
import { and, raw, Sql, sql } from '../db/sql';
import type { Page } from '../graphql/connection';
import { badInput, forbidden, refusedByPolicy } from '../graphql/errors';
import { paginate } from '../graphql/paginate';
import { byKey, groupBy, PeekLoader, uuidArray } from './batch';
import type { Data } from './index';
import { NetworkReportFigures, networkReportFigures } from './network-report';

type Row = Record<string, unknown>;

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

const unanswered = [AssistanceStatus.OPEN, AssistanceStatus.ACKNOWLEDGED];

/**
 * The cooperation workflows (DOMAIN §4 "Endorsement", "Assistance requests", "Reports … the network report"): every
 * statement of endorsement, requests for assistance, sector reports and the network report, run as the request's
 * viewer. Row-level security decides every row and every restricted part; what the viewer may do with a row comes
 * back with it, from the policies' own `lap` functions.
 */
export class CooperationData {
  constructor(private readonly data: Data) {}

  private get db(): ViewerDb {
    return this.data.db;
  }

  private rows(query: Sql): Promise<Row[]> {
    return this.db.rows<Row>(query);
  }

  // ---- endorsement (the paragraph after §D) ---------------------------------------------------------------------

  /**
   * `SELECT` list of an application, from the view `endorsement_application` (the participant's policy and
   * lap.application_readable; the status and the objection window at lap.now()). Objections are readable, and may
   * be made, by agencies: the objections' own policies (objection_read, objection_object). An agency with a standing
   * objection to the application may not object again (one standing objection per agency): `can_object` says so.
   */
  private static readonly applicationColumns = sql`a.id, a.applied_at, a.objection_deadline, a.recorded_by_id, a.status,
    a.objection_open, (SELECT lap.is_agency()) AS objections_readable,
    (SELECT lap.is_agency()) AND a.objection_open AND (SELECT lap.is_person())
      AND NOT EXISTS (SELECT 1 FROM endorsement_objection o
                      WHERE o.participant_id = a.id AND o.agency_id = (SELECT lap.viewer_org()) AND o.withdrawn_at IS NULL) AS can_object`;

  private endorsementsFrom(rows: Row[]): Endorsement[] {
    return rows.map((row) => {
      const e = Object.assign(new Endorsement(), {
        id: row.id as string,
        status: row.status as ParticipantStatus,
        appliedAt: row.applied_at as Date,
        objectionDeadline: row.objection_deadline as Date,
        recordedById: (row.recorded_by_id as string | null) ?? null,
        objectionOpen: row.objection_open === true,
        objectionsReadable: row.objections_readable === true,
        canObject: row.can_object === true,
      });
      this.endorsementById.prime(e.id, e);
      return e;
    });
  }

  readonly endorsementById = new PeekLoader<string, Endorsement | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT ${CooperationData.applicationColumns} FROM endorsement_application a WHERE a.id = ANY (${uuidArray(ids)})`,
    );
    return byKey(ids, this.endorsementsFrom(rows), (e) => e.id);
  });

  /** Applications, newest first, optionally of one status (as it is now). */
  endorsementPage(status: ParticipantStatus | null | undefined, page: PageArgs): Promise<Page<Endorsement>> {
    return paginate(this.db, {
      from: sql`endorsement_application a`,
      select: CooperationData.applicationColumns,
      where: and(status ? [sql`a.status = ${status}`] : []),
      order: [
        { expr: 'a.applied_at', direction: 'DESC', type: 'timestamptz' },
        { expr: 'a.id', direction: 'ASC', type: 'uuid' },
      ],
      first: page.first,
      after: page.after,
      hydrate: (rows) => this.endorsementsFrom(rows),
    });
  }

  readonly objectionsByParticipant = new DataLoader<string, EndorsementObjection[]>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT o.participant_id AS __key, o.* FROM endorsement_objection o WHERE o.participant_id = ANY (${uuidArray(ids)})
          ORDER BY o.created_at, o.id`,
    );
    return groupBy(ids, rows, this.db.hydrate(EndorsementObjection, rows));
  });

  readonly objectionById = new DataLoader<string, EndorsementObjection | null>(async (ids) => {
    const rows = await this.rows(sql`SELECT o.* FROM endorsement_objection o WHERE o.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.db.hydrate(EndorsementObjection, rows), (o) => o.id);
  });

  /**
   * Records an application and its point of contact (the policies participant_apply, person_apply and
   * participant_contact: a coordinator, for an application it records). Returns the applicant's id. A duplicate e-mail,
   * or the name of a participant or applicant, is `BAD_USER_INPUT`; a refusal by the policies is `FORBIDDEN`; either
   * writes nothing.
   */
  recordApplication(input: {
    kind: ParticipantKind;
    name: string;
    countryCode: string;
    competences: string[];
    sector: Sector | null;
    objectionDays: number;
    contact: { name: string; email: string; phone: string | null; title: string | null };
  }): Promise<string> {
    return this.write(
      async () => {
        // One participant or applicant of a name, as a reader would read it (`nameAsRead`): recipients, hosts and
        // shares are chosen by name, and a look-alike applicant would pass for the member. A withdrawn or rejected
        // one's name is free: it applies again. (A network's participants are a few hundred rows: compared here.)
        const others = await this.rows(
          sql`SELECT p.name FROM participant p WHERE lap.participant_status(p.status, p.objection_deadline, p.id) NOT IN ('WITHDRAWN', 'REJECTED')`,
        );
        const taken = others.find((p) => nameAsRead(String(p.name)) === nameAsRead(input.name));
        if (taken) throw badInput('input.name', `${String(taken.name)} is a participant or an applicant already`);
        const [{ id }] = await this.rows(
          sql`INSERT INTO participant (kind, name, country_code, status, applied_at, objection_deadline, competences, is_coordinator, sector, recorded_by_id)
              VALUES (${input.kind}, ${input.name}, ${input.countryCode}, 'APPLIED', lap.now(), lap.now() + make_interval(days => ${input.objectionDays}::int),
                ${input.competences}::text[], false, ${input.sector}, lap.viewer_person())
              RETURNING id`,
        );
        const c = input.contact;
        const [{ id: contactId }] = await this.rows(
          sql`INSERT INTO person (organization_id, name, email, phone, title) VALUES (${id}, ${c.name}, ${c.email}, ${c.phone}, ${c.title}) RETURNING id`,
        );
        const updated = await this.rows(sql`UPDATE participant SET point_of_contact_id = ${contactId} WHERE id = ${id} RETURNING id`);
        if (updated.length === 0) throw forbidden();
        return id as string;
      },
      { '23505': () => badInput('input.pointOfContact.email', 'a person with this e-mail already exists') },
    );
  }

  /**
   * The viewer's agency objects to an application. The policy (objection_object) admits agencies, for their own
   * agency, while the window is open at lap.now(); the standing-objection index admits one standing objection per agency.
   */
  objectTo(participantId: string, reason: string): Promise<string> {
    return this.write(
      async () => {
        const [{ id }] = await this.rows(
          sql`INSERT INTO endorsement_objection (participant_id, agency_id, objected_by_id, reason, created_at)
              VALUES (${participantId}, lap.viewer_org(), lap.viewer_person(), ${reason}, lap.now()) RETURNING id`,
        );
        return id as string;
      },
      { '23505': () => badInput('endorsementId', 'your agency already objects to this application') },
    );
  }

  /**
   * Withdraws a standing objection (objection_withdraw: the objecting agency, while the window is open). False when no
   * row was changed: the policy did not let the viewer change it, or it was withdrawn meanwhile.
   */
  async withdrawObjection(id: string): Promise<boolean> {
    const rows = await this.write(() =>
      this.rows(sql`UPDATE endorsement_objection SET withdrawn_at = lap.now() WHERE id = ${id} AND withdrawn_at IS NULL RETURNING id`),
    );
    this.objectionById.clear(id);
    return rows.length > 0;
  }

  // ---- requests for assistance (§A.5, §B.4) ---------------------------------------------------------------------

  /**
   * `SELECT` list of a request: its row, its details as one JSON value from `assistance_request_detail` (which
   * row-level security returns to the requester and the recipient only, lap.assistance_party — NULL for anyone else),
   * and whether the viewer may answer or withdraw it now (lap.assistance_recipient / lap.assistance_requester, the
   * conditions of the update policy's WITH CHECK).
   */
  private requestColumns(alias: string): Sql {
    const columns = this.db.metadata(AssistanceRequest).columns.map((c) => `${alias}.${c.databaseName}`);
    const r = raw(alias);
    return sql`${raw(columns.join(', '))},
      (SELECT json_build_object('description', d.description, 'response', d.response, 'victimCount', d.victim_count,
        'estimatedLossUsd', d.estimated_loss_usd, 'vulnerableVictims', d.vulnerable_victims, 'ongoingHarm', d.ongoing_harm)
       FROM assistance_request_detail d WHERE d.request_id = ${r}.id) AS __detail,
      ${r}.status = ANY (${unanswered}::text[])
        AND lap.assistance_recipient((SELECT lap.is_member()), ${r}.recipient_id = (SELECT lap.viewer_org())) AND (SELECT lap.is_person()) AS __can_answer,
      ${r}.status = ANY (${unanswered}::text[])
        AND lap.assistance_requester((SELECT lap.is_agency()), ${r}.requester_id = (SELECT lap.viewer_org())) AND (SELECT lap.is_person()) AS __can_withdraw`;
  }

  private requestsFrom(rows: Row[]): AssistanceRequest[] {
    const requests = this.db.hydrate(AssistanceRequest, rows);
    requests.forEach((r, i) => {
      r.detail = (rows[i].__detail as AssistanceRequestDetails | null) ?? null;
      r.canAnswer = rows[i].__can_answer === true;
      r.canWithdraw = rows[i].__can_withdraw === true;
      this.requestById.prime(r.id, r);
    });
    return requests;
  }

  readonly requestById = new DataLoader<string, AssistanceRequest | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT ${this.requestColumns('r')} FROM assistance_request r WHERE r.id = ANY (${uuidArray(ids)})`,
    );
    return byKey(ids, this.requestsFrom(rows), (r) => r.id);
  });

  /** The requests the viewer may see, highest harm score first, then oldest first (§A.5). */
  requestPage(
    filter: { status?: AssistanceStatus | null; direction?: RequestDirection | null; recipientKind?: ParticipantKind | null } | null | undefined,
    page: PageArgs,
  ): Promise<Page<AssistanceRequest>> {
    const conditions: Sql[] = [];
    if (filter?.status) conditions.push(sql`r.status = ${filter.status}`);
    if (filter?.direction === RequestDirection.SENT) conditions.push(sql`r.requester_id = (SELECT lap.viewer_org())`);
    if (filter?.direction === RequestDirection.RECEIVED) conditions.push(sql`r.recipient_id = (SELECT lap.viewer_org())`);
    if (filter?.recipientKind) conditions.push(sql`EXISTS (SELECT 1 FROM participant rp WHERE rp.id = r.recipient_id AND rp.kind = ${filter.recipientKind})`);
    return paginate(this.db, {
      from: sql`assistance_request r`,
      select: this.requestColumns('r'),
      where: and(conditions),
      order: [
        { expr: 'r.harm_score', direction: 'DESC', type: 'integer' },
        { expr: 'r.created_at', direction: 'ASC', type: 'timestamptz' },
        { expr: 'r.id', direction: 'ASC', type: 'uuid' },
      ],
      first: page.first,
      after: page.after,
      hydrate: (rows) => this.requestsFrom(rows),
    });
  }

  /**
   * A new request from the viewer's agency, with its details row (the policies request_ask and request_detail_ask:
   * an agency, for itself). Returns its id.
   */
  requestAssistance(input: {
    recipientId: string;
    caseId: string | null;
    title: string;
    description: string;
    categories: HarmCategory[];
    victimCount: number;
    estimatedLossUsd: number;
    vulnerableVictims: boolean;
    ongoingHarm: boolean;
    harmScore: number;
  }): Promise<string> {
    return this.write(async () => {
      const [row] = await this.rows(
        sql`INSERT INTO assistance_request (requester_id, requested_by_id, recipient_id, case_id, title, categories, harm_score, status, created_at)
            VALUES (lap.viewer_org(), lap.viewer_person(), ${input.recipientId}, ${input.caseId}, ${input.title}, ${input.categories}::text[],
              ${input.harmScore}, 'OPEN', lap.now())
            RETURNING id, requester_id, recipient_id`,
      );
      await this.rows(
        sql`INSERT INTO assistance_request_detail (request_id, requester_id, recipient_id, description, victim_count, estimated_loss_usd,
              vulnerable_victims, ongoing_harm)
            VALUES (${row.id}, ${row.requester_id}, ${row.recipient_id}, ${input.description}, ${input.victimCount}, ${input.estimatedLossUsd},
              ${input.vulnerableVictims}, ${input.ongoingHarm})`,
      );
      this.db.emit({ topic: 'assistance', id: row.id as string });
      return row.id as string;
    });
  }

  /**
   * Moves a request from one of `from` to `to` (and records the answer). The database decides who may: the update
   * policy admits the parties (USING) to the statuses each may set (WITH CHECK, lap.assistance_move_allowed) — a
   * refusal is FORBIDDEN and writes nothing. A request not in one of `from` is BAD_USER_INPUT.
   */
  moveRequest(id: string, from: AssistanceStatus[], to: AssistanceStatus, response?: string): Promise<void> {
    const stamp =
      to === AssistanceStatus.ACKNOWLEDGED ? sql`, acknowledged_at = lap.now()`
      : to === AssistanceStatus.FULFILLED || to === AssistanceStatus.DECLINED ? sql`, answered_at = lap.now()`
      : raw('');
    return this.write(async () => {
      const moved = await this.rows(
        sql`UPDATE assistance_request SET status = ${to}${stamp} WHERE id = ${id} AND status = ANY (${from}::text[]) RETURNING id`,
      );
      if (moved.length === 0) {
        // No row changed: either the request is in another state, or the policy did not let the viewer change it.
        const [current] = await this.rows(sql`SELECT r.status FROM assistance_request r WHERE r.id = ${id}`);
        if (current && !from.includes(current.status as AssistanceStatus)) throw badInput('id', `the request is ${current.status}`);
        throw forbidden();
      }
      if (response !== undefined) {
        const answered = await this.rows(
          sql`UPDATE assistance_request_detail SET response = ${response} WHERE request_id = ${id} RETURNING request_id`,
        );
        if (answered.length === 0) throw forbidden();
      }
      // The status is a row field: every party that sees the request sees the move.
      this.db.emit({ topic: 'assistance', id });
      this.requestById.clear(id);
    });
  }

  // ---- sector reports (§B.3.a) ----------------------------------------------------------------------------------

  /**
   * `SELECT` list of a report: its row (row-level security: lap.report_row_visible), and whether the viewer may read
   * its named recipients — lap.report_recipients_readable, the condition of the recipients' own policy.
   */
  private reportColumns(alias: string): Sql {
    const columns = this.db.metadata(SectorReport).columns.map((c) => `${alias}.${c.databaseName}`);
    return sql`${raw(columns.join(', '))},
      lap.report_recipients_readable((SELECT lap.is_member()), ${raw(alias)}.author_org_id = (SELECT lap.viewer_org())) AS __recipients_readable`;
  }

  private reportsFrom(rows: Row[]): SectorReport[] {
    const reports = this.db.hydrate(SectorReport, rows);
    reports.forEach((r, i) => {
      r.recipientsReadable = rows[i].__recipients_readable === true;
      this.reportById.prime(r.id, r);
    });
    return reports;
  }

  readonly reportById = new DataLoader<string, SectorReport | null>(async (ids) => {
    const rows = await this.rows(sql`SELECT ${this.reportColumns('r')} FROM sector_report r WHERE r.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.reportsFrom(rows), (r) => r.id);
  });

  /** Reports the viewer may see, newest first; `kind` narrows them (the early-warning feed is EARLY_WARNING). */
  reportPage(kind: ReportKind | null | undefined, page: PageArgs): Promise<Page<SectorReport>> {
    return paginate(this.db, {
      from: sql`sector_report r`,
      select: this.reportColumns('r'),
      where: and(kind ? [sql`r.kind = ${kind}`] : []),
      order: [
        { expr: 'r.published_at', direction: 'DESC', type: 'timestamptz' },
        { expr: 'r.id', direction: 'ASC', type: 'uuid' },
      ],
      first: page.first,
      after: page.after,
      hydrate: (rows) => this.reportsFrom(rows),
    });
  }

  /**
   * The named recipients of reports, by name: `sector_report_recipient` returns them to the author organization only
   * (lap.report_recipients_readable); people through the person policy.
   */
  /**
   * A report's named recipients the viewer may see, and how many it names that the viewer may not (a person of an
   * organization that has withdrawn, for a private-sector reader: the person policy hides the row, the LEFT JOIN keeps
   * the naming), so that the list does not read as naming fewer people than it does.
   */
  readonly recipientsByReport = new DataLoader<string, { people: Person[]; hidden: number }>(async (reportIds) => {
    const rows = await this.rows(
      sql`SELECT rr.report_id AS __key, pe.* FROM sector_report_recipient rr LEFT JOIN person pe ON pe.id = rr.person_id
          WHERE rr.report_id = ANY (${uuidArray(reportIds)}) ORDER BY pe.name COLLATE "C", pe.id`,
    );
    const seen = rows.filter((r) => r.id != null);
    const people = groupBy(reportIds, seen, this.db.hydrate(Person, seen));
    const hidden = new Map<string, number>();
    for (const r of rows) if (r.id == null) hidden.set(String(r.__key), (hidden.get(String(r.__key)) ?? 0) + 1);
    return reportIds.map((id, i) => ({ people: people[i], hidden: hidden.get(id) ?? 0 }));
  });

  /**
   * Publishes a report of the viewer's organization with its named recipients (report_publish and
   * report_recipient_name: a member, for its own organization). A RED report without recipients is refused by the
   * database (the deferred trigger sector_report_red_named, checked here rather than at commit).
   */
  publishReport(input: { kind: ReportKind; title: string; body: string; tlp: Tlp; recipientIds: string[] }): Promise<string> {
    return this.write(
      async () => {
        const [{ id }] = await this.rows(
          sql`INSERT INTO sector_report (author_org_id, author_id, kind, title, body, tlp, published_at)
              VALUES (lap.viewer_org(), lap.viewer_person(), ${input.kind}, ${input.title}, ${input.body}, ${input.tlp}, lap.now())
              RETURNING id`,
        );
        if (input.recipientIds.length) {
          await this.rows(
            sql`INSERT INTO sector_report_recipient (report_id, person_id, author_org_id)
                SELECT ${id}, x.person_id, lap.viewer_org() FROM unnest(${input.recipientIds}::uuid[]) AS x(person_id)`,
          );
        }
        await this.db.query(`SET CONSTRAINTS sector_report_red_named IMMEDIATE`);
        await this.db.query(`SET CONSTRAINTS sector_report_red_named DEFERRED`);
        if (input.kind === ReportKind.EARLY_WARNING) this.db.emit({ topic: 'earlyWarning', id: id as string });
        return id as string;
      },
      {
        '23514': (err) =>
          (err as { constraint?: string }).constraint === 'named_present'
            ? // A recipient who left at the same moment (lap.present_named, under their row's lock).
              badInput('input.recipientIds', `have left the network: ${(err as { detail?: string }).detail ?? ''}`)
            : (err as { constraint?: string }).constraint === 'endorsed_named'
              ? // A recipient of an organization that is not (or no longer) endorsed (lap.report_recipient_named, under its lock).
                badInput('input.recipientIds', `are not people of an endorsed participant: ${(err as { detail?: string }).detail ?? ''}`)
              : badInput('input.recipientIds', 'a TLP:RED report must name its recipients'),
      },
    );
  }

  // ---- the network report (§C.1, §D) ---------------------------------------------------------------------------

  /** The network report's figures for [from, to), each counted under the viewer's row-level security. */
  networkReport(from: Date, to: Date): Promise<NetworkReportFigures> {
    return networkReportFigures(this.db, from, to);
  }

  // ---- writes ---------------------------------------------------------------------------------------------------

  /**
   * Runs a write in a savepoint: all of it sticks or none of it does. A refusal by row-level security (SQLSTATE 42501)
   * is FORBIDDEN; the SQLSTATEs in `known` become their bad-input errors; anything else passes through.
   */
  private async write<T>(fn: () => Promise<T>, known: Record<string, (err: unknown) => Error> = {}): Promise<T> {
    try {
      return await this.db.atomically(fn);
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && known[code]) throw known[code](err);
      throw refusedByPolicy(err);
    }
  }
}

/**
 * An organization's name as a reader tells it from another: compatibility forms folded (a full-width letter, a
 * no-break space: NFKC), invisible characters dropped (zero-width spaces, joiners, soft hyphens, controls),
 * punctuation and symbols dropped, runs of spaces as one, any case. Letters of other scripts that look alike (a
 * Cyrillic о in a Latin name) stay apart.
 */
export function nameAsRead(name: string): string {
  return name
    .normalize('NFKC')
    .replace(/[\p{Cf}\p{Cc}]/gu, (c) => (/\s/u.test(c) ? ' ' : ''))
    .replace(/[\p{P}\p{S}]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim()
    .toLowerCase();
}
