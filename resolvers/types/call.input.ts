import { IsOptional, Length, Max, MaxLength, Min } from '../../src/validation';
import { NotBlank } from './not-blank';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { AgendaTopic, CallWindow, SegmentAudience } from '../../entities/enums';
import { PageArgs } from './common.args';

@ArgsType()
export class CallsArgs extends PageArgs {
  @Field(() => CallWindow, { defaultValue: CallWindow.UPCOMING })
  when: CallWindow;
}

@InputType({ description: 'A conference call to schedule (§A.3, §C.2).' })
export class ScheduleCallInput {
  @Field()
  @Length(3, 200)
  @NotBlank()
  title: string;

  @Field(() => Date)
  scheduledAt: Date;

  @Field(() => Int, { defaultValue: 60, description: 'From 5 to 480 minutes.' })
  @Min(5)
  @Max(480)
  durationMinutes: number;

  @Field(() => String, { nullable: true, description: 'How to join; shown to the viewers who can see the call.' })
  @IsOptional()
  @MaxLength(500)
  @NotBlank()
  dialIn?: string | null;
}

@InputType({ description: 'A segment to add to a call.' })
export class AddSegmentInput {
  @Field(() => ID)
  callId: string;

  @Field()
  @Length(3, 200)
  @NotBlank()
  title: string;

  @Field(() => AgendaTopic)
  topic: AgendaTopic;

  @Field(() => SegmentAudience)
  audience: SegmentAudience;

  // Checked where the call's segments are counted (`CallData.addSegment`): one wording for every position out of range,
  // naming the range (`must be from 1 to 3`).
  @Field(() => Int, { nullable: true, description: 'Position in the call (1 = first, at most one past the last segment); after the last segment when omitted.' })
  @IsOptional()
  order?: number | null;
}

@InputType({ description: 'An agency’s objection to a private-sector member’s participation (§B.3, last ¶).' })
export class ExcludeFromCallInput {
  @Field(() => ID)
  callId: string;

  @Field(() => ID, { nullable: true, description: 'One segment of the call; the whole call when omitted.' })
  segmentId?: string | null;

  @Field(() => ID, { description: 'The private-sector member to keep out.' })
  memberId: string;

  @Field()
  @Length(3, 2000)
  @NotBlank()
  reason: string;
}

@ArgsType()
export class RecordMinutesArgs {
  @Field(() => ID)
  segmentId: string;

  @Field()
  @Length(1, 50000)
  @NotBlank()
  minutes: string;
}
