/**
 * A cursor of the same list and order as `real` (one the hub gave out) with other sort keys: how a client would forge
 * one, to reach the checks behind the cursor's list tag (each key's type and range).
 */
export function forgedCursor(real: string, keys: unknown[]): string {
  const [tag] = JSON.parse(Buffer.from(real, 'base64url').toString('utf8')) as unknown[];
  return Buffer.from(JSON.stringify([tag, ...keys])).toString('base64url');
}
