// Why a source would not be polled even when asked for by name (the admin API's poll now, `npm run
// poll -- --source URL`): the same rules the claim applies (store/sources.ts claimSources). Pure.
import type { Source } from '../store/schema.ts';

/** Null when the source may be polled; otherwise the reason, in words for the operator. */
export function unpollableReason(source: Pick<Source, 'id' | 'status' | 'in_config' | 'added_by_api' | 'deleted_at'>): string | null {
  if (source.deleted_at !== null) return `source ${source.id} was deleted through the admin API; add its URL again to poll it`;
  if (source.status === 'paused') return `source ${source.id} is paused; resume it (status "ok") before polling it`;
  if (source.status === 'gone') return `source ${source.id} answered 410 Gone and is no longer polled; resume it (status "ok") to try it again`;
  if (!source.in_config && !source.added_by_api) return `source ${source.id} is no longer listed in feeds/; add its URL through the API to poll it again`;
  return null;
}
