import { registerEnumType } from 'type-graphql';

export enum QuestionnaireAudience {
  AGENCIES = 'AGENCIES',
  PRIVATE_SECTOR = 'PRIVATE_SECTOR',
}
registerEnumType(QuestionnaireAudience, {
  name: 'QuestionnaireAudience',
  description: 'Who answers a questionnaire: the agencies (the OECD questionnaire, §A.6) or the private-sector members (§B.4).',
});

export enum TrainingAudience {
  AGENCIES_ONLY = 'AGENCIES_ONLY',
  JOINT = 'JOINT',
}
registerEnumType(TrainingAudience, {
  name: 'TrainingAudience',
  description: 'Who a training session is for (§A.3.f, §B.3.b).',
  valuesConfig: {
    AGENCIES_ONLY: { description: 'Agencies only: private-sector members never see it.' },
    JOINT: { description: 'Agencies together with private-sector representatives (§A.3.f): every member of the network sees it.' },
  },
});

export enum EducationTheme {
  OPEN_RELAYS = 'OPEN_RELAYS',
  OPEN_PROXIES = 'OPEN_PROXIES',
  ZOMBIE_DRONES = 'ZOMBIE_DRONES',
  PHISHING = 'PHISHING',
  ONLINE_FRAUD = 'ONLINE_FRAUD',
  MALWARE = 'MALWARE',
}
registerEnumType(EducationTheme, {
  name: 'EducationTheme',
  description:
    'What a consumer and business education project addresses (§A.3.e): conditions that let spam be sent anonymously ' +
    '(open relays, open proxies, zombie drones) and the problems spam carries (phishing, online fraud, malware).',
});

export enum EducationProjectStatus {
  PLANNED = 'PLANNED',
  ACTIVE = 'ACTIVE',
  COMPLETED = 'COMPLETED',
}
registerEnumType(EducationProjectStatus, {
  name: 'EducationProjectStatus',
  description: 'Where an education project stands; it moves forward only (PLANNED → ACTIVE → COMPLETED).',
});
