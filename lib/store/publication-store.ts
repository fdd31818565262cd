/**
 * Where planned publications are kept: one JSON object each under `exports/publications/` in the data bucket (encrypted
 * with the project key like everything there), read back through zod.
 */
import { EXPORTS_PREFIX } from '../domain/exports';
import { parseJson } from '../domain/json';
import { PublicationSchema, type Publication } from '../domain/publications';
import type { ObjectStore } from './ports';

/** Beside the exports they freeze (and within the exports' access grant: the report and calendar functions read them). */
export const PUBLICATIONS_PREFIX = `${EXPORTS_PREFIX}publications/`;

export interface PublicationStore {
  get(id: string): Promise<Publication | undefined>;
  put(publication: Publication): Promise<void>;
  list(): Promise<Publication[]>;
}

export class ObjectPublicationStore implements PublicationStore {
  constructor(private readonly objects: ObjectStore) {}

  async get(id: string): Promise<Publication | undefined> {
    const object = await this.objects.get(`${PUBLICATIONS_PREFIX}${id}.json`);
    return object ? PublicationSchema.parse(parseJson(object.body.toString('utf8'))) : undefined;
  }

  async put(publication: Publication): Promise<void> {
    await this.objects.put(`${PUBLICATIONS_PREFIX}${publication.id}.json`, JSON.stringify(PublicationSchema.parse(publication)), { contentType: 'application/json' });
  }

  async list(): Promise<Publication[]> {
    const out: Publication[] = [];
    for await (const key of this.objects.list(PUBLICATIONS_PREFIX)) {
      const id = key.slice(PUBLICATIONS_PREFIX.length).replace(/\.json$/, '');
      const p = await this.get(id);
      if (p) out.push(p);
    }
    return out.sort((a, b) => (a.plannedDate !== b.plannedDate ? (a.plannedDate < b.plannedDate ? -1 : 1) : a.id < b.id ? -1 : 1));
  }
}
