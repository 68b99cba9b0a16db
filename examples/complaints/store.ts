/** A complaint as this service keeps it: the case is only an id, the hub owns the case itself. */
export interface ComplaintRow {
  id: string;
  receivedAt: string;
  category: 'SPAM' | 'PHISHING' | 'ONLINE_FRAUD' | 'MALWARE' | 'IDENTITY_THEFT' | 'OTHER';
  text: string;
  caseId: string | null;
}

/** The ids of three of LAP Hub's demo cases (`npm run token` and the README list the demo network). */
export const demoCases = {
  /** FTC-2004-017, TLP:CLEAR: everyone sees it. */
  pharmacySpam: '33d814ab-cfac-4b1c-82b8-86e6125dbd21',
  /** FTC-2004-021, TLP:RED: the FTC's people and the persons it was shared with only. */
  phishingKit: '85a532e5-40f4-4c5f-8ec2-85973b967105',
  /** OFT-2004-003, TLP:GREEN: members of the network. */
  lotteryScam: '0df28b18-b28a-4f9a-8597-c2d9ce36ad60',
};

/**
 * The service's own tiny store: in memory, loaded with a few complaints. A real service keeps its rows in its own
 * database and applies its own rules to them; the cases they link to are answered by the hub, under the hub's rules.
 */
export class ComplaintStore {
  private readonly rows: ComplaintRow[] = [
    { id: 'c-1001', receivedAt: '2004-03-02T09:15:00Z', category: 'SPAM', text: 'Dozens of e-mails a day offering cheap medicines, from ever-changing senders.', caseId: demoCases.pharmacySpam },
    { id: 'c-1002', receivedAt: '2004-03-09T17:40:00Z', category: 'SPAM', text: 'Pharmacy spam again; the links go to the same shop.', caseId: demoCases.pharmacySpam },
    { id: 'c-1003', receivedAt: '2004-05-21T08:05:00Z', category: 'PHISHING', text: 'An e-mail in my bank’s colours asked me to confirm my card number.', caseId: demoCases.phishingKit },
    { id: 'c-1004', receivedAt: '2004-06-11T12:30:00Z', category: 'ONLINE_FRAUD', text: 'Told I won a lottery I never entered; they want a fee first.', caseId: demoCases.lotteryScam },
    { id: 'c-1005', receivedAt: '2004-06-30T19:55:00Z', category: 'MALWARE', text: 'An attachment installed something that dials a premium number.', caseId: null },
  ];

  list(category?: ComplaintRow['category'] | null): ComplaintRow[] {
    return this.rows
      .filter((r) => !category || r.category === category)
      .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0));
  }

  byId(id: string): ComplaintRow | null {
    return this.rows.find((r) => r.id === id) ?? null;
  }

  forCase(caseId: string): ComplaintRow[] {
    return this.list().filter((r) => r.caseId === caseId);
  }
}
