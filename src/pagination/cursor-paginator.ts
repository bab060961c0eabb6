import type { Paginator } from "./paginator.js";

/**
 * The workspace listing's cursor paging (classify-tests-by-type.txt, step 1): the next page is
 * `after` = the last item's cursor, and an empty page ends paging. A cursor seen before would
 * loop forever: paging stops and `repeatedCursor` says so.
 */
export class CursorPaginator implements Paginator<ReadonlyArray<{ cursor?: unknown }>, { after?: string }> {
  private readonly seen = new Set<string>();
  repeatedCursor: string | null = null;

  first(): { after?: string } {
    return {};
  }

  next(items: ReadonlyArray<{ cursor?: unknown }>): { after: string } | null {
    if (items.length === 0) return null;
    const cursor = items[items.length - 1]?.cursor;
    if (typeof cursor !== "string" || cursor === "") return null;
    if (this.seen.has(cursor)) {
      this.repeatedCursor = cursor;
      return null;
    }
    this.seen.add(cursor);
    return { after: cursor };
  }
}
