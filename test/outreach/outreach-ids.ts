import { demoId } from '../../src/db/seed/demo-ids';

/** Demo ids of the outreach rows (src/db/seed/outreach.ts). */
export const responseId = (key: string) => demoId(`response:${key}`);
export const resourceEntryId = (key: string) => demoId(`resource:${key}`);
export const trainingId = (key: string) => demoId(`training:${key}`);
export const educationProjectId = (key: string) => demoId(`education:${key}`);

/** The tables the outreach mutations write. */
export const outreachTables = [
  'questionnaire', 'questionnaire_question', 'questionnaire_response', 'questionnaire_answer', 'resource_list_entry',
  'training_session', 'training_host', 'education_project', 'education_project_partner',
] as const;

/** The `extensions.code` of each error, and the argument it names. */
export function errorsOf(body: { errors?: Array<{ extensions?: Record<string, any> }> }): Array<{ code: string; argument?: string }> {
  return (body.errors ?? []).map((e) => {
    const out: { code: string; argument?: string } = { code: e.extensions?.code };
    if (e.extensions?.argument !== undefined) out.argument = e.extensions.argument;
    return out;
  });
}
