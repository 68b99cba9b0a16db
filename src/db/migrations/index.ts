import { CoreSchema1764000000000 } from './1764000000000-CoreSchema';

/** Every migration, oldest first. */
export const migrations = [CoreSchema1764000000000];
