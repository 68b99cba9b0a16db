import type { EntityManager } from 'typeorm';
import { AssistanceStatus, HarmCategory as H, ReportKind, Tlp } from '../../../entities/enums';
import { harmScore } from '../../harm';
import { demoId } from './demo-ids';

const org = (key: string) => demoId(`org:${key}`);
const person = (email: string) => demoId(`person:${email}`);
const caseId = (ref: string) => demoId(`case:${ref}`);
const days = (now: Date, n: number) => new Date(now.getTime() + n * 86_400_000);

interface DemoRequest {
  key: string;
  from: string;
  by: string;
  to: string;
  about?: string;
  title: string;
  description: string;
  categories: H[];
  victims: number;
  loss: number;
  vulnerable?: boolean;
  ongoing?: boolean;
  status: AssistanceStatus;
  response?: string;
  daysAgo: number;
  answeredAfterDays?: number;
}

export const demoRequests: DemoRequest[] = [
  { key: 'ftc-oft-mules', from: 'ftc', by: 'ann.carter@ftc.example', to: 'oft', about: 'FTC-2004-021', title: 'Identify UK money mules',
    description: 'Phishing-kit proceeds pass through UK accounts; please identify the account holders.', categories: [H.PHISHING],
    victims: 3000, loss: 2500000, ongoing: true, status: AssistanceStatus.OPEN, daysAgo: 12 },
  { key: 'acma-northstar-logs', from: 'acma', by: 'liam.walsh@acma.example', to: 'northstar', about: 'ACMA-2004-011', title: 'Preserve logs of two command servers',
    description: 'Please preserve connection logs of the two botnet command servers in your network.', categories: [H.MALWARE, H.SPAM],
    victims: 40000, loss: 300000, ongoing: true, status: AssistanceStatus.FULFILLED, response: 'Logs preserved for 180 days; export sent to the ACMA contact.',
    daysAgo: 40, answeredAfterDays: 3 },
  { key: 'ico-meridian-accounts', from: 'ico', by: 'isla.morgan@ico.example', to: 'meridian', about: 'ICO-2004-008', title: 'Confirm customers in a harvested list',
    description: 'Confirm whether the sample addresses belong to Meridian customers, without personal data.', categories: [H.IDENTITY_THEFT],
    victims: 25000, loss: 50000, status: AssistanceStatus.ACKNOWLEDGED, daysAgo: 20 },
  { key: 'efcc-ftc-payments', from: 'efcc', by: 'emeka.obi@efcc.example', to: 'ftc', title: 'Trace wire transfers to US accounts',
    description: 'Victims wired advance fees to two US accounts; please trace the beneficiaries.', categories: [H.ONLINE_FRAUD],
    victims: 700, loss: 4000000, vulnerable: true, status: AssistanceStatus.OPEN, daysAgo: 8 },
  { key: 'kisa-acma-proxies', from: 'kisa', by: 'minjun.park@kisa.example', to: 'acma', title: 'Proxy operators in Australia',
    description: 'Some open proxies relaying Korean spam sit on Australian networks.', categories: [H.SPAM],
    victims: 500, loss: 0, status: AssistanceStatus.DECLINED, response: 'The proxies were closed before we could act; nothing left to trace.',
    daysAgo: 60, answeredAfterDays: 6 },
];

interface DemoReport {
  key: string;
  org: string;
  by: string;
  kind: ReportKind;
  tlp: Tlp;
  title: string;
  body: string;
  recipients?: string[];
  daysAgo: number;
}

export const demoReports: DemoReport[] = [
  { key: 'northstar-botnet-spike', org: 'northstar', by: 'grace.lin@northstar.example', kind: ReportKind.EARLY_WARNING, tlp: Tlp.GREEN,
    title: 'Spike in botnet spam from residential ranges', body: 'Outbound spam from residential broadband ranges tripled this week.', daysAgo: 3 },
  { key: 'sentinel-image-spam', org: 'sentinel', by: 'eva.jansen@sentinel.example', kind: ReportKind.TECHNOLOGY_TREND, tlp: Tlp.CLEAR,
    title: 'Image spam evades text filters', body: 'Spam carrying its message in images rose to 30% of volume.', daysAgo: 30 },
  { key: 'meridian-phishing-wave', org: 'meridian', by: 'tom.baker@meridianbank.example', kind: ReportKind.EARLY_WARNING, tlp: Tlp.AMBER,
    title: 'Phishing wave against bank customers', body: 'A new kit imitates our login page; 40 sites taken down so far.',
    recipients: ['grace.lin@northstar.example'], daysAgo: 5 },
  { key: 'meridian-mules', org: 'meridian', by: 'tom.baker@meridianbank.example', kind: ReportKind.CASE, tlp: Tlp.RED,
    title: 'Mule accounts identified', body: 'Twelve accounts receiving phishing proceeds; details for the FTC investigation only.',
    recipients: ['ann.carter@ftc.example'], daysAgo: 10 },
  { key: 'registro-whois', org: 'registro', by: 'max.mueller@registro.example', kind: ReportKind.OBSTACLE, tlp: Tlp.GREEN,
    title: 'Privacy services hamper registrant tracing', body: 'Most spam domains now use privacy proxies; requests need a legal basis per domain.', daysAgo: 50 },
  { key: 'ftc-requests-howto', org: 'ftc', by: 'ann.carter@ftc.example', kind: ReportKind.COOPERATION, tlp: Tlp.CLEAR,
    title: 'How to send requests to US agencies', body: 'Name the statute, the evidence held and the assistance sought.', daysAgo: 90 },
];

