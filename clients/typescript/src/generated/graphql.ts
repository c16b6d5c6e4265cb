/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Why a revision is or is not the one to build from. CURRENT: its state is released, nothing supersedes it, ENOVIA's latest released revision is this very one, and ENOVIA confirmed all of that within maxAge. SUPERSEDED: supersededBy is set, or the state is Superseded or Obsolete. NEWER_REVISION_RELEASED: released and not marked superseded, but ENOVIA's latest released revision is another one. NOT_RELEASED: In Work or Frozen, or ENOVIA reports no released revision. UNKNOWN_STATE: a maturity state the status mapping does not know. REVISION_NOT_FOUND, DOCUMENT_NOT_FOUND: ENOVIA has no such revision, or no such document (or deleted it). UNCONFIRMED: the last data ENOVIA gave says CURRENT, but ENOVIA could not be reached to confirm it now (the data is STALE): do not build from it until it is confirmed. */
export type ActualityReason =
  | 'CURRENT'
  | 'DOCUMENT_NOT_FOUND'
  | 'NEWER_REVISION_RELEASED'
  | 'NOT_RELEASED'
  | 'REVISION_NOT_FOUND'
  | 'SUPERSEDED'
  | 'UNCONFIRMED'
  | 'UNKNOWN_STATE';

/** PTE-QR business status. A revision's status follows the verdict on it: APPROVED_FOR_CONSTRUCTION (a current revision in state Released or AFC), ACCEPTED_BY_CUSTOMER (a current revision in state Accepted or Approved), CHANGES_INTRODUCED_GET_NEW (Obsolete, Superseded, or any revision a newer released one replaces), IN_WORK (In Work, Frozen, or not released), UNKNOWN (a state the mapping does not know, a revision not found, or a verdict ENOVIA could not confirm). */
export type BusinessStatusCode =
  | 'ACCEPTED_BY_CUSTOMER'
  | 'APPROVED_FOR_CONSTRUCTION'
  | 'CHANGES_INTRODUCED_GET_NEW'
  | 'IN_WORK'
  | 'UNKNOWN';

/** How fresh a piece of data is. LIVE: the gateway asked ENOVIA for this request (or shared an identical request sent at most GATEWAY_SHARE_WINDOW seconds before this one began). CACHED: from the gateway's cache, within its time to live and the request's maxAge. STALE: ENOVIA failed, and an older cached answer is shown instead (a verdict on STALE data is never CURRENT). */
export type Freshness =
  | 'CACHED'
  | 'LIVE'
  | 'STALE';

/** One revision of one document, as the QR code on a sheet names it. */
export type RevisionRef = {
  /** The revision label printed on the sheet. */
  revision: string;
  /** The document, as the QR code carries it (the facade's document uid; on the 3DEXPERIENCE platform, the document's name or a physical id). */
  uid: string | number;
};

export type DocumentCardQueryVariables = Exact<{
  uid: string | number;
  lang?: string | null | undefined;
}>;


export type DocumentCardQuery = { document: { uid: string, title: string | null, number: string | null, type: string | null, updatedAt: string | null, freshness: Freshness, checkedAt: string, latestRevision: { revision: string, maturityState: string, releasedDate: string | null, pages: number | null, businessStatus: { code: BusinessStatusCode, label: string } } | null } | null };

export type DocumentListQueryVariables = Exact<{
  uids: Array<string | number> | string | number;
  lang?: string | null | undefined;
}>;


export type DocumentListQuery = { documents: Array<{ uid: string, title: string | null, number: string | null, freshness: Freshness, latestRevision: { revision: string, businessStatus: { code: BusinessStatusCode, label: string } } | null } | null> };

export type DrawingSetCheckQueryVariables = Exact<{
  items: Array<RevisionRef> | RevisionRef;
  lang?: string | null | undefined;
  maxAge?: number | null | undefined;
}>;


export type DrawingSetCheckQuery = { actualities: Array<{ isActual: boolean, reason: ActualityReason, lastKnownReason: ActualityReason | null, checkedAt: string, freshness: Freshness, businessStatus: { code: BusinessStatusCode, label: string }, revision: { documentUid: string, revision: string } | null, latestRevision: { revision: string } | null } | null> };

export type ScanCheckQueryVariables = Exact<{
  uid: string | number;
  revision: string;
  lang?: string | null | undefined;
  maxAge?: number | null | undefined;
}>;


export type ScanCheckQuery = { actuality: { isActual: boolean, reason: ActualityReason, lastKnownReason: ActualityReason | null, checkedAt: string, freshness: Freshness, businessStatus: { code: BusinessStatusCode, label: string }, revision: { revision: string, maturityState: string } | null, latestRevision: { revision: string } | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const DocumentCardDocument = new TypedDocumentString(`
    query DocumentCard($uid: ID!, $lang: String) {
  document(uid: $uid) {
    uid
    title
    number
    type
    updatedAt
    freshness
    checkedAt
    latestRevision {
      revision
      maturityState
      releasedDate
      pages
      businessStatus {
        code
        label(lang: $lang)
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DocumentCardQuery, DocumentCardQueryVariables>;
export const DocumentListDocument = new TypedDocumentString(`
    query DocumentList($uids: [ID!]!, $lang: String) {
  documents(uids: $uids) {
    uid
    title
    number
    freshness
    latestRevision {
      revision
      businessStatus {
        code
        label(lang: $lang)
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DocumentListQuery, DocumentListQueryVariables>;
export const DrawingSetCheckDocument = new TypedDocumentString(`
    query DrawingSetCheck($items: [RevisionRef!]!, $lang: String, $maxAge: Int) {
  actualities(items: $items, maxAge: $maxAge) {
    isActual
    reason
    lastKnownReason
    businessStatus {
      code
      label(lang: $lang)
    }
    revision {
      documentUid
      revision
    }
    latestRevision {
      revision
    }
    checkedAt
    freshness
  }
}
    `) as unknown as TypedDocumentString<DrawingSetCheckQuery, DrawingSetCheckQueryVariables>;
export const ScanCheckDocument = new TypedDocumentString(`
    query ScanCheck($uid: ID!, $revision: String!, $lang: String, $maxAge: Int) {
  actuality(uid: $uid, revision: $revision, maxAge: $maxAge) {
    isActual
    reason
    lastKnownReason
    businessStatus {
      code
      label(lang: $lang)
    }
    revision {
      revision
      maturityState
    }
    latestRevision {
      revision
    }
    checkedAt
    freshness
  }
}
    `) as unknown as TypedDocumentString<ScanCheckQuery, ScanCheckQueryVariables>;