import { CoreSchema1764000000000 } from './1764000000000-CoreSchema';
import { Cooperation1764050000000 } from './1764050000000-Cooperation';
import { Outreach1764100000000 } from './1764100000000-Outreach';
import { RowLevelSecurity1764200000000 } from './1764200000000-RowLevelSecurity';
import { OutreachPolicies1764220000000 } from './1764220000000-OutreachPolicies';
import { CooperationParts1764230000000 } from './1764230000000-CooperationParts';
import { CaseReach1764300000000 } from './1764300000000-CaseReach';
import { Accountability1764400000000 } from './1764400000000-Accountability';
import { RateLimits1764600000000 } from './1764600000000-RateLimits';
import { AuditTrailLean1764700000000 } from './1764700000000-AuditTrailLean';
import { AuditTrailPerRequest1764800000000 } from './1764800000000-AuditTrailPerRequest';
import { SegmentsTakingPart1764900000000 } from './1764900000000-SegmentsTakingPart';
import { ListedPeople1764910000000 } from './1764910000000-ListedPeople';
import { DefinerPlansKept1764920000000 } from './1764920000000-DefinerPlansKept';
import { AccessRequestsMembersOnly1764930000000 } from './1764930000000-AccessRequestsMembersOnly';
import { PeopleWhoLeft1764940000000 } from './1764940000000-PeopleWhoLeft';
import { RedSharesNamed1764950000000 } from './1764950000000-RedSharesNamed';
import { RulesAcrossRequests1764960000000 } from './1764960000000-RulesAcrossRequests';
import { ObjectionWindowWaited1764970000000 } from './1764970000000-ObjectionWindowWaited';
import { NamedWhilePresent1764980000000 } from './1764980000000-NamedWhilePresent';
import { WithdrawnNoPrimaryContact1764990000000 } from './1764990000000-WithdrawnNoPrimaryContact';
import { WithdrawnContactsCleared1765000000000 } from './1765000000000-WithdrawnContactsCleared';
import { PersonLeft1765010000000 } from './1765010000000-PersonLeft';
import { LastCoordinatorStays1765020000000 } from './1765020000000-LastCoordinatorStays';
import { PersonKnown1765030000000 } from './1765030000000-PersonKnown';
import { AccessRequestWithdrawn1765040000000 } from './1765040000000-AccessRequestWithdrawn';
import { WithdrawnTakesNoPart1765050000000 } from './1765050000000-WithdrawnTakesNoPart';
import { ContactOfFormerMemberLeaves1765060000000 } from './1765060000000-ContactOfFormerMemberLeaves';
import { ReportNamesMembers1765070000000 } from './1765070000000-ReportNamesMembers';

/** Every migration, oldest first. */
export const migrations = [
  CoreSchema1764000000000,
  Cooperation1764050000000,
  Outreach1764100000000,
  RowLevelSecurity1764200000000,
  OutreachPolicies1764220000000,
  CooperationParts1764230000000,
  CaseReach1764300000000,
  Accountability1764400000000,
  RateLimits1764600000000,
  AuditTrailLean1764700000000,
  AuditTrailPerRequest1764800000000,
  SegmentsTakingPart1764900000000,
  ListedPeople1764910000000,
  DefinerPlansKept1764920000000,
  AccessRequestsMembersOnly1764930000000,
  PeopleWhoLeft1764940000000,
  RedSharesNamed1764950000000,
  RulesAcrossRequests1764960000000,
  ObjectionWindowWaited1764970000000,
  NamedWhilePresent1764980000000,
  WithdrawnNoPrimaryContact1764990000000,
  WithdrawnContactsCleared1765000000000,
  PersonLeft1765010000000,
  LastCoordinatorStays1765020000000,
  PersonKnown1765030000000,
  AccessRequestWithdrawn1765040000000,
  WithdrawnTakesNoPart1765050000000,
  ContactOfFormerMemberLeaves1765060000000,
  ReportNamesMembers1765070000000,
];
