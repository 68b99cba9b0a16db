import { cast } from './hub';

/**
 * What each demo viewer may see of the demo cases and calls, derived by hand from DOMAIN.md §4 and the demo seed
 * (src/db/seed/demo.ts). Literal data on purpose: the permission tests compare the hub against this table, never
 * against the product's own policy code.
 *
 * The demo cases (lead agency, TLP, shares):
 *   FTC-2004-017   FTC   CLEAR         no shares
 *   OFT-2004-003   OFT   GREEN         ICO (whole organization)
 *   ACMA-2004-011  ACMA  AMBER         NorthStar (whole), KISA (whole)
 *   ICO-2004-008   ICO   AMBER_STRICT  Meridian (whole)
 *   FTC-2004-021   FTC   RED           Meridian naming Tom Baker, OFT naming Oliver Hughes
 *   KISA-2004-002  KISA  AMBER         no shares
 *   OPTA-2004-005  OPTA  GREEN         Sentinel (whole)
 *   EFCC-2004-001  EFCC  RED           no shares
 *   CRTC-2004-004  CRTC  AMBER         no shares
 */

export type ViewerName = 'anonymous' | keyof typeof cast;

/** The email to send a request as; null for an anonymous request. */
export function emailOf(viewer: ViewerName): string | null {
  return viewer === 'anonymous' ? null : cast[viewer];
}

/** Every demo viewer: anonymous, then every person of the cast. */
export const viewers: ViewerName[] = [
  'anonymous', 'ann', 'ben', 'oliver', 'isla', 'liam', 'minjun', 'emeka', 'claire', 'grace', 'tom', 'priya', 'eva', 'max', 'paulo',
];

/** The nine demo cases, highest harm score first (the default HARM order; no ties). */
export const harmOrder = [
  'ACMA-2004-011', // 90
  'FTC-2004-021', // 84
  'OFT-2004-003', // 83
  'EFCC-2004-001', // 78
  'FTC-2004-017', // 77
  'OPTA-2004-005', // 75
  'ICO-2004-008', // 71
  'CRTC-2004-004', // 55
  'KISA-2004-002', // 32
];

/** The nine demo cases, most recently opened first (OPENED_AT order). */
export const openedOrder = [
  'FTC-2004-021', // 60 days before the seed
  'EFCC-2004-001', // 90
  'KISA-2004-002', // 120
  'ICO-2004-008', // 150
  'ACMA-2004-011', // 200
  'OPTA-2004-005', // 250
  'OFT-2004-003', // 300
  'FTC-2004-017', // 400
  'CRTC-2004-004', // 500
];

export const summaries: Record<string, string> = {
  'FTC-2004-017': 'Counterfeit-pharmacy spam relayed through 3,000 open relays; complaint filed in federal court.',
  'OFT-2004-003': 'E-mails announcing lottery wins ask for a release fee; payments traced to Dutch accounts.',
  'ACMA-2004-011': 'A botnet of about 40,000 infected home computers; command servers hosted in the US.',
  'ICO-2004-008': 'Sale of 12 million harvested addresses, some with bank customer details.',
  'FTC-2004-021': 'A phishing kit imitating Meridian Bank; the seller is identified.',
  'KISA-2004-002': 'Open proxies on university networks relay spam advertising gambling sites.',
  'OPTA-2004-005': 'Spam lures users into installing a dialer that calls premium numbers.',
  'EFCC-2004-001': 'A ring sending advance-fee e-mails from cybercafés in Lagos.',
  'CRTC-2004-004': 'Spam advertising fake antivirus software; the operator has stopped.',
};

export const victimCounts: Record<string, number> = {
  'FTC-2004-017': 12000,
  'OFT-2004-003': 4000,
  'ACMA-2004-011': 40000,
  'ICO-2004-008': 25000,
  'FTC-2004-021': 3000,
  'KISA-2004-002': 500,
  'OPTA-2004-005': 9000,
  'EFCC-2004-001': 700,
  'CRTC-2004-004': 2000,
};

/** The demo org key of each case's lead agency. */
export const leadOf: Record<string, string> = {
  'FTC-2004-017': 'ftc',
  'OFT-2004-003': 'oft',
  'ACMA-2004-011': 'acma',
  'ICO-2004-008': 'ico',
  'FTC-2004-021': 'ftc',
  'KISA-2004-002': 'kisa',
  'OPTA-2004-005': 'opta',
  'EFCC-2004-001': 'efcc',
  'CRTC-2004-004': 'crtc',
};

export interface CaseAccess {
  /** The cases whose row the viewer sees (any order). */
  sees: string[];
  /** The cases whose confidential tier the viewer reads. */
  confidential: string[];
  /** The cases the viewer may edit and share (the lead agency's people only). */
  leads: string[];
}

