import type { Questionnaire } from '../../entities/questionnaire.entity';
import { notFound } from '../graphql/errors';
import { educationPolicy } from './education.policy';
import { questionnairePolicy } from './questionnaire.policy';
import { resourceListPolicy } from './resource-list.policy';
import { connectionPermissions, mutationRule, open, PermissionTree, personRef, rowRule } from './rules';
import { trainingPolicy } from './training.policy';

/**
 * The rule tree of questionnaires (§A.6, §B.4, §C.1), the resource list (§B.2), trainings (§A.3.f, §B.3.b) and education
 * projects (§A.3.e), merged into the hub's tree by `permissions.ts`. Deny by default: every field is listed here.
 * Row-level security decides the rows (migrations RowLevelSecurity and OutreachPolicies); the row rules here read what
 * the policies' `lap` functions answered in the statement that loaded the row, and the mutation rules give the friendly
 * FORBIDDEN before the database refuses the write itself.
 */

const rowScoped = (type: string, why?: string) =>
  open(`row-level security on the ${type} table decided visibility when the row was loaded${why ? ` (${why})` : ''}`);
const own = open('the viewer’s own rights');

const questionnaireTree: PermissionTree = {
  Questionnaire: {
    id: rowScoped('questionnaire', 'members only, §A.6, §B.4'),
    key: rowScoped('questionnaire'),
    title: rowScoped('questionnaire'),
    description: rowScoped('questionnaire'),
    audience: rowScoped('questionnaire'),
    planReference: rowScoped('questionnaire'),
    questions: open('questions go with their questionnaire, under row-level security'),
    responses: open('each response passes row-level security (lap.response_visible: confidential ones for coordinators and their author only)'),
    outstanding: rowRule<Questionnaire>(
      'Questionnaire.outstanding',
      (v, q) => questionnairePolicy.canReadOutstanding(v, q),
      'the coordinators collect the responses to questionnaires (§C.1) and so follow up who has not answered (lap.questionnaire_outstanding_readable)',
    ),
    viewerResponse: open('the viewer’s own organization’s response, under row-level security'),
    viewerCan: own,
  },
  QuestionnaireViewerCan: { respond: own, readOutstanding: own },
  Question: {
    id: open('questions go with their questionnaire (members only, §A.6, §B.4)'),
    order: open('questions go with their questionnaire'),
    label: open('questions go with their questionnaire'),
    text: open('questions go with their questionnaire'),
  },
  QuestionnaireResponse: {
    id: rowScoped('response'),
    confidential: rowScoped('response'),
    submittedAt: rowScoped('response'),
    updatedAt: rowScoped('response'),
    questionnaire: rowScoped('response', 'its reader is a member, who sees the questionnaires'),
    participant: rowScoped('response'),
    submittedBy: personRef((r: { submittedById: string | null }) => r.submittedById, 'who submitted the response'),
    answers: open('answers pass row-level security with their response (lap.questionnaire_response_visible): whoever sees the response reads it whole (§C.1)'),
    viewerCan: own,
  },
  QuestionnaireResponseViewerCan: { update: own },
  QuestionnaireAnswer: {
    text: open('reachable only through a response that passed row-level security'),
    question: open('reachable only through a response that passed row-level security'),
  },
  ...connectionPermissions('Questionnaire'),
  ...connectionPermissions('QuestionnaireResponse'),
};

const resourceListTree: PermissionTree = {
  ResourceListEntry: {
    id: rowScoped('resource-list entry', 'members only, §B.2'),
    expertise: rowScoped('resource-list entry'),
    languages: rowScoped('resource-list entry'),
    addedAt: rowScoped('resource-list entry'),
    person: rowScoped('resource-list entry', 'the listed person is visible to every member'),
    organization: rowScoped('resource-list entry', 'endorsed organizations are public'),
    sector: rowScoped('resource-list entry', '§B.2: individuals within particular sectors'),
    country: open('countries are public'),
    addedBy: personRef((e: { addedById: string | null }) => e.addedById, 'who put the person on the list'),
    viewerCan: own,
  },
  ResourceListEntryViewerCan: { remove: own },
  ...connectionPermissions('ResourceListEntry'),
};

