// A subscription's selection becomes an ordinary entity query, run once per event through the
// gateway's own executor (so every subgraph field, entity resolution and row scoping work as for a
// query):
//   subscription S($n: Int) { orderStatusChanged(customerId: "…") { status line { name } } }
// becomes
//   query S($n: Int, $entityId: ID!) { orderStatusChanged: productionOrder(id: $entityId) { status line { name } } }
// The response key stays the subscription field's, so results have the shape the client asked for.
import { Kind, visit, type DocumentNode, type FieldNode, type OperationDefinitionNode, type VariableDefinitionNode } from 'graphql';
import { ErrorCodes, PlantgraphError } from '../../core/errors.ts';
import type { SubscriptionField } from './event-access.ts';
import { isSubscriptionField, subscriptionFields } from './subscription-fields.ts';

/** The variable the entity id is passed in; `__` keeps it apart from the client's own names. */
export const ENTITY_ID_VARIABLE = '__entityId';

export interface EntityQuery {
  field: SubscriptionField;
  /** The subscription's root field as the client wrote it (arguments, alias, selection). */
  fieldNode: FieldNode;
  /** The query to run per event, with `$__entityId` and the client's variables it still uses. */
  document: DocumentNode;
  /** `alias ?? field name`: where the entity sits in `data`. */
  responseKey: string;
}

function invalid(message: string): PlantgraphError {
  return new PlantgraphError(ErrorCodes.VALIDATION_FAILED, message);
}

function subscriptionOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((candidate) => candidate.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation || operation.operation !== 'subscription') throw invalid('not a subscription operation');
  return operation;
}

/** Build the entity query for a (validated) subscription document. Throws VALIDATION_FAILED. */
export function entityQueryFor(document: DocumentNode, operationName: string | null | undefined): EntityQuery {
  const operation = subscriptionOperation(document, operationName);
  const selections = operation.selectionSet.selections;
  const fieldNode = selections[0];
  // GraphQL already allows one root field per subscription; a root fragment is not worth supporting.
  if (selections.length !== 1 || fieldNode?.kind !== Kind.FIELD) throw invalid('a subscription selects exactly one field, without a root fragment');
  const field = fieldNode.name.value;
  if (!isSubscriptionField(field)) throw invalid(`unknown subscription field ${field}`);

  const entityField: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: fieldNode.alias?.value ?? field },
    name: { kind: Kind.NAME, value: subscriptionFields[field].entityQueryField },
    arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_ID_VARIABLE } } }],
    directives: [],
    ...(fieldNode.selectionSet ? { selectionSet: fieldNode.selectionSet } : {}),
  };
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
  const used = new Set<string>();
  for (const node of [entityField, ...fragments]) {
    visit(node, { Variable: (variable) => void used.add(variable.name.value) });
  }
  const entityIdDefinition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ENTITY_ID_VARIABLE } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
  };
  const query: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    ...(operation.name ? { name: operation.name } : {}),
    variableDefinitions: [...(operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value)), entityIdDefinition],
    directives: [],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [entityField] },
  };
  return { field, fieldNode, document: { kind: Kind.DOCUMENT, definitions: [query, ...fragments] }, responseKey: entityField.alias!.value };
}
