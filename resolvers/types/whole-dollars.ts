import { IsInt } from 'class-validator';

/**
 * An amount in US dollars, kept in a `bigint` column: a whole number, checked as one. GraphQL's `Int` is 32 bits, too
 * small for losses up to 10,000,000,000,000, so such an amount is a `Float` in the schema; a fraction is refused rather
 * than rounded without a word.
 */
export const WholeDollars = (): PropertyDecorator => IsInt({ message: 'must be a whole number of US dollars' });

