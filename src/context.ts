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
  config: Config;
  /** The request's clock (also the database's `lap.now()`); tests inject their own. */
  now: () => Date;
}
