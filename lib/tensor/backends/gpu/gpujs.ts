import * as os from 'node:os';
import { KERNEL_FUNCTIONS } from './functions';
import { copyKernel } from './kernels';

/**
 * Our small typed door to gpu.js (its own typings do not hold under strict TypeScript): open a device in one of
 * its modes, compile a kernel for fixed constants and output length, run it on flat Float32Arrays.
 */

export const GPU_MODES = ['webgpu', 'headlessgl', 'webasm', 'cpu'] as const;
export type GpuMode = (typeof GPU_MODES)[number];

/** A kernel: a function of kernels.ts, or the source text of one (generated.ts). */
type KernelSource = ((...args: never[]) => number) | string;

/** A kernel's result where the device keeps it: a WebGPU buffer (pipeline mode), or an array in the CPU modes. */
export type DeviceValue = object;

interface GpuJsKernel {
  (...inputs: Array<DeviceValue | number>): DeviceValue | Promise<DeviceValue>;
  destroy(removeCanvasReferences?: boolean): void;
  /** The implementation gpu.js picked for this kernel (its class names its mode: WebGPUKernel, CPUKernel, …). */
  readonly kernel?: { constructor: { name: string } };
}

interface GpuJs {
  readonly mode: string;
  createKernel(source: KernelSource, settings: Record<string, unknown>): GpuJsKernel;
  addFunction(source: (...args: number[]) => number): unknown;
  destroy(): unknown;
}

interface GpuJsModule {
  GPU: (new (settings: { mode: string }) => GpuJs) & { isHeadlessGLSupported?: boolean };
  HeadlessGLKernel: { isSupported: boolean };
}

interface BufferHandle {
  toArray(): Promise<Float32Array>;
  delete(): void;
}

export interface CompiledKernel {
  run(inputs: Array<DeviceValue | number>): Promise<DeviceValue>;
  /** The class gpu.js runs this kernel with: a spec checks that no GPU mode fell back to its CPU kernel. */
  readonly implementation: string;
  destroy(): void;
}

export interface GpuDevice {
  readonly mode: GpuMode;
  /** What runs the kernels, for messages: the WebGPU adapter, the GL renderer, or the CPU mode's name. */
  readonly description: string;
  /** Whether results stay in device memory between kernels (WebGPU's pipeline mode), or are host arrays. */
  readonly resident: boolean;
  compile(source: KernelSource, constants: Record<string, number>, outputLength: number): CompiledKernel;
  upload(values: Float32Array): Promise<DeviceValue>;
  read(value: DeviceValue): Promise<Float32Array>;
  free(value: DeviceValue): void;
}

/**
 * Dawn's OpenGL backend loads EGL (glvnd's libEGL and libGLdispatch, then Mesa's libEGL_mesa) and unloads it when
 * its instance is freed. libGLdispatch leaves a per-thread destructor registered, so a thread that used GL and
 * exits after the unload jumps into unmapped code: the process crashed at exit now and then (a core showed it).
 * Loading those libraries first with RTLD_NODELETE keeps them mapped until the process ends. They are not Node
 * addons, so process.dlopen throws after loading them; that is expected.
 */
function pinGlLibraries(): void {
  const RTLD_NODELETE = 0x1000; // glibc's value; Node does not export it
  for (const library of ['libGLdispatch.so.0', 'libEGL.so.1', 'libEGL_mesa.so.0']) {
    try {
      process.dlopen({ exports: {} }, library, os.constants.dlopen.RTLD_NOW! | RTLD_NODELETE);
    } catch {
      // "did not self-register" (loaded and pinned), or not installed (Dawn will say what is missing)
    }
  }
}

/**
 * Every Dawn instance made here, kept until the thread ends: freeing one while the thread runs (the garbage
 * collector would, for the probe that found no adapter) can crash dawn.node.
 */
const dawnInstances: object[] = [];

/** The API Dawn's default backends use on each platform (the OpenGL one is asked for by name). */
const NATIVE_API: Record<string, string> = { linux: 'Vulkan', win32: 'D3D12', darwin: 'Metal' };

/**
 * "WebGPU adapter: NVIDIA H200 (NVIDIA 560.35) through Vulkan", with ", software rasteriser" when no GPU is behind
 * it (Mesa's llvmpipe or lavapipe, SwiftShader, or an adapter that says it is a fallback): said at start, never
 * hidden.
 */
