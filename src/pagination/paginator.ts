/**
 * A paginator turns one page into the query of the next, or null when paging is done. It
 * holds only paging state; the API client sends the requests.
 */
export interface Paginator<Page, Query> {
  first(): Query;
  next(page: Page): Query | null;
}
