import type { Config } from './config';
import type { ViewerDb } from './db/viewer-db';
import type { Loaders } from './loaders';
import type { CooperationLoaders } from './loaders/cooperation';
import type { OutreachLoaders } from './loaders/outreach';
import type { Redactions } from './policy/redaction';
import type { Viewer } from './policy/viewer';

/** What every resolver and rule of one request sees. Built fresh per request. */
export interface Context {
  viewer: Viewer;
  loaders: Loaders;
  cooperation: CooperationLoaders;
  outreach: OutreachLoaders;
  /** The database as this viewer sees it (row-level security), in the request's one transaction. */
  db: ViewerDb;
  redactions: Redactions;
  config: Config;
  /** The clock; tests inject their own. */
  now: () => Date;
}
