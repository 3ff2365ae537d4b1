import type { TypedArray } from './dtype';

/** The arrays that may have a device copy: values, and a max-pool's winners (as an arena lends them). */
type LentArray = TypedArray | Int32Array;

/**
 * Host arrays whose values live on a device (the gpu backend's buffers). Every array of the engine is a typed
 * array on the host; a backend that computes elsewhere registers, for each array its kernels wrote, the device
 * buffer that holds the values, and leaves the host array stale. The values come home only when something on
 * the host reads them: `hostValues` (which `Tensor.data` calls) reads them back and drops the device copy, since
 * whoever reads an array on the host may also write it. A kernel on the device asks `deviceCopy` first and
 * uploads only what has none. Code that never meets a device pays one counter test per read.
 */
export interface DeviceHome {
  /** Copies the values of device buffer `id` into `array`, synchronously. */
  readBack(id: number, array: LentArray): void;
  /** Frees device buffer `id`. */
  free(id: number): void;
}

export interface DeviceCopy {
  readonly home: DeviceHome;
  readonly id: number;
  /** Whether the host array holds the same values (after an upload), or is stale (a kernel's output). */
  readonly hostCurrent: boolean;
}

const copies = new WeakMap<LentArray, DeviceCopy>();
/** Copies registered and not dropped: zero for every backend but one on a device, so reads skip the lookup. */
let live = 0;
/** A host array the garbage collector takes frees its device buffer too. */
const collected = new FinalizationRegistry<DeviceCopy>((copy) => {
  live--;
  copy.home.free(copy.id);
});

/** Notes that device buffer `id` of `home` holds `array`'s values (a kernel's output, or an upload of them). */
export function placeOnDevice(array: LentArray, home: DeviceHome, id: number, hostCurrent: boolean): void {
  dropDeviceCopy(array);
  const copy = { home, id, hostCurrent };
  copies.set(array, copy);
  collected.register(array, copy, copy);
  live++;
}

/** The device copy of `array`, if it has one. */
export function deviceCopy(array: LentArray): DeviceCopy | undefined {
  return live === 0 ? undefined : copies.get(array);
}

/** Forgets `array`'s device copy and frees its buffer (the array is reused for other values, or read home). */
export function dropDeviceCopy(array: LentArray): void {
  if (live === 0) return;
  const copy = copies.get(array);
  if (!copy) return;
  copies.delete(array);
  collected.unregister(copy);
  live--;
  copy.home.free(copy.id);
}

/** `array` with its current values on the host: read back from the device if they are only there. */
export function hostValues<A extends LentArray>(array: A): A {
  if (live === 0) return array;
  const copy = copies.get(array);
  if (!copy) return array;
  if (!copy.hostCurrent) copy.home.readBack(copy.id, array);
  dropDeviceCopy(array);
  return array;
}
