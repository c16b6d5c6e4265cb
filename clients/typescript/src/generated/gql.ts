/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query DocumentCard($uid: ID!, $lang: String) {\n  document(uid: $uid) {\n    uid\n    title\n    number\n    type\n    updatedAt\n    freshness\n    checkedAt\n    latestRevision {\n      revision\n      maturityState\n      releasedDate\n      pages\n      businessStatus {\n        code\n        label(lang: $lang)\n      }\n    }\n  }\n}": typeof types.DocumentCardDocument,
    "query DocumentList($uids: [ID!]!, $lang: String) {\n  documents(uids: $uids) {\n    uid\n    title\n    number\n    freshness\n    latestRevision {\n      revision\n      businessStatus {\n        code\n        label(lang: $lang)\n      }\n    }\n  }\n}": typeof types.DocumentListDocument,
    "query DrawingSetCheck($items: [RevisionRef!]!, $lang: String, $maxAge: Int) {\n  actualities(items: $items, maxAge: $maxAge) {\n    isActual\n    reason\n    lastKnownReason\n    businessStatus {\n      code\n      label(lang: $lang)\n    }\n    revision {\n      documentUid\n      revision\n    }\n    latestRevision {\n      revision\n    }\n    checkedAt\n    freshness\n  }\n}": typeof types.DrawingSetCheckDocument,
    "query ScanCheck($uid: ID!, $revision: String!, $lang: String, $maxAge: Int) {\n  actuality(uid: $uid, revision: $revision, maxAge: $maxAge) {\n    isActual\n    reason\n    lastKnownReason\n    businessStatus {\n      code\n      label(lang: $lang)\n    }\n    revision {\n      revision\n      maturityState\n    }\n    latestRevision {\n      revision\n    }\n    checkedAt\n    freshness\n  }\n}": typeof types.ScanCheckDocument,
};
const documents: Documents = {
    "query DocumentCard($uid: ID!, $lang: String) {\n  document(uid: $uid) {\n    uid\n    title\n    number\n    type\n    updatedAt\n    freshness\n    checkedAt\n    latestRevision {\n      revision\n      maturityState\n      releasedDate\n      pages\n      businessStatus {\n        code\n        label(lang: $lang)\n      }\n    }\n  }\n}": types.DocumentCardDocument,
    "query DocumentList($uids: [ID!]!, $lang: String) {\n  documents(uids: $uids) {\n    uid\n    title\n    number\n    freshness\n    latestRevision {\n      revision\n      businessStatus {\n        code\n        label(lang: $lang)\n      }\n    }\n  }\n}": types.DocumentListDocument,
    "query DrawingSetCheck($items: [RevisionRef!]!, $lang: String, $maxAge: Int) {\n  actualities(items: $items, maxAge: $maxAge) {\n    isActual\n    reason\n    lastKnownReason\n    businessStatus {\n      code\n      label(lang: $lang)\n    }\n    revision {\n      documentUid\n      revision\n    }\n    latestRevision {\n      revision\n    }\n    checkedAt\n    freshness\n  }\n}": types.DrawingSetCheckDocument,
    "query ScanCheck($uid: ID!, $revision: String!, $lang: String, $maxAge: Int) {\n  actuality(uid: $uid, revision: $revision, maxAge: $maxAge) {\n    isActual\n    reason\n    lastKnownReason\n    businessStatus {\n      code\n      label(lang: $lang)\n    }\n    revision {\n      revision\n      maturityState\n    }\n    latestRevision {\n      revision\n    }\n    checkedAt\n    freshness\n  }\n}": types.ScanCheckDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DocumentCard($uid: ID!, $lang: String) {\n  document(uid: $uid) {\n    uid\n    title\n    number\n    type\n    updatedAt\n    freshness\n    checkedAt\n    latestRevision {\n      revision\n      maturityState\n      releasedDate\n      pages\n      businessStatus {\n        code\n        label(lang: $lang)\n      }\n    }\n  }\n}"): typeof import('./graphql.js').DocumentCardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DocumentList($uids: [ID!]!, $lang: String) {\n  documents(uids: $uids) {\n    uid\n    title\n    number\n    freshness\n    latestRevision {\n      revision\n      businessStatus {\n        code\n        label(lang: $lang)\n      }\n    }\n  }\n}"): typeof import('./graphql.js').DocumentListDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DrawingSetCheck($items: [RevisionRef!]!, $lang: String, $maxAge: Int) {\n  actualities(items: $items, maxAge: $maxAge) {\n    isActual\n    reason\n    lastKnownReason\n    businessStatus {\n      code\n      label(lang: $lang)\n    }\n    revision {\n      documentUid\n      revision\n    }\n    latestRevision {\n      revision\n    }\n    checkedAt\n    freshness\n  }\n}"): typeof import('./graphql.js').DrawingSetCheckDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ScanCheck($uid: ID!, $revision: String!, $lang: String, $maxAge: Int) {\n  actuality(uid: $uid, revision: $revision, maxAge: $maxAge) {\n    isActual\n    reason\n    lastKnownReason\n    businessStatus {\n      code\n      label(lang: $lang)\n    }\n    revision {\n      revision\n      maturityState\n    }\n    latestRevision {\n      revision\n    }\n    checkedAt\n    freshness\n  }\n}"): typeof import('./graphql.js').ScanCheckDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
