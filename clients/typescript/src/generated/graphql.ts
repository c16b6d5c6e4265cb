/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Why a revision is or is not the one to build from. Only CURRENT says build from it (isActual true); every other reason says do not, and why. The verdict weighs the revision's maturity state and supersededBy, ENOVIA's latest released revision of the document, and whether ENOVIA confirmed that data within maxAge. */
export type ActualityReason =
  /** Build from this revision: its maturity state is a released one (business status APPROVED_FOR_CONSTRUCTION or ACCEPTED_BY_CUSTOMER), nothing marks it superseded, ENOVIA's latest released revision of the document is this very one, and ENOVIA confirmed all of that within maxAge (no STALE data behind it). */
  | 'CURRENT'
  /** ENOVIA has no document with this uid, or it was deleted. */
  | 'DOCUMENT_NOT_FOUND'
  /** Released and not marked superseded, but ENOVIA's latest released revision of the document is another one (see latestRevision): that one is to be built from. */
  | 'NEWER_REVISION_RELEASED'
  /** Not released: its maturity state is a work state (In Work, Frozen, or any state whose status is IN_WORK), or its state says released but ENOVIA reports no released revision of the document at all. */
  | 'NOT_RELEASED'
  /** ENOVIA has the document but no revision with this label. */
  | 'REVISION_NOT_FOUND'
  /** Replaced: supersededBy names the revision that replaces it, or its maturity state says so (Superseded, Obsolete, or any state whose status is CHANGES_INTRODUCED_GET_NEW). */
  | 'SUPERSEDED'
  /** The last data ENOVIA gave says CURRENT, but ENOVIA could not be reached just now (down, failing, or too slow), so the answer rests on older cached data (freshness STALE; lastKnownReason is CURRENT, checkedAt says when that data was asked for). Do not build from it until it is confirmed. */
  | 'UNCONFIRMED'
  /** Its maturity state is not one the gateway's status table knows (such as Cancelled): whether to build from it cannot be told. */
  | 'UNKNOWN_STATE';

/** A PTE-QR business status. It follows the verdict on the revision: the status of the revision's maturity state only when the revision is the one to build from (CURRENT), so that a replaced drawing never shows as approved. States map to statuses by the gateway's table (Released, AFC, Accepted, Approved, Obsolete, Superseded, In Work, Frozen; on the 3DEXPERIENCE platform also its own states such as RELEASED and IN_WORK, and a site's additions); a state it does not know is UNKNOWN. */
export type BusinessStatusCode =
  /** Accepted by the customer: a CURRENT revision whose maturity state is Accepted or Approved (on the 3DEXPERIENCE platform also any state a site maps to this status). */
  | 'ACCEPTED_BY_CUSTOMER'
  /** Approved for construction: a CURRENT revision whose maturity state is Released or AFC (on the 3DEXPERIENCE platform also RELEASED or Release, and any state a site maps to this status). */
  | 'APPROVED_FOR_CONSTRUCTION'
  /** Changes introduced, get the new version: the revision is replaced (reason SUPERSEDED or NEWER_REVISION_RELEASED). */
  | 'CHANGES_INTRODUCED_GET_NEW'
  /** In work: the revision is not released (reason NOT_RELEASED). */
  | 'IN_WORK'
  /** Status unknown: the gateway cannot tell (reason UNKNOWN_STATE, REVISION_NOT_FOUND, DOCUMENT_NOT_FOUND or UNCONFIRMED). */
  | 'UNKNOWN';

/** How fresh a piece of data is. checkedAt, beside it, says when the gateway sent the ENOVIA request it came from; a verdict is as fresh as the least fresh data behind it. */
export type Freshness =
  /** From the gateway's cache: within the time to live of its kind (GATEWAY_CACHE_TTL_*) and within the request's maxAge, where it gives one. */
  | 'CACHED'
  /** ENOVIA was asked for this request, or the request shared an identical ENOVIA request sent at most GATEWAY_SHARE_WINDOW seconds (0.1 by default) before it began. */
  | 'LIVE'
  /** ENOVIA could not answer (down, failing, or too slow), so an older copy from the cache is shown instead: one past its time to live or older than maxAge, at most GATEWAY_CACHE_MAX_STALE seconds (a day by default) past its time to live. A verdict on STALE data is never CURRENT. */
  | 'STALE';

/** One revision of one document, as the QR code on a sheet names it. */
export type RevisionRef = {
  /** The revision label printed on the sheet next to the QR code, such as A, B or A/2, looked up as ENOVIA spells it. Over the 3DEXPERIENCE platform with TDX_REVISION_MATCH=major, a printed B also finds the newest B.<n>. 'latest' is reserved (ask for latestRevision instead); empty, longer than 256 characters, '.', '..' or holding a control character is BAD_USER_INPUT, never sent to ENOVIA. */
  revision: string;
  /** The drawing's document uid, as its PTE-QR code carries it. Over the ENOVIA REST facade (/api/v1/documents, the default upstream) it is the facade's document uid, such as DOC-001 (not necessarily the number printed on the sheet). Over the 3DEXPERIENCE platform (ENOVIA_API=3dexperience) it is the document's name, that is its drawing number, matched exactly; the 32-hex-digit physical id of any of its revisions works too. Empty, longer than 256 characters, '.', '..' or holding a control character: BAD_USER_INPUT, never sent to ENOVIA. */
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