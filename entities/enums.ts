import { registerEnumType } from 'type-graphql';

export enum ViewerKind {
  ANONYMOUS = 'ANONYMOUS',
  AGENCY = 'AGENCY',
  COORDINATOR = 'COORDINATOR',
  PRIVATE = 'PRIVATE',
}
registerEnumType(ViewerKind, {
  name: 'ViewerKind',
  description: 'Who the caller is (DOMAIN §2). COORDINATOR is an AGENCY viewer whose agency coordinates the network (§C).',
});

export enum ParticipantKind {
  AGENCY = 'AGENCY',
  PRIVATE_SECTOR = 'PRIVATE_SECTOR',
}
registerEnumType(ParticipantKind, { name: 'ParticipantKind', description: 'A government or public agency (§A), or a private-sector representative (§B).' });

export enum ParticipantStatus {
  APPLIED = 'APPLIED',
  ENDORSED = 'ENDORSED',
  REJECTED = 'REJECTED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(ParticipantStatus, {
  name: 'ParticipantStatus',
  description: 'Where a participant stands in the endorsement procedure (the paragraph after §D).',
});

export enum AgencyCompetence {
  DATA_PROTECTION = 'DATA_PROTECTION',
  TELECOMMUNICATIONS = 'TELECOMMUNICATIONS',
  CONSUMER_PROTECTION = 'CONSUMER_PROTECTION',
  CRIMINAL_LAW = 'CRIMINAL_LAW',
  OTHER = 'OTHER',
}
registerEnumType(AgencyCompetence, { name: 'AgencyCompetence', description: "An agency's area of spam-enforcement competence." });

export enum Sector {
  FINANCIAL_INSTITUTION = 'FINANCIAL_INSTITUTION',
  INTERNET_SERVICE_PROVIDER = 'INTERNET_SERVICE_PROVIDER',
  TELECOMMUNICATIONS_COMPANY = 'TELECOMMUNICATIONS_COMPANY',
  SECURITY_SOFTWARE_PROVIDER = 'SECURITY_SOFTWARE_PROVIDER',
  MOBILE_OPERATOR = 'MOBILE_OPERATOR',
  COURIER_SERVICE = 'COURIER_SERVICE',
  COMMERCIAL_MAIL_RECEIVING_AGENCY = 'COMMERCIAL_MAIL_RECEIVING_AGENCY',
  INDUSTRY_MEMBERSHIP_ORGANIZATION = 'INDUSTRY_MEMBERSHIP_ORGANIZATION',
  CONSUMER_ORGANIZATION = 'CONSUMER_ORGANIZATION',
  PAYMENT_SYSTEM_PROVIDER = 'PAYMENT_SYSTEM_PROVIDER',
  CREDIT_REPORTING_AGENCY = 'CREDIT_REPORTING_AGENCY',
  DOMAIN_REGISTRAR_OR_REGISTRY = 'DOMAIN_REGISTRAR_OR_REGISTRY',
  DISPUTE_RESOLUTION_PROVIDER = 'DISPUTE_RESOLUTION_PROVIDER',
}
registerEnumType(Sector, { name: 'Sector', description: 'The kinds of private-sector representative the plan invites (its closing paragraph).' });

export enum CaseStatus {
  OPEN = 'OPEN',
  INVESTIGATING = 'INVESTIGATING',
  ENFORCEMENT_ACTION = 'ENFORCEMENT_ACTION',
  CLOSED = 'CLOSED',
}
registerEnumType(CaseStatus, { name: 'CaseStatus', description: 'Where an enforcement case stands.' });

export enum HarmCategory {
  SPAM = 'SPAM',
  PHISHING = 'PHISHING',
  ONLINE_FRAUD = 'ONLINE_FRAUD',
  MALWARE = 'MALWARE',
  IDENTITY_THEFT = 'IDENTITY_THEFT',
  OTHER = 'OTHER',
}
registerEnumType(HarmCategory, { name: 'HarmCategory', description: 'The spam-related problems the plan names (its purpose paragraph, §A.3.e).' });

export enum Tlp {
  CLEAR = 'CLEAR',
  GREEN = 'GREEN',
  AMBER = 'AMBER',
  AMBER_STRICT = 'AMBER_STRICT',
  RED = 'RED',
}
registerEnumType(Tlp, {
  name: 'Tlp',
  description:
    'FIRST Traffic Light Protocol 2.0. CLEAR: no limit. GREEN: the community (every agency and private-sector member). ' +
    'AMBER: agencies, and private-sector members a share reaches. AMBER_STRICT: as AMBER, and a share reaches no one ' +
    'beyond its recipient organization (it may name some of its people, as any share may). ' +
    "RED: the lead agency's people and the named persons of a share.",
  valuesConfig: {
    CLEAR: { description: 'No limit on disclosure: everyone, anonymous callers too.' },
    GREEN: { description: 'The community: every AGENCY and PRIVATE viewer.' },
    AMBER: { description: 'Every AGENCY viewer; a PRIVATE viewer only when a share reaches them.' },
    AMBER_STRICT: { description: 'As AMBER, within the recipient organization only: a share may name some of its people, never anyone beyond it.' },
    RED: { description: "Named individual recipients only, and the lead agency's people." },
  },
});

