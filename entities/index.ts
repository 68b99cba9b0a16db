import { CallExclusion } from './call-exclusion.entity';
import { CallSegment } from './call-segment.entity';
import { Case } from './case.entity';
import { CaseShare } from './case-share.entity';
import { ConferenceCall } from './conference-call.entity';
import { Country } from './country.entity';
import { Agency, Participant, PrivateSectorMember } from './participant.entity';
import { Person } from './person.entity';

/** Every TypeORM entity of the hub. */
export const entities = [Country, Participant, Agency, PrivateSectorMember, Person, Case, CaseShare, ConferenceCall, CallSegment, CallExclusion];
