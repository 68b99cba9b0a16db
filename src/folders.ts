import fs from 'node:fs';
import path from 'node:path';

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns for a path under /proc (each level answers
 * ENOENT and it retries forever); this fails on the first level that cannot be made.
 */
export function makeFolders(dir: string, mode: number): void {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  for (let at = absolute; ; at = path.dirname(at)) {
    if (fs.existsSync(at)) break;
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing) fs.mkdirSync(folder, { mode });
}
