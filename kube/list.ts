// Lists read in pages, so a large cluster is not one huge answer; each page is one call
// with the client's timeout and retries.
import type { Kube } from './client.ts';
import { describeKubeError, KubeReadError } from './errors.ts';

export const PAGE_SIZE = 500;

type Page<T> = { items: T[]; metadata?: { _continue?: string } };

/** Every item of a list, following `continue` tokens; each page is one retried call. */
export async function listAll<T>(kube: Kube, what: string, page: (cont: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cont: string | undefined;
  do {
    const res = await kube.call(what, () => page(cont)).catch((err: unknown) => {
      throw new KubeReadError(`${what}: ${describeKubeError(err, kube.server)}`, { cause: err });
    });
    items.push(...res.items);
    cont = res.metadata?._continue || undefined;
  } while (cont);
  return items;
}
