import type { AuditTrail } from './audit';
import type { Config } from './config';
import type { Data } from './data';
import type { ViewerDb } from './db/viewer-db';
import type { Redactions } from './policy/redaction';
import type { Viewer } from './policy/viewer';

/** What every resolver and rule of one request sees. Built fresh per request. */
export interface Context {
  viewer: Viewer;
  /** The request's data layer: every area's statements and loaders, under row-level security. */
  data: Data;
  /** The database as this viewer sees it (row-level security), in the request's one transaction. */
  db: ViewerDb;
  redactions: Redactions;
  /**
   * What the response carries that the audit trail records (DOMAIN §9): the resolvers of a case's tier and of TLP:RED
   * rows note it; the hub writes it after the response. A path that resolves cases outside an HTTP request (a
   * subscription event) builds its own trail and hands it to `AuditWriter.record` after each delivery.
   */
  audit: AuditTrail;
  config: Config;
  /** The request's clock (also the database's `lap.now()`); tests inject their own. */
  now: () => Date;
}
