// Glance v2 reader. visibility=all (Glance 2.5+) also lists community images, which the default listing
// leaves out for non-admins although servers may boot from them.
import type { GlanceImage } from './api-types.js';
import { listAll } from './paging.js';
import type { ReadContext } from './readers.js';

export async function readImages(ctx: ReadContext): Promise<GlanceImage[]> {
  const base = ctx.client.endpoint(['image']).replace(/\/v2$/, '');
  return listAll<GlanceImage>(ctx.client, `${base}/v2/images`, 'images', { params: { visibility: 'all' }, pageSize: ctx.pageSize });
}
