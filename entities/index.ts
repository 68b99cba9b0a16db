import { AssistanceRequest } from './assistance-request.entity';
import { CallExclusion } from './call-exclusion.entity';
import { EndorsementObjection } from './endorsement.entity';
import { SectorReport } from './sector-report.entity';
import { CallSegment } from './call-segment.entity';
import { Case } from './case.entity';
import { CaseShare } from './case-share.entity';
import { ConferenceCall } from './conference-call.entity';
import { Country } from './country.entity';
import { Agency, Participant, PrivateSectorMember } from './participant.entity';
import { Person } from './person.entity';
import { outreachEntities } from './outreach';
import { ApiKey } from './api-key.entity';
import { CaseAccessLogEntry, CaseAccessRequest } from './case-access.entity';

/** Every TypeORM entity of the hub. */
export const entities = [Country, Participant, Agency, PrivateSectorMember, Person, Case, CaseShare, ConferenceCall, CallSegment, CallExclusion,
  EndorsementObjection, AssistanceRequest, SectorReport, ...outreachEntities, ApiKey, CaseAccessRequest, CaseAccessLogEntry];
