/**
 * What a keyset-paged list gives, page after page from the first until a page has no `next`, as
 * `key`s. `read` asks for one page: with `cursor`, the one after it.
 */
export async function allPages<T, K>(
  read: (page: { cursor?: string }) => Promise<{ items: T[]; next?: string | undefined }>,
  key: (item: T) => K,
): Promise<K[]> {
  const listed: K[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor ? { cursor } : {});
    listed.push(...page.items.map(key));
    cursor = page.next;
  } while (cursor);
  return listed;
}