const trainingTree: PermissionTree = {
  TrainingSession: {
    id: rowScoped('training', 'AGENCIES_ONLY sessions never reach private-sector members, §A.3.f'),
    title: rowScoped('training'),
    audience: rowScoped('training'),
    topics: rowScoped('training'),
    scheduledAt: rowScoped('training'),
    durationMinutes: rowScoped('training'),
    materialsUrl: rowScoped('training', 'materials are for the session’s audience, §A.3.f, §B.3.b'),
    createdAt: rowScoped('training'),
    organizer: rowScoped('training'),
    hosts: open('each host passes row-level security on participants'),
    scheduledBy: personRef((t: { scheduledById: string | null }) => t.scheduledById, 'who scheduled the training'),
  },
  ...connectionPermissions('TrainingSession'),
};

const educationTree: PermissionTree = {
  EducationProject: {
    id: rowScoped('education project', 'members only, §A.3.e'),
    title: rowScoped('education project'),
    description: rowScoped('education project'),
    themes: rowScoped('education project'),
    status: rowScoped('education project'),
    websiteUrl: rowScoped('education project'),
    startedAt: rowScoped('education project'),
    updatedAt: rowScoped('education project'),
    leadOrganization: rowScoped('education project'),
    partners: open('each partner passes row-level security on participants'),
    startedBy: personRef((p: { startedById: string | null }) => p.startedById, 'who started the project'),
    viewerCan: own,
  },
  EducationProjectViewerCan: { update: own },
  ...connectionPermissions('EducationProject'),
};

const query: PermissionTree = {
  Query: {
    questionnaires: open('rows pass row-level security on questionnaires (members only, §A.6, §B.4)'),
    questionnaire: open('the row passes row-level security on questionnaires'),
    questionnaireResponse: open('the row passes row-level security on responses (§C.1; confidential when requested)'),
    resourceList: open('rows pass row-level security on the resource list (members only, §B.2)'),
    resourceListEntry: open('the row passes row-level security on the resource list'),
    trainings: open('rows pass row-level security on trainings (§A.3.f)'),
    training: open('the row passes row-level security on trainings'),
    educationProjects: open('rows pass row-level security on education projects (§A.3.e)'),
    educationProject: open('the row passes row-level security on education projects'),
  },
};

const mutation: PermissionTree = {
  Mutation: {
    submitQuestionnaireResponse: mutationRule(
      'submitQuestionnaireResponse',
      questionnairePolicy.canRespondAtAll,
      null,
      'agencies complete the OECD questionnaire (§A.6); private-sector members answer the §B.4 questions — each for itself',
    ),
    updateQuestionnaireResponse: mutationRule(
      'updateQuestionnaireResponse',
      questionnairePolicy.canRespondAtAll,
      async (v, a, ctx) => {
        const r = await ctx.data.outreach.responseById.load(a.id);
        if (!r) return notFound('id', 'questionnaire response');
        return questionnairePolicy.canUpdate(v, r);
      },
      'a participant answers for itself (§A.6, §B.4): only its own people change its response',
    ),
    addResourceListEntry: mutationRule(
      'addResourceListEntry',
      resourceListPolicy.canAdd,
      null,
      'private-sector representatives establish the resource list of their sectors’ people (§B.2)',
    ),
    removeResourceListEntry: mutationRule(
      'removeResourceListEntry',
      resourceListPolicy.canAdd,
      async (v, a, ctx) => {
        const e = await ctx.data.outreach.resourceEntryById.load(a.id);
        if (!e) return notFound('id', 'resource-list entry');
        return resourceListPolicy.canRemove(v, e);
      },
      'each organization keeps its own people’s entries on the resource list (§B.2)',
    ),
    scheduleTraining: mutationRule(
      'scheduleTraining',
      trainingPolicy.canSchedule,
      null,
      'agencies take part in joint training sessions (§A.3.f); the private sector assists (§B.3.b)',
    ),
    startEducationProject: mutationRule(
      'startEducationProject',
      educationPolicy.canStart,
      null,
      'members undertake joint consumer and business education projects (§A.3.e) and their own initiatives (§A.4)',
    ),
    updateEducationProject: mutationRule(
      'updateEducationProject',
      educationPolicy.canStart,
      async (v, a, ctx) => {
        const p = await ctx.data.outreach.projectById.load(a.id);
        if (!p) return notFound('id', 'education project');
        return educationPolicy.canUpdate(v, p);
      },
      'only the leading organization changes its project',
    ),
  },
};

export const outreachPermissions: PermissionTree = {
  ...questionnaireTree,
  ...resourceListTree,
  ...trainingTree,
  ...educationTree,
  ...query,
  ...mutation,
};
