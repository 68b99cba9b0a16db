import type { DataSource } from 'typeorm';
import type { Config } from './config';
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
  ds: DataSource;
  redactions: Redactions;
  config: Config;
  /** The clock; tests inject their own. */
  now: () => Date;
}
