import fs from 'node:fs';
import path from 'node:path';
import * as ClassValidator from 'class-validator';
import * as Validation from '../../src/validation';

const root = path.resolve(__dirname, '..', '..');

/** The hub's own TypeScript files: what `npm start` runs (src, its resolvers and entities). */
function hubFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return hubFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** src/validation.ts: class-validator's parts, each from its own module, never from the index (about 3 MB of heap). */
describe('class-validator, loaded part by part', () => {
  const runtime = Object.entries(Validation).filter(([name]) => name !== 'validate');

  test('every part is the very function the index exports under its name', () => {
    expect(runtime.map(([name]) => name).sort()).toEqual(
      ['ArrayMaxSize', 'ArrayMinSize', 'IsEmail', 'IsInt', 'IsOptional', 'IsUrl', 'Length', 'Matches', 'Max', 'MaxLength', 'Min', 'MinLength', 'ValidateBy', 'ValidateNested', 'buildMessage'],
    );
    for (const [name, value] of runtime) expect([name, value]).toEqual([name, ClassValidator[name as keyof typeof ClassValidator]]);
  });

  test('validate finds what the index’s validate finds, with the checks declared through either', async () => {
    class Input {
      @Validation.Length(2, 5)
      title: string;

      @ClassValidator.Max(10)
      @Validation.IsOptional()
      count?: number;
    }
    const input = Object.assign(new Input(), { title: 'x', count: 11 });
    const ours = await Validation.validate(input, { skipMissingProperties: true, forbidUnknownValues: false });
    const index = await ClassValidator.validate(input, { skipMissingProperties: true, forbidUnknownValues: false });
    const shape = (errors: ClassValidator.ValidationError[]) => errors.map((e) => [e.property, e.constraints]);
    expect(shape(ours)).toEqual([
      ['title', { isLength: 'title must be longer than or equal to 2 characters' }],
      ['count', { max: 'count must not be greater than 10' }],
    ]);
    expect(shape(index)).toEqual(shape(ours));
    expect(await Validation.validate(Object.assign(new Input(), { title: 'fine' }))).toEqual([]);
  });

  test('no module of the hub imports class-validator but src/validation.ts, and that one for its types only', () => {
    const importing = ['src', 'resolvers', 'entities']
      .flatMap(hubFiles)
      .filter((file) => /(from|require\()\s*['"]class-validator['"]/.test(fs.readFileSync(path.join(root, file), 'utf8')));
    expect(importing).toEqual([path.join('src', 'validation.ts')]);
    const own = fs.readFileSync(path.join(root, 'src', 'validation.ts'), 'utf8');
    expect(own.match(/^(import|export)\b.*['"]class-validator['"];$/gm)).toEqual([
      "import type * as ClassValidator from 'class-validator';",
      "export type { ValidationError, ValidationOptions } from 'class-validator';",
    ]);
  });
});
