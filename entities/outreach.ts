import { EducationProject } from './education-project.entity';
import { Question } from './question.entity';
import { QuestionnaireAnswer } from './questionnaire-answer.entity';
import { Questionnaire } from './questionnaire.entity';
import { QuestionnaireResponse } from './questionnaire-response.entity';
import { ResourceListEntry } from './resource-list-entry.entity';
import { TrainingSession } from './training-session.entity';

/** The TypeORM entities of questionnaires, the resource list, trainings and education projects. */
export const outreachEntities = [Questionnaire, Question, QuestionnaireResponse, QuestionnaireAnswer, ResourceListEntry, TrainingSession, EducationProject];
