// What a new supergraph changes for clients: both supergraphs are reduced to their API schema
// (no join__/link machinery, no @inaccessible parts) and compared with @graphql-inspector/core.
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { transformSupergraphToPublicSchema } from '@theguild/federation-composition';
import { buildASTSchema, parse, type GraphQLSchema } from 'graphql';

export interface SchemaChanges {
  /** Changes that can break existing clients (a removed field, a narrowed type…). */
  breaking: Change[];
  /** Changes that may surprise clients (a new enum value, a changed default…). */
  dangerous: Change[];
  safe: Change[];
}

export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return buildASTSchema(transformSupergraphToPublicSchema(parse(supergraphSdl)), { assumeValidSDL: true });
}

export async function compareApiSchemas(previousSupergraphSdl: string, nextSupergraphSdl: string): Promise<SchemaChanges> {
  const changes = await diff(apiSchemaOf(previousSupergraphSdl), apiSchemaOf(nextSupergraphSdl));
  return {
    breaking: changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking),
    dangerous: changes.filter((change) => change.criticality.level === CriticalityLevel.Dangerous),
    safe: changes.filter((change) => change.criticality.level === CriticalityLevel.NonBreaking),
  };
}

export function formatChange(change: Change): string {
  return change.path ? `${change.path}: ${change.message}` : change.message;
}
