// What the VM translation modules (cpu, memory, firmware, devices, os-hints, scheduling, disks, networks,
// cloud-init) share about one server: its flavor, the image properties in effect, and the list of
// findings they add to. Every flavor extra spec and image property read goes through `spec()`/`prop()`,
// which records it as considered; vm.ts then reports every key nobody considered, so nothing is dropped
// silently.
import type { Flavor, Image, Server, Volume } from '../inventory/types.js';
import type { Finding, Outcome, Severity } from './model.js';

export class ServerFindings {
  readonly items: Finding[] = [];
  /** One string for all of this server's findings (a large cloud has 25+ findings per server). */
  readonly source: string;
  constructor(private readonly server: Pick<Server, 'id' | 'name'>) {
    this.source = `server/${server.id}`;
  }

  add(attribute: string, outcome: Outcome, severity: Severity, reason: string, target?: string): void {
    // Two literals rather than adding `target` afterwards: same key order, but every finding keeps its
    // fields in the object itself (no separate property store), which counts with 270,000 findings.
    this.items.push(
      target !== undefined
        ? {
            source: this.source,
            sourceName: this.server.name,
            serverId: this.server.id,
            attribute: attribute,
            outcome,
            severity,
            reason: reason,
            target: target,
          }
        : {
            source: this.source,
            sourceName: this.server.name,
            serverId: this.server.id,
            attribute: attribute,
            outcome,
            severity,
            reason: reason,
          },
    );
  }
  exact(attribute: string, target: string, reason: string): void {
    this.add(attribute, 'exact', 'info', reason, target);
  }
  approximate(attribute: string, target: string | undefined, reason: string, severity: Severity = 'warning'): void {
    this.add(attribute, 'approximate', severity, reason, target);
  }
  lost(attribute: string, reason: string, severity: Severity = 'warning'): void {
    this.add(attribute, 'lost', severity, reason);
  }
  /** The migration of this server cannot proceed as planned (or the source itself is inconsistent). */
  blocker(attribute: string, reason: string, target?: string): void {
    this.add(attribute, 'lost', 'blocker', reason, target);
  }
  /** The value itself is invalid (Nova or KubeVirt rejects it): `plan` fails and writes nothing. */
  invalid(attribute: string, reason: string, target?: string): void {
    this.add(attribute, 'lost', 'error', reason, target);
  }
}

export interface ServerFacts {
  server: Server;
  flavor: Flavor;
  /** The image the server booted from (absent when it boots from a volume or the image is gone). */
  image?: Image;
  /** The Cinder volume at boot index 0, for a server booted from a volume. */
  bootVolume?: Volume;
  findings: ServerFindings;
  /** Image properties in effect: the image's, or the boot volume's volume_image_metadata. */
  imageProperties: Record<string, string>;
  /** "image" or "volume.volume_image_metadata": the prefix of image attributes in findings. */
  imageAttributePrefix: string;
  consumedSpecs: Set<string>;
  consumedProps: Set<string>;
}

export function newServerFacts(server: Server, flavor: Flavor, image: Image | undefined, bootVolume: Volume | undefined): ServerFacts {
  const fromVolume = bootVolume !== undefined;
  return {
    server,
    flavor,
    image,
    bootVolume,
    findings: new ServerFindings(server),
    // Nova reads image properties of a volume-backed server from the volume's image metadata
    // (nova/utils.py get_image_metadata_from_volume), not from the image it was created from.
    imageProperties: fromVolume ? { ...(bootVolume.volumeImageMetadata ?? {}) } : { ...(image?.properties ?? {}) },
    imageAttributePrefix: fromVolume ? 'volume.volume_image_metadata' : 'image',
    consumedSpecs: new Set(),
    consumedProps: new Set(),
  };
}

/** A flavor extra spec, marked as considered. */
export function spec(facts: ServerFacts, key: string): string | undefined {
  facts.consumedSpecs.add(key);
  const value = facts.flavor.extraSpecs[key];
  return value === undefined ? undefined : String(value).trim();
}

/** An image property (or volume image metadata key), marked as considered. */
export function prop(facts: ServerFacts, key: string): string | undefined {
  facts.consumedProps.add(key);
  const value = facts.imageProperties[key];
  return value === undefined ? undefined : String(value).trim();
}

export function specAttr(key: string): string {
  return `flavor.extra_specs.${key}`;
}
export function propAttr(facts: ServerFacts, key: string): string {
  return `${facts.imageAttributePrefix}.${key}`;
}

/** Nova's boolean parsing (oslo strutils.bool_from_string): true/yes/on/1/y/t, case-insensitive. */
export function novaBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1', 'y', 't'].includes(v)) return true;
  if (['false', 'no', 'off', '0', 'n', 'f'].includes(v)) return false;
  return undefined;
}

/** A positive integer, or undefined when absent; NaN when present but not a positive integer. */
export function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return /^\d+$/.test(value) && Number(value) > 0 ? Number(value) : Number.NaN;
}
