// How far V8 lets the heap grow between full garbage collections, for `plan`. On a machine with much
// memory (V8's heap limit 2 GB or more) V8 lets the old generation grow to up to 4× the data that was
// live at the previous full collection before it collects again. The first full collection of `plan`
// falls in the middle of reading the inventory (68 MB live at 10,000 servers), so the heap then grew
// to ~250 MB before the next one, whatever the plan itself keeps (~120 MB): that, not the live data,
// set the peak resident memory. 1.5× keeps the peak near what is live (10,000 servers: 358 → ~300 MB
// max RSS), for a few more, shorter collections. V8 reads this flag at every full collection, so
// setting it when the command starts is in time; it is a documented V8 option (`node --v8-options`).
import { setFlagsFromString } from 'node:v8';

export const PLAN_HEAP_GROWING_PERCENT = 50;

export function limitHeapGrowth(percent = PLAN_HEAP_GROWING_PERCENT): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
