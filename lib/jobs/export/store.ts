import { ObjectExportStore, type ExportStore } from '../../store/export-store';
import type { JobContext } from '../context';

/** The export store of a job context: the `exports/` prefix of the vault's object store. */
export function exportStoreOf(ctx: Pick<JobContext, 'objects'>): ExportStore {
  return new ObjectExportStore(ctx.objects);
}
