import type { Paginator } from "./paginator.js";

export interface OffsetPage {
  offset: number;
  limit: number;
  totalCount: number;
}

/**
 * The session listing's offset paging (automated-warehouse-pipeline.txt, step 1): offset grows
 * by limit until it reaches totalCount. The API refuses offsets above 10000, so a test with
 * more sessions than offset 10000 plus one page can reach has sessions no client can list:
 * `unreachable` counts them, and the caller must tell the user.
 */
export class OffsetPaginator implements Paginator<OffsetPage, { limit: number; offset: number }> {
  unreachable = 0;

  constructor(
    /** 500, the most the API allows: the fewest calls. */
    readonly limit = 500,
    readonly maxOffset = 10_000,
  ) {}

  first(): { limit: number; offset: number } {
    return { limit: this.limit, offset: 0 };
  }

  next(page: OffsetPage): { limit: number; offset: number } | null {
    const offset = page.offset + this.limit;
    if (offset >= page.totalCount) return null;
    if (offset > this.maxOffset) {
      this.unreachable = page.totalCount - (this.maxOffset + this.limit);
      return null;
    }
    return { limit: this.limit, offset };
  }
}
