// Cinder v3 reader: volume types and volumes with their attachments (device names) and image metadata.
// The endpoint of Cinder holds the scoped project's id, so each re-scoped client has its own.
import type { CinderVolume, CinderVolumeType } from './api-types.js';
import { listAll } from './paging.js';
import { orForbidden, type ReadContext } from './readers.js';

export interface VolumeData {
  volumeTypes: CinderVolumeType[];
  volumes: CinderVolume[];
}

export async function readVolumes(ctx: ReadContext): Promise<VolumeData> {
  const base = ctx.client.endpoint(['volumev3', 'block-storage']);
  const [volumeTypes, volumes] = await Promise.all([
    orForbidden(ctx, 'volume types', 'volumes keep their type name only', () =>
      listAll<CinderVolumeType>(ctx.client, `${base}/types`, 'volume_types', { params: ctx.allProjects ? { is_public: 'None' } : {}, pageSize: ctx.pageSize }), () => []),
    listAll<CinderVolume>(ctx.client, `${base}/volumes/detail`, 'volumes', { params: ctx.allProjects ? { all_tenants: 1 } : {}, pageSize: ctx.pageSize }),
  ]);
  return { volumeTypes, volumes };
}