export const caseAccess: Record<ViewerName, CaseAccess> = {
  // CLEAR only; no confidential tier (no organization).
  anonymous: { sees: ['FTC-2004-017'], confidential: [], leads: [] },
  // FTC: every non-RED case, its own RED phishing-kit case; reads and leads its two cases.
  ann: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'KISA-2004-002', 'OPTA-2004-005', 'CRTC-2004-004', 'FTC-2004-021'],
    confidential: ['FTC-2004-017', 'FTC-2004-021'],
    leads: ['FTC-2004-017', 'FTC-2004-021'],
  },
  ben: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'KISA-2004-002', 'OPTA-2004-005', 'CRTC-2004-004', 'FTC-2004-021'],
    confidential: ['FTC-2004-017', 'FTC-2004-021'],
    leads: ['FTC-2004-017', 'FTC-2004-021'],
  },
  // OFT: a coordinator gets nothing extra; the RED phishing-kit share names Oliver.
  oliver: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'KISA-2004-002', 'OPTA-2004-005', 'CRTC-2004-004', 'FTC-2004-021'],
    confidential: ['OFT-2004-003', 'FTC-2004-021'],
    leads: ['OFT-2004-003'],
  },
  // ICO: its own case and the lottery case shared with ICO as a whole.
  isla: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'KISA-2004-002', 'OPTA-2004-005', 'CRTC-2004-004'],
    confidential: ['ICO-2004-008', 'OFT-2004-003'],
    leads: ['ICO-2004-008'],
  },
  liam: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'KISA-2004-002', 'OPTA-2004-005', 'CRTC-2004-004'],
    confidential: ['ACMA-2004-011'],
    leads: ['ACMA-2004-011'],
  },
  // KISA: its own case and the botnet case shared with KISA as a whole.
  minjun: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'KISA-2004-002', 'OPTA-2004-005', 'CRTC-2004-004'],
    confidential: ['KISA-2004-002', 'ACMA-2004-011'],
    leads: ['KISA-2004-002'],
  },
  // EFCC: its own RED case, unshared.
  emeka: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'KISA-2004-002', 'OPTA-2004-005', 'CRTC-2004-004', 'EFCC-2004-001'],
    confidential: ['EFCC-2004-001'],
    leads: ['EFCC-2004-001'],
  },
  claire: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'KISA-2004-002', 'OPTA-2004-005', 'CRTC-2004-004'],
    confidential: ['CRTC-2004-004'],
    leads: ['CRTC-2004-004'],
  },
  // NorthStar: CLEAR and GREEN, plus the AMBER botnet case shared with NorthStar as a whole.
  grace: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005', 'ACMA-2004-011'],
    confidential: ['ACMA-2004-011'],
    leads: [],
  },
  // Meridian: the AMBER_STRICT list-broker case (whole organization) and the RED case that names Tom.
  tom: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005', 'ICO-2004-008', 'FTC-2004-021'],
    confidential: ['ICO-2004-008', 'FTC-2004-021'],
    leads: [],
  },
  // Meridian, not named on the RED share.
  priya: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005', 'ICO-2004-008'],
    confidential: ['ICO-2004-008'],
    leads: [],
  },
  // Sentinel: the GREEN dialer case is shared with Sentinel.
  eva: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005'],
    confidential: ['OPTA-2004-005'],
    leads: [],
  },
  max: {
    sees: ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005'],
    confidential: [],
    leads: [],
  },
  // CGI.br has only applied: Paulo is anonymous.
  paulo: { sees: ['FTC-2004-017'], confidential: [], leads: [] },
};

/** The demo segments, in call order, and the cases each discusses. */
export const segmentCases: Record<string, string[]> = {
  'past-2/1': ['OPTA-2004-005'],
  'past-2/2': ['OPTA-2004-005'],
  'past-1/1': ['FTC-2004-021', 'KISA-2004-002', 'EFCC-2004-001'],
  'past-1/2': ['ACMA-2004-011', 'FTC-2004-017'],
  'next-1/1': [],
  'next-1/2': ['ACMA-2004-011'],
  'next-2/1': [],
};

/** The demo calls by date (the ALL window's order) and their segments. */
export const callSegments: Record<string, string[]> = {
  'past-2': ['past-2/1', 'past-2/2'],
  'past-1': ['past-1/1', 'past-1/2'],
  'next-1': ['next-1/1', 'next-1/2'],
  'next-2': ['next-2/1'],
};

const ALL_SEGMENTS = Object.keys(segmentCases);

/**
 * The segments each viewer sees: agencies all; a private-sector member the PRIVATE_SECTOR_INVITED segments that invite
 * it and exclude it neither alone nor with the whole call (Registro is excluded from past-1/2; Sentinel's exclusion
 * from next-1 is withdrawn); anonymous callers none.
 */
export const segmentsSeen: Record<ViewerName, string[]> = {
  anonymous: [],
  ann: ALL_SEGMENTS,
  ben: ALL_SEGMENTS,
  oliver: ALL_SEGMENTS,
  isla: ALL_SEGMENTS,
  liam: ALL_SEGMENTS,
  minjun: ALL_SEGMENTS,
  emeka: ALL_SEGMENTS,
  claire: ALL_SEGMENTS,
  grace: ['past-1/2', 'next-1/2'],
  tom: ['past-1/2', 'next-1/2'],
  priya: ['past-1/2', 'next-1/2'],
  eva: ['past-2/2', 'next-1/2'],
  max: [],
  paulo: [],
};

/** `list` restricted to what the viewer sees, in the order of `order`. */
export function visibleInOrder(viewer: ViewerName, list: string[], order: string[] = harmOrder): string[] {
  const seen = new Set(caseAccess[viewer].sees);
  return order.filter((ref) => list.includes(ref) && seen.has(ref));
}

/** Whether the viewer reads the case's confidential tier. */
export function readsConfidential(viewer: ViewerName, ref: string): boolean {
  return caseAccess[viewer].confidential.includes(ref);
}
