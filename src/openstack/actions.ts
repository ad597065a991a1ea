// The OpenStack calls that change something, used by backup and cutover: Nova power actions and
// createImage, Cinder snapshots, volumes and upload-to-image, Glance tags/properties/delete, Neutron
// floating IP association. Bodies, status codes and microversions follow the official API references:
//   Nova  POST /servers/{id}/action {"os-stop": null} | {"os-start": null}            → 202 (409 when the state forbids it)
//         POST /servers/{id}/action {"createImage": {name, metadata}}                  → 202; body {"image_id"} from 2.45, Location header before
//   Cinder POST /snapshots {"snapshot": {volume_id, name, description, force, metadata}} → 202 {"snapshot": {..., status: "creating"}}
//         POST /volumes {"volume": {snapshot_id, name, size, metadata}}                → 202 {"volume": {..., status: "creating"}}
//         POST /volumes/{id}/action {"os-volume_upload_image": {image_name, force, disk_format, container_format, visibility(3.1), protected(3.1)}}
//                                                                                      → 202 {"os-volume_upload_image": {image_id, status: "uploading", ...}}
//         DELETE /snapshots/{id}, /volumes/{id}                                        → 202
//   Glance GET /v2/images/{id} (queued → saving → active; killed/deleted on failure), PUT /v2/images/{id}/tags/{tag} → 204,
//         PATCH /v2/images/{id} (application/openstack-images-v2.1-json-patch) → 200, DELETE /v2/images/{id} → 204
//   Neutron PUT /v2.0/floatingips/{id} {"floatingip": {"port_id": id|null}}            → 200
// Every function returns typed values or throws an OpenStackError naming the object; none logs.
// The calls live with their service (reads and writes side by side, as gophercloud keeps them):
// compute.ts (Nova), image.ts (Glance), volume.ts (Cinder), network.ts (Neutron); requests.ts holds what
// they share. This module gathers them for the workflow: openStackActions() is its SourceActions.
import type { OpenStackClient } from './client.js';
import type { SourceActions } from '../workflow/source.js';
import { createServerImage, getServer, startServer, stopServer, waitForServerStatus } from './compute.js';
import { addImageTag, deleteImage, findImages, getImage, patchImage, waitForImageActive } from './image.js';
import {
  createVolumeFromSnapshot,
  createVolumeSnapshot,
  deleteSnapshot,
  deleteVolume,
  findSnapshots,
  findVolumes,
  getSnapshot,
  getVolume,
  uploadVolumeToImage,
  waitForSnapshotAvailable,
  waitForVolumeStatus,
} from './volume.js';

export { NOVA_ACTIONS_MICROVERSION, createServerImage, getServer, startServer, stopServer, waitForServerStatus, type ServerView } from './compute.js';
export { GLANCE_PATCH_TYPE, addImageTag, deleteImage, findImages, getImage, patchImage, toImageView, waitForImageActive, type ImageView } from './image.js';
export {
  CINDER_UPLOAD_MICROVERSION,
  createVolumeFromSnapshot,
  createVolumeSnapshot,
  deleteSnapshot,
  deleteVolume,
  findSnapshots,
  findVolumes,
  getSnapshot,
  getVolume,
  uploadVolumeToImage,
  waitForSnapshotAvailable,
  waitForVolumeStatus,
  type SnapshotInput,
  type SnapshotView,
  type UploadResult,
  type UploadToImageInput,
  type VolumeFromSnapshotInput,
  type VolumeView,
} from './volume.js';
export { getFloatingIp, listFloatingIpsOfPort, setFloatingIpPort, type FloatingIpView } from './network.js';
export { createOnce, waitFor, waitGone, type WaitOptions } from './requests.js';

/** The workflow's SourceActions (src/workflow/source.ts) on a real cloud: every call above, client bound. */
export function openStackActions(c: OpenStackClient): SourceActions {
  return {
    projectId: () => c.token.projectId,
    getServer: (id) => getServer(c, id),
    stopServer: (id) => stopServer(c, id),
    startServer: (id) => startServer(c, id),
    waitForServerStatus: (id, wanted, o) => waitForServerStatus(c, id, wanted, o),
    createServerImage: (id, name, metadata) => createServerImage(c, id, name, metadata),
    getImage: (id) => getImage(c, id),
    findImages: (f) => findImages(c, f),
    addImageTag: (id, tag) => addImageTag(c, id, tag),
    patchImage: (id, ops) => patchImage(c, id, ops),
    deleteImage: (id) => deleteImage(c, id),
    waitForImageActive: (id, o) => waitForImageActive(c, id, o),
    createVolumeSnapshot: (input) => createVolumeSnapshot(c, input),
    getSnapshot: (id) => getSnapshot(c, id),
    findSnapshots: (f) => findSnapshots(c, f),
    deleteSnapshot: (id) => deleteSnapshot(c, id),
    waitForSnapshotAvailable: (id, o) => waitForSnapshotAvailable(c, id, o),
    createVolumeFromSnapshot: (input) => createVolumeFromSnapshot(c, input),
    getVolume: (id) => getVolume(c, id),
    findVolumes: (f) => findVolumes(c, f),
    deleteVolume: (id) => deleteVolume(c, id),
    waitForVolumeStatus: (id, wanted, o) => waitForVolumeStatus(c, id, wanted, o),
    uploadVolumeToImage: (id, input) => uploadVolumeToImage(c, id, input),
  };
}
