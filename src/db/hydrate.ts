import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

type Mapping = Array<[column: string, property: string]>;
const mappings = new WeakMap<object, Mapping>();

/**
 * Builds entity instances from raw rows (`SELECT alias.*`) with TypeORM's column metadata. The scoped loaders select
 * raw rows so that the columns a statement computes with a row (the policies' answers) travel in the same statement as the row.
 */
export function hydrate<T extends ObjectLiteral>(ds: DataSource, target: EntityTarget<T>, rows: Record<string, unknown>[], pick?: (row: Record<string, unknown>) => EntityTarget<T>): T[] {
  return rows.map((row) => {
    const cls = (pick ? pick(row) : target) as { prototype: T };
    let mapping = mappings.get(cls);
    if (!mapping) {
      mapping = ds.getMetadata(cls as EntityTarget<T>).columns.map((c) => [c.databaseName, c.propertyName]);
      mappings.set(cls, mapping);
    }
    const entity = Object.create(cls.prototype) as Record<string, unknown>;
    for (const [column, property] of mapping) entity[property] = row[column];
    return entity as T;
  });
}
