import type { Company } from '../acd/directory'

/** 1/0 for the lists, as the Stringee samples show booleans. */
export const bit = (b: boolean): 0 | 1 => (b ? 1 : 0)

/** The Stringee account id of a row (the project's when the company has none). */
export const account = (c: Company): number => c.accountId ?? c.projectId

/** The data block of a list, in the Stringee documents' shape (totalCount is a string there). */
export function listData<T>(
  key: string,
  all: T[] | { total: number; rows: T[] },
  p: { page: number; limit: number },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const total = Array.isArray(all) ? all.length : all.total
  const rows = Array.isArray(all) ? all.slice((p.page - 1) * p.limit, p.page * p.limit) : all.rows
  return {
    totalCount: String(total),
    ...extra,
    totalPages: Math.ceil(total / p.limit),
    currentPage: p.page,
    limit: p.limit,
    [key]: rows,
  }
}
