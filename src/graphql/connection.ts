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
      return this.nodes.map((n, i) => ({ cursor: this.cursor(i), node: n }));
    }

    @Field(() => Int, { description: 'How many rows the viewer may see under these filters, over all pages.' })
    totalCount(): Promise<number> {
      return this.counter();
    }
  }
  return ConnectionType as ClassType<ConnectionShape<T> & ConnectionState<T>>;
}

export function toConnection<T, C extends ConnectionState<T>>(cls: ClassType<C>, page: Page<T>): C {
  const c = new cls() as unknown as ConnectionShape<T> & ConnectionState<T>;
  const last = page.nodes.length - 1;
  c.nodes = page.nodes;
  c.pageInfo = Object.assign(new PageInfo(), {
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: last >= 0 ? page.cursor(0) : null,
    endCursor: last >= 0 ? page.cursor(last) : null,
  });
  c.counter = page.count;
  c.cursor = page.cursor;
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
