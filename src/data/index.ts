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
  /**
   * Each area is made on its first use: a request reads one or two of them, and every area's loaders (a DataLoader
   * and its cache per kind of row) were otherwise allocated for every request, then outlived it in the young
   * generation's collections.
   */
  private areas: {
    participants?: ParticipantData;
    cases?: CaseData;
    calls?: CallData;
    cooperation?: CooperationData;
    outreach?: OutreachData;
    accountability?: AccountabilityData;
    live?: LiveData;
  } = {};

  constructor(
    readonly db: ViewerDb,
    readonly viewer: Viewer,
    /** What the request's response carries that the audit trail records (DOMAIN §9); absent where nothing is answered. */
    readonly audit?: AuditTrail,
  ) {}

  get participants(): ParticipantData {
    return (this.areas.participants ??= new ParticipantData(this));
  }
  get cases(): CaseData {
    return (this.areas.cases ??= new CaseData(this));
  }
  get calls(): CallData {
    return (this.areas.calls ??= new CallData(this));
  }
  get cooperation(): CooperationData {
    return (this.areas.cooperation ??= new CooperationData(this));
  }
  get outreach(): OutreachData {
    return (this.areas.outreach ??= new OutreachData(this));
  }
  get accountability(): AccountabilityData {
    return (this.areas.accountability ??= new AccountabilityData(this));
  }
  get live(): LiveData {
    return (this.areas.live ??= new LiveData(this));
  }
}
