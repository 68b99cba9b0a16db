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

const timestampColumns = new WeakMap<object, string[]>();

/**
 * Rows read as JSON (`json_agg` of a statement's rows) made what the driver makes of the same rows read as rows: a
 * timestamp column of the entity becomes a `Date` (JSON has only its text). Every other column type the entities use
 * (text, uuid, integer, boolean, their arrays, and JSON values) reads the same either way. In place; returns the rows.
 */
export function fromJson<T extends ObjectLiteral>(ds: DataSource, target: EntityTarget<T>, rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const key = target as object;
  let columns = timestampColumns.get(key);
  if (!columns) {
    columns = ds
      .getMetadata(target)
      .columns.filter((c) => c.type === 'timestamptz' || c.type === 'timestamp with time zone' || c.type === Date)
      .map((c) => c.databaseName);
    timestampColumns.set(key, columns);
  }
  for (const row of rows) {
    for (const column of columns) {
      const v = row[column];
      if (typeof v === 'string') row[column] = new Date(v);
    }
  }
  return rows;
}
