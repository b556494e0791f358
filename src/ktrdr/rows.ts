/**
 * KTRDR's operations list as it sends it: one page for a query, the search for one operation's
 * row, and the order rows are listed in. What the server makes of the rows (quirks checked
 * against records, operations only workers reveal) is `listing.ts`.
 */
import type { KtrdrHttp } from "./http";
import type { OperationRow } from "./model";
import { rowFromSummary } from "./normalise";
import * as wire from "./wire";

export interface ListQuery {
  status?: string;
  operation_type?: string;
  active_only?: boolean;
  limit?: number;
  offset?: number;
}

/** The backend's largest page. */
export const PAGE_MAX = 1000;
/** Operations a search for one id reads, at most (pages of the backend's maximum size). */
const FIND_PAGES = 3;

/** One page of the list, as KTRDR sends it. */
export function listPage(http: KtrdrHttp, q: ListQuery) {
  return http.call("GET", "/operations", wire.operationListSchema, {
    query: {
      status: q.status,
      operation_type: q.operation_type,
      active_only: q.active_only ? true : undefined,
      limit: q.limit,
      offset: q.offset,
    },
    idempotent: true,
  });
}

/** The list row of one operation, searching the whole list (newest first). */
export async function findRow(http: KtrdrHttp, id: string): Promise<OperationRow | undefined> {
  for (let page = 0; page < FIND_PAGES; page++) {
    const res = await listPage(http, { limit: PAGE_MAX, offset: page * PAGE_MAX });
    const hit = res.data.find((r) => r.operation_id === id);
    if (hit) return rowFromSummary(hit);
    if (res.data.length < PAGE_MAX) return undefined;
  }
  return undefined;
}

/** KTRDR's own order: newest first. */
export function newestFirst(a: { created_at?: string | null }, b: { created_at?: string | null }): number {
  return (b.created_at ?? "").localeCompare(a.created_at ?? "");
}
