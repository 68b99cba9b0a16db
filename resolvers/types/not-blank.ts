import { buildMessage, ValidateBy, ValidationOptions } from '../../src/validation';
import { isBlank } from '../../src/graphql/input-text';

/**
 * Text that is more than white space and invisible characters (`isBlank`): `@Length(3, 200)` lets a title of three
 * spaces or three zero-width spaces through, which no list or dashboard can show. Put beside `@Length` on the inputs'
 * names, titles and reasons (BAD_USER_INPUT `input.title: must not be blank`).
 */
export function NotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'notBlank',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !isBlank(value),
        defaultMessage: buildMessage((eachPrefix) => `${eachPrefix}$property must not be blank`, options),
      },
    },
    options,
  );
}
