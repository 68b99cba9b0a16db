import { QuestionnaireAudience } from '../../entities/outreach.enums';

/**
 * The two questionnaires built into the hub (§A.6, §B.4, §C.1), with stable ids so that links, examples and tests stay
 * the same everywhere. The Outreach migration creates them; the demo loader puts them back after a test has emptied the
 * tables. Change a text only with a new migration that updates the rows, never by editing this list alone.
 */
export interface BuiltInQuestionnaire {
  id: string;
  key: string;
  title: string;
  description: string;
  audience: QuestionnaireAudience;
  planReference: string;
  questions: Array<{ id: string; label: string; text: string }>;
}

export const OECD_QUESTIONNAIRE_ID = '0ecd0a06-0000-4000-8000-000000000000';
export const PRIVATE_SECTOR_QUESTIONNAIRE_ID = '0ecd0b04-0000-4000-8000-000000000000';

/** The id of question Qn (1–6) of the OECD questionnaire. */
export const oecdQuestionId = (n: 1 | 2 | 3 | 4 | 5 | 6) => `0ecd0a06-0000-4000-8000-00000000000${n}`;
/** The id of question §B.4.a, b or c of the private-sector questionnaire. */
export const privateSectorQuestionId = (letter: 'a' | 'b' | 'c') => `0ecd0b04-0000-4000-8000-00000000000${letter}`;

export const builtInQuestionnaires: BuiltInQuestionnaire[] = [
  {
    id: OECD_QUESTIONNAIRE_ID,
    key: 'OECD_CROSS_BORDER_ENFORCEMENT',
    title: 'OECD Questionnaire on Cross-border Enforcement of Anti-Spam Laws',
    description:
      'The participating agencies complete the OECD questionnaire (§A.6); the coordinators collect the responses and ' +
      'share the findings with the OECD Spam Task Force (§C.1, §D).',
    audience: QuestionnaireAudience.AGENCIES,
    planReference: '§A.6',
    questions: [
      {
        id: oecdQuestionId(1),
        label: 'Q1',
        text:
          'Legal framework: which laws of your country govern spam and related problems (fraud, phishing, malware), which of ' +
          'them does your agency enforce, and do they reach messages sent from abroad or to recipients abroad?',
      },
      {
        id: oecdQuestionId(2),
        label: 'Q2',
        text:
          'Investigative powers: can your agency compel Internet service providers, registrars, financial institutions or ' +
          'others to produce information about senders of spam, and can it use those powers on behalf of a foreign agency?',
      },
      {
        id: oecdQuestionId(3),
        label: 'Q3',
        text:
          'Sanctions and remedies: what can your agency impose or seek against spammers (civil penalties, injunctions, ' +
          'criminal referral, redress for victims), and can it act when the victims live abroad?',
      },
      {
        id: oecdQuestionId(4),
        label: 'Q4',
        text:
          'Information sharing with foreign agencies: may your agency share information, including confidential information ' +
          'and evidence, with foreign enforcement agencies, and under which conditions (confidentiality assurances, ' +
          'reciprocity, memoranda of understanding)?',
      },
      {
        id: oecdQuestionId(5),
        label: 'Q5',
        text:
          'Cross-border cooperation in practice: in which cross-border spam cases has your agency asked for or given ' +
          'assistance, through which channels, and how long did it take?',
      },
      {
        id: oecdQuestionId(6),
        label: 'Q6',
        text:
          'Obstacles: what legal, practical or resource obstacles hinder your agency’s cross-border spam enforcement, and ' +
          'what would help overcome them?',
      },
    ],
  },
  {
    id: PRIVATE_SECTOR_QUESTIONNAIRE_ID,
    key: 'PRIVATE_SECTOR_REQUESTS_FOR_INFORMATION',
    title: 'Private-sector questions on requests for information',
    description:
      'Each participating private-sector representative compiles written answers to three questions, so that agencies ' +
      'and the private sector develop the most efficient and effective ways to frame requests for information (§B.4).',
    audience: QuestionnaireAudience.PRIVATE_SECTOR,
    planReference: '§B.4',
    questions: [
      {
        id: privateSectorQuestionId('a'),
        label: 'B.4.a',
        text: 'What kind of information do you provide about potential spammers to domestic law enforcement agencies and under what circumstances?',
      },
      {
        id: privateSectorQuestionId('b'),
        label: 'B.4.b',
        text: 'What kind of information would you provide about potential spammers to foreign law enforcement agencies and under what circumstances?',
      },
      {
        id: privateSectorQuestionId('c'),
        label: 'B.4.c',
        text: 'How do you recommend that spam enforcement agencies submit requests for assistance to you?',
      },
    ],
  },
];

/** Inserts the built-in questionnaires that are missing (existing rows are left as they are). */
export async function insertBuiltInQuestionnaires(db: { query(text: string, values?: unknown[]): Promise<unknown> }): Promise<void> {
  for (const q of builtInQuestionnaires) {
    await db.query(
      `INSERT INTO questionnaire (id, key, title, description, audience, plan_reference) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (id) DO NOTHING`,
      [q.id, q.key, q.title, q.description, q.audience, q.planReference],
    );
    for (const [i, question] of q.questions.entries()) {
      await db.query(
        `INSERT INTO questionnaire_question (id, questionnaire_id, position, label, text) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (id) DO NOTHING`,
        [question.id, q.id, i + 1, question.label, question.text],
      );
    }
  }
}
