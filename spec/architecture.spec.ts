import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The architecture as the README's "Layout of the code" states it: each folder imports only from the folders it
 * "knows about" (and, through them, what they know), and no file imports itself back through others.
 */
describe('architecture', () => {
  const root = path.resolve(__dirname, '../..');
  const files = ['lib', 'cli'].flatMap((dir) => sourceFiles(path.join(root, dir)));
  const imports = new Map(files.map((file) => [file, importsOf(file)]));

  it('has no import cycles (type-only imports included)', () => {
    const cycles = findCycles(imports).map((cycle) => cycle.map((f) => path.relative(root, f)).join(' → '));
    expect(cycles).to.deep.equal([]);
  });

  it('imports point one way: each folder only from what the README says it knows about', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| folder | what | knows about |'));
    const rows = table
      .slice(0, table.indexOf('\n\n'))
      .split('\n')
      .slice(2)
      .map((line) => line.split('|').map((cell) => cell.trim()));
    const knows = new Map(
      rows.map(([, folder, , known]) => [
        folder.replace(/`/g, ''),
        [...known.matchAll(/`(\w+)`/g)].map((m) => `lib/${m[1]}`),
      ]),
    );
    expect(knows.get('lib/tensor'), 'the table').to.deep.equal([]);
    const allowed = (folder: string, seen = new Set<string>()): Set<string> => {
      for (const known of knows.get(folder) ?? []) if (!seen.has(known)) allowed(known, seen.add(known));
      return seen;
    };
    const wrong: string[] = [];
    for (const [file, targets] of imports) {
      const from = folderOf(path.relative(root, file));
      if (from === 'lib/index.ts') continue; // the package's entry re-exports everything
      if (!knows.has(from)) {
        wrong.push(`${from} has no row in the README's table`);
        continue;
      }
      const ok = allowed(from).add(from);
      for (const target of targets) {
        const to = folderOf(path.relative(root, target));
        if (!ok.has(to) && !(from === 'cli' && to.startsWith('lib')))
          wrong.push(`${path.relative(root, file)} imports ${path.relative(root, target)}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });
});

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The repository's files a source file imports (relative specifiers only: packages are not ours). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+'(\.[^']+)'|^\s*import\s+'(\.[^']+)'/gm),
  ].map((m) => m[1] ?? m[2]);
  return specifiers.map((spec) => {
    const base = path.resolve(path.dirname(file), spec);
    return [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate)) ?? `${base}.ts`;
  });
}

/** lib/<folder>, or cli; a file directly in lib/ is its own. */
function folderOf(relative: string): string {
  const parts = relative.split(path.sep);
  if (parts[0] === 'cli') return 'cli';
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : relative;
}

/** Every cycle found by a depth-first search, each once (as the path from its first file back to it). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}
