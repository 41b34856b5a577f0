// Compose the supergraph from the six subgraphs' SDL and keep gateway/supergraph.graphql in step
// with them. `tsx gateway/compose.ts` writes the file; `--check` (run by `npm test`) fails when the
// committed file is stale or composition breaks, and lists what changed in the API schema.
//
// The subgraph URLs written into the file are the default ports only: the gateway overrides every
// URL from config at run time, so the same committed file serves any ports.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { DEFAULT_SUBGRAPH_BASE_PORT } from '../core/config.ts';
import { subgraphNames, type SubgraphName } from '../core/subgraph-names.ts';
import { compareApiSchemas, formatChange, type SchemaChanges } from './schema-changes.ts';

export { subgraphNames, type SubgraphName };

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
export const SUPERGRAPH_PATH = fileURLToPath(new URL('./supergraph.graphql', import.meta.url));

/** `http://<host>:<base + index>/graphql` for each subgraph. */
export function defaultSubgraphUrls(basePort = DEFAULT_SUBGRAPH_BASE_PORT, host = '127.0.0.1'): Record<SubgraphName, string> {
  return Object.fromEntries(subgraphNames.map((name, index) => [name, `http://${host}:${basePort + index}/graphql`])) as Record<SubgraphName, string>;
}

export interface SubgraphSource {
  name: string;
  /** The subgraph's SDL (Federation 2). */
  sdl: string;
  /** Written into the supergraph's join__graph; the gateway overrides it at run time. */
  url?: string;
}

/** The committed SDL files, subgraphs/<name>/schema.graphql, in port order. */
export function readSubgraphSources(root = repositoryRoot): { sources: SubgraphSource[]; missing: string[] } {
  const urls = defaultSubgraphUrls();
  const sources: SubgraphSource[] = [];
  const missing: string[] = [];
  for (const name of subgraphNames) {
    const path = `${root}/subgraphs/${name}/schema.graphql`;
    if (existsSync(path)) sources.push({ name, sdl: readFileSync(path, 'utf8'), url: urls[name] });
    else missing.push(`subgraphs/${name}/schema.graphql`);
  }
  return { sources, missing };
}

export interface Composition {
  /** The supergraph SDL, or undefined when composition failed. */
  supergraphSdl: string | undefined;
  /** One line per problem: syntax errors, composition errors, missing subgraph files. */
  errors: string[];
}

/** Compose the given subgraphs (default: the six committed SDL files). Never throws. */
export function composeSupergraph(sources?: SubgraphSource[]): Composition {
  let services = sources;
  const errors: string[] = [];
  if (!services) {
    const read = readSubgraphSources();
    services = read.sources;
    errors.push(...read.missing.map((path) => `${path}: missing`));
  }
  const definitions = [];
  for (const source of services) {
    try {
      definitions.push({ name: source.name, url: source.url, typeDefs: parse(source.sdl) });
    } catch (error) {
      errors.push(`${source.name}: ${(error as Error).message}`);
    }
  }
  if (errors.length > 0) return { supergraphSdl: undefined, errors };
  const result = composeServices(definitions);
  if (result.errors) return { supergraphSdl: undefined, errors: result.errors.map((error) => error.message) };
  return { supergraphSdl: `${result.supergraphSdl.trim()}\n`, errors: [] };
}

export interface SupergraphCheck {
  ok: boolean;
  /** The committed file differs from a fresh composition (or is missing). */
  stale: boolean;
  composition: Composition;
  /** API-schema changes from the committed supergraph to the fresh one. */
  changes: SchemaChanges;
  /** Why the check failed, one line each. */
  problems: string[];
}

/**
 * Compare a fresh composition with the committed supergraph. Staleness always fails (write the
 * file with `npm run compose`); breaking changes fail unless allowed.
 */
export async function checkSupergraph(committedSdl: string | undefined, composition: Composition, options: { allowBreaking?: boolean } = {}): Promise<SupergraphCheck> {
  const problems = composition.errors.map((error) => `composition: ${error}`);
  const fresh = composition.supergraphSdl;
  const stale = fresh !== undefined && committedSdl !== fresh;
  const changes = fresh !== undefined && committedSdl !== undefined ? await compareApiSchemas(committedSdl, fresh) : { breaking: [], dangerous: [], safe: [] };
  if (stale) problems.push(committedSdl === undefined ? 'gateway/supergraph.graphql is missing' : 'gateway/supergraph.graphql is stale');
  if (changes.breaking.length > 0 && !options.allowBreaking) problems.push(`${changes.breaking.length} breaking change(s) in the API schema (pass --allow-breaking to accept)`);
  return { ok: problems.length === 0, stale, composition, changes, problems };
}

function readCommitted(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function printChanges(changes: SchemaChanges): void {
  for (const [label, list] of [['breaking', changes.breaking], ['dangerous', changes.dangerous], ['safe', changes.safe]] as const) {
    for (const change of list) console.log(`  ${label}: ${formatChange(change)}`);
  }
}

/** CLI: write the file, or with --check verify it. Exit 1 on any problem. */
async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { check: { type: 'boolean', default: false }, 'allow-breaking': { type: 'boolean', default: false } } });
  const composition = composeSupergraph();
  const committed = readCommitted(SUPERGRAPH_PATH);
  const check = await checkSupergraph(committed, composition, { allowBreaking: values['allow-breaking'] });
  printChanges(check.changes);
  if (values.check) {
    for (const problem of check.problems) console.error(problem);
    if (check.ok) console.log('supergraph: up to date');
    return check.ok ? 0 : 1;
  }
  const blocking = check.problems.filter((problem) => !problem.startsWith('gateway/supergraph.graphql is'));
  if (blocking.length > 0 || !composition.supergraphSdl) {
    for (const problem of blocking) console.error(problem);
    return 1;
  }
  if (check.stale) writeFileSync(SUPERGRAPH_PATH, composition.supergraphSdl);
  console.log(check.stale ? `supergraph: wrote ${SUPERGRAPH_PATH}` : 'supergraph: up to date');
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
