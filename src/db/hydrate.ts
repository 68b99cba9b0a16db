import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

type Row = Record<string, unknown>;
type Maker = new (row: Row) => object;
const makers = new WeakMap<object, Maker>();

/**
 * The maker of one entity class's instances from raw rows: a constructor whose prototype is the class's (so the
 * instances are the class's, its constructor never run, as `Object.create` made them), written once per class from
 * TypeORM's column metadata with one assignment per column. Each assignment is a property access of its own, by a
 * constant name (the names are JSON string literals, never identifiers pasted into code), so V8 sees one shape per
 * class at each and gives the instances room for every column up front; a loop over the columns reads and writes
 * every name at one site, the slow megamorphic path, and grows each instance's property store as it goes.
 */
function makerOf(ds: DataSource, cls: { prototype: object }): Maker {
  let maker = makers.get(cls);
  if (!maker) {
    const columns = ds.getMetadata(cls as EntityTarget<ObjectLiteral>).columns;
    const body = columns.map((c) => `this[${JSON.stringify(c.propertyName)}] = row[${JSON.stringify(c.databaseName)}];`).join('\n');
    maker = new Function('row', body) as unknown as Maker;
    maker.prototype = cls.prototype;
    makers.set(cls, maker);
  }
  return maker;
}

/**
 * Builds entity instances from raw rows (`SELECT alias.*`) with TypeORM's column metadata. The scoped loaders select
 * raw rows so that the columns a statement computes with a row (the policies' answers) travel in the same statement as the row.
 */
export function hydrate<T extends ObjectLiteral>(ds: DataSource, target: EntityTarget<T>, rows: Row[], pick?: (row: Row) => EntityTarget<T>): T[] {
  if (!pick) {
    const Make = makerOf(ds, target as { prototype: object });
    return rows.map((row) => new Make(row) as T);
  }
  return rows.map((row) => new (makerOf(ds, pick(row) as { prototype: object }))(row) as T);
}

const timestampColumns = new WeakMap<object, string[]>();

/**
 * Rows read as JSON (`json_agg` of a statement's rows) made what the driver makes of the same rows read as rows: a
 * timestamp column of the entity becomes a `Date` (JSON has only its text). Every other column type the entities use
 * (text, uuid, integer, boolean, their arrays, and JSON values) reads the same either way. In place; returns the rows.
 */
export function fromJson<T extends ObjectLiteral>(ds: DataSource, target: EntityTarget<T>, rows: Row[]): Row[] {
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
