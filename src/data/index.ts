import type { ViewerDb } from '../db/viewer-db';
import type { AuditTrail } from '../audit';
import type { Viewer } from '../policy/viewer';
import { AccountabilityData } from './accountability';
import { CallData } from './calls';
import { CaseData } from './cases';
import { CooperationData } from './cooperation';
import { LiveData } from './live';
import { OutreachData } from './outreach';
import { ParticipantData } from './participants';

/**
 * The data layer of one request: every area's statements and loaders, over the request's viewer-bound database
 * (row-level security decides every row). A fresh set per request, never shared between viewers; the areas reach
 * each other through it (a case list loads its lead agencies through `participants`).
 */
export class Data {
  readonly participants: ParticipantData;
  readonly cases: CaseData;
  readonly calls: CallData;
  readonly cooperation: CooperationData;
  readonly outreach: OutreachData;
  readonly accountability: AccountabilityData;
  readonly live: LiveData;

  constructor(
    readonly db: ViewerDb,
    readonly viewer: Viewer,
    /** What the request's response carries that the audit trail records (DOMAIN §9); absent where nothing is answered. */
    readonly audit?: AuditTrail,
  ) {
    this.participants = new ParticipantData(this);
    this.cases = new CaseData(this);
    this.calls = new CallData(this);
    this.cooperation = new CooperationData(this);
    this.outreach = new OutreachData(this);
    this.accountability = new AccountabilityData(this);
    this.live = new LiveData(this);
  }
}
