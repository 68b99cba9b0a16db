import { IsInt } from '../../src/validation';

/**
 * An amount in US dollars, kept in a `bigint` column: a whole number, checked as one. GraphQL's `Int` is 32 bits, too
 * small for losses up to 10,000,000,000,000, so such an amount is a `Float` in the schema; a fraction is refused rather
 * than rounded without a word. An amount past what a number holds (a literal `1e400` is read as Infinity) is said to be
 * past the bound the field's `@Max`/`@Min` names, not to be a fraction.
 */
export const WholeDollars = (bounds: { min: number; max: number } = { min: 0, max: 1e13 }): PropertyDecorator =>
  IsInt({
    message: ({ value }) =>
      value === Infinity ? `must not be greater than ${bounds.max}` : value === -Infinity ? `must not be less than ${bounds.min}` : 'must be a whole number of US dollars',
  });
