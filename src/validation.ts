import type * as ClassValidator from 'class-validator';

/**
 * The parts of class-validator the hub uses (its input types' checks and `validate`), each loaded from the module of
 * class-validator that defines it. Its index loads every check it has and the libraries behind them (libphonenumber-js
 * with its metadata, all of validator.js): about 3 MB more of heap, held for the process's life, which the old
 * generation's growth (`--heap-growing-percent` in npm start) roughly doubles at the peak. Import these from here, never
 * from 'class-validator' (test/unit/validation.test.ts checks both: these are the index's very functions, and no
 * module of the hub imports the index).
 *
 * The metadata the decorators record lives in one store per process (class-validator keeps it on the global object),
 * so a check declared here is the one `validate` runs, whichever module loaded class-validator first.
 */
type Index = typeof ClassValidator;

/** `name` from class-validator's `cjs/<path>` module, typed as its index declares it. */
function from<K extends keyof Index>(path: string, name: K): Index[K] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const value = (require(`class-validator/cjs/${path}`) as Partial<Index>)[name];
  if (value === undefined) throw new Error(`class-validator/cjs/${path} has no ${name}`);
  return value as Index[K];
}

export type { ValidationError, ValidationOptions } from 'class-validator';

export const ArrayMaxSize = from('decorator/array/ArrayMaxSize', 'ArrayMaxSize');
export const ArrayMinSize = from('decorator/array/ArrayMinSize', 'ArrayMinSize');
export const IsEmail = from('decorator/string/IsEmail', 'IsEmail');
export const IsInt = from('decorator/typechecker/IsInt', 'IsInt');
export const IsOptional = from('decorator/common/IsOptional', 'IsOptional');
export const IsUrl = from('decorator/string/IsUrl', 'IsUrl');
export const Length = from('decorator/string/Length', 'Length');
export const Matches = from('decorator/string/Matches', 'Matches');
export const Max = from('decorator/number/Max', 'Max');
export const MaxLength = from('decorator/string/MaxLength', 'MaxLength');
export const Min = from('decorator/number/Min', 'Min');
export const MinLength = from('decorator/string/MinLength', 'MinLength');
export const ValidateBy = from('decorator/common/ValidateBy', 'ValidateBy');
export const buildMessage = from('decorator/common/ValidateBy', 'buildMessage');
export const ValidateNested = from('decorator/common/ValidateNested', 'ValidateNested');

const Validator = from('validation/Validator', 'Validator');
const getFromContainer = from('container', 'getFromContainer');

/** class-validator's `validate(object, options)`, as its index defines it. */
export const validate: Index['validate'] = ((object: object, options?: ClassValidator.ValidatorOptions) =>
  getFromContainer(Validator).validate(object, options)) as Index['validate'];
