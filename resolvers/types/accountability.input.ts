import { ArgsType, Field, ID } from 'type-graphql';
import { CaseAccessRequestStatus } from '../../entities/enums';
import { PageArgs } from './common.args';

@ArgsType()
export class ApiKeysArgs extends PageArgs {
  @Field({ defaultValue: false, description: 'Include revoked keys (newest first either way).' })
  includeRevoked: boolean;
}

@ArgsType()
export class CaseAccessRequestsArgs extends PageArgs {
  @Field(() => CaseAccessRequestStatus, { nullable: true, description: 'Only requests in this state, e.g. PENDING.' })
  status?: CaseAccessRequestStatus | null;

  @Field(() => ID, { nullable: true, description: 'Only requests about this case.' })
  caseId?: string | null;
}

@ArgsType()
export class CaseAccessRequestsOfCaseArgs extends PageArgs {
  @Field(() => CaseAccessRequestStatus, { nullable: true, description: 'Only requests in this state, e.g. PENDING.' })
  status?: CaseAccessRequestStatus | null;
}
