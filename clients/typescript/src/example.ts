// How a PTE-QR frontend calls the gateway with the generated types: plain `fetch`, the
// operation's text from the generated document, typed variables in, a typed result out.
// `npm run typecheck` (tsc --noEmit) proves the types; `npm run example` runs these functions
// against a gateway (src/main.ts); nothing here is generated.
import {
  DocumentCardDocument,
  DocumentListDocument,
  DrawingSetCheckDocument,
  ScanCheckDocument,
  type ActualityReason,
  type DocumentCardQuery,
  type DocumentListQuery,
  type DrawingSetCheckQuery,
  type RevisionRef,
  type ScanCheckQuery,
  type ScanCheckQueryVariables,
  type TypedDocumentString,
} from './generated/graphql.js';

/** A GraphQL-over-HTTP error as the gateway sends it (`extensions.code`: NOT_FOUND, ...). */
export interface GraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** The response of one operation: data (possibly partial) and field errors. */
export interface GraphQLResponse<TResult> {
  data?: TResult | null;
  errors?: GraphQLError[];
}

/** The first error at `path` or below it, e.g. `['documents', 1]`: why that field is null (a
 * non-null field that fails nulls the nearest nullable field above it, so an error below a null
 * entry counts); undefined when nothing there failed. */
export function errorFor(
  errors: readonly GraphQLError[] | undefined,
  path: ReadonlyArray<string | number>,
): GraphQLError | undefined {
  return errors?.find((error) => path.every((key, i) => error.path?.[i] === key));
}

/** The errors' codes, for a message: `NOT_FOUND, BAD_USER_INPUT`. */
function describe(errors: readonly GraphQLError[] | undefined): string {
  return (errors ?? []).map((e) => e.extensions?.code ?? e.message).join(', ') || 'no data';
}

/** The POST body of an operation, its variables checked against the operation's. */
export function requestBody<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): string {
  return JSON.stringify({ query: document.toString(), variables });
}

/** Run one generated operation against the gateway, e.g. `http://127.0.0.1:8000/graphql`. */
export async function execute<TResult, TVariables>(
  url: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<GraphQLResponse<TResult>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json;q=0.9',
      ...init.headers,
    },
    body: requestBody(document, variables),
    signal: init.signal,
  });
  // GraphQL errors come with 200 (application/json) or 4xx (graphql-response+json) and a body;
  // anything else (a proxy's 502 page, a wrong path's 404) is not an answer of the gateway's.
  if (!/json/.test(response.headers.get('content-type') ?? '')) {
    throw new Error(`${url} answered ${response.status} ${response.statusText}, not GraphQL`);
  }
  return (await response.json()) as GraphQLResponse<TResult>;
}

/** The QR-scan check's verdict, as a frontend shows it. */
export interface ScanVerdict {
  isActual: boolean;
  reason: ActualityReason;
  status: string;
  latest: string | null;
  checkedAt: string;
  stale: boolean;
}

/** The QR-scan check: is `revision` of `uid` the one to build from? */
export async function scanCheck(
  url: string,
  variables: ScanCheckQueryVariables,
): Promise<ScanVerdict> {
  const { data, errors } = await execute(url, ScanCheckDocument, variables);
  const actuality: ScanCheckQuery['actuality'] | undefined = data?.actuality;
  if (!actuality) throw new Error(`actuality unavailable: ${describe(errors)}`);
  return {
    isActual: actuality.isActual,
    reason: actuality.reason,
    status: `${actuality.businessStatus.code}: ${actuality.businessStatus.label}`,
    latest: actuality.latestRevision?.revision ?? null,
    checkedAt: actuality.checkedAt,
    stale: actuality.freshness === 'STALE',
  };
}

/** A document card: title and the latest released revision's status. */
export async function documentCard(url: string, uid: string): Promise<string | null> {
  const { data } = await execute(url, DocumentCardDocument, { uid, lang: 'en' });
  const document: DocumentCardQuery['document'] | undefined = data?.document;
  if (!document) return null;
  const latest = document.latestRevision;
  // null where the upstream keeps no page count (the 3DEXPERIENCE platform).
  const pages = latest?.pages == null ? '' : `, ${latest.pages} pages`;
  return latest
    ? `${document.number ?? document.uid} ${document.title ?? ''}: rev. ${latest.revision}, ` +
        `${latest.businessStatus.label}${pages} (${document.freshness})`
    : `${document.number ?? document.uid}: no released revision`;
}

/** One entry of a document list: the document, or the error that left it null. */
export interface ListedDocument {
  uid: string;
  document: DocumentListQuery['documents'][number];
  error: GraphQLError | undefined;
}

/** Many documents in one request, in the order asked. The answer is partial when some fail:
 * a missing or invalid uid is a null entry with its error (path `['documents', i]`,
 * `NOT_FOUND`, `BAD_USER_INPUT`, ...), and the other documents are there all the same. */
export async function documentList(
  url: string,
  uids: string[],
  lang = 'en',
): Promise<ListedDocument[]> {
  const { data, errors } = await execute(url, DocumentListDocument, { uids, lang });
  if (!data) throw new Error(`documents unavailable: ${describe(errors)}`);
  return uids.map((uid, i) => ({
    uid,
    document: data.documents[i] ?? null,
    error: data.documents[i] ? undefined : errorFor(errors, ['documents', i]),
  }));
}

// The types bite: each line below must be a type error, or `tsc --noEmit` fails.
export function typeChecks(): void {
  // @ts-expect-error `revision` is required by ScanCheck.
  requestBody(ScanCheckDocument, { uid: 'DOC-001' });
  // @ts-expect-error `maxAge` is an Int.
  requestBody(ScanCheckDocument, { uid: 'DOC-001', revision: 'A', maxAge: '60' });
  // @ts-expect-error DocumentList takes `uids`, not `uid`.
  requestBody(DocumentListDocument, { uid: 'DOC-001' });
  const reason: ActualityReason = 'SUPERSEDED';
  // @ts-expect-error not one of the schema's reasons.
  const wrong: ActualityReason = 'OUTDATED';
  void reason;
  void wrong;
}

/** A drawing set (a site binder) in one request: one verdict per sheet, in the order asked;
 * a sheet that could not be checked is null, with its error (path `['actualities', i]`). */
export async function drawingSetCheck(
  url: string,
  sheets: RevisionRef[],
): Promise<Array<{ sheet: RevisionRef; verdict: string }>> {
  const { data, errors } = await execute(url, DrawingSetCheckDocument, { items: sheets });
  const verdicts: DrawingSetCheckQuery['actualities'] = data?.actualities ?? [];
  return sheets.map((sheet, i) => {
    const actuality = verdicts[i];
    if (actuality) return { sheet, verdict: actuality.reason };
    const error = errorFor(errors, ['actualities', i]);
    return { sheet, verdict: `unchecked: ${error?.extensions?.code ?? 'no data'}` };
  });
}