export enum AgendaTopic {
  CASES = 'CASES',
  LEGISLATIVE_DEVELOPMENTS = 'LEGISLATIVE_DEVELOPMENTS',
  INVESTIGATIVE_TECHNIQUES = 'INVESTIGATIVE_TECHNIQUES',
  ENFORCEMENT_OBSTACLES = 'ENFORCEMENT_OBSTACLES',
  EDUCATION_PROJECTS = 'EDUCATION_PROJECTS',
  TRAINING = 'TRAINING',
  PRIVATE_SECTOR_REPORTS = 'PRIVATE_SECTOR_REPORTS',
}
registerEnumType(AgendaTopic, { name: 'AgendaTopic', description: 'What a call segment discusses: §A.3.a–f and §B.3.a.' });

export enum SegmentAudience {
  LAW_ENFORCEMENT_ONLY = 'LAW_ENFORCEMENT_ONLY',
  PRIVATE_SECTOR_INVITED = 'PRIVATE_SECTOR_INVITED',
}
registerEnumType(SegmentAudience, {
  name: 'SegmentAudience',
  description: 'Whether invited private-sector members may take part in a segment (§B.3: some calls are for law enforcement only).',
});

export enum CaseOrder {
  HARM = 'HARM',
  OPENED_AT = 'OPENED_AT',
}
registerEnumType(CaseOrder, { name: 'CaseOrder', description: 'HARM: highest harm score first (§A.5). OPENED_AT: newest first. Ties break by id.' });

export enum CallWindow {
  UPCOMING = 'UPCOMING',
  PAST = 'PAST',
  ALL = 'ALL',
}
registerEnumType(CallWindow, { name: 'CallWindow', description: 'UPCOMING: calls not yet started, soonest first. PAST: started calls, latest first. ALL: by date.' });

export enum AssistanceStatus {
  OPEN = 'OPEN',
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  FULFILLED = 'FULFILLED',
  DECLINED = 'DECLINED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(AssistanceStatus, {
  name: 'AssistanceStatus',
  description: 'OPEN → ACKNOWLEDGED → FULFILLED or DECLINED (by the recipient); WITHDRAWN by the requester while unanswered.',
});

export enum RequestDirection {
  SENT = 'SENT',
  RECEIVED = 'RECEIVED',
}
registerEnumType(RequestDirection, { name: 'RequestDirection', description: 'Requests your organization sent, or received.' });

export enum ReportKind {
  CASE = 'CASE',
  TECHNOLOGY_TREND = 'TECHNOLOGY_TREND',
  COOPERATION = 'COOPERATION',
  OBSTACLE = 'OBSTACLE',
  EARLY_WARNING = 'EARLY_WARNING',
}
registerEnumType(ReportKind, {
  name: 'ReportKind',
  description: 'What a sector report is about (§B.3.a.i–v): cases, technology and trends, ways of cooperating, obstacles, early warning.',
});

export enum CaseAccessRequestStatus {
  PENDING = 'PENDING',
  GRANTED = 'GRANTED',
  DECLINED = 'DECLINED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(CaseAccessRequestStatus, {
  name: 'CaseAccessRequestStatus',
  description: 'Where a request for a case’s confidential tier stands (DOMAIN §9).',
});

export enum CaseAccessScope {
  ORGANIZATION = 'ORGANIZATION',
  PERSON = 'PERSON',
}
registerEnumType(CaseAccessScope, {
  name: 'CaseAccessScope',
  description: 'What granting a request shares: the case with the requester’s whole organization, or naming the requester only.',
  valuesConfig: {
    ORGANIZATION: { description: 'A share to the requester’s organization naming nobody (not for TLP:RED cases).' },
    PERSON: { description: 'A share naming the requester (added to the names of an existing share to their organization). The only scope for TLP:RED.' },
  },
});

export enum CaseAccessPath {
  QUERY = 'QUERY',
  SUBSCRIPTION = 'SUBSCRIPTION',
  ENTITIES = 'ENTITIES',
  CSV = 'CSV',
}
registerEnumType(CaseAccessPath, {
  name: 'CaseAccessPath',
  description: 'Through which path a response carried a case (DOMAIN §9): a query or mutation, a subscription event, federation’s `_entities`, a CSV report.',
});

export enum ConfidentialAccessReason {
  LEAD_AGENCY = 'LEAD_AGENCY',
  SHARED_WITH_ORGANIZATION = 'SHARED_WITH_ORGANIZATION',
  SHARED_WITH_YOU = 'SHARED_WITH_YOU',
  NOT_SHARED_WITH_YOU = 'NOT_SHARED_WITH_YOU',
}
registerEnumType(ConfidentialAccessReason, {
  name: 'ConfidentialAccessReason',
  description: 'Why the viewer can or cannot read a case’s confidential tier (DOMAIN §9). Nothing is said about shares to others.',
  valuesConfig: {
    LEAD_AGENCY: { description: 'Your agency leads the case.' },
    SHARED_WITH_ORGANIZATION: { description: 'The lead agency shared the case with your whole organization.' },
    SHARED_WITH_YOU: { description: 'The lead agency shared the case naming you.' },
    NOT_SHARED_WITH_YOU: { description: 'No share reaches you: `requestCaseAccess` asks the lead agency.' },
  },
});