export function adapterDescription(info: Record<string, unknown>, api = 'an unknown API'): string {
  const text = (key: string): string => (typeof info[key] === 'string' ? (info[key] as string) : '');
  const name = [text('vendor'), text('device')].filter(Boolean).join(' ') || 'unnamed';
  const detail = text('description') && text('description') !== name ? ` (${text('description')})` : '';
  const software =
    info.isFallbackAdapter === true || /llvmpipe|lavapipe|softpipe|swiftshader/i.test(`${name} ${text('description')}`);
  return `WebGPU adapter: ${name}${detail} through ${api}${software ? ', software rasteriser' : ''}`;
}

/** Node has no navigator.gpu; Dawn's node binding (the `webgpu` package) provides one. */
async function installWebGpu(): Promise<string> {
  if (process.platform === 'linux') pinGlLibraries();
  const { create, globals } = (await import('webgpu')) as unknown as {
    create: (flags: string[]) => {
      requestAdapter(options?: object): Promise<{ info?: Record<string, string> } | null>;
    };
    globals: object;
  };
  Object.assign(globalThis, globals);
  // A real GPU answers the default backends. Without one, Dawn still finds Mesa's software rasteriser through its
  // OpenGL backend, at WebGPU's 'compatibility' feature level — which gpu.js does not ask for, so we add it.
  for (const flags of [[], ['backend=opengl']]) {
    const gpu = create(flags);
    dawnInstances.push(gpu);
    const requestAdapter = gpu.requestAdapter.bind(gpu);
    const adapter = await requestAdapter({ featureLevel: 'compatibility' });
    if (adapter) {
      gpu.requestAdapter = (options = {}) => requestAdapter({ featureLevel: 'compatibility', ...options });
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
      return adapterDescription(
        adapter.info ?? {},
        flags.length === 0
          ? NATIVE_API[process.platform]
          : `OpenGL (Dawn found no ${NATIVE_API[process.platform] ?? 'native'} adapter)`,
      );
    }
  }
  throw new Error(
    'no WebGPU adapter (Dawn found neither a GPU nor an OpenGL driver; on Debian install libegl1 libegl-mesa0 libgl1-mesa-dri)',
  );
}

function loadGpuJs(): GpuJsModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('gpu.js') as GpuJsModule;
}

/** Opens gpu.js in `mode`, or throws a one-line reason why it cannot run here. */
export async function openGpu(mode: GpuMode): Promise<GpuDevice> {
  let description: string = mode;
  if (mode === 'webgpu') description = await installWebGpu();
  const gpujs = loadGpuJs();
  if (mode === 'headlessgl' && !gpujs.HeadlessGLKernel.isSupported) {
    throw new Error(
      "headless-gl is not available (gpu.js's optional native package 'gl' is not built, or there is no X server: try xvfb-run)",
    );
  }
  const gpu = new gpujs.GPU({ mode });
  for (const helper of KERNEL_FUNCTIONS) gpu.addFunction(helper);
  // gpu.js's pipeline mode keeps results on the device only on WebGPU here (headless-gl's textures are not used)
  const resident = mode === 'webgpu';
  const compile = (source: KernelSource, constants: Record<string, number>, outputLength: number): CompiledKernel => {
    const kernel = gpu.createKernel(source, {
      constants,
      output: [outputLength],
      precision: 'single',
      tactic: 'precision',
      pipeline: resident,
      immutable: resident, // every result its own buffer: the next call must not overwrite it
      loopMaxIterations: 1 << 24, // our loop bounds are constants, but raise the cap anyway
    });
    return {
      run: async (inputs) => kernel(...inputs),
      get implementation() {
        return kernel.kernel?.constructor.name ?? 'unknown';
      },
      destroy: () => kernel.destroy(),
    };
  };
  const copies = new Map<number, CompiledKernel>(); // by length: an upload is a copy kernel's input
  return {
    mode,
    description,
    resident,
    compile,
    async upload(values) {
      if (!resident) return values;
      let copy = copies.get(values.length);
      if (!copy) copies.set(values.length, (copy = compile(copyKernel, {}, values.length)));
      return copy.run([values]);
    },
    read: async (value) => (resident ? (value as BufferHandle).toArray() : (value as Float32Array)),
    free: (value) => (resident ? (value as BufferHandle).delete() : undefined),
  };
}