/** The cooperation workflows of the demo network: applications, requests for assistance, reports. */
export async function loadCooperationDemo(m: EntityManager, now: Date): Promise<void> {
  // CGI.br (in the core demo) is inside its objection window; QuickSend has a standing objection.
  await m.query(`UPDATE participant SET recorded_by_id = $2 WHERE id = $1`, [org('cgi'), person('ann.carter@ftc.example')]);
  await m.query(
    `INSERT INTO participant (id, kind, name, country_code, status, applied_at, objection_deadline, point_of_contact_id, sector, recorded_by_id)
     VALUES ($1, 'PRIVATE_SECTOR', 'QuickSend Marketing Association', 'US', 'APPLIED', $2, $3, $4, 'INDUSTRY_MEMBERSHIP_ORGANIZATION', $5)`,
    [org('quicksend'), days(now, -9), days(now, 5), person('rick.vance@quicksend.example'), person('oliver.hughes@oft.example')],
  );
  await m.query(`INSERT INTO person (id, organization_id, name, email, phone, title) VALUES ($1, $2, 'Rick Vance', 'rick.vance@quicksend.example', '+1 212 555 0101', 'Executive Director')`, [
    person('rick.vance@quicksend.example'), org('quicksend'),
  ]);
  await m.query(
    `INSERT INTO endorsement_objection (id, participant_id, agency_id, objected_by_id, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [demoId('objection:quicksend:ico'), org('quicksend'), org('ico'), person('isla.morgan@ico.example'), 'Several member companies are under investigation for spam.', days(now, -2)],
  );

  for (const r of demoRequests) {
    const created = days(now, -r.daysAgo);
    const answered = r.answeredAfterDays !== undefined ? days(now, -r.daysAgo + r.answeredAfterDays) : null;
    const acknowledged = r.status === AssistanceStatus.OPEN ? null : days(now, -r.daysAgo + 1);
    const id = demoId(`request:${r.key}`);
    await m.query(
      `INSERT INTO assistance_request (id, requester_id, requested_by_id, recipient_id, case_id, title, categories, harm_score, status, created_at,
         acknowledged_at, answered_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
      [
        id, org(r.from), person(r.by), org(r.to), r.about ? caseId(r.about) : null, r.title, r.categories,
        harmScore({ victimCount: r.victims, estimatedLossUsd: r.loss, vulnerableVictims: !!r.vulnerable, ongoingHarm: !!r.ongoing, categories: r.categories }),
        r.status, created, acknowledged, answered,
      ],
    );
    // The description, harm assessment and answer: their own row, for requester and recipient only.
    await m.query(
      `INSERT INTO assistance_request_detail (request_id, requester_id, recipient_id, description, victim_count, estimated_loss_usd, vulnerable_victims,
         ongoing_harm, response)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [id, org(r.from), org(r.to), r.description, r.victims, r.loss, !!r.vulnerable, !!r.ongoing, r.response ?? null],
    );
  }

  for (const r of demoReports) {
    const id = demoId(`report:${r.key}`);
    await m.query(
      `INSERT INTO sector_report (id, author_org_id, author_id, kind, title, body, tlp, published_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [id, org(r.org), person(r.by), r.kind, r.title, r.body, r.tlp, days(now, -r.daysAgo)],
    );
    // The named recipients: the author organization's distribution list, in its own table.
    for (const email of r.recipients ?? []) {
      await m.query(`INSERT INTO sector_report_recipient (report_id, person_id, author_org_id) VALUES ($1,$2,$3)`, [id, person(email), org(r.org)]);
    }
  }
}
