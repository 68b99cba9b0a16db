import { Field, ObjectType } from 'type-graphql';
import { ViewerKind } from './enums';

@ObjectType('Viewer', { description: 'Who the caller is (`Query.me`).' })
export class ViewerInfo {
  @Field(() => ViewerKind)
  kind: ViewerKind;

  personId: string | null;
  organizationId: string | null;
}
