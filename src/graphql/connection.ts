import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from './errors';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field()
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

export interface Page<T> {
  nodes: T[];
  /** The cursor of the i-th node, made when asked for (a list that selects no cursor pays for none). */
  cursor: (i: number) => string;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Counts the rows the viewer may see under the same filters; run only when `totalCount` is asked for. */
  count: () => Promise<number>;
}

export interface ConnectionShape<T> {
  nodes: T[];
  pageInfo: PageInfo;
  edges(): Array<{ cursor: string; node: T }>;
  totalCount(): Promise<number>;
}

interface ConnectionState<T> {
  counter: () => Promise<number>;
  cursor: (i: number) => string;
}

/** A Relay connection type for `node` (edges, nodes, pageInfo, totalCount). */
export function Connection<T extends object>(node: ClassType<T> | object, name: string) {
  @ObjectType(`${name}Edge`, { description: `An edge to a ${name}.` })
  class Edge {
    @Field()
    cursor: string;

    @Field(() => node)
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} rows the viewer may see.` })
  class ConnectionType {
    @Field(() => [node])
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    counter: () => Promise<number>;

    cursor: (i: number) => string;

    @Field(() => [Edge])
    edges(): Edge[] {
      const cursorOf = this.cursor;
      return this.nodes.map((n, i) => ({
        node: n,
        // Made when the edge's cursor is read (`cursorCarried`): an edge that selects only its node pays for none.
        get cursor() {
          return cursorOf(i);
        },
      }));
    }

    @Field(() => Int, { description: 'How many rows the viewer may see under these filters, over all pages.' })
    totalCount(): Promise<number> {
      return this.counter();
    }
  }
  return ConnectionType as ClassType<ConnectionShape<T> & ConnectionState<T>>;
}

/**
 * The cursor of a page's i-th node as a response carries it: a cursor names its row (its id and sort keys: a case's
 * harm score, its opening time), so a TLP:RED case whose cursor a response carries is recorded in the audit trail as
 * if the response carried the case itself (DOMAIN §9; `Case.isTypeOf` records the rows a response resolves, src/schema.ts).
 */
function cursorCarried<T>(page: Page<T>, i: number): string {
  const node = page.nodes[i] as { auditTrail?: { row(value: unknown): void } } | undefined;
  node?.auditTrail?.row(node);
  return page.cursor(i);
}

export function toConnection<T, C extends ConnectionState<T>>(cls: ClassType<C>, page: Page<T>): C {
  const c = new cls() as unknown as ConnectionShape<T> & ConnectionState<T>;
  const last = page.nodes.length - 1;
  c.nodes = page.nodes;
  const pageInfo = Object.assign(new PageInfo(), { hasNextPage: page.hasNextPage, hasPreviousPage: page.hasPreviousPage });
  // Made when read: a page whose pageInfo selects no cursor makes none, and records no row for one.
  Object.defineProperties(pageInfo, {
    startCursor: { enumerable: true, get: () => (last >= 0 ? cursorCarried(page, 0) : null) },
    endCursor: { enumerable: true, get: () => (last >= 0 ? cursorCarried(page, last) : null) },
  });
  c.pageInfo = pageInfo;
  c.counter = page.count;
  c.cursor = (i) => cursorCarried(page, i);
  return c as unknown as C;
}

// The page sizes live in a module of their own, without the schema's decorators: the gateway's cost rule reads them.
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize } from './page-size';

/** A cursor: the list's tag (`paginate`'s `listTag`) and the sort keys of a row, as PostgreSQL's text. */
export function encodeCursor(tag: string, values: unknown[]): string {
  return Buffer.from(JSON.stringify([tag, ...values])).toString('base64url');
}

/** The sort keys of a cursor made by `encodeCursor` for the list `tag` with `arity` keys; anything else is bad input. */
export function decodeCursor(cursor: string, arity: number, tag: string): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === arity + 1 && values[0] === tag && values.every((v) => typeof v === 'string' || typeof v === 'number')) {
      return values.slice(1);
    }
  } catch {
    // fall through
  }
  throw badInput('after', 'is not a cursor of this list');
}
